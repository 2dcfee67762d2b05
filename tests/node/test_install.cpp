// What radiology IT does with a release: install it into a prefix, run the installed binary
// under the installed example configuration (ports and state directory adapted), watch it
// through /metrics, the results API and `radnode audit`, and stop it with SIGTERM.
#include "node/live_node.h"
#include "test_support.h"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <thread>

using namespace radnode::test;

namespace {

// `text` with its one occurrence of `from` replaced: the example file's shape is part of the test.
std::string replacedOnce(std::string text, const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    REQUIRE_MESSAGE(at != std::string::npos, ("the example configuration no longer contains '" + from + "'"));
    CHECK_MESSAGE(text.find(from, at + 1) == std::string::npos, ("'" + from + "' occurs twice in the example"));
    return text.replace(at, from.size(), to);
}

std::string httpGet(int port, const std::string& target) {
    return runCommand("curl -s -S --fail --max-time 20 'http://127.0.0.1:" + std::to_string(port) + target + "'").output;
}

} // namespace

TEST_CASE("the installed node runs under the installed example configuration and stops cleanly") {
    REQUIRE(haveProgram("curl"));
    REQUIRE(haveProgram("storescu"));
    REQUIRE(haveProgram("storescp"));
    TempDir dir;
    const auto prefix = dir / "usr";
    const auto install = runCommand("cmake --install '" + std::string(RADNODE_BUILD_DIR) + "' --prefix '" + prefix.string() + "'");
    REQUIRE_MESSAGE(install.exitCode == 0, install.output);
    const auto radnode = prefix / "bin" / "radnode";
    REQUIRE(std::filesystem::is_regular_file(radnode));
    CHECK(std::filesystem::is_regular_file(prefix / "lib" / "systemd" / "system" / "radnode.service"));
    const auto example = prefix / "share" / "doc" / "radnode" / "radnode.example.yaml";
    REQUIRE(std::filesystem::is_regular_file(example));

    // The example as an operator adapts it: this host's ports, a state directory, the PACS.
    std::filesystem::create_directories(dir / "pacs");
    const int pacsPort = freeLoopbackPort();
    ChildProcess pacs({"storescp", "--aetitle", "ORTHANC", "--output-directory", (dir / "pacs").string(),
                       std::to_string(pacsPort)},
                      dir / "storescp.log");
    REQUIRE(waitForPort(pacsPort, 10000));
    int dicomPort = freeLoopbackPort(), httpPort = freeLoopbackPort();
    while (dicomPort == pacsPort) dicomPort = freeLoopbackPort();
    while (httpPort == dicomPort || httpPort == pacsPort) httpPort = freeLoopbackPort();
    std::string yaml = readText(example);
    yaml = replacedOnce(yaml, "port: 11112", "port: " + std::to_string(dicomPort));
    yaml = replacedOnce(yaml, "state_directory: /var/lib/radnode", "state_directory: " + (dir / "state").string());
    yaml = replacedOnce(yaml, "port: 4242", "port: " + std::to_string(pacsPort));
    yaml = replacedOnce(yaml, "port: 8104", "port: " + std::to_string(httpPort));
    yaml = replacedOnce(yaml, "quiet_period: 10s", "quiet_period: 500ms");
    const auto config = dir / "radnode.yaml";
    writeText(config, yaml);
    const auto check = runCommand("'" + radnode.string() + "' check-config '" + config.string() + "'");
    REQUIRE_MESSAGE(check.exitCode == 0, check.output);

    ChildProcess node({radnode.string(), "serve", "--config", config.string()}, dir / "node.log");
    REQUIRE_MESSAGE(waitForPort(dicomPort, 30000), readText(dir / "node.log"));
    REQUIRE_MESSAGE(waitForPort(httpPort, 10000), readText(dir / "node.log"));

    const auto synth = runCommand("'" + radnode.string() + "' synth --modality us --seed 21 --out '" + (dir / "study").string() + "'");
    REQUIRE_MESSAGE(synth.exitCode == 0, synth.output);
    const auto sent = runCommand("storescu -aec RADNODE -R +sd 127.0.0.1 " + std::to_string(dicomPort) + " '" +
                                 (dir / "study").string() + "'");
    REQUIRE_MESSAGE(sent.exitCode == 0, sent.output);

    // Done once the result has been delivered to the PACS.
    nlohmann::json results;
    for (int waited = 0; waited < 240; ++waited) {
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        results = nlohmann::json::parse(httpGet(httpPort, "/api/v1/results"), nullptr, false);
        if (results.is_array() && results.size() == 1 && results[0]["deliveries"].size() == 1 &&
            results[0]["deliveries"][0]["state"] == "delivered") {
            break;
        }
    }
    REQUIRE_MESSAGE(results.is_array(), readText(dir / "node.log"));
    REQUIRE_MESSAGE(results.size() == 1, readText(dir / "node.log"));
    CHECK_MESSAGE(results[0]["deliveries"][0]["state"] == "delivered", results.dump());
    CHECK(results[0]["deliveries"][0]["destination"] == "pacs");
    const std::string srUid = results[0]["sr_sop_instance_uid"];

    const auto metrics = httpGet(httpPort, "/metrics");
    CHECK(metrics.find("radnode_results_total 1\n") != std::string::npos);
    CHECK(metrics.find("radnode_deliveries{state=\"delivered\"} 1\n") != std::string::npos);
    CHECK(metrics.find("radnode_stage_duration_seconds_count{stage=\"delivery\"} 1\n") != std::string::npos);

    const auto audit = runCommand("'" + radnode.string() + "' audit --config '" + config.string() +
                                  "' --event result.created --format json");
    REQUIRE_MESSAGE(audit.exitCode == 0, audit.output);
    const auto events = nlohmann::json::parse(audit.output);
    REQUIRE(events.size() == 1);
    CHECK(events[0]["sop_instance_uid"] == srUid);

    CHECK(node.stop() == 0); // SIGTERM: drains and exits 0
    CHECK(readText(dir / "node.log").find("event=node.stopped") != std::string::npos);
    pacs.stop();
}
