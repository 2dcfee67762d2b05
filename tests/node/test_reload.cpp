// SIGHUP re-reads the configuration: an invalid file changes nothing and is audited; a valid
// one applies a new destination to the running node; listener changes are reported as
// needing a restart.
#include "node/live_node.h"
#include "test_support.h"

#include <doctest/doctest.h>

#include <chrono>
#include <csignal>
#include <functional>
#include <thread>

using namespace radnode::test;

TEST_CASE("SIGHUP reloads the configuration; an invalid file keeps the running one") {
    REQUIRE(haveProgram("storescp"));
    TempDir dir;
    const auto configFile = dir / "node.yaml";
    writeText(configFile, "log_level: info\n");
    LiveNode node(dir, {"--config", configFile.string()});
    const auto database = dir / "state" / "radnode.sqlite";
    CHECK(sqlite(database, "SELECT detail FROM audit_log WHERE event = 'config.loaded'") == configFile.string());

    writeText(configFile, "destinations:\n  - name: pacs\n    ae_tittle: PACS\n"); // a typo
    ::kill(node.process->pid(), SIGHUP);
    REQUIRE(waitFor([&] { return sqlite(database, "SELECT count(*) FROM audit_log WHERE event = 'config.reload_failed'") == "1"; }, 10));
    CHECK(sqlite(database, "SELECT detail FROM audit_log WHERE event = 'config.reload_failed'").find("ae_tittle") != std::string::npos);
    CHECK(runCommand("echoscu -aec RADNODE 127.0.0.1 " + std::to_string(node.port)).exitCode == 0);

    std::filesystem::create_directories(dir / "pacs");
    const int pacsPort = freeLoopbackPort();
    ChildProcess pacs({"storescp", "--aetitle", "PACS", "--output-directory", (dir / "pacs").string(), std::to_string(pacsPort)},
                      dir / "storescp.log");
    REQUIRE(waitForPort(pacsPort, 10000));
    writeText(configFile, "listener:\n  ae_title: OTHERNAME\n"
                          "destinations:\n  - name: pacs\n    ae_title: PACS\n    host: 127.0.0.1\n    port: " +
                              std::to_string(pacsPort) + "\n");
    ::kill(node.process->pid(), SIGHUP);
    REQUIRE(waitFor([&] { return sqlite(database, "SELECT count(*) FROM audit_log WHERE event = 'config.reloaded'") == "1"; }, 10));
    CHECK(sqlite(database, "SELECT detail FROM audit_log WHERE event = 'config.reloaded'").find("listener changes need a restart") !=
          std::string::npos);

    // The new destination is live: a study analysed now is delivered to it.
    const auto synth = runCommand(kRadnode + " synth --modality us --seed 51 --no-node --out '" + (dir / "study").string() + "'");
    REQUIRE(synth.exitCode == 0);
    REQUIRE(runCommand("storescu -aec RADNODE -R +sd 127.0.0.1 " + std::to_string(node.port) + " '" + (dir / "study").string() + "'")
                .exitCode == 0);
    CHECK_MESSAGE(waitFor([&] { return sqlite(database, "SELECT count(*) FROM deliveries WHERE state = 'delivered'") == "1"; }, 120),
                  readText(dir / "node.log"));
    CHECK(node.process->stop() == 0);
    pacs.stop();
}
