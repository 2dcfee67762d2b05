// Schema v6: what each delivery sent, and Storage Commitment transactions with their answers,
// time-outs, audit rows and the one re-send a failure earns.
#include "storage/node_store.h"
#include "storage/schema.h"
#include "test_support.h"

#include <doctest/doctest.h>

using namespace radnode::storage;
using radnode::test::TempDir;
using radnode::test::writeText;

namespace {

// A store with one delivered result to "PACS": its delivery id.
std::int64_t deliveredResult(NodeStore& store, const TempDir& dir) {
    InstanceRecord image;
    image.sopInstanceUid = "1.2.3.5";
    image.sopClassUid = "1.2.840.10008.5.1.4.1.1.6.1";
    image.studyUid = "1.2.3";
    image.seriesUid = "1.2.3.1";
    auto path = store.incomingPath();
    writeText(path, "img");
    store.storeInstance(path, image);
    const auto jobId = store.enqueueJob("1.2.3");
    REQUIRE(store.leaseJob("w", 60000));
    store.completeJob(jobId, ResultRecord{"1.2.9", "1.2.8", dir / "sr.dcm", "{}", {}, {}, {}}, {"PACS"});
    const auto due = store.dueDeliveries(nowMs());
    REQUIRE(due.size() == 1);
    store.markDelivered(due[0].id, "0000");
    return due[0].id;
}

const std::vector<SentObject> kSent{{"1.2.9", "1.2.840.10008.5.1.4.1.1.88.34"}, {"1.2.10", "1.2.840.10008.5.1.4.1.1.7"}};

int auditCount(NodeStore& store, const std::string& event) {
    AuditFilter filter;
    filter.event = event;
    return static_cast<int>(store.auditEvents(filter).size());
}

} // namespace

TEST_CASE("schema v6 adds the delivery objects and commitment tables to an existing v5 database") {
    TempDir dir;
    {
        Database database(dir / "db.sqlite");
        migrate(database);
        REQUIRE(currentSchemaVersion() >= 6);
        // Back to v5: drop what v6 added, as a database written by the previous release.
        database.execute("DROP TABLE commitment_objects; DROP TABLE commitments; DROP TABLE delivery_objects;");
        database.setUserVersion(5);
    }
    Database database(dir / "db.sqlite");
    migrate(database);
    CHECK(database.userVersion() == currentSchemaVersion());
    Statement tables(database, "SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_master WHERE type = 'table' "
                               "AND name IN ('delivery_objects', 'commitments', 'commitment_objects') ORDER BY name)");
    REQUIRE(tables.step());
    CHECK(tables.text(0) == "commitment_objects,commitments,delivery_objects");
    // The state is constrained by the database itself.
    CHECK_THROWS_AS(database.execute("INSERT INTO commitments (transaction_uid, delivery_id, state, requested_at, "
                                     "deadline_at) VALUES ('2.25.1', 1, 'maybe', 0, 0)"),
                    DatabaseError);
}

TEST_CASE("a delivery records what it sends; a later attempt replaces the list") {
    TempDir dir;
    NodeStore store(dir / "db.sqlite", dir / "files");
    const auto id = deliveredResult(store, dir);
    CHECK(store.deliveryObjects(id).empty());
    store.recordDeliveryObjects(id, kSent);
    store.recordDeliveryObjects(id, kSent);
    const auto objects = store.deliveryObjects(id);
    REQUIRE(objects.size() == 2);
    CHECK(objects[0].sopInstanceUid == "1.2.9");
    CHECK(objects[1].sopClassUid == "1.2.840.10008.5.1.4.1.1.7");
}

TEST_CASE("a commitment report marks the transaction committed and is audited; an unknown one is refused") {
    TempDir dir;
    NodeStore store(dir / "db.sqlite", dir / "files");
    const auto id = deliveredResult(store, dir);
    store.recordCommitmentRequest(id, "2.25.100", kSent, 1000, 5000);
    auto row = store.latestCommitment(id);
    REQUIRE(row);
    CHECK(row->state == CommitmentState::Requested);
    CHECK(row->destination == "PACS");
    CHECK(row->objects.size() == 2);
    CHECK(auditCount(store, "commitment.requested") == 1);

    CHECK(!store.recordCommitmentReport("2.25.999", {"1.2.9"}, {}, "ORTHANC@127.0.0.1", 2000));
    const auto result = store.recordCommitmentReport("2.25.100", {"1.2.9", "1.2.10"}, {}, "ORTHANC@127.0.0.1", 2000);
    REQUIRE(result);
    CHECK(!result->deliveryRequeued);
    CHECK(result->row.state == CommitmentState::Committed);
    CHECK(result->row.answeredAt == 2000);
    CHECK(result->row.reportedBy == "ORTHANC@127.0.0.1");
    CHECK(result->row.objects[0].state == "committed");
    CHECK(auditCount(store, "commitment.committed") == 1);
    // A repeated report changes nothing.
    REQUIRE(store.recordCommitmentReport("2.25.100", {}, {{"1.2.9", "0110 processing failure"}}, "X@1", 3000));
    CHECK(store.commitment("2.25.100")->state == CommitmentState::Committed);
    // Nothing left to time out.
    CHECK(store.expireCommitments(1'000'000).empty());
}

