// NodeStore: what each delivery sent, and its Storage Commitment transactions (schema v6).
#include "storage/node_store.h"

namespace radnode::storage {

std::string commitmentStateName(CommitmentState state) {
    switch (state) {
    case CommitmentState::Requested: return "requested";
    case CommitmentState::Committed: return "committed";
    case CommitmentState::Failed: return "failed";
    case CommitmentState::TimedOut: return "timed-out";
    }
    return "unknown";
}

namespace {

CommitmentState commitmentStateFrom(const std::string& text) {
    if (text == "requested") return CommitmentState::Requested;
    if (text == "committed") return CommitmentState::Committed;
    if (text == "timed-out") return CommitmentState::TimedOut;
    return CommitmentState::Failed;
}

const char* const kCommitmentColumns =
    "c.transaction_uid, c.delivery_id, d.destination, c.state, c.requested_at, c.deadline_at, c.answered_at, "
    "coalesce(c.reported_by, ''), coalesce(c.detail, '') FROM commitments c JOIN deliveries d ON d.id = c.delivery_id";

CommitmentRow commitmentFrom(const Statement& s) {
    CommitmentRow row;
    row.transactionUid = s.text(0);
    row.deliveryId = s.integer(1);
    row.destination = s.text(2);
    row.state = commitmentStateFrom(s.text(3));
    row.requestedAt = s.integer(4);
    row.deadlineAt = s.integer(5);
    row.answeredAt = s.optionalInteger(6);
    row.reportedBy = s.text(7);
    row.detail = s.text(8);
    return row;
}

std::vector<CommitmentObject> commitmentObjects(Database& database, const std::string& transactionUid) {
    Statement s(database, "SELECT sop_instance_uid, sop_class_uid, state, coalesce(failure_reason, '') "
                          "FROM commitment_objects WHERE transaction_uid = ? ORDER BY rowid");
    s.bind(1, transactionUid);
    std::vector<CommitmentObject> objects;
    while (s.step()) objects.push_back(CommitmentObject{s.text(0), s.text(1), s.text(2), s.text(3)});
    return objects;
}

std::string studyOfDelivery(Database& database, std::int64_t deliveryId) {
    Statement s(database, "SELECT r.study_uid FROM deliveries d JOIN results r ON r.id = d.result_id WHERE d.id = ?");
    s.bind(1, deliveryId);
    return s.step() ? s.text(0) : std::string();
}

AuditEvent commitmentEvent(Database& database, const char* event, const CommitmentRow& row, const std::string& detail) {
    return AuditEvent{event,
                      studyOfDelivery(database, row.deliveryId),
                      "",
                      "",
                      "",
                      std::nullopt,
                      "delivery " + std::to_string(row.deliveryId) + " to " + row.destination + ", transaction " +
                          row.transactionUid + (detail.empty() ? "" : ": " + detail)};
}

} // namespace

void NodeStore::recordDeliveryObjects(std::int64_t deliveryId, const std::vector<SentObject>& objects) {
    std::lock_guard lock(mutex_);
    Transaction transaction(database_);
    Statement clear(database_, "DELETE FROM delivery_objects WHERE delivery_id = ?");
    clear.bind(1, deliveryId);
    clear.run();
    Statement insert(database_, "INSERT INTO delivery_objects (delivery_id, position, sop_instance_uid, sop_class_uid) "
                                "VALUES (?, ?, ?, ?)");
    int position = 0;
    for (const auto& object : objects) {
        insert.bind(1, deliveryId).bind(2, position++).bind(3, object.sopInstanceUid).bind(4, object.sopClassUid);
        insert.run();
        insert.reset();
    }
    transaction.commit();
}

std::vector<SentObject> NodeStore::deliveryObjects(std::int64_t deliveryId) {
    std::lock_guard lock(mutex_);
    Statement s(database_, "SELECT sop_instance_uid, sop_class_uid FROM delivery_objects WHERE delivery_id = ? "
                           "ORDER BY position");
    s.bind(1, deliveryId);
    std::vector<SentObject> objects;
    while (s.step()) objects.push_back(SentObject{s.text(0), s.text(1)});
    return objects;
}

void NodeStore::recordCommitmentRequest(std::int64_t deliveryId, const std::string& transactionUid,
                                        const std::vector<SentObject>& objects, std::int64_t requestedAt,
                                        std::int64_t deadlineAt) {
    std::lock_guard lock(mutex_);
    Transaction transaction(database_);
    Statement insert(database_, "INSERT INTO commitments (transaction_uid, delivery_id, state, requested_at, deadline_at) "
                                "VALUES (?, ?, 'requested', ?, ?)");
    insert.bind(1, transactionUid).bind(2, deliveryId).bind(3, requestedAt).bind(4, deadlineAt);
    insert.run();
    Statement object(database_, "INSERT INTO commitment_objects (transaction_uid, sop_instance_uid, sop_class_uid, state) "
                                "VALUES (?, ?, ?, 'requested')");
    for (const auto& sent : objects) {
        object.bind(1, transactionUid).bind(2, sent.sopInstanceUid).bind(3, sent.sopClassUid);
        object.run();
        object.reset();
    }
    const auto row = commitmentLocked(transactionUid);
    auditLocked(commitmentEvent(database_, "commitment.requested", *row,
                                std::to_string(objects.size()) + " objects"));
    transaction.commit();
}

void NodeStore::markCommitmentFailed(const std::string& transactionUid, const std::string& detail) {
    std::lock_guard lock(mutex_);
    Transaction transaction(database_);
    Statement s(database_, "UPDATE commitments SET state = 'failed', detail = ?, answered_at = ? WHERE transaction_uid = ?");
    s.bind(1, detail).bind(2, nowMs()).bind(3, transactionUid);
    s.run();
    if (const auto row = commitmentLocked(transactionUid)) {
        auditLocked(commitmentEvent(database_, "commitment.failed", *row, detail));
    }
    transaction.commit();
}

std::optional<CommitmentReportResult> NodeStore::recordCommitmentReport(const std::string& transactionUid,
                                                                        const std::vector<std::string>& committedUids,
                                                                        const std::vector<CommitmentFailure>& failures,
                                                                        const std::string& reportedBy, std::int64_t now) {
    std::lock_guard lock(mutex_);
    Transaction transaction(database_);
    auto row = commitmentLocked(transactionUid);
    if (!row) return std::nullopt;
    CommitmentReportResult result;
    if (row->state == CommitmentState::Committed || row->state == CommitmentState::Failed) {
        auditLocked(commitmentEvent(database_, "commitment.duplicate_report", *row, "from " + reportedBy + ", ignored"));
        transaction.commit();
        result.row = *row;
        return result;
    }
    const bool lateAnswer = row->state == CommitmentState::TimedOut;
    Statement committed(database_, "UPDATE commitment_objects SET state = 'committed', failure_reason = NULL "
                                   "WHERE transaction_uid = ? AND sop_instance_uid = ?");
    for (const auto& uid : committedUids) {
        committed.bind(1, transactionUid).bind(2, uid);
        committed.run();
        committed.reset();
    }
    Statement failed(database_, "UPDATE commitment_objects SET state = 'failed', failure_reason = ? "
                                "WHERE transaction_uid = ? AND sop_instance_uid = ?");
    std::string detail;
    for (const auto& failure : failures) {
        failed.bind(1, failure.reason).bind(2, transactionUid).bind(3, failure.sopInstanceUid);
        failed.run();
        failed.reset();
        detail += (detail.empty() ? "" : "; ") + failure.sopInstanceUid + ": " + failure.reason;
    }
    // An object the report does not name is not committed either (PS3.4 J.3.3 lists every one).
    Statement unanswered(database_, "SELECT count(*) FROM commitment_objects WHERE transaction_uid = ? AND state = 'requested'");
    unanswered.bind(1, transactionUid);
    unanswered.step();
    const auto missing = unanswered.integer(0);
    if (missing > 0) {
        Statement mark(database_, "UPDATE commitment_objects SET state = 'failed', failure_reason = 'not named in the report' "
                                  "WHERE transaction_uid = ? AND state = 'requested'");
        mark.bind(1, transactionUid);
        mark.run();
        detail += (detail.empty() ? "" : "; ") + std::to_string(missing) + " objects not named in the report";
    }
    const bool allCommitted = failures.empty() && missing == 0;
    if (lateAnswer) detail = "answered after the timeout" + (detail.empty() ? "" : ": " + detail);
    Statement update(database_, "UPDATE commitments SET state = ?, answered_at = ?, reported_by = ?, detail = ? "
                                "WHERE transaction_uid = ?");
    update.bind(1, allCommitted ? "committed" : "failed").bind(2, now).bind(3, reportedBy);
    if (detail.empty()) {
        update.bindNull(4);
    } else {
        update.bind(4, detail);
    }
    update.bind(5, transactionUid);
    update.run();
    row = commitmentLocked(transactionUid);
    auditLocked(commitmentEvent(database_, allCommitted ? "commitment.committed" : "commitment.failed", *row,
                                "reported by " + reportedBy + (detail.empty() ? "" : ", " + detail)));
    if (!allCommitted) {
        Statement count(database_, "SELECT count(*) FROM commitments WHERE delivery_id = ?");
        count.bind(1, row->deliveryId);
        count.step();
        if (count.integer(0) == 1) {
            Statement requeue(database_, "UPDATE deliveries SET state = 'pending', next_attempt_at = ?, updated_at = ? "
                                         "WHERE id = ?");
            requeue.bind(1, now).bind(2, now).bind(3, row->deliveryId);
            requeue.run();
            auditLocked(AuditEvent{"delivery.requeued", studyOfDelivery(database_, row->deliveryId), "", "", "",
                                   std::nullopt,
                                   "delivery " + std::to_string(row->deliveryId) +
                                       ": storage commitment failed, sent once more with the same SOP Instance UIDs"});
            result.deliveryRequeued = true;
        }
    }
    transaction.commit();
    result.row = *row;
    return result;
}

std::vector<CommitmentRow> NodeStore::expireCommitments(std::int64_t now) {
    std::lock_guard lock(mutex_);
    std::vector<std::string> expired;
    {
        Statement s(database_, "SELECT transaction_uid FROM commitments WHERE state = 'requested' AND deadline_at <= ?");
        s.bind(1, now);
        while (s.step()) expired.push_back(s.text(0));
    }
    // The outbox asks several times a second: no write transaction unless one expired.
    if (expired.empty()) return {};
    Transaction transaction(database_);
    std::vector<CommitmentRow> rows;
    Statement update(database_, "UPDATE commitments SET state = 'timed-out', detail = ? WHERE transaction_uid = ? "
                                "AND state = 'requested'");
    for (const auto& uid : expired) {
        auto row = commitmentLocked(uid);
        const std::string detail = "no N-EVENT-REPORT within " + std::to_string((row->deadlineAt - row->requestedAt) / 1000) + " s";
        update.bind(1, detail).bind(2, uid);
        update.run();
        update.reset();
        row->state = CommitmentState::TimedOut;
        row->detail = detail;
        auditLocked(commitmentEvent(database_, "commitment.timed_out", *row, detail));
        rows.push_back(std::move(*row));
    }
    transaction.commit();
    return rows;
}

std::optional<CommitmentRow> NodeStore::commitment(const std::string& transactionUid) {
    std::lock_guard lock(mutex_);
    return commitmentLocked(transactionUid);
}

std::optional<CommitmentRow> NodeStore::latestCommitment(std::int64_t deliveryId) {
    std::lock_guard lock(mutex_);
    Statement s(database_, "SELECT transaction_uid FROM commitments WHERE delivery_id = ? ORDER BY rowid DESC LIMIT 1");
    s.bind(1, deliveryId);
    if (!s.step()) return std::nullopt;
    return commitmentLocked(s.text(0));
}

std::optional<CommitmentRow> NodeStore::commitmentLocked(const std::string& transactionUid) {
    Statement s(database_, std::string("SELECT ") + kCommitmentColumns + " WHERE c.transaction_uid = ?");
    s.bind(1, transactionUid);
    if (!s.step()) return std::nullopt;
    auto row = commitmentFrom(s);
    row.objects = commitmentObjects(database_, transactionUid);
    return row;
}

} // namespace radnode::storage
