// Everything the node remembers: received instances, studies, jobs with leases, results,
// the delivery outbox and the audit log, over one SQLite database and one file store.
// Thread-safe: every operation is one short transaction under one writer lock.
#pragma once

#include "storage/database.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace radnode::storage {

// Milliseconds since the Unix epoch, the unit of every time in the database.
std::int64_t nowMs();

struct InstanceRecord {
    std::string sopInstanceUid, sopClassUid, studyUid, seriesUid;
    std::string modality, transferSyntax, patientId, accessionNumber;
    std::string callingAe, peerAddress;
    std::vector<std::string> referencedInstanceUids; // segmentations only
};

enum class StoreOutcome { Stored, Duplicate, NewVersion };

struct StoredInstance {
    std::int64_t id = 0;
    int version = 1;
    StoreOutcome outcome = StoreOutcome::Stored;
    std::filesystem::path path;
};

struct InstanceRow {
    std::int64_t id = 0;
    std::string sopInstanceUid, sopClassUid, studyUid, seriesUid, modality;
    int version = 1;
    std::filesystem::path path;
};

enum class JobState { Queued, Running, Done, Failed };
std::string jobStateName(JobState state);

struct JobRow {
    std::int64_t id = 0;
    std::string studyUid;
    JobState state = JobState::Queued;
    int attempts = 0;
    std::string lastError;
    std::int64_t createdAt = 0, updatedAt = 0;
};

// One model's verdict on a study, as a worklist or the HTTP API shows it.
struct ScoreRecord {
    std::string modelName, modelVersion;
    bool scored = false;
    std::string reason; // why not scored
    std::optional<double> radScore, probability;
    double threshold = 0.5;
    std::string predictedClass;
    std::string flags; // comma-separated, e.g. "unstable"
};

// One feature value of one ROI; nullopt where PyRadiomics gives NaN.
struct FeatureRecord {
    std::string roi, view, laterality, feature;
    std::optional<double> value;
};

// A further object delivered with the SR (e.g. a summary Secondary Capture image).
struct ResultObject {
    std::string sopInstanceUid, sopClassUid;
    std::filesystem::path path;
};

// One clinical covariate value entered for a study, named by its UID or its accession number.
struct ClinicalInput {
    std::string studyUid, accessionNumber; // at least one
    std::string key, value;                // validated by the caller (analysis/model_covariates.h)
    std::string source;                    // "cli", "csv:<file>", "http", ...
    std::int64_t enteredAt = 0;            // 0: now
};

struct ResultRecord {
    std::string srSopInstanceUid, srSeriesUid;
    std::filesystem::path srPath;
    std::string summary; // JSON: what a worklist needs
    std::vector<ScoreRecord> scores;
    std::vector<FeatureRecord> features;
    std::vector<ResultObject> objects;
};

struct ResultRow {
    std::int64_t id = 0, jobId = 0;
    std::string studyUid, srSopInstanceUid, srSeriesUid, summary;
    std::filesystem::path srPath;
    std::optional<std::int64_t> supersedes;
    std::int64_t createdAt = 0;
};

enum class DeliveryState { Pending, Delivered, Failed };
std::string deliveryStateName(DeliveryState state);

struct DeliveryRow {
    std::int64_t id = 0, resultId = 0;
    std::string destination, srSopInstanceUid;
    std::string studyUid; // of the result
    std::filesystem::path srPath;
    std::vector<ResultObject> objects; // sent after the SR, in the same delivery
    DeliveryState state = DeliveryState::Pending;
    int attempts = 0;
    std::int64_t nextAttemptAt = 0, createdAt = 0;
    std::string lastStatus, lastError;
};

// One object a delivery sends, in order: the SR in the destination's form, then the summary
// images. Recorded at each attempt, so the outbox says what went where.
struct SentObject {
    std::string sopInstanceUid, sopClassUid;
};

// A Storage Commitment transaction (one N-ACTION) for one delivery.
enum class CommitmentState { Requested, Committed, Failed, TimedOut };
std::string commitmentStateName(CommitmentState state); // requested, committed, failed, timed-out

struct CommitmentObject {
    std::string sopInstanceUid, sopClassUid;
    std::string state = "requested"; // requested, committed, failed
    std::string failureReason;       // failed: the reason as the peer gave it (e.g. "0112 no such object instance")
};

struct CommitmentRow {
    std::string transactionUid;
    std::int64_t deliveryId = 0;
    std::string destination;
    CommitmentState state = CommitmentState::Requested;
    std::int64_t requestedAt = 0, deadlineAt = 0;
    std::optional<std::int64_t> answeredAt;
    std::string reportedBy; // "AE@address" of the N-EVENT-REPORT's sender
    std::string detail;     // why it failed or timed out
    std::vector<CommitmentObject> objects;
};

