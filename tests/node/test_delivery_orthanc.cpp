// Delivery to a real PACS that is down: the SR and its summary images wait in the outbox, are
// retried with backoff, and arrive in Orthanc exactly once after Orthanc starts, without anyone
// acting.
#include "node/live_node.h"
#include "test_support.h"

#include <doctest/doctest.h>

#include <chrono>
#include <sstream>
#include <thread>

using namespace radnode::test;

namespace {

// Orthanc on loopback ports of our own, with its own storage, no plugins, no remote access.
std::vector<std::string> orthancCommand(const TempDir& dir, int dicomPort, int httpPort) {
    const auto config = dir / "orthanc.json";
    writeText(config, "{\n"
                      "  \"Name\": \"radnode-test\",\n"
                      "  \"StorageDirectory\": \"" + (dir / "orthanc-db").string() + "\",\n"
                      "  \"IndexDirectory\": \"" + (dir / "orthanc-db").string() + "\",\n"
                      "  \"DicomAet\": \"ORTHANC\",\n"
                      "  \"DicomPort\": " + std::to_string(dicomPort) + ",\n"
                      "  \"HttpPort\": " + std::to_string(httpPort) + ",\n"
                      "  \"RemoteAccessAllowed\": false,\n"
                      "  \"AuthenticationEnabled\": false,\n"
                      "  \"Plugins\": []\n"
                      "}\n");
    return {"Orthanc", config.string()};
}

std::string rest(int httpPort, const std::string& path) {
    return runCommand("curl -s http://127.0.0.1:" + std::to_string(httpPort) + path).output;
}

std::string findInstance(int httpPort, const std::string& sopInstanceUid) {
    return rest(httpPort, "/tools/find -d '{\"Level\":\"Instance\",\"Query\":{\"SOPInstanceUID\":\"" + sopInstanceUid +
                              "\"},\"Expand\":true}'");
}

std::vector<std::string> linesOf(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) lines.push_back(line);
    return lines;
}

} // namespace

TEST_CASE("an SR and its summary images for a PACS that is down are retried and arrive in Orthanc exactly once") {
    REQUIRE(haveProgram("Orthanc"));
    REQUIRE(haveProgram("curl"));
    REQUIRE(haveProgram("storescu"));
    TempDir dir;
    const int orthancDicom = freeLoopbackPort();
    const int orthancHttp = freeLoopbackPort();
    writeText(dir / "node.yaml", "delivery:\n  initial_backoff: 1s\n  max_backoff: 2s\n"
                                 "destinations:\n  - name: orthanc\n    ae_title: ORTHANC\n    host: 127.0.0.1\n    port: " +
                                     std::to_string(orthancDicom) + "\n");
    const auto synth = runCommand(kRadnode + " synth --modality us --seed 11 --out '" + (dir / "study").string() + "'");
    REQUIRE_MESSAGE(synth.exitCode == 0, synth.output);

    LiveNode node(dir, {"--config", (dir / "node.yaml").string()});
    const auto sent = runCommand("storescu -aec RADNODE -R +sd 127.0.0.1 " + std::to_string(node.port) + " '" +
                                 (dir / "study").string() + "'");
    REQUIRE_MESSAGE(sent.exitCode == 0, sent.output);

    // The PACS is down: the delivery must be pending with at least one failed attempt.
    const auto database = dir / "state" / "radnode.sqlite";
    bool retried = false;
    for (int waited = 0; waited < 240 && !retried; ++waited) {
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        retried = sqlite(database, "SELECT count(*) FROM audit_log WHERE event = 'delivery.retry'") != "0";
    }
    REQUIRE_MESSAGE(retried, readText(dir / "node.log"));
    CHECK(sqlite(database, "SELECT count(*) FROM deliveries WHERE state = 'pending'") == "1");

    std::this_thread::sleep_for(std::chrono::seconds(3)); // a few more refused attempts
    ChildProcess orthanc(orthancCommand(dir, orthancDicom, orthancHttp), dir / "orthanc.log");
    REQUIRE_MESSAGE(waitForPort(orthancHttp, 30000), readText(dir / "orthanc.log"));

    const std::string srUid = sqlite(database, "SELECT sr_sop_instance_uid FROM results");
    REQUIRE(!srUid.empty());
    std::string found;
    for (int waited = 0; waited < 120 && found.find(srUid) == std::string::npos; ++waited) {
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        found = findInstance(orthancHttp, srUid);
    }
    CHECK_MESSAGE(found.find(srUid) != std::string::npos, readText(dir / "node.log"));
    // A summary Secondary Capture per segment (tumour image, node image), sent after the SR.
    const auto summaryUids = linesOf(sqlite(database, "SELECT sop_instance_uid FROM result_objects"));
    CHECK(summaryUids.size() == 2);
    CHECK(sqlite(database, "SELECT DISTINCT sop_class_uid FROM result_objects") == "1.2.840.10008.5.1.4.1.1.7");
    for (const auto& uid : summaryUids) {
        std::string summary;
        for (int waited = 0; waited < 40 && summary.find(uid) == std::string::npos; ++waited) {
            summary = findInstance(orthancHttp, uid);
            if (summary.find(uid) == std::string::npos) std::this_thread::sleep_for(std::chrono::milliseconds(250));
        }
        CHECK_MESSAGE(summary.find(uid) != std::string::npos, readText(dir / "node.log"));
    }
    // Orthanc may hold the SR a moment before the node has recorded the success.
    std::string state;
    for (int waited = 0; waited < 40 && state != "delivered"; ++waited) {
        state = sqlite(database, "SELECT state FROM deliveries");
        if (state != "delivered") std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    CHECK(state == "delivered");
    CHECK(std::stoi(sqlite(database, "SELECT attempts FROM deliveries")) >= 2);

    // Nothing is sent again once delivered.
    std::this_thread::sleep_for(std::chrono::seconds(3));
    // Exactly the SR and its summary images, once each, in one series.
    CHECK(countOccurrences(rest(orthancHttp, "/instances"), "\"") == 2 * static_cast<int>(1 + summaryUids.size()));
    CHECK(countOccurrences(rest(orthancHttp, "/series"), "\"") == 2);
    CHECK(node.process->stop() == 0);
    orthanc.stop();
}
