// Storage Commitment with real peers: Orthanc commits what the node delivered and reports on
// a new association to the node's listener; DCMTK storescp, which has no Storage Commitment,
// leaves the delivery delivered with a clear reason; a report for a transaction the node never
// issued is answered with an error and audited.
#include "node/live_node.h"
#include "node/outbox_sender.h"
#include "storage/node_store.h"
#include "test_support.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmnet/scu.h>
#include <dcmtk/oflog/oflog.h>

#include <doctest/doctest.h>

#include <chrono>
#include <thread>

using namespace radnode::test;

namespace {

// Orthanc on loopback ports of our own; it knows the node as a modality, so it can open the
// association that carries its storage commitment report.
std::vector<std::string> orthancCommand(const TempDir& dir, int dicomPort, int httpPort, int nodePort) {
    const auto config = dir / "orthanc.json";
    writeText(config, "{\n"
                      "  \"Name\": \"radnode-commitment-test\",\n"
                      "  \"StorageDirectory\": \"" + (dir / "orthanc-db").string() + "\",\n"
                      "  \"IndexDirectory\": \"" + (dir / "orthanc-db").string() + "\",\n"
                      "  \"DicomAet\": \"ORTHANC\",\n"
                      "  \"DicomPort\": " + std::to_string(dicomPort) + ",\n"
                      "  \"HttpPort\": " + std::to_string(httpPort) + ",\n"
                      "  \"RemoteAccessAllowed\": false,\n"
                      "  \"AuthenticationEnabled\": false,\n"
                      "  \"DicomModalities\": { \"radnode\": [ \"RADNODE\", \"127.0.0.1\", " + std::to_string(nodePort) + " ] },\n"
                      "  \"Plugins\": []\n"
                      "}\n");
    return {"Orthanc", config.string()};
}

std::string waitFor(const std::filesystem::path& database, const std::string& query, const std::string& expected,
                    int seconds) {
    std::string value;
    for (int waited = 0; waited < seconds * 4; ++waited) {
        value = sqlite(database, query);
        if (value == expected) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    return value;
}

// An N-EVENT-REPORT as a destination would send it, on a new association in the SCP role.
Uint16 sendReport(int port, const std::string& transactionUid, std::string& problem) {
    OFLog::configure(OFLogger::WARN_LOG_LEVEL); // DcmSCU narrates every step at info
    DcmSCU scu;
    scu.setAETitle("ORTHANC");
    scu.setPeerAETitle("RADNODE");
    scu.setPeerHostName("127.0.0.1");
    scu.setPeerPort(static_cast<Uint16>(port));
    scu.setACSETimeout(10);
    scu.setDIMSETimeout(10);
    scu.setDIMSEBlockingMode(DIMSE_NONBLOCKING);
    OFList<OFString> syntaxes;
    syntaxes.push_back(UID_LittleEndianExplicitTransferSyntax);
    scu.addPresentationContext(UID_StorageCommitmentPushModelSOPClass, syntaxes, ASC_SC_ROLE_SCP);
    Uint16 status = 0xFFFF;
    OFCondition condition = scu.initNetwork();
    if (condition.good()) condition = scu.negotiateAssociation();
    if (condition.bad()) {
        problem = condition.text();
        return status;
    }
    const auto context = scu.findAnyPresentationContextID(UID_StorageCommitmentPushModelSOPClass, "");
    if (context == 0) {
        problem = "the node did not accept Storage Commitment in the SCP role";
        scu.releaseAssociation();
        return status;
    }
    DcmDataset report;
    report.putAndInsertString(DCM_TransactionUID, transactionUid.c_str());
    DcmItem* item = nullptr;
    report.findOrCreateSequenceItem(DCM_ReferencedSOPSequence, item, 0);
    item->putAndInsertString(DCM_ReferencedSOPClassUID, UID_SecondaryCaptureImageStorage);
    item->putAndInsertString(DCM_ReferencedSOPInstanceUID, "1.2.3.4.5");
    condition = scu.sendEVENTREPORTRequest(context, UID_StorageCommitmentPushModelSOPInstance, 1, &report, status);
    if (condition.bad()) problem = condition.text();
    scu.releaseAssociation();
    return status;
}

} // namespace

TEST_CASE("storage commitment: Orthanc commits the delivery on a new association; storescp cannot, and says so") {
    REQUIRE(haveProgram("Orthanc"));
    REQUIRE(haveProgram("storescp"));
    REQUIRE(haveProgram("storescu"));
    REQUIRE(haveProgram("sqlite3"));
    TempDir dir;
    const int orthancDicom = freeLoopbackPort();
    const int orthancHttp = freeLoopbackPort();
    const int storescpPort = freeLoopbackPort();
    std::filesystem::create_directories(dir / "storescp");
    ChildProcess storescp({"storescp", "--aetitle", "PLAIN", "--output-directory", (dir / "storescp").string(),
                           std::to_string(storescpPort)},
                          dir / "storescp.log");
    REQUIRE(waitForPort(storescpPort, 10000));
    const int httpPort = freeLoopbackPort();
    writeText(dir / "node.yaml", "http: {enabled: true, port: " + std::to_string(httpPort) + "}\n"
                                 "destinations:\n"
                                 "  - {name: orthanc, ae_title: ORTHANC, host: 127.0.0.1, port: " +
                                     std::to_string(orthancDicom) +
                                     ", storage_commitment: true, storage_commitment_timeout: 5m}\n"
                                     "  - {name: plain, ae_title: PLAIN, host: 127.0.0.1, port: " +
                                     std::to_string(storescpPort) + ", storage_commitment: true}\n");
    const auto synth = runCommand(kRadnode + " synth --modality us --seed 12 --out '" + (dir / "study").string() + "'");
    REQUIRE_MESSAGE(synth.exitCode == 0, synth.output);

    LiveNode node(dir, {"--config", (dir / "node.yaml").string()});
    ChildProcess orthanc(orthancCommand(dir, orthancDicom, orthancHttp, node.port), dir / "orthanc.log");
    REQUIRE_MESSAGE(waitForPort(orthancHttp, 30000), readText(dir / "orthanc.log"));
    REQUIRE(waitForPort(orthancDicom, 10000));

    // A report for a transaction the node never issued: an error status, audited, nothing breaks.
    std::string problem;
    const Uint16 unknownStatus = sendReport(node.port, "2.25.1234567", problem);
    CHECK_MESSAGE(unknownStatus == 0x0115, (problem + readText(dir / "node.log")));

    const auto sent = runCommand("storescu -aec RADNODE -R +sd 127.0.0.1 " + std::to_string(node.port) + " '" +
                                 (dir / "study").string() + "'");
    REQUIRE_MESSAGE(sent.exitCode == 0, sent.output);

    const auto database = dir / "state" / "radnode.sqlite";
    const std::string committed = "SELECT c.state FROM commitments c JOIN deliveries d ON d.id = c.delivery_id "
                                  "WHERE d.destination = 'orthanc'";
    CHECK_MESSAGE(waitFor(database, committed, "committed", 180) == "committed",
                  (readText(dir / "node.log") + readText(dir / "orthanc.log")));
    // Orthanc's job ends in success only once our N-EVENT-REPORT-RSP passed its checks (0000,
    // Affected SOP Class and Instance UID present).
    std::string jobs;
    for (int waited = 0; waited < 40 && jobs.find("\"State\" : \"Success\"") == std::string::npos; ++waited) {
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
        jobs = runCommand("curl -s 'http://127.0.0.1:" + std::to_string(orthancHttp) + "/jobs?expand'").output;
    }
    CHECK_MESSAGE(jobs.find("\"Type\" : \"StorageCommitmentScp\"") != std::string::npos, jobs);
    CHECK_MESSAGE(jobs.find("\"State\" : \"Success\"") != std::string::npos, jobs);
    const std::string plain = "SELECT c.state || ': ' || c.detail FROM commitments c JOIN deliveries d ON d.id = "
                              "c.delivery_id WHERE d.destination = 'plain'";
    const std::string plainExpected =
        "failed: storage commitment not supported by PLAIN@127.0.0.1:" + std::to_string(storescpPort);
    CHECK_MESSAGE(waitFor(database, plain, plainExpected, 30) == plainExpected, readText(dir / "node.log"));
    // The SR delivery itself stands at both.
    CHECK(sqlite(database, "SELECT group_concat(state) FROM deliveries") == "delivered,delivered");
    // Every object sent to Orthanc was committed: the SR and the summary images.
    CHECK(sqlite(database, "SELECT count(*) FROM commitment_objects o JOIN commitments c USING (transaction_uid) "
                           "JOIN deliveries d ON d.id = c.delivery_id WHERE d.destination = 'orthanc' AND "
                           "o.state = 'committed'") == "3");
    CHECK(sqlite(database, "SELECT reported_by FROM commitments WHERE state = 'committed'") == "ORTHANC@127.0.0.1");
    CHECK(sqlite(database, "SELECT count(*) FROM audit_log WHERE event = 'commitment.requested'") == "2");
    CHECK(sqlite(database, "SELECT count(*) FROM audit_log WHERE event = 'commitment.committed'") == "1");
    CHECK(sqlite(database, "SELECT count(*) FROM audit_log WHERE event = 'commitment.report_refused' AND detail LIKE "
                           "'%unknown transaction 2.25.1234567%'") == "1");

    // radnode outbox names each object and its commitment state, per destination.
    const auto table = runCommand(kRadnode + " outbox --state-dir '" + (dir / "state").string() + "'");
    REQUIRE_MESSAGE(table.exitCode == 0, table.output);
    const std::string srUid = sqlite(database, "SELECT sr_sop_instance_uid FROM results");
    CHECK(table.output.find("Comprehensive 3D SR  " + srUid + "  commitment committed") != std::string::npos);
    CHECK(table.output.find("summary image") != std::string::npos);
    CHECK(table.output.find(plainExpected.substr(std::string("failed: ").size())) != std::string::npos);
    const auto json = runCommand(kRadnode + " outbox --format json --state-dir '" + (dir / "state").string() + "'");
    REQUIRE_MESSAGE(json.exitCode == 0, json.output);
    CHECK(json.output.find("\"kind\":\"Comprehensive 3D SR\",\"sop_class_uid\":\"1.2.840.10008.5.1.4.1.1.88.34\","
                           "\"sop_instance_uid\":\"" + srUid + "\",\"commitment\":\"committed\"") != std::string::npos);
    CHECK(countOccurrences(json.output, "\"kind\":\"summary image\"") == 4);
    const auto badFormat = runCommand(kRadnode + " outbox --format xml --state-dir '" + (dir / "state").string() + "'");
    CHECK(badFormat.exitCode == 2);
    CHECK(badFormat.output.find("--format must be table or json") != std::string::npos);
    // The HTTP API and /metrics say it too.
    const auto metrics = runCommand("curl -s http://127.0.0.1:" + std::to_string(httpPort) + "/metrics").output;
    CHECK(metrics.find("radnode_storage_commitments{state=\"committed\"} 1\n") != std::string::npos);
    CHECK(metrics.find("radnode_storage_commitments{state=\"failed\"} 1\n") != std::string::npos);
    const auto results = runCommand("curl -s http://127.0.0.1:" + std::to_string(httpPort) + "/api/v1/results").output;
    CHECK(results.find("\"commitment\":\"committed\"") != std::string::npos);
    CHECK(node.process->stop() == 0);
    orthanc.stop();
}

TEST_CASE("storage commitment: the outbox reports a transaction left unanswered past its timeout, once") {
    using namespace radnode;
    TempDir dir;
    storage::NodeStore store(dir / "db.sqlite", dir / "files");
    storage::InstanceRecord image;
    image.sopInstanceUid = "1.2.3.5";
    image.sopClassUid = "1.2.840.10008.5.1.4.1.1.6.1";
    image.studyUid = "1.2.3";
    image.seriesUid = "1.2.3.1";
    const auto received = store.incomingPath();
    writeText(received, "img");
    store.storeInstance(received, image);
    const auto jobId = store.enqueueJob("1.2.3");
    REQUIRE(store.leaseJob("w", 60000));
    store.completeJob(jobId, storage::ResultRecord{"1.2.9", "1.2.8", dir / "sr.dcm", "{}", {}, {}, {}}, {"PACS"});
    const auto deliveryId = store.dueDeliveries(storage::nowMs()).at(0).id;
    store.markDelivered(deliveryId, "0000");
    const auto now = storage::nowMs();
    store.recordCommitmentRequest(deliveryId, "2.25.77", {{"1.2.9", "1.2.840.10008.5.1.4.1.1.88.34"}}, now - 3600000, now - 1);

    node::OutboxSender sender(store, {}, config::DeliveryConfig{}, "RADNODE");
    CHECK(sender.tick(now) == 0);
    CHECK(store.commitment("2.25.77")->state == storage::CommitmentState::TimedOut);
    CHECK(store.commitment("2.25.77")->detail == "no N-EVENT-REPORT within 3599 s");
    sender.tick(now + 1000);
    storage::AuditFilter filter;
    filter.event = "commitment.timed_out";
    CHECK(store.auditEvents(filter).size() == 1);
    CHECK(store.delivery(deliveryId)->state == storage::DeliveryState::Delivered);
}
