#include "storage/node_store.h"
#include "storage/schema.h"
#include "test_support.h"

#include <doctest/doctest.h>

#include <fstream>

using namespace radnode::storage;
using radnode::test::TempDir;
using radnode::test::writeText;

namespace {
InstanceRecord record(const std::string& sop, const std::string& study = "1.2.3", const std::string& sopClass = "1.2.840.10008.5.1.4.1.1.6.1") {
    InstanceRecord r;
    r.sopInstanceUid = sop;
    r.sopClassUid = sopClass;
    r.studyUid = study;
    r.seriesUid = study + ".1";
    r.modality = "US";
    r.callingAe = "STORESCU";
    return r;
}

std::filesystem::path received(NodeStore& store, const std::string& content) {
    auto path = store.incomingPath();
    writeText(path, content);
    return path;
}
} // namespace

TEST_CASE("a new database is migrated to the current schema in WAL mode") {
    TempDir dir;
    {
        Database database(dir / "db.sqlite");
        migrate(database);
        CHECK(database.userVersion() == currentSchemaVersion());
        Statement mode(database, "PRAGMA journal_mode");
        REQUIRE(mode.step());
        CHECK(mode.text(0) == "wal");
    }
    // Re-opening is a no-op migration.
    Database again(dir / "db.sqlite");
    migrate(again);
    CHECK(again.userVersion() == currentSchemaVersion());
}

TEST_CASE("a database from a newer radnode is refused") {
    TempDir dir;
    Database database(dir / "db.sqlite");
    database.setUserVersion(currentSchemaVersion() + 1);
    CHECK_THROWS_WITH_AS(migrate(database), doctest::Contains("newer than this radnode"), DatabaseError);
}

TEST_CASE("a failed transaction leaves nothing behind") {
    TempDir dir;
    Database database(dir / "db.sqlite");
    migrate(database);
    try {
        Transaction transaction(database);
        database.execute("INSERT INTO studies (study_uid, first_received_at, last_received_at) VALUES ('1.2', 1, 1)");
        throw std::runtime_error("interrupted");
    } catch (const std::runtime_error&) {
    }
    Statement count(database, "SELECT count(*) FROM studies");
    count.step();
    CHECK(count.integer(0) == 0);
}

TEST_CASE("instances are stored durably; duplicates are idempotent; changed content is a new version") {
    TempDir dir;
    NodeStore store(dir / "state/db.sqlite", dir / "state/files");
    const auto first = store.storeInstance(received(store, "DICM-one"), record("1.2.3.4"));
    CHECK(first.outcome == StoreOutcome::Stored);
    CHECK(std::filesystem::exists(first.path));

    const auto same = store.storeInstance(received(store, "DICM-one"), record("1.2.3.4"));
    CHECK(same.outcome == StoreOutcome::Duplicate);
    CHECK(same.id == first.id);

    const auto changed = store.storeInstance(received(store, "DICM-two"), record("1.2.3.4"));
    CHECK(changed.outcome == StoreOutcome::NewVersion);
    CHECK(changed.version == 2);
    CHECK(store.instanceCount() == 2);
    CHECK(store.latestInstance("1.2.3.4")->version == 2);
    CHECK(store.instancesOfStudy("1.2.3").size() == 1);
    // Nothing is left in the incoming area.
    CHECK(std::filesystem::is_empty(dir / "state/files/incoming"));
}

TEST_CASE("a UID that could climb out of the store is refused") {
    TempDir dir;
    NodeStore store(dir / "db.sqlite", dir / "files");
    CHECK_THROWS_WITH_AS(store.storeInstance(received(store, "x"), record("../../etc")),
                         doctest::Contains("not a valid UID"), std::invalid_argument);
}

TEST_CASE("segmentation references tell what is missing, and assembly waits for quiet") {
    TempDir dir;
    NodeStore store(dir / "db.sqlite", dir / "files");
    auto seg = record("1.2.3.100", "1.2.3", "1.2.840.10008.5.1.4.1.1.66.4");
    seg.referencedInstanceUids = {"1.2.3.5", "1.2.3.6"};
    const auto stored = store.storeInstance(received(store, "seg"), seg);
    CHECK(store.missingReferences(stored.id) == std::vector<std::string>{"1.2.3.5", "1.2.3.6"});
    store.storeInstance(received(store, "img5"), record("1.2.3.5"));
    CHECK(store.missingReferences(stored.id) == std::vector<std::string>{"1.2.3.6"});

    const auto now = nowMs();
    CHECK(store.studiesAwaitingAssembly(now, 60000).empty());
    CHECK(store.studiesAwaitingAssembly(now + 60000, 60000) == std::vector<std::string>{"1.2.3"});
    CHECK(store.segmentationsOfStudy("1.2.3").size() == 1);
    store.markAssembled("1.2.3", now + 60000);
    CHECK(store.studiesAwaitingAssembly(now + 120000, 60000).empty());
}