TEST_CASE("a failed commitment re-sends the delivery once; a second failure stays failed") {
    TempDir dir;
    NodeStore store(dir / "db.sqlite", dir / "files");
    const auto id = deliveredResult(store, dir);
    store.recordCommitmentRequest(id, "2.25.200", kSent, 1000, 5000);
    auto first = store.recordCommitmentReport("2.25.200", {"1.2.9"}, {{"1.2.10", "0112 no such object instance"}},
                                              "PACS@10.0.0.1", 2000);
    REQUIRE(first);
    CHECK(first->deliveryRequeued);
    CHECK(first->row.state == CommitmentState::Failed);
    CHECK(first->row.detail.find("1.2.10: 0112 no such object instance") != std::string::npos);
    CHECK(first->row.objects[1].failureReason == "0112 no such object instance");
    CHECK(store.delivery(id)->state == DeliveryState::Pending);
    CHECK(auditCount(store, "commitment.failed") == 1);

    store.markDelivered(id, "0000");
    store.recordCommitmentRequest(id, "2.25.201", kSent, 3000, 7000);
    // Objects the report does not name are not committed either.
    auto second = store.recordCommitmentReport("2.25.201", {"1.2.9"}, {}, "PACS@10.0.0.1", 4000);
    REQUIRE(second);
    CHECK(!second->deliveryRequeued);
    CHECK(second->row.state == CommitmentState::Failed);
    CHECK(second->row.detail.find("1 objects not named in the report") != std::string::npos);
    CHECK(store.delivery(id)->state == DeliveryState::Delivered);
    CHECK(store.latestCommitment(id)->transactionUid == "2.25.201");
}

TEST_CASE("an unanswered commitment times out once, is audited, and a late answer is still recorded") {
    TempDir dir;
    NodeStore store(dir / "db.sqlite", dir / "files");
    const auto id = deliveredResult(store, dir);
    store.recordCommitmentRequest(id, "2.25.300", kSent, 1000, 3601000);
    CHECK(store.expireCommitments(3600999).empty());
    const auto expired = store.expireCommitments(3601000);
    REQUIRE(expired.size() == 1);
    CHECK(expired[0].state == CommitmentState::TimedOut);
    CHECK(expired[0].detail == "no N-EVENT-REPORT within 3600 s");
    CHECK(store.expireCommitments(9999999).empty());
    CHECK(auditCount(store, "commitment.timed_out") == 1);
    // The transaction survives a restart (it is in SQLite), and a late answer is taken.
    NodeStore reopened(dir / "db.sqlite", dir / "files");
    const auto late = reopened.recordCommitmentReport("2.25.300", {"1.2.9", "1.2.10"}, {}, "PACS@10.0.0.1", 4000000);
    REQUIRE(late);
    CHECK(late->row.state == CommitmentState::Committed);
    CHECK(late->row.detail == "answered after the timeout");
}

TEST_CASE("a commitment that could not be requested is failed with the reason") {
    TempDir dir;
    NodeStore store(dir / "db.sqlite", dir / "files");
    const auto id = deliveredResult(store, dir);
    store.recordCommitmentRequest(id, "2.25.400", kSent, 1000, 5000);
    store.markCommitmentFailed("2.25.400", "storage commitment not supported by STORESCP@127.0.0.1:104");
    const auto row = store.latestCommitment(id);
    REQUIRE(row);
    CHECK(row->state == CommitmentState::Failed);
    CHECK(row->detail == "storage commitment not supported by STORESCP@127.0.0.1:104");
    CHECK(store.delivery(id)->state == DeliveryState::Delivered);
    CHECK(store.expireCommitments(1'000'000).empty());
}
