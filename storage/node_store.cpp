#include "storage/node_store.h"

#include "storage/file_store.h"
#include "storage/schema.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <stdexcept>

namespace radnode::storage {

std::int64_t nowMs() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string jobStateName(JobState state) {
    switch (state) {
    case JobState::Queued: return "queued";
    case JobState::Running: return "running";
    case JobState::Done: return "done";
    case JobState::Failed: return "failed";
    }
    return "unknown";
}

std::string deliveryStateName(DeliveryState state) {
    switch (state) {
    case DeliveryState::Pending: return "pending";
    case DeliveryState::Delivered: return "delivered";
    case DeliveryState::Failed: return "failed";
    }
    return "unknown";
}

namespace {

JobState jobStateFrom(const std::string& text) {
    if (text == "queued") return JobState::Queued;
    if (text == "running") return JobState::Running;
    if (text == "done") return JobState::Done;
    return JobState::Failed;
}

DeliveryState deliveryStateFrom(const std::string& text) {
    if (text == "pending") return DeliveryState::Pending;
    if (text == "delivered") return DeliveryState::Delivered;
    return DeliveryState::Failed;
}

// UIDs become path components: only digits and dots, as PS3.5 9.1 requires, so a
// malicious UID can never climb out of the store.
void requireUid(const std::string& uid, const char* what) {
    const bool valid = !uid.empty() && uid.size() <= 64 &&
                       std::all_of(uid.begin(), uid.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
    if (!valid) throw std::invalid_argument(std::string(what) + " is not a valid UID: '" + uid + "'");
}

const char* const kInstanceColumns =
    "id, sop_instance_uid, sop_class_uid, study_uid, series_uid, modality, version, path";

InstanceRow instanceFrom(const Statement& s) {
    InstanceRow row;
    row.id = s.integer(0);
    row.sopInstanceUid = s.text(1);
    row.sopClassUid = s.text(2);
    row.studyUid = s.text(3);
    row.seriesUid = s.text(4);
    row.modality = s.text(5);
    row.version = static_cast<int>(s.integer(6));
    row.path = s.text(7);
    return row;
}

const char* const kJobColumns = "id, study_uid, state, attempts, coalesce(last_error, ''), created_at, updated_at";

JobRow jobFrom(const Statement& s) {
    JobRow row;
    row.id = s.integer(0);
    row.studyUid = s.text(1);
    row.state = jobStateFrom(s.text(2));
    row.attempts = static_cast<int>(s.integer(3));
    row.lastError = s.text(4);
    row.createdAt = s.integer(5);
    row.updatedAt = s.integer(6);
    return row;
}

const char* const kResultColumns =
    "id, job_id, study_uid, sr_sop_instance_uid, sr_series_uid, sr_path, summary, supersedes_result_id, created_at";

ResultRow resultFrom(const Statement& s) {
    ResultRow row;
    row.id = s.integer(0);
    row.jobId = s.integer(1);
    row.studyUid = s.text(2);
    row.srSopInstanceUid = s.text(3);
    row.srSeriesUid = s.text(4);
    row.srPath = s.text(5);
    row.summary = s.text(6);
    row.supersedes = s.optionalInteger(7);
    row.createdAt = s.integer(8);
    return row;
}

const char* const kDeliveryColumns =
    "d.id, d.result_id, d.destination, r.sr_sop_instance_uid, r.sr_path, d.state, d.attempts, d.next_attempt_at, "
    "d.created_at, coalesce(d.last_status, ''), coalesce(d.last_error, ''), r.study_uid";

DeliveryRow deliveryFrom(const Statement& s) {
    DeliveryRow row;
    row.id = s.integer(0);
    row.resultId = s.integer(1);
    row.destination = s.text(2);
    row.srSopInstanceUid = s.text(3);
    row.srPath = s.text(4);
    row.state = deliveryStateFrom(s.text(5));
    row.attempts = static_cast<int>(s.integer(6));
    row.nextAttemptAt = s.integer(7);
    row.createdAt = s.integer(8);
    row.lastStatus = s.text(9);
    row.lastError = s.text(10);
    row.studyUid = s.text(11);
    return row;
}

} // namespace

NodeStore::NodeStore(const std::filesystem::path& database, const std::filesystem::path& fileStore)
    : database_((std::filesystem::create_directories(database.parent_path()), database)), fileStore_(fileStore) {
    std::filesystem::create_directories(fileStore_ / "incoming");
    std::filesystem::create_directories(fileStore_ / "instances");
    std::filesystem::create_directories(fileStore_ / "results");
    migrate(database_);
}

std::filesystem::path NodeStore::incomingPath() {
    // The process ID keeps names apart across restarts; the counter within this process.
    return fileStore_ / "incoming" /
           (std::to_string(::getpid()) + "-" + std::to_string(++incomingCounter_) + std::string(kPartialSuffix));
}

struct NodeStore::PendingInstance {
    const std::filesystem::path& received;
    const InstanceRecord& record;
    bool auditReception = false;
    std::optional<StoredInstance> stored;
    std::exception_ptr error;
    bool done = false;
};

StoredInstance NodeStore::storeInstance(const std::filesystem::path& received, const InstanceRecord& record,
                                        bool auditReception) {
    requireUid(record.sopInstanceUid, "SOP Instance UID");
    requireUid(record.studyUid, "Study Instance UID");
    requireUid(record.seriesUid, "Series Instance UID");
    // The slow half of durability, in parallel for every association: the bytes reach the disk.
    syncFile(received);

    PendingInstance mine{received, record, auditReception, std::nullopt, nullptr};
    std::unique_lock lock(pendingMutex_);
    pending_.push_back(&mine);
    while (!mine.done) {
        if (committing_) {
            pendingDone_.wait(lock);
            continue;
        }
        // No commit under way: this caller commits everything queued so far, its own included.
        committing_ = true;
        std::vector<PendingInstance*> batch;
        batch.swap(pending_);
        lock.unlock();
        commitInstances(batch);
        lock.lock();
        committing_ = false;
        for (PendingInstance* item : batch) item->done = true;
        pendingDone_.notify_all();
    }
    if (mine.error) std::rethrow_exception(mine.error);
    return *mine.stored;
}

// One transaction for the batch; an instance that fails is rolled back alone (savepoint) and
// its caller gets the error. If the commit fails, no instance of the batch is kept.
void NodeStore::commitInstances(const std::vector<PendingInstance*>& batch) {
    std::vector<std::filesystem::path> placed; // renamed into place by this transaction
    try {
        std::lock_guard lock(mutex_);
        Transaction transaction(database_);
        for (PendingInstance* item : batch) {
            database_.execute("SAVEPOINT instance");
            try {
                item->stored = storeInstanceLocked(item->received, item->record, item->auditReception, placed);
                database_.execute("RELEASE instance");
            } catch (...) {
                item->error = std::current_exception();
                database_.execute("ROLLBACK TO instance");
                database_.execute("RELEASE instance");
            }
        }
        transaction.commit();
    } catch (...) {
        for (const auto& path : placed) {
            std::error_code ignored;
            std::filesystem::remove(path, ignored);
        }
        for (PendingInstance* item : batch) {
            if (!item->error) item->error = std::current_exception();
        }
    }
}

StoredInstance NodeStore::storeInstanceLocked(const std::filesystem::path& received, const InstanceRecord& record,
                                              bool auditReception, std::vector<std::filesystem::path>& placed) {
    auto auditAs = [&](const char* event, int version) {
        if (!auditReception) return;
        auditLocked(AuditEvent{event, record.studyUid, record.sopInstanceUid, record.callingAe, record.peerAddress,
                               std::nullopt, "SOP class " + record.sopClassUid + ", version " + std::to_string(version)});
    };

    int latestVersion = 0;
    {
        Statement versions(database_, std::string("SELECT ") + kInstanceColumns +
                                          " FROM instances WHERE sop_instance_uid = ? ORDER BY version DESC");
        versions.bind(1, record.sopInstanceUid);
        while (versions.step()) {
            const InstanceRow existing = instanceFrom(versions);
            latestVersion = std::max(latestVersion, existing.version);
            if (sameFileContent(existing.path, received)) {
                std::filesystem::remove(received);
                auditAs("instance.duplicate", existing.version);
                return StoredInstance{existing.id, existing.version, StoreOutcome::Duplicate, existing.path};
            }
        }
    }

    const int version = latestVersion + 1;
    const std::string name = record.sopInstanceUid + (version > 1 ? ".v" + std::to_string(version) : "") + ".dcm";
    const auto finalPath = fileStore_ / "instances" / record.studyUid / record.seriesUid / name;
    renameDurably(received, finalPath); // fsynced by storeInstance
    placed.push_back(finalPath);

    try {
        const std::int64_t now = nowMs();
        Statement study(database_, R"sql(
            INSERT INTO studies (study_uid, patient_id, accession_number, first_received_at, last_received_at)
            VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (study_uid) DO UPDATE SET
                last_received_at = excluded.last_received_at,
                patient_id = coalesce(studies.patient_id, excluded.patient_id),
                accession_number = coalesce(studies.accession_number, excluded.accession_number))sql");
        study.bind(1, record.studyUid).bind(2, record.patientId).bind(3, record.accessionNumber).bind(4, now).bind(5, now);
        study.run();

        Statement insert(database_, R"sql(
            INSERT INTO instances (sop_instance_uid, version, sop_class_uid, study_uid, series_uid, modality,
                                   transfer_syntax, path, size_bytes, calling_ae, peer_address, received_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?))sql");
        insert.bind(1, record.sopInstanceUid).bind(2, version).bind(3, record.sopClassUid).bind(4, record.studyUid);
        insert.bind(5, record.seriesUid).bind(6, record.modality).bind(7, record.transferSyntax);
        insert.bind(8, finalPath.string()).bind(9, static_cast<std::int64_t>(std::filesystem::file_size(finalPath)));
        insert.bind(10, record.callingAe).bind(11, record.peerAddress).bind(12, now);
        insert.run();
        const std::int64_t id = database_.lastInsertId();

        std::set<std::string> references(record.referencedInstanceUids.begin(), record.referencedInstanceUids.end());
        for (const auto& uid : references) {
            Statement reference(database_,
                                "INSERT INTO segmentation_references (instance_id, referenced_uid) VALUES (?, ?)");
            reference.bind(1, id).bind(2, uid);
            reference.run();
        }
        auditAs(version > 1 ? "instance.new_version" : "instance.received", version);
        return StoredInstance{id, version, version > 1 ? StoreOutcome::NewVersion : StoreOutcome::Stored, finalPath};
    } catch (...) {
        // No file without a row: the sender gets a failure and will send again.
        std::error_code ignored;
        std::filesystem::remove(finalPath, ignored);
        placed.pop_back();
        throw;
    }
}

std::optional<InstanceRow> NodeStore::latestInstance(const std::string& sopInstanceUid) {
    std::lock_guard lock(mutex_);
    Statement s(database_, std::string("SELECT ") + kInstanceColumns +
                               " FROM instances WHERE sop_instance_uid = ? ORDER BY version DESC LIMIT 1");
    s.bind(1, sopInstanceUid);
    if (!s.step()) return std::nullopt;
    return instanceFrom(s);
}

std::vector<InstanceRow> NodeStore::instancesOfStudy(const std::string& studyUid) {
    std::lock_guard lock(mutex_);
    Statement s(database_, std::string("SELECT ") + kInstanceColumns +
                               " FROM instances i WHERE study_uid = ? AND version = "
                               "(SELECT max(version) FROM instances WHERE sop_instance_uid = i.sop_instance_uid) "
                               "ORDER BY id");
    s.bind(1, studyUid);
    std::vector<InstanceRow> rows;
    while (s.step()) rows.push_back(instanceFrom(s));
    return rows;
}

std::int64_t NodeStore::instanceCount() {
    std::lock_guard lock(mutex_);
    Statement s(database_, "SELECT count(*) FROM instances");
    s.step();
    return s.integer(0);
}

std::vector<std::string> NodeStore::studiesAwaitingAssembly(std::int64_t now, std::int64_t quietMs) {
    std::lock_guard lock(mutex_);
    Statement s(database_, "SELECT study_uid FROM studies WHERE last_received_at <= ? AND "
                           "(assembled_at IS NULL OR assembled_at < last_received_at) ORDER BY last_received_at");
    s.bind(1, now - quietMs);
    std::vector<std::string> studies;
    while (s.step()) studies.push_back(s.text(0));
    return studies;
}

std::int64_t NodeStore::studyLastReceivedAt(const std::string& studyUid) {
    std::lock_guard lock(mutex_);
    Statement s(database_, "SELECT last_received_at FROM studies WHERE study_uid = ?");
    s.bind(1, studyUid);
    return s.step() ? s.integer(0) : 0;
}

std::int64_t NodeStore::studyFirstReceivedAt(const std::string& studyUid) {
    std::lock_guard lock(mutex_);
    Statement s(database_, "SELECT first_received_at FROM studies WHERE study_uid = ?");
    s.bind(1, studyUid);
    return s.step() ? s.integer(0) : 0;
}

std::vector<InstanceRow> NodeStore::segmentationsOfStudy(const std::string& studyUid) {
    std::lock_guard lock(mutex_);
    Statement s(database_, std::string("SELECT ") + kInstanceColumns +
                               " FROM instances i WHERE study_uid = ? AND sop_class_uid IN "
                               "('1.2.840.10008.5.1.4.1.1.66.4', '1.2.840.10008.5.1.4.1.1.66.7') AND version = "
                               "(SELECT max(version) FROM instances WHERE sop_instance_uid = i.sop_instance_uid) "
                               "ORDER BY id");
    s.bind(1, studyUid);
    std::vector<InstanceRow> rows;
    while (s.step()) rows.push_back(instanceFrom(s));
    return rows;
}

std::vector<std::string> NodeStore::missingReferences(std::int64_t segmentationInstanceId) {
    std::lock_guard lock(mutex_);
    Statement s(database_, "SELECT referenced_uid FROM segmentation_references r WHERE instance_id = ? AND NOT EXISTS "
                           "(SELECT 1 FROM instances i WHERE i.sop_instance_uid = r.referenced_uid) "
                           "ORDER BY referenced_uid");
    s.bind(1, segmentationInstanceId);
    std::vector<std::string> missing;
    while (s.step()) missing.push_back(s.text(0));
    return missing;
}

void NodeStore::markAssembled(const std::string& studyUid, std::int64_t at) {
    std::lock_guard lock(mutex_);
    Statement s(database_, "UPDATE studies SET assembled_at = ? WHERE study_uid = ?");
    s.bind(1, at).bind(2, studyUid);
    s.run();
}

std::int64_t NodeStore::createJobLocked(const std::string& studyUid, const char* state, const std::string& error) {
    const std::int64_t now = nowMs();
    Statement s(database_, "INSERT INTO jobs (study_uid, state, last_error, created_at, updated_at) VALUES (?, ?, ?, ?, ?)");
    s.bind(1, studyUid).bind(2, state);
    if (error.empty()) {
        s.bindNull(3);
    } else {
        s.bind(3, error);
    }
    s.bind(4, now).bind(5, now);
    s.run();
    return database_.lastInsertId();
}

std::int64_t NodeStore::enqueueJob(const std::string& studyUid) {
    std::lock_guard lock(mutex_);
    Transaction transaction(database_);
    const auto id = createJobLocked(studyUid, "queued", "");
    auditLocked(AuditEvent{"job.queued", studyUid, "", "", "", id, ""});
    transaction.commit();
    return id;
}

bool NodeStore::hasQueuedJob(const std::string& studyUid) {
    std::lock_guard lock(mutex_);
    Statement s(database_, "SELECT 1 FROM jobs WHERE study_uid = ? AND state = 'queued' LIMIT 1");
    s.bind(1, studyUid);
    return s.step();
}

std::int64_t NodeStore::recordFailedJob(const std::string& studyUid, const std::string& reason) {
    std::lock_guard lock(mutex_);
    Transaction transaction(database_);
    const auto id = createJobLocked(studyUid, "failed", reason);
    auditLocked(AuditEvent{"job.failed", studyUid, "", "", "", id, reason});
    transaction.commit();
    return id;
}

std::optional<JobRow> NodeStore::leaseJob(const std::string& owner, std::int64_t leaseMs) {
    std::lock_guard lock(mutex_);
    Transaction transaction(database_);
    Statement next(database_, "SELECT id FROM jobs WHERE state = 'queued' ORDER BY id LIMIT 1");
    if (!next.step()) return std::nullopt;
    const std::int64_t id = next.integer(0);
    const std::int64_t now = nowMs();
    Statement lease(database_, "UPDATE jobs SET state = 'running', lease_owner = ?, lease_expires_at = ?, "
                               "attempts = attempts + 1, updated_at = ? WHERE id = ?");
    lease.bind(1, owner).bind(2, now + leaseMs).bind(3, now).bind(4, id);
    lease.run();
    Statement read(database_, std::string("SELECT ") + kJobColumns + " FROM jobs WHERE id = ?");
    read.bind(1, id);
    read.step();
    JobRow row = jobFrom(read);
    auditLocked(AuditEvent{"job.running", row.studyUid, "", "", "", id, "worker " + owner + ", attempt " +
                                                                            std::to_string(row.attempts)});
    transaction.commit();
    return row;
}

std::int64_t NodeStore::completeJob(std::int64_t jobId, const ResultRecord& result,
                                    const std::vector<std::string>& destinations) {
    std::lock_guard lock(mutex_);
    Transaction transaction(database_);
    Statement jobRead(database_, "SELECT study_uid FROM jobs WHERE id = ?");
    jobRead.bind(1, jobId);
    if (!jobRead.step()) throw DatabaseError("no job " + std::to_string(jobId));
    const std::string studyUid = jobRead.text(0);

    std::optional<std::int64_t> previous;
    Statement latest(database_, "SELECT id FROM results WHERE study_uid = ? ORDER BY id DESC LIMIT 1");
    latest.bind(1, studyUid);
    if (latest.step()) previous = latest.integer(0);

    const std::int64_t now = nowMs();
    Statement insert(database_, "INSERT INTO results (job_id, study_uid, sr_sop_instance_uid, sr_series_uid, sr_path, "
                                "summary, supersedes_result_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    insert.bind(1, jobId).bind(2, studyUid).bind(3, result.srSopInstanceUid).bind(4, result.srSeriesUid);
    insert.bind(5, result.srPath.string()).bind(6, result.summary).bind(7, previous).bind(8, now);
    insert.run();
    const std::int64_t resultId = database_.lastInsertId();

    Statement score(database_, "INSERT INTO result_scores (result_id, model_name, model_version, scored, reason, "
                               "rad_score, probability, threshold, predicted_class, flags) "
                               "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    for (const auto& s : result.scores) {
        score.bind(1, resultId).bind(2, s.modelName).bind(3, s.modelVersion).bind(4, s.scored ? 1 : 0);
        score.bind(5, s.reason).bind(6, s.radScore).bind(7, s.probability).bind(8, s.threshold);
        score.bind(9, s.predictedClass).bind(10, s.flags);
        score.run();
        score.reset();
    }
    Statement feature(database_, "INSERT INTO result_features (result_id, roi, view, laterality, feature, value) "
                                 "VALUES (?, ?, ?, ?, ?, ?)");
    for (const auto& f : result.features) {
        feature.bind(1, resultId).bind(2, f.roi).bind(3, f.view).bind(4, f.laterality).bind(5, f.feature);
        feature.bind(6, f.value);
        feature.run();
        feature.reset();
    }
    Statement object(database_, "INSERT INTO result_objects (result_id, sop_instance_uid, sop_class_uid, path) "
                                "VALUES (?, ?, ?, ?)");
    for (const auto& o : result.objects) {
        object.bind(1, resultId).bind(2, o.sopInstanceUid).bind(3, o.sopClassUid).bind(4, o.path.string());
        object.run();
        object.reset();
    }

    for (const auto& destination : destinations) {
        Statement delivery(database_, "INSERT INTO deliveries (result_id, destination, state, next_attempt_at, "
                                      "created_at, updated_at) VALUES (?, ?, 'pending', ?, ?, ?)");
        delivery.bind(1, resultId).bind(2, destination).bind(3, now).bind(4, now).bind(5, now);
        delivery.run();
    }
    Statement done(database_, "UPDATE jobs SET state = 'done', lease_owner = NULL, lease_expires_at = NULL, "
                              "last_error = NULL, updated_at = ? WHERE id = ?");
    done.bind(1, now).bind(2, jobId);
    done.run();
    auditLocked(AuditEvent{"result.created", studyUid, result.srSopInstanceUid, "", "", jobId,
                           previous ? "supersedes result " + std::to_string(*previous) : ""});
    auditLocked(AuditEvent{"job.done", studyUid, "", "", "", jobId, ""});
    transaction.commit();
    return resultId;
}

void NodeStore::failJob(std::int64_t jobId, const std::string& error, bool retryable, int maxAttempts) {
    std::lock_guard lock(mutex_);
    Transaction transaction(database_);
    Statement read(database_, std::string("SELECT ") + kJobColumns + " FROM jobs WHERE id = ?");
    read.bind(1, jobId);
    if (!read.step()) throw DatabaseError("no job " + std::to_string(jobId));
    const JobRow row = jobFrom(read);
    const bool again = retryable && row.attempts < maxAttempts;
    Statement update(database_, "UPDATE jobs SET state = ?, lease_owner = NULL, lease_expires_at = NULL, "
                                "last_error = ?, updated_at = ? WHERE id = ?");
    update.bind(1, again ? "queued" : "failed").bind(2, error).bind(3, nowMs()).bind(4, jobId);
    update.run();
    auditLocked(AuditEvent{again ? "job.retry" : "job.failed", row.studyUid, "", "", "", jobId, error});
    transaction.commit();
}

std::optional<JobRow> NodeStore::job(std::int64_t jobId) {
    std::lock_guard lock(mutex_);
    Statement s(database_, std::string("SELECT ") + kJobColumns + " FROM jobs WHERE id = ?");
    s.bind(1, jobId);
    if (!s.step()) return std::nullopt;
    return jobFrom(s);
}

std::vector<JobRow> NodeStore::jobs(int limit) {
    std::lock_guard lock(mutex_);
    Statement s(database_, std::string("SELECT ") + kJobColumns + " FROM jobs ORDER BY id DESC LIMIT ?");
    s.bind(1, limit);
    std::vector<JobRow> rows;
    while (s.step()) rows.push_back(jobFrom(s));
    return rows;
}

std::int64_t NodeStore::jobCount(JobState state) {
    std::lock_guard lock(mutex_);
    Statement s(database_, "SELECT count(*) FROM jobs WHERE state = ?");
    s.bind(1, jobStateName(state));
    s.step();
    return s.integer(0);
}

std::optional<ResultRow> NodeStore::latestResult(const std::string& studyUid) {
    std::lock_guard lock(mutex_);
    Statement s(database_, std::string("SELECT ") + kResultColumns +
                               " FROM results WHERE study_uid = ? ORDER BY id DESC LIMIT 1");
    s.bind(1, studyUid);
    if (!s.step()) return std::nullopt;
    return resultFrom(s);
}

std::vector<ResultRow> NodeStore::results(std::int64_t since, int limit) {
    std::lock_guard lock(mutex_);
    Statement s(database_, std::string("SELECT ") + kResultColumns +
                               " FROM results WHERE created_at >= ? ORDER BY id LIMIT ?");
    s.bind(1, since).bind(2, limit);
    std::vector<ResultRow> rows;
    while (s.step()) rows.push_back(resultFrom(s));
    return rows;
}

std::vector<ResultRow> NodeStore::currentResults() {
    std::lock_guard lock(mutex_);
    Statement s(database_, std::string("SELECT ") + kResultColumns +
                               " FROM results r WHERE NOT EXISTS (SELECT 1 FROM results later "
                               "WHERE later.supersedes_result_id = r.id) ORDER BY study_uid");
    std::vector<ResultRow> rows;
    while (s.step()) rows.push_back(resultFrom(s));
    return rows;
}

std::string NodeStore::accessionNumber(const std::string& studyUid) {
    std::lock_guard lock(mutex_);
    Statement s(database_, "SELECT coalesce(accession_number, '') FROM studies WHERE study_uid = ?");
    s.bind(1, studyUid);
    return s.step() ? s.text(0) : std::string();
}

std::string NodeStore::patientId(const std::string& studyUid) {
    std::lock_guard lock(mutex_);
    Statement s(database_, "SELECT coalesce(patient_id, '') FROM studies WHERE study_uid = ?");
    s.bind(1, studyUid);
    return s.step() ? s.text(0) : std::string();
}

std::vector<ScoreRecord> NodeStore::resultScores(std::int64_t resultId) {
    std::lock_guard lock(mutex_);
    Statement s(database_, "SELECT model_name, model_version, scored, coalesce(reason, ''), rad_score, probability, "
                           "threshold, coalesce(predicted_class, ''), flags FROM result_scores WHERE result_id = ? "
                           "ORDER BY rowid");
    s.bind(1, resultId);
    std::vector<ScoreRecord> rows;
    while (s.step()) {
        ScoreRecord row;
        row.modelName = s.text(0);
        row.modelVersion = s.text(1);
        row.scored = s.integer(2) != 0;
        row.reason = s.text(3);
        row.radScore = s.optionalReal(4);
        row.probability = s.optionalReal(5);
        row.threshold = s.real(6);
        row.predictedClass = s.text(7);
        row.flags = s.text(8);
        rows.push_back(std::move(row));
    }
    return rows;
}

std::vector<FeatureRecord> NodeStore::resultFeatures(std::int64_t resultId) {
    std::lock_guard lock(mutex_);
    Statement s(database_, "SELECT roi, view, laterality, feature, value FROM result_features WHERE result_id = ? "
                           "ORDER BY rowid");
    s.bind(1, resultId);
    std::vector<FeatureRecord> rows;
    while (s.step()) rows.push_back(FeatureRecord{s.text(0), s.text(1), s.text(2), s.text(3), s.optionalReal(4)});
    return rows;
}

std::vector<ResultObject> NodeStore::resultObjects(std::int64_t resultId) {
    std::lock_guard lock(mutex_);
    return resultObjectsLocked(resultId);
}

std::vector<ResultObject> NodeStore::resultObjectsLocked(std::int64_t resultId) {
    Statement s(database_, "SELECT sop_instance_uid, sop_class_uid, path FROM result_objects WHERE result_id = ? "
                           "ORDER BY rowid");
    s.bind(1, resultId);
    std::vector<ResultObject> rows;
    while (s.step()) rows.push_back(ResultObject{s.text(0), s.text(1), s.text(2)});
    return rows;
}

std::vector<DeliveryRow> NodeStore::dueDeliveries(std::int64_t now, int limit) {
    std::lock_guard lock(mutex_);
    Statement s(database_, std::string("SELECT ") + kDeliveryColumns +
                               " FROM deliveries d JOIN results r ON r.id = d.result_id "
                               "WHERE d.state = 'pending' AND d.next_attempt_at <= ? ORDER BY d.next_attempt_at LIMIT ?");
    s.bind(1, now).bind(2, limit);
    std::vector<DeliveryRow> rows;
    while (s.step()) rows.push_back(deliveryFrom(s));
    for (auto& row : rows) row.objects = resultObjectsLocked(row.resultId);
    return rows;
}

std::vector<DeliveryRow> NodeStore::deliveries(int limit) {
    std::lock_guard lock(mutex_);
    Statement s(database_, std::string("SELECT ") + kDeliveryColumns +
                               " FROM deliveries d JOIN results r ON r.id = d.result_id ORDER BY d.id DESC LIMIT ?");
    s.bind(1, limit);
    std::vector<DeliveryRow> rows;
    while (s.step()) rows.push_back(deliveryFrom(s));
    for (auto& row : rows) row.objects = resultObjectsLocked(row.resultId);
    return rows;
}

std::optional<DeliveryRow> NodeStore::delivery(std::int64_t deliveryId) {
    std::lock_guard lock(mutex_);
    Statement s(database_, std::string("SELECT ") + kDeliveryColumns +
                               " FROM deliveries d JOIN results r ON r.id = d.result_id WHERE d.id = ?");
    s.bind(1, deliveryId);
    if (!s.step()) return std::nullopt;
    DeliveryRow row = deliveryFrom(s);
    row.objects = resultObjectsLocked(row.resultId);
    return row;
}

void NodeStore::markDelivered(std::int64_t deliveryId, const std::string& status) {
    std::lock_guard lock(mutex_);
    Transaction transaction(database_);
    Statement s(database_, "UPDATE deliveries SET state = 'delivered', attempts = attempts + 1, last_status = ?, "
                           "last_error = NULL, updated_at = ? WHERE id = ?");
    s.bind(1, status).bind(2, nowMs()).bind(3, deliveryId);
    s.run();
    auditLocked(AuditEvent{"delivery.succeeded", "", "", "", "", std::nullopt,
                           "delivery " + std::to_string(deliveryId) + ", status " + status});
    transaction.commit();
}

void NodeStore::scheduleRetry(std::int64_t deliveryId, const std::string& status, const std::string& error,
                              std::int64_t nextAttemptAt) {
    std::lock_guard lock(mutex_);
    Transaction transaction(database_);
    Statement s(database_, "UPDATE deliveries SET attempts = attempts + 1, last_status = ?, last_error = ?, "
                           "next_attempt_at = ?, updated_at = ? WHERE id = ?");
    s.bind(1, status).bind(2, error).bind(3, nextAttemptAt).bind(4, nowMs()).bind(5, deliveryId);
    s.run();
    auditLocked(AuditEvent{"delivery.retry", "", "", "", "", std::nullopt,
                           "delivery " + std::to_string(deliveryId) + ", status " + status + ": " + error});
    transaction.commit();
}

void NodeStore::markDeliveryFailed(std::int64_t deliveryId, const std::string& status, const std::string& error) {
    std::lock_guard lock(mutex_);
    Transaction transaction(database_);
    Statement s(database_, "UPDATE deliveries SET state = 'failed', attempts = attempts + 1, last_status = ?, "
                           "last_error = ?, updated_at = ? WHERE id = ?");
    s.bind(1, status).bind(2, error).bind(3, nowMs()).bind(4, deliveryId);
    s.run();
    auditLocked(AuditEvent{"delivery.failed", "", "", "", "", std::nullopt,
                           "delivery " + std::to_string(deliveryId) + ", status " + status + ": " + error});
    transaction.commit();
}

bool NodeStore::retryDelivery(std::int64_t deliveryId) {
    std::lock_guard lock(mutex_);
    Transaction transaction(database_);
    Statement s(database_, "UPDATE deliveries SET state = 'pending', next_attempt_at = ?, updated_at = ? "
                           "WHERE id = ? AND state != 'delivered'");
    const auto now = nowMs();
    s.bind(1, now).bind(2, now).bind(3, deliveryId);
    s.run();
    const bool changed = database_.changes() > 0;
    if (changed) {
        auditLocked(AuditEvent{"delivery.requeued", "", "", "", "", std::nullopt, "delivery " + std::to_string(deliveryId)});
    }
    transaction.commit();
    return changed;
}

void NodeStore::addClinicalInputs(const std::vector<ClinicalInput>& inputs) {
    std::lock_guard lock(mutex_);
    Transaction transaction(database_);
    Statement insert(database_, "INSERT INTO clinical_inputs (study_uid, accession_number, key, value, source, "
                                "entered_at) VALUES (?, ?, ?, ?, ?, ?)");
    const std::int64_t now = nowMs();
    for (const auto& input : inputs) {
        if (input.studyUid.empty() && input.accessionNumber.empty()) {
            throw DatabaseError("clinical input " + input.key + ": needs a study UID or an accession number");
        }
        insert.bind(1, input.studyUid).bind(2, input.accessionNumber).bind(3, input.key).bind(4, input.value);
        insert.bind(5, input.source).bind(6, input.enteredAt ? input.enteredAt : now);
        insert.run();
        insert.reset();
        const std::string subject = input.studyUid.empty() ? "accession " + input.accessionNumber : "";
        auditLocked(AuditEvent{"clinical.set", input.studyUid, "", "", "", std::nullopt,
                               (subject.empty() ? "" : subject + ": ") + input.key + "=" + input.value + " (" +
                                   input.source + ")"});
    }
    transaction.commit();
}

std::vector<ClinicalInput> NodeStore::clinicalInputs(const std::string& studyUid) {
    std::lock_guard lock(mutex_);
    // Entries by UID and by the study's accession number; the newest per key wins (id breaks ties).
    Statement s(database_,
                "SELECT study_uid, accession_number, key, value, source, entered_at FROM clinical_inputs c "
                "WHERE c.study_uid = ?1 OR (c.accession_number <> '' AND c.accession_number = "
                "(SELECT accession_number FROM studies WHERE study_uid = ?1)) "
                "ORDER BY key, entered_at DESC, id DESC");
    s.bind(1, studyUid);
    std::vector<ClinicalInput> latest;
    while (s.step()) {
        ClinicalInput input{s.text(0), s.text(1), s.text(2), s.text(3), s.text(4), s.integer(5)};
        if (!latest.empty() && latest.back().key == input.key) continue;
        latest.push_back(std::move(input));
    }
    return latest;
}

std::vector<std::string> NodeStore::studiesWithAccession(const std::string& accessionNumber) {
    std::lock_guard lock(mutex_);
    Statement s(database_, "SELECT study_uid FROM studies WHERE accession_number = ? ORDER BY first_received_at");
    s.bind(1, accessionNumber);
    std::vector<std::string> studies;
    while (s.step()) studies.push_back(s.text(0));
    return studies;
}

void NodeStore::audit(const AuditEvent& event) {
    std::lock_guard lock(mutex_);
    auditLocked(event);
}

void NodeStore::auditLocked(const AuditEvent& event) {
    Statement s(database_, "INSERT INTO audit_log (at, event, study_uid, sop_instance_uid, calling_ae, peer_address, "
                           "job_id, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    auto optional = [](const std::string& text) { return text.empty() ? std::nullopt : std::optional<std::string>(text); };
    s.bind(1, nowMs()).bind(2, event.event).bind(3, optional(event.studyUid)).bind(4, optional(event.sopInstanceUid));
    s.bind(5, optional(event.callingAe)).bind(6, optional(event.peerAddress)).bind(7, event.jobId);
    s.bind(8, optional(event.detail));
    s.run();
}

std::vector<AuditRow> NodeStore::auditEvents(const AuditFilter& filter) {
    std::lock_guard lock(mutex_);
    Statement s(database_, "SELECT id, at, event, coalesce(study_uid, ''), coalesce(sop_instance_uid, ''), "
                           "coalesce(calling_ae, ''), coalesce(peer_address, ''), job_id, coalesce(detail, '') "
                           "FROM audit_log WHERE (?1 = '' OR study_uid = ?1) AND (?2 = '' OR event = ?2) "
                           "AND (?3 = '' OR calling_ae = ?3) AND at >= ?4 AND at <= ?5 "
                           "AND (?7 = '' OR study_uid IN (SELECT study_uid FROM studies WHERE patient_id = ?7)) "
                           "AND (?8 = '' OR study_uid IN (SELECT study_uid FROM studies WHERE accession_number = ?8)) "
                           "AND id > ?9 ORDER BY id LIMIT ?6");
    s.bind(1, filter.studyUid).bind(2, filter.event).bind(3, filter.callingAe);
    s.bind(4, filter.since.value_or(0)).bind(5, filter.until.value_or(INT64_MAX)).bind(6, filter.limit);
    s.bind(7, filter.patientId).bind(8, filter.accessionNumber).bind(9, filter.afterId);
    std::vector<AuditRow> rows;
    while (s.step()) {
        AuditRow row;
        row.id = s.integer(0);
        row.at = s.integer(1);
        row.event = AuditEvent{s.text(2), s.text(3), s.text(4), s.text(5), s.text(6), s.optionalInteger(7), s.text(8)};
        rows.push_back(std::move(row));
    }
    return rows;
}

std::int64_t NodeStore::lastAuditId() {
    std::lock_guard lock(mutex_);
    Statement s(database_, "SELECT coalesce(max(id), 0) FROM audit_log");
    return s.step() ? s.integer(0) : 0;
}

PurgeReport NodeStore::purgeReceivedBefore(std::int64_t cutoffMs) {
    std::lock_guard lock(mutex_);
    PurgeReport report;
    std::vector<std::filesystem::path> files;
    {
        // Rows first, files after the commit: a crash in between leaves files that no row
        // claims, which startup reconciliation removes; never a row whose file is missing
        // without saying so.
        Transaction transaction(database_);
        Statement select(database_, R"sql(
            SELECT i.id, i.study_uid, i.path, i.size_bytes FROM instances i
            WHERE i.purged_at IS NULL AND i.received_at < ?
              AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.study_uid = i.study_uid
                                                     AND j.state IN ('queued', 'running'))
            ORDER BY i.study_uid)sql");
        select.bind(1, cutoffMs);
        std::map<std::string, int> perStudy;
        std::vector<std::int64_t> ids;
        while (select.step()) {
            ids.push_back(select.integer(0));
            ++perStudy[select.text(1)];
            files.emplace_back(select.text(2));
            report.bytes += static_cast<std::uint64_t>(select.integer(3));
        }
        const std::int64_t now = nowMs();
        Statement mark(database_, "UPDATE instances SET purged_at = ? WHERE id = ?");
        for (const auto id : ids) {
            mark.bind(1, now).bind(2, id);
            mark.run();
            mark.reset();
        }
        for (const auto& [studyUid, count] : perStudy) {
            auditLocked(AuditEvent{"instance.purged", studyUid, "", "", "", std::nullopt,
                                   std::to_string(count) + " instance file(s) removed by the retention policy"});
        }
        transaction.commit();
        report.instances = static_cast<int>(ids.size());
        report.studies = static_cast<int>(perStudy.size());
    }
    for (const auto& file : files) {
        std::error_code ignored; // already gone is as good as removed
        std::filesystem::remove(file, ignored);
    }
    return report;
}

ReconciliationReport NodeStore::reconcile() {
    std::lock_guard lock(mutex_);
    ReconciliationReport report;
    std::set<std::string> known;
    {
        Statement s(database_, "SELECT path FROM instances WHERE purged_at IS NULL "
                               "UNION ALL SELECT sr_path FROM results "
                               "UNION ALL SELECT path FROM result_objects");
        while (s.step()) known.insert(s.text(0));
    }
    std::vector<std::filesystem::path> toRemove;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(fileStore_)) {
        if (!entry.is_regular_file()) continue;
        const auto& path = entry.path();
        if (path.string().size() >= kPartialSuffix.size() &&
            path.string().compare(path.string().size() - kPartialSuffix.size(), kPartialSuffix.size(), kPartialSuffix) == 0) {
            toRemove.push_back(path);
            ++report.partialFilesRemoved;
        } else if (!known.count(path.string())) {
            toRemove.push_back(path);
            ++report.orphanFilesRemoved;
        }
    }
    for (const auto& path : toRemove) std::filesystem::remove(path);
    for (const auto& path : known) {
        if (!std::filesystem::exists(path)) ++report.rowsWithoutFile;
    }

    Transaction transaction(database_);
    Statement release(database_, "UPDATE jobs SET state = 'queued', lease_owner = NULL, lease_expires_at = NULL, "
                                 "updated_at = ? WHERE state = 'running'");
    release.bind(1, nowMs());
    release.run();
    report.leasesReleased = database_.changes();
    auditLocked(AuditEvent{"node.reconciled", "", "", "", "", std::nullopt,
                           "partial files removed " + std::to_string(report.partialFilesRemoved) +
                               ", orphan files removed " + std::to_string(report.orphanFilesRemoved) +
                               ", rows without file " + std::to_string(report.rowsWithoutFile) +
                               ", leases released " + std::to_string(report.leasesReleased)});
    transaction.commit();
    return report;
}

} // namespace radnode::storage
