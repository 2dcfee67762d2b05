// The read-only questions the HTTP API asks of the node's database (studies, jobs, results,
// counts for /metrics), on a connection of its own so a status page or a Prometheus scrape
// never waits behind the writer lock of NodeStore.
#pragma once

#include "storage/database.h"
#include "storage/node_store.h"

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace radnode::node {

struct DeliveryStatus {
    std::string destination, state, lastStatus, lastError;
    int attempts = 0;
    std::string commitment; // the newest Storage Commitment transaction's state; empty: none
};

// A result as a worklist shows it: whose study, what each model said, where it went.
struct ResultSummary {
    std::int64_t id = 0, jobId = 0, createdAt = 0;
    std::string studyUid, patientId, accessionNumber, srSopInstanceUid, srSeriesUid;
    std::optional<std::int64_t> supersedes;
    bool superseded = false; // a later result of the same study replaced it
    std::vector<storage::ScoreRecord> scores;
    // Per score, the model family ("SVM (RBF kernel)") from the result's stored summary JSON;
    // empty for results written before the SR named families.
    std::vector<std::string> scoreFamilies;
    std::vector<DeliveryStatus> deliveries;
};

struct JobSummary {
    storage::JobRow job;
    std::string accessionNumber;
};

struct StudySummary {
    std::string studyUid, patientId, accessionNumber;
    std::int64_t firstReceivedAt = 0, lastReceivedAt = 0;
    std::int64_t instances = 0;
    std::optional<storage::JobRow> latestJob;
    std::optional<ResultSummary> latestResult;
};

struct LabelledCount {
    std::string label;
    std::int64_t count = 0;
};

// What /metrics reads from the database: totals over the node's whole history.
struct DatabaseCounts {
    std::vector<LabelledCount> instancesBySopClass;
    std::vector<LabelledCount> associationRefusals; // by reason: unknown_peer, called_ae_title, ...
    std::vector<LabelledCount> instanceRefusals;    // by DIMSE status, e.g. A900
    std::vector<LabelledCount> jobsByState;         // every state, zero included
    std::vector<LabelledCount> deliveriesByState;   // every state, zero included
    std::vector<LabelledCount> commitmentsByState;  // Storage Commitment transactions, every state
    std::int64_t results = 0;
};

class HttpQueries {
public:
    explicit HttpQueries(const std::filesystem::path& database);

    std::vector<StudySummary> recentStudies(int limit);
    // Newest first; `state` empty: every state.
    std::vector<JobSummary> jobs(const std::string& state, int limit);
    // Created at or after `sinceMs`, oldest first (a poller keeps the last time it saw).
    std::vector<ResultSummary> results(std::int64_t sinceMs, int limit);
    DatabaseCounts counts();
    // Empty when a write transaction can be opened; else why not.
    std::string writeProblem();

private:
    void fillResultDetails(ResultSummary& result);

    std::mutex mutex_; // the HTTP threads take turns on the one connection
    storage::Database database_;
};

} // namespace radnode::node