// A failed object as an N-EVENT-REPORT names it.
struct CommitmentFailure {
    std::string sopInstanceUid, reason;
};

// What recording an N-EVENT-REPORT did.
struct CommitmentReportResult {
    CommitmentRow row;
    // Failures on the delivery's first transaction put the delivery back into the queue once
    // (same files, same SOP Instance UIDs); its next success asks for commitment again.
    bool deliveryRequeued = false;
};

struct AuditEvent {
    std::string event; // e.g. "instance.received", "job.failed", "delivery.succeeded"
    std::string studyUid, sopInstanceUid, callingAe, peerAddress;
    std::optional<std::int64_t> jobId;
    std::string detail;
};

struct AuditRow {
    std::int64_t id = 0, at = 0;
    AuditEvent event;
};

struct AuditFilter {
    std::string studyUid, event, callingAe;
    std::string patientId, accessionNumber; // matched through the study
    std::optional<std::int64_t> since, until;
    int limit = 1000;
    std::int64_t afterId = 0; // only rows with a larger id (the table only grows: a reader's cursor)
};

// What one retention pass removed.
struct PurgeReport {
    int instances = 0;
    int studies = 0;
    std::uint64_t bytes = 0;
};

// What startup reconciliation found and repaired.
struct ReconciliationReport {
    int partialFilesRemoved = 0;  // interrupted writes
    int orphanFilesRemoved = 0;   // renamed into place but never committed: never acknowledged
    int rowsWithoutFile = 0;      // indexed instances whose file vanished (kept, audited)
    int leasesReleased = 0;       // jobs that were running when the node stopped
};

class NodeStore {
public:
    // Opens (creating and migrating) <database>, with instance files under <fileStore>.
    NodeStore(const std::filesystem::path& database, const std::filesystem::path& fileStore);

    const std::filesystem::path& fileStore() const { return fileStore_; }

    // --- ingest
    // A fresh path where an incoming instance is received before it is durable (same
    // filesystem as the store, so the final rename is atomic). Unique per call.
    std::filesystem::path incomingPath();
    // Makes a received file durable and indexes it: identical content of a known instance is
    // a duplicate (the received file is dropped), different content becomes a new version.
    // Success means the file is fsynced, renamed into place, and its row committed.
    // auditReception: the reception's audit row (instance.received, instance.duplicate or
    // instance.new_version) is committed in the same transaction.
    // Group commit: each caller fsyncs its own file outside the writer lock; calls that
    // arrive while a commit is under way share the next transaction and its one fsync.
    StoredInstance storeInstance(const std::filesystem::path& received, const InstanceRecord& record,
                                 bool auditReception = false);

    std::optional<InstanceRow> latestInstance(const std::string& sopInstanceUid);
    std::vector<InstanceRow> instancesOfStudy(const std::string& studyUid);
    std::int64_t instanceCount();

    // --- study assembly
    // Studies quiet for at least `quietMs` with instances not yet looked at.
    std::vector<std::string> studiesAwaitingAssembly(std::int64_t now, std::int64_t quietMs);
    std::int64_t studyLastReceivedAt(const std::string& studyUid);
    std::int64_t studyFirstReceivedAt(const std::string& studyUid);
    // Latest versions of the segmentations in a study.
    std::vector<InstanceRow> segmentationsOfStudy(const std::string& studyUid);
    // UIDs a segmentation references that are not (yet) stored.
    std::vector<std::string> missingReferences(std::int64_t segmentationInstanceId);
    void markAssembled(const std::string& studyUid, std::int64_t at);

    // --- jobs
    std::int64_t enqueueJob(const std::string& studyUid);
    // True when the study already has a job waiting to run (no need for another).
    bool hasQueuedJob(const std::string& studyUid);
    std::int64_t recordFailedJob(const std::string& studyUid, const std::string& reason);
    // Leases the oldest queued job to `owner`; nullopt when none is queued.
    std::optional<JobRow> leaseJob(const std::string& owner, std::int64_t leaseMs);
    // Stores the result, supersedes the study's previous result, and queues one delivery per
    // destination, in one transaction.
    std::int64_t completeJob(std::int64_t jobId, const ResultRecord& result,
                             const std::vector<std::string>& destinations);
    // Back to the queue while attempts < maxAttempts, else failed for good.
    void failJob(std::int64_t jobId, const std::string& error, bool retryable, int maxAttempts);
    std::optional<JobRow> job(std::int64_t jobId);
    std::vector<JobRow> jobs(int limit = 100);
    std::int64_t jobCount(JobState state);