TEST_CASE("jobs are leased once, retried up to the limit, and results queue deliveries") {
    TempDir dir;
    NodeStore store(dir / "db.sqlite", dir / "files");
    store.storeInstance(received(store, "img"), record("1.2.3.5"));
    const auto jobId = store.enqueueJob("1.2.3");
    const auto leased = store.leaseJob("worker-1", 60000);
    REQUIRE(leased);
    CHECK(leased->id == jobId);
    CHECK(!store.leaseJob("worker-2", 60000));

    store.failJob(jobId, "transient", true, 2);
    CHECK(store.job(jobId)->state == JobState::Queued);
    REQUIRE(store.leaseJob("worker-1", 60000));
    store.failJob(jobId, "again", true, 2);
    CHECK(store.job(jobId)->state == JobState::Failed);
    CHECK(store.job(jobId)->lastError == "again");

    const auto second = store.enqueueJob("1.2.3");
    REQUIRE(store.leaseJob("worker-1", 60000));
    const auto resultId = store.completeJob(second, ResultRecord{"1.2.9", "1.2.8", dir / "sr.dcm", "{}", {}, {}, {}}, {"PACS", "ARCHIVE"});
    CHECK(store.job(second)->state == JobState::Done);
    CHECK(store.dueDeliveries(nowMs()).size() == 2);
    CHECK(store.latestResult("1.2.3")->id == resultId);

    const auto third = store.enqueueJob("1.2.3");
    REQUIRE(store.leaseJob("worker-1", 60000));
    store.completeJob(third, ResultRecord{"1.2.10", "1.2.8", dir / "sr2.dcm", "{}", {}, {}, {}}, {});
    CHECK(store.latestResult("1.2.3")->supersedes == resultId);
}

TEST_CASE("a result keeps its scores, features and accompanying objects, and deliveries carry the objects") {
    TempDir dir;
    NodeStore store(dir / "db.sqlite", dir / "files");
    store.storeInstance(received(store, "img"), record("1.2.3.5"));
    const auto jobId = store.enqueueJob("1.2.3");
    REQUIRE(store.leaseJob("w", 1000));
    ResultRecord result{"1.2.9", "1.2.8", dir / "sr.dcm", "{}", {}, {}, {}};
    ScoreRecord scored;
    scored.modelName = "demo";
    scored.modelVersion = "1";
    scored.scored = true;
    scored.radScore = 0.4;
    scored.probability = 0.6;
    scored.threshold = 0.5;
    scored.predictedClass = "N+";
    scored.flags = "unstable";
    ScoreRecord unscored;
    unscored.modelName = "dbt";
    unscored.modelVersion = "2";
    unscored.reason = "no DBT image";
    result.scores = {scored, unscored};
    result.features = {FeatureRecord{"tumor", "", "L", "original_firstorder_Mean", 12.5},
                       FeatureRecord{"ring-3mm", "", "L", "original_glcm_Imc2", std::nullopt}};
    result.objects = {ResultObject{"1.2.9.1", "1.2.840.10008.5.1.4.1.1.7", dir / "sc.dcm"}};
    const auto resultId = store.completeJob(jobId, result, {"PACS"});

    const auto scores = store.resultScores(resultId);
    REQUIRE(scores.size() == 2);
    CHECK(scores[0].probability == 0.6);
    CHECK(scores[0].predictedClass == "N+");
    CHECK(scores[0].flags == "unstable");
    CHECK(!scores[1].scored);
    CHECK(!scores[1].probability);
    CHECK(scores[1].reason == "no DBT image");

    const auto features = store.resultFeatures(resultId);
    REQUIRE(features.size() == 2);
    CHECK(features[0].value == 12.5);
    CHECK(features[1].roi == "ring-3mm");
    CHECK(!features[1].value); // NaN is stored as NULL, not as a number

    const auto due = store.dueDeliveries(nowMs());
    REQUIRE(due.size() == 1);
    REQUIRE(due[0].objects.size() == 1);
    CHECK(due[0].objects[0].sopInstanceUid == "1.2.9.1");
    CHECK(due[0].objects[0].path == dir / "sc.dcm");
}

TEST_CASE("deliveries: retry later, fail for good, operator retry") {
    TempDir dir;
    NodeStore store(dir / "db.sqlite", dir / "files");
    store.storeInstance(received(store, "img"), record("1.2.3.5"));
    const auto jobId = store.enqueueJob("1.2.3");
    store.leaseJob("w", 1000);
    store.completeJob(jobId, ResultRecord{"1.2.9", "1.2.8", dir / "sr.dcm", "{}", {}, {}, {}}, {"PACS"});
    auto due = store.dueDeliveries(nowMs());
    REQUIRE(due.size() == 1);
    store.scheduleRetry(due[0].id, "association refused", "connection refused", nowMs() + 60000);
    CHECK(store.dueDeliveries(nowMs()).empty());
    CHECK(store.dueDeliveries(nowMs() + 120000).size() == 1);
    store.markDeliveryFailed(due[0].id, "0122", "SOP class not supported");
    CHECK(store.deliveries()[0].state == DeliveryState::Failed);
    CHECK(store.retryDelivery(due[0].id));
    CHECK(store.dueDeliveries(nowMs() + 1).size() == 1);
    store.markDelivered(due[0].id, "0000");
    CHECK(!store.retryDelivery(due[0].id));
}

