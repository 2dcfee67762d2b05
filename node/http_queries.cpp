#include "node/http_queries.h"

#include <nlohmann/json.hpp>

namespace radnode::node {

using storage::Statement;

namespace {

const char* const kResultColumns =
    "r.id, r.job_id, r.created_at, r.study_uid, coalesce(s.patient_id, ''), coalesce(s.accession_number, ''), "
    "r.sr_sop_instance_uid, r.sr_series_uid, r.supersedes_result_id, "
    "EXISTS (SELECT 1 FROM results later WHERE later.supersedes_result_id = r.id)";

ResultSummary resultFrom(const Statement& s) {
    ResultSummary row;
    row.id = s.integer(0);
    row.jobId = s.integer(1);
    row.createdAt = s.integer(2);
    row.studyUid = s.text(3);
    row.patientId = s.text(4);
    row.accessionNumber = s.text(5);
    row.srSopInstanceUid = s.text(6);
    row.srSeriesUid = s.text(7);
    row.supersedes = s.optionalInteger(8);
    row.superseded = s.integer(9) != 0;
    return row;
}

const char* const kJobColumns = "j.id, j.study_uid, j.state, j.attempts, coalesce(j.last_error, ''), j.created_at, j.updated_at";

storage::JobRow jobFrom(const Statement& s) {
    storage::JobRow row;
    row.id = s.integer(0);
    row.studyUid = s.text(1);
    const std::string state = s.text(2);
    row.state = state == "queued"    ? storage::JobState::Queued
                : state == "running" ? storage::JobState::Running
                : state == "done"    ? storage::JobState::Done
                                     : storage::JobState::Failed;
    row.attempts = static_cast<int>(s.integer(3));
    row.lastError = s.text(4);
    row.createdAt = s.integer(5);
    row.updatedAt = s.integer(6);
    return row;
}

// Every state with its count, zero included, so a Prometheus series never disappears.
std::vector<LabelledCount> countsByState(storage::Database& database, const char* table,
                                         const std::vector<std::string>& states) {
    std::vector<LabelledCount> counts;
    for (const auto& state : states) counts.push_back(LabelledCount{state, 0});
    Statement s(database, std::string("SELECT state, count(*) FROM ") + table + " GROUP BY state");
    while (s.step()) {
        for (auto& count : counts) {
            if (count.label == s.text(0)) count.count = s.integer(1);
        }
    }
    return counts;
}

} // namespace

HttpQueries::HttpQueries(const std::filesystem::path& database) : database_(database) {}

void HttpQueries::fillResultDetails(ResultSummary& result) {
    Statement scores(database_, "SELECT model_name, model_version, scored, coalesce(reason, ''), rad_score, "
                                "probability, threshold, coalesce(predicted_class, ''), flags FROM result_scores "
                                "WHERE result_id = ? ORDER BY rowid");
    scores.bind(1, result.id);
    while (scores.step()) {
        storage::ScoreRecord score;
        score.modelName = scores.text(0);
        score.modelVersion = scores.text(1);
        score.scored = scores.integer(2) != 0;
        score.reason = scores.text(3);
        score.radScore = scores.optionalReal(4);
        score.probability = scores.optionalReal(5);
        score.threshold = scores.real(6);
        score.predictedClass = scores.text(7);
        score.flags = scores.text(8);
        result.scores.push_back(std::move(score));
    }
    // The family is not a result_scores column: the summary JSON written with the result has it.
    Statement summary(database_, "SELECT summary FROM results WHERE id = ?");
    summary.bind(1, result.id);
    const auto stored = nlohmann::json::parse(summary.step() ? summary.text(0) : std::string(), nullptr, false);
    for (const auto& score : result.scores) {
        std::string family;
        if (stored.is_object() && stored.contains("models") && stored["models"].is_array()) {
            for (const auto& model : stored["models"]) {
                if (model.is_object() && model.value("name", "") == score.modelName &&
                    model.value("version", "") == score.modelVersion) {
                    family = model.value("family", "");
                }
            }
        }
        result.scoreFamilies.push_back(family);
    }
    Statement deliveries(database_, "SELECT destination, state, coalesce(last_status, ''), coalesce(last_error, ''), "
                                    "attempts, coalesce((SELECT c.state FROM commitments c WHERE c.delivery_id = "
                                    "deliveries.id ORDER BY c.rowid DESC LIMIT 1), '') "
                                    "FROM deliveries WHERE result_id = ? ORDER BY id");
    deliveries.bind(1, result.id);
    while (deliveries.step()) {
        result.deliveries.push_back(DeliveryStatus{deliveries.text(0), deliveries.text(1), deliveries.text(2),
                                                   deliveries.text(3), static_cast<int>(deliveries.integer(4)),
                                                   deliveries.text(5)});
    }
}

std::vector<StudySummary> HttpQueries::recentStudies(int limit) {
    std::lock_guard lock(mutex_);
    std::vector<StudySummary> studies;
    {
        Statement s(database_, "SELECT study_uid, coalesce(patient_id, ''), coalesce(accession_number, ''), "
                               "first_received_at, last_received_at, "
                               "(SELECT count(*) FROM instances i WHERE i.study_uid = studies.study_uid) "
                               "FROM studies ORDER BY last_received_at DESC LIMIT ?");
        s.bind(1, limit);
        while (s.step()) {
            StudySummary study;
            study.studyUid = s.text(0);
            study.patientId = s.text(1);
            study.accessionNumber = s.text(2);
            study.firstReceivedAt = s.integer(3);
            study.lastReceivedAt = s.integer(4);
            study.instances = s.integer(5);
            studies.push_back(std::move(study));
        }
    }
    for (auto& study : studies) {
        Statement job(database_, std::string("SELECT ") + kJobColumns +
                                     " FROM jobs j WHERE j.study_uid = ? ORDER BY j.id DESC LIMIT 1");
        job.bind(1, study.studyUid);
        if (job.step()) study.latestJob = jobFrom(job);
        Statement result(database_, std::string("SELECT ") + kResultColumns +
                                        " FROM results r LEFT JOIN studies s ON s.study_uid = r.study_uid "
                                        "WHERE r.study_uid = ? ORDER BY r.id DESC LIMIT 1");
        result.bind(1, study.studyUid);
        if (result.step()) {
            study.latestResult = resultFrom(result);
            fillResultDetails(*study.latestResult);
        }
    }
    return studies;
}

std::vector<JobSummary> HttpQueries::jobs(const std::string& state, int limit) {
    std::lock_guard lock(mutex_);
    Statement s(database_, std::string("SELECT ") + kJobColumns +
                               ", coalesce(s.accession_number, '') FROM jobs j LEFT JOIN studies s ON s.study_uid = "
                               "j.study_uid WHERE (?1 = '' OR j.state = ?1) ORDER BY j.id DESC LIMIT ?2");
    s.bind(1, state).bind(2, limit);
    std::vector<JobSummary> jobs;
    while (s.step()) jobs.push_back(JobSummary{jobFrom(s), s.text(7)});
    return jobs;
}

std::vector<ResultSummary> HttpQueries::results(std::int64_t sinceMs, int limit) {
    std::lock_guard lock(mutex_);
    std::vector<ResultSummary> results;
    {
        Statement s(database_, std::string("SELECT ") + kResultColumns +
                                   " FROM results r LEFT JOIN studies s ON s.study_uid = r.study_uid "
                                   "WHERE r.created_at >= ? ORDER BY r.id LIMIT ?");
        s.bind(1, sinceMs).bind(2, limit);
        while (s.step()) results.push_back(resultFrom(s));
    }
    for (auto& result : results) fillResultDetails(result);
    return results;
}

DatabaseCounts HttpQueries::counts() {
    std::lock_guard lock(mutex_);
    DatabaseCounts counts;
    {
        Statement s(database_, "SELECT sop_class_uid, count(*) FROM instances GROUP BY sop_class_uid ORDER BY 1");
        while (s.step()) counts.instancesBySopClass.push_back(LabelledCount{s.text(0), s.integer(1)});
    }
    {
        // The listener's refusal texts (dicom/store_scp.cpp) folded into a few stable reasons;
        // instance refusals are "status XXXX: why".
        Statement s(database_, R"sql(
            SELECT event, CASE
                WHEN event = 'instance.refused' THEN substr(detail, 8, 4)
                WHEN detail LIKE '%unknown peer%' THEN 'unknown_peer'
                WHEN detail LIKE '%called AE title%' THEN 'called_ae_title'
                WHEN detail LIKE '%free disk%' THEN 'low_disk'
                WHEN detail LIKE '%too many associations from%' THEN 'peer_association_limit'
                WHEN detail LIKE '%associations%' THEN 'association_limit'
                ELSE 'other' END AS reason, count(*)
            FROM audit_log WHERE event IN ('association.refused', 'instance.refused') GROUP BY 1, 2 ORDER BY 1, 2)sql");
        while (s.step()) {
            auto& list = s.text(0) == "instance.refused" ? counts.instanceRefusals : counts.associationRefusals;
            list.push_back(LabelledCount{s.text(1), s.integer(2)});
        }
    }
    counts.jobsByState = countsByState(database_, "jobs", {"queued", "running", "done", "failed"});
    counts.deliveriesByState = countsByState(database_, "deliveries", {"pending", "delivered", "failed"});
    counts.commitmentsByState =
        countsByState(database_, "commitments", {"requested", "committed", "failed", "timed-out"});
    Statement results(database_, "SELECT count(*) FROM results");
    results.step();
    counts.results = results.integer(0);
    return counts;
}

std::string HttpQueries::writeProblem() {
    std::lock_guard lock(mutex_);
    try {
        storage::Transaction transaction(database_); // BEGIN IMMEDIATE takes the write lock; rolled back
    } catch (const std::exception& error) {
        return error.what();
    }
    return "";
}

} // namespace radnode::node