    // --- results
    std::optional<ResultRow> latestResult(const std::string& studyUid);
    std::vector<ResultRow> results(std::int64_t since = 0, int limit = 100);
    // The result of each study that no later result supersedes (a research export's rows).
    std::vector<ResultRow> currentResults();
    // The accession number a study was received with; empty when none or unknown.
    std::string accessionNumber(const std::string& studyUid);
    // The patient ID a study was received with; empty when none or unknown.
    std::string patientId(const std::string& studyUid);
    std::vector<ScoreRecord> resultScores(std::int64_t resultId);
    std::vector<FeatureRecord> resultFeatures(std::int64_t resultId);
    std::vector<ResultObject> resultObjects(std::int64_t resultId);

    // --- clinical inputs
    // Appends the entries (one transaction; each audited as "clinical.set").
    void addClinicalInputs(const std::vector<ClinicalInput>& inputs);
    // The latest value of each key entered for the study, by its UID or its accession number.
    std::vector<ClinicalInput> clinicalInputs(const std::string& studyUid);
    // Studies received with this accession number.
    std::vector<std::string> studiesWithAccession(const std::string& accessionNumber);

    // --- outbox
    std::vector<DeliveryRow> dueDeliveries(std::int64_t now, int limit = 16);
    std::vector<DeliveryRow> deliveries(int limit = 100);
    std::optional<DeliveryRow> delivery(std::int64_t deliveryId);
    void markDelivered(std::int64_t deliveryId, const std::string& status);
    void scheduleRetry(std::int64_t deliveryId, const std::string& status, const std::string& error,
                       std::int64_t nextAttemptAt);
    void markDeliveryFailed(std::int64_t deliveryId, const std::string& status, const std::string& error);
    // Puts a failed delivery back into the queue now (operator's retry).
    bool retryDelivery(std::int64_t deliveryId);

    // --- what each delivery sent, and Storage Commitment (storage/node_store_commitment.cpp)
    // Replaces the list of objects the delivery sends (at each attempt, before sending).
    void recordDeliveryObjects(std::int64_t deliveryId, const std::vector<SentObject>& objects);
    std::vector<SentObject> deliveryObjects(std::int64_t deliveryId);
    // A new transaction in state requested, audited as commitment.requested.
    void recordCommitmentRequest(std::int64_t deliveryId, const std::string& transactionUid,
                                 const std::vector<SentObject>& objects, std::int64_t requestedAt,
                                 std::int64_t deadlineAt);
    // The N-ACTION was not sent or was refused: failed for good with the reason (audited).
    void markCommitmentFailed(const std::string& transactionUid, const std::string& detail);
    // Records an N-EVENT-REPORT: committed when nothing failed, else failed with each failed
    // object's reason (audited; see CommitmentReportResult for the one re-send). nullopt for
    // an unknown transaction UID. A transaction already answered is left as it is.
    std::optional<CommitmentReportResult> recordCommitmentReport(const std::string& transactionUid,
                                                                 const std::vector<std::string>& committedUids,
                                                                 const std::vector<CommitmentFailure>& failures,
                                                                 const std::string& reportedBy, std::int64_t now);
    // Requested transactions past their deadline become timed-out (audited); returns them.
    std::vector<CommitmentRow> expireCommitments(std::int64_t now);
    std::optional<CommitmentRow> commitment(const std::string& transactionUid);
    // The delivery's newest transaction, if any.
    std::optional<CommitmentRow> latestCommitment(std::int64_t deliveryId);

    // --- audit
    void audit(const AuditEvent& event);
    std::vector<AuditRow> auditEvents(const AuditFilter& filter);
    // The id of the newest audit row; 0 when there is none.
    std::int64_t lastAuditId();

    // --- retention
    // Removes the files of instances received before `cutoffMs`, keeping their rows (marked
    // purged), results, deliveries and the audit trail. Studies with a job queued or running
    // are left alone until it ends. One audit event per study.
    PurgeReport purgeReceivedBefore(std::int64_t cutoffMs);

    // --- recovery
    // Run at startup before listening: removes partial and orphan files, releases leases.
    ReconciliationReport reconcile();

private:
    struct PendingInstance; // a storeInstance call waiting for its group commit
    void commitInstances(const std::vector<PendingInstance*>& batch);
    StoredInstance storeInstanceLocked(const std::filesystem::path& received, const InstanceRecord& record,
                                       bool auditReception, std::vector<std::filesystem::path>& placed);
    std::vector<ResultObject> resultObjectsLocked(std::int64_t resultId);
    std::optional<CommitmentRow> commitmentLocked(const std::string& transactionUid);
    void auditLocked(const AuditEvent& event);
    std::int64_t createJobLocked(const std::string& studyUid, const char* state, const std::string& error);

    std::mutex mutex_;
    std::mutex pendingMutex_; // guards pending_ and committing_; never held with mutex_
    std::condition_variable pendingDone_;
    std::vector<PendingInstance*> pending_;
    bool committing_ = false;
    std::atomic<std::uint64_t> incomingCounter_{0};
    Database database_;
    std::filesystem::path fileStore_;
};

} // namespace radnode::storage