TEST_CASE("the audit log is append-only, enforced by the database") {
    TempDir dir;
    {
        NodeStore store(dir / "db.sqlite", dir / "files");
        store.audit(AuditEvent{"instance.received", "1.2.3", "1.2.3.4", "SCU", "127.0.0.1", std::nullopt, ""});
        AuditFilter filter;
        filter.studyUid = "1.2.3";
        CHECK(store.auditEvents(filter).size() == 1);
        filter.patientId = "nobody";
        CHECK(store.auditEvents(filter).empty());
    }
    Database database(dir / "db.sqlite");
    CHECK_THROWS_WITH_AS(database.execute("DELETE FROM audit_log"), doctest::Contains("append-only"), DatabaseError);
    CHECK_THROWS_WITH_AS(database.execute("UPDATE audit_log SET event = 'x'"), doctest::Contains("append-only"),
                         DatabaseError);
}

TEST_CASE("startup reconciliation keeps the objects that travel with a result") {
    TempDir dir;
    NodeStore store(dir / "db.sqlite", dir / "files");
    store.storeInstance(received(store, "img"), record("1.2.3.5"));
    const auto jobId = store.enqueueJob("1.2.3");
    REQUIRE(store.leaseJob("w", 1000));
    std::filesystem::create_directories(dir / "files" / "results");
    const auto sr = dir / "files" / "results" / "sr.dcm";
    const auto summary = dir / "files" / "results" / "sc.dcm";
    const auto unfinished = dir / "files" / "results" / "never-committed.dcm";
    for (const auto& file : {sr, summary, unfinished}) std::ofstream(file) << "x";
    store.completeJob(jobId, ResultRecord{"1.2.9", "1.2.8", sr, "{}", {}, {},
                                          {ResultObject{"1.2.9.1", "1.2.840.10008.5.1.4.1.1.7", summary}}},
                      {"PACS"});
    const auto report = store.reconcile();
    CHECK(report.orphanFilesRemoved == 1);
    CHECK(std::filesystem::exists(sr));
    CHECK(std::filesystem::exists(summary));
    CHECK(!std::filesystem::exists(unfinished));
}

TEST_CASE("startup reconciliation removes partial and orphan files and releases leases") {
    TempDir dir;
    NodeStore store(dir / "db.sqlite", dir / "files");
    const auto kept = store.storeInstance(received(store, "kept"), record("1.2.3.5"));
    writeText(dir / "files/incoming/123.partial", "half");
    std::filesystem::create_directories(dir / "files/instances/9/9");
    writeText(dir / "files/instances/9/9/9.dcm", "renamed but never committed");
    store.enqueueJob("1.2.3");
    store.leaseJob("w", 60000);

    const auto report = store.reconcile();
    CHECK(report.partialFilesRemoved == 1);
    CHECK(report.orphanFilesRemoved == 1);
    CHECK(report.leasesReleased == 1);
    CHECK(std::filesystem::exists(kept.path));
    CHECK(!std::filesystem::exists(dir / "files/instances/9/9/9.dcm"));
    CHECK(store.jobCount(JobState::Queued) == 1);
}

TEST_CASE("retention purges received images but keeps rows, results and the audit trail") {
    TempDir dir;
    NodeStore store(dir / "db.sqlite", dir / "files");
    const auto kept = store.storeInstance(received(store, "a"), record("1.2.3.5"));
    const auto busy = store.storeInstance(received(store, "b"), record("1.2.4.5", "1.2.4"));
    store.enqueueJob("1.2.4"); // a study waiting for analysis keeps its images
    CHECK(store.purgeReceivedBefore(0).instances == 0); // nothing is that old

    const auto report = store.purgeReceivedBefore(nowMs() + 1);
    CHECK(report.instances == 1);
    CHECK(report.studies == 1);
    CHECK(report.bytes > 0);
    CHECK(!std::filesystem::exists(kept.path));
    CHECK(std::filesystem::exists(busy.path));
    CHECK(store.instanceCount() == 2); // the row stays: what was received, from whom, when
    AuditFilter filter;
    filter.event = "instance.purged";
    const auto events = store.auditEvents(filter);
    REQUIRE(events.size() == 1);
    CHECK(events[0].event.studyUid == "1.2.3");
    CHECK(store.reconcile().rowsWithoutFile == 0); // purged is not missing
    CHECK(store.purgeReceivedBefore(nowMs() + 1).instances == 0); // once only

    // The same image sent again after the purge is kept again, as a new version.
    const auto again = store.storeInstance(received(store, "a"), record("1.2.3.5"));
    CHECK(again.outcome == StoreOutcome::NewVersion);
    CHECK(std::filesystem::exists(again.path));
}
