#include "config/config_loader.h"
#include "node/commands.h"
#include "test_support.h"

#include <doctest/doctest.h>

#include <iostream>
#include <sstream>

using namespace radnode;
using namespace std::chrono_literals;

namespace {

const std::filesystem::path kExampleFile =
    std::filesystem::path(RADNODE_TEST_DATA_DIR).parent_path().parent_path() / "config" / "radnode.example.yaml";

std::string errorOf(const std::string& yaml) {
    try {
        config::parseConfig(yaml, "node.yaml");
    } catch (const config::ConfigError& error) {
        return error.what();
    }
    return "no error";
}

bool startsWith(const std::string& text, const std::string& prefix) { return text.rfind(prefix, 0) == 0; }

// Every field that has a default, compared with the defaults (destinations aside).
void checkDefaultsExceptDestinations(const config::NodeConfig& c) {
    const config::NodeConfig d = config::defaultConfig();
    CHECK(c.listener.aeTitle == d.listener.aeTitle);
    CHECK(c.listener.port == d.listener.port);
    CHECK(c.listener.allowedPeers.empty());
    CHECK(c.listener.maxAssociations == d.listener.maxAssociations);
    CHECK(c.listener.maxAssociationsPerPeer == d.listener.maxAssociationsPerPeer);
    CHECK(c.listener.maxPdu == d.listener.maxPdu);
    CHECK(c.listener.dimseTimeoutSeconds == d.listener.dimseTimeoutSeconds);
    CHECK(c.listener.acseTimeoutSeconds == d.listener.acseTimeoutSeconds);
    CHECK(c.listener.minimumFreeDiskBytes == d.listener.minimumFreeDiskBytes);
    CHECK(c.storage.stateDirectory == d.storage.stateDirectory);
    CHECK(c.storage.database == d.storage.database);
    CHECK(c.storage.fileStore == d.storage.fileStore);
    CHECK(c.assembly.quietPeriod == d.assembly.quietPeriod);
    CHECK(c.assembly.segWindow == d.assembly.segWindow);
    CHECK(c.workers.workers == d.workers.workers);
    CHECK(c.workers.maxAttempts == d.workers.maxAttempts);
    CHECK(c.workers.leaseDuration == d.workers.leaseDuration);
    CHECK(c.delivery.maxAge == d.delivery.maxAge);
    CHECK(c.delivery.initialBackoff == d.delivery.initialBackoff);
    CHECK(c.delivery.maxBackoff == d.delivery.maxBackoff);
    CHECK(c.delivery.seriesDescription == d.delivery.seriesDescription);
    CHECK(c.delivery.seriesNumber == d.delivery.seriesNumber);
    CHECK(c.analysis.ringsMm == d.analysis.ringsMm);
    CHECK_FALSE(c.analysis.pyradiomicsParams);
    CHECK(c.analysis.params.imageTypes.size() == d.analysis.params.imageTypes.size());
    CHECK(c.analysis.params.featureClasses == d.analysis.params.featureClasses);
    CHECK(c.analysis.params.settings.binWidth == d.analysis.params.settings.binWidth);
    CHECK(c.models.empty());
    CHECK(c.logLevel == d.logLevel);
}

// Runs `radnode check-config ARGS...` in-process, capturing its output.
struct CommandOutput {
    int exitCode;
    std::string out, err;
};

CommandOutput checkConfig(std::vector<std::string> args) {
    args.insert(args.begin(), "check-config");
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    std::ostringstream out, err;
    auto* oldOut = std::cout.rdbuf(out.rdbuf());
    auto* oldErr = std::cerr.rdbuf(err.rdbuf());
    const int code = node::runCheckConfigCommand(static_cast<int>(argv.size()), argv.data());
    std::cout.rdbuf(oldOut);
    std::cerr.rdbuf(oldErr);
    return {code, out.str(), err.str()};
}

} // namespace

TEST_CASE("the embedded defaults") {
    const auto c = config::defaultConfig();
    CHECK(c.listener.aeTitle == "RADNODE");
    CHECK(c.listener.port == 11112);
    CHECK(c.listener.allowedPeers.empty()); // loopback peers only
    CHECK(c.storage.stateDirectory == "/var/lib/radnode");
    CHECK(c.storage.database == "/var/lib/radnode/radnode.sqlite");
    CHECK(c.storage.fileStore == "/var/lib/radnode/files");
    CHECK(c.assembly.quietPeriod == 10s);
    CHECK(c.workers.workers == 2);
    CHECK(c.destinations.empty());
    CHECK(c.analysis.ringsMm == std::vector<double>{3, 5, 10});
    CHECK(c.analysis.params.imageTypes.size() == 1);
    CHECK(c.analysis.params.imageTypes[0].name == "Original");
    CHECK(c.logLevel == "info");
}

TEST_CASE("an empty file, or empty sections, give the defaults") {
    checkDefaultsExceptDestinations(config::parseConfig("", "node.yaml"));
    checkDefaultsExceptDestinations(config::parseConfig("# nothing but a comment\n", "node.yaml"));
    const auto c = config::parseConfig("listener:\nstorage:\ndestinations:\nmodels:\n", "node.yaml");
    checkDefaultsExceptDestinations(c);
    CHECK(c.destinations.empty());
}

TEST_CASE("the example file is the defaults plus its one example destination") {
    const auto c = config::loadConfig(kExampleFile);
    checkDefaultsExceptDestinations(c);
    REQUIRE(c.destinations.size() == 1);
    CHECK(c.destinations[0].name == "pacs");
    CHECK(c.destinations[0].aeTitle == "ORTHANC");
    CHECK(c.destinations[0].host == "127.0.0.1");
    CHECK(c.destinations[0].port == 4242);
    CHECK(c.destinations[0].callingAeTitle.empty());
}

TEST_CASE("every section is read") {
    const auto c = config::parseConfig(R"(
listener:
  ae_title: BREAST_AI
  port: 4104
  allowed_peers:
    - {ae_title: US_ROOM_1, host: 10.1.2.3}
    - ae_title: "*"
      host: "0:0::1"
    - ae_title: PACS
  max_associations: 8
  max_associations_per_peer: 2
  max_pdu: 128KiB
  dimse_timeout: 2m
  acse_timeout: 15
  minimum_free_disk: 2GB
storage:
  state_directory: /srv/radnode
  database: /fast/radnode.sqlite
assembly: {quiet_period: 500ms, seg_window: 1.5h}
workers: {count: 4, max_attempts: 5, lease_duration: 1h}
delivery:
  max_age: 2d
  initial_backoff: 30s
  max_backoff: 1h
  series_description: Radiomics
  series_number: 42
destinations:
  - {name: main, ae_title: PACS, host: pacs.example.org, calling_ae_title: RADNODE_OUT, sr_format: enhanced}
  - {name: backup, ae_title: ARCHIVE, host: 10.0.0.9, port: 11112}
analysis:
  rings_mm: [2.5, 5]
log_level: debug
)",
                                       "node.yaml");
    REQUIRE(c.listener.allowedPeers.size() == 3);
    CHECK(c.listener.aeTitle == "BREAST_AI");
    CHECK(c.listener.port == 4104);
    CHECK(c.listener.allowedPeers[0].aeTitle == "US_ROOM_1");
    CHECK(c.listener.allowedPeers[0].host == "10.1.2.3");
    CHECK(c.listener.allowedPeers[1].aeTitle == "*");
    CHECK(c.listener.allowedPeers[1].host == "::1"); // canonical, as the listener sees peers
    CHECK_FALSE(c.listener.allowedPeers[2].host);
    CHECK(c.listener.maxAssociations == 8);
    CHECK(c.listener.maxAssociationsPerPeer == 2);
    CHECK(c.listener.maxPdu == 131072);
    CHECK(c.listener.dimseTimeoutSeconds == 120);
    CHECK(c.listener.acseTimeoutSeconds == 15);
    CHECK(c.listener.minimumFreeDiskBytes == 2000000000ull);
    CHECK(c.storage.stateDirectory == "/srv/radnode");
    CHECK(c.storage.database == "/fast/radnode.sqlite");
    CHECK(c.storage.fileStore == "/srv/radnode/files");
    CHECK(c.assembly.quietPeriod == 500ms);
    CHECK(c.assembly.segWindow == 90min);
    CHECK(c.workers.workers == 4);
    CHECK(c.workers.maxAttempts == 5);
    CHECK(c.workers.leaseDuration == 1h);
    CHECK(c.delivery.maxAge == 48h);
    CHECK(c.delivery.initialBackoff == 30s);
    CHECK(c.delivery.maxBackoff == 1h);
    CHECK(c.delivery.seriesDescription == "Radiomics");
    CHECK(c.delivery.seriesNumber == 42);
    REQUIRE(c.destinations.size() == 2);
    CHECK(c.destinations[0].host == "pacs.example.org");
    CHECK(c.destinations[0].port == 104);
    CHECK(c.destinations[0].callingAeTitle == "RADNODE_OUT");
    CHECK(c.destinations[1].port == 11112);
    CHECK(c.destinations[0].srFormat == config::SrFormat::Enhanced);
    CHECK(c.destinations[1].srFormat == config::SrFormat::Comprehensive3d);
    CHECK(c.analysis.ringsMm == std::vector<double>{2.5, 5});
    CHECK(c.logLevel == "debug");
}

TEST_CASE("durations and sizes in their written forms") {
    const auto quiet = [](const std::string& text) {
        return config::parseConfig("assembly:\n  quiet_period: " + text + "\n", "node.yaml").assembly.quietPeriod;
    };
    CHECK(quiet("10s") == 10s);
    CHECK(quiet("500ms") == 500ms);
    CHECK(quiet("5m") == 5min);
    CHECK(quiet("24h") == 24h);
    CHECK(quiet("12") == 12s);
    CHECK(quiet("0.25") == 250ms);
    CHECK(quiet("\"10 s\"") == 10s);
    CHECK(quiet("0") == 0ms);
    const auto disk = [](const std::string& text) {
        return config::parseConfig("listener:\n  minimum_free_disk: " + text + "\n", "node.yaml")
            .listener.minimumFreeDiskBytes;
    };
    CHECK(disk("512MiB") == 512ull * 1024 * 1024);
    CHECK(disk("2GB") == 2000000000ull);
    CHECK(disk("1.5KiB") == 1536);
    CHECK(disk("4096") == 4096);
    CHECK(disk("0") == 0);
}

TEST_CASE("an unknown key is named with its line and the nearest known key") {
    CHECK(errorOf("listener:\n  port: 104\n  aetitle: X\n") ==
          "node.yaml:3: listener.aetitle: unknown key (did you mean 'ae_title'?)");
    CHECK(errorOf("workers:\n  cuont: 3\n") == "node.yaml:2: workers.cuont: unknown key (did you mean 'count'?)");
    CHECK(errorOf("listener:\n  maxPdu: 4096\n") ==
          "node.yaml:2: listener.maxPdu: unknown key (did you mean 'max_pdu'?)");
    CHECK(errorOf("port: 104\n") ==
          "node.yaml:1: port: unknown key (did you mean 'audit.syslog.port' or 'http.port' or 'listener.port' or "
          "'destinations[].port'?)");
    CHECK(errorOf("\n\ndestinations:\n  - name: a\n    ae_title: A\n    host: h\n    prt: 1\n") ==
          "node.yaml:7: destinations[0].prt: unknown key (did you mean 'port'?)");
    CHECK(errorOf("listener:\n  bind_address: 0.0.0.0\n") == "node.yaml:2: listener.bind_address: unknown key");
    CHECK(errorOf("quietPeriod: 5s\n") ==
          "node.yaml:1: quietPeriod: unknown key (did you mean 'assembly.quiet_period'?)");
    CHECK(errorOf("frobnicate: 1\n") == "node.yaml:1: frobnicate: unknown key");
}

TEST_CASE("a value of the wrong type") {
    CHECK(errorOf("listener:\n  port: abc\n") == "node.yaml:2: listener.port: expected an integer, got 'abc'");
    CHECK(errorOf("listener:\n  port: \"104\"\n") == "node.yaml:2: listener.port: expected an integer, got '104'");
    CHECK(errorOf("listener:\n  port: [104]\n") == "node.yaml:2: listener.port: expected an integer, got a list");
    CHECK(errorOf("listener:\n  port:\n") ==
          "node.yaml:2: listener.port: needs a value (an integer); leave the key out to keep the default");
    CHECK(errorOf("listener: 5\n") == "node.yaml:1: listener: expected a mapping of keys, got '5'");
    CHECK(errorOf("destinations:\n  name: pacs\n") == "node.yaml:1: destinations: expected a list, got a mapping");
    CHECK(errorOf("analysis:\n  rings_mm: [3, five]\n") ==
          "node.yaml:2: analysis.rings_mm[1]: expected a number, got 'five'");
    CHECK(errorOf("- a\n- b\n") == "node.yaml:1: expected a mapping of keys, got a list");
    CHECK(startsWith(errorOf("listener:\n  port: [104\n"), "node.yaml:3: YAML syntax: "));
}

TEST_CASE("an impossible value") {
    CHECK(errorOf("listener:\n  port: 0\n") == "node.yaml:2: listener.port: 0 is outside 1..65535");
    CHECK(errorOf("listener:\n  port: 70000\n") == "node.yaml:2: listener.port: 70000 is outside 1..65535");
    CHECK(errorOf("listener:\n  ae_title: RADNODE_WITH_A_LONG_NAME\n") ==
          "node.yaml:2: listener.ae_title: AE title 'RADNODE_WITH_A_LONG_NAME' is longer than 16 characters");
    CHECK(errorOf("listener:\n  ae_title: 'RAD\\NODE'\n") ==
          "node.yaml:2: listener.ae_title: AE title 'RAD\\NODE' contains a backslash");
    CHECK(errorOf("listener:\n  ae_title: \"RAD\\tNODE\"\n") ==
          "node.yaml:2: listener.ae_title: AE title contains a control or non-ASCII character");
    CHECK(errorOf("listener:\n  ae_title: \"  \"\n") == "node.yaml:2: listener.ae_title: an AE title must not be empty");
    CHECK(errorOf("workers:\n  count: 0\n") == "node.yaml:2: workers.count: 0 is outside 1..256");
    CHECK(startsWith(errorOf("listener:\n  max_pdu: 0\n"),
                     "node.yaml:2: listener.max_pdu: 0 bytes is outside 4096..131072"));
    CHECK(startsWith(errorOf("listener:\n  max_pdu: 256KiB\n"),
                     "node.yaml:2: listener.max_pdu: 262144 bytes is outside 4096..131072"));
    CHECK(errorOf("listener:\n  max_associations: 2\n  max_associations_per_peer: 3\n") ==
          "node.yaml:3: listener.max_associations_per_peer: max_associations_per_peer (3) exceeds "
          "max_associations (2)");
    CHECK(errorOf("listener:\n  allowed_peers:\n    - {ae_title: US1, host: us1.example.org}\n") ==
          "node.yaml:3: listener.allowed_peers[0].host: 'us1.example.org' is not a numeric IPv4 or IPv6 address "
          "(peers are matched by address, not name)");
    CHECK(errorOf("listener:\n  allowed_peers:\n    - host: 127.0.0.1\n") ==
          "node.yaml:3: listener.allowed_peers[0]: needs 'ae_title' (the peer's calling AE title, or \"*\" for any)");
    CHECK(errorOf("delivery:\n  initial_backoff: 1h\n  max_backoff: 10m\n") ==
          "node.yaml:3: delivery.max_backoff: max_backoff (600s) is shorter than initial_backoff (3600s)");
    CHECK(errorOf("delivery:\n  series_number: -1\n") ==
          "node.yaml:2: delivery.series_number: -1 is outside 1..2147483647");
    CHECK(errorOf("analysis:\n  rings_mm: [3, 0]\n") ==
          "node.yaml:2: analysis.rings_mm[1]: a ring width must be positive, got '0'");
    CHECK(errorOf("analysis:\n  rings_mm: [3, 5, 3]\n") ==
          "node.yaml:2: analysis.rings_mm[2]: ring width 3 mm is listed twice");
    CHECK(errorOf("log_level: verbose\n") ==
          "node.yaml:1: log_level: unknown log level 'verbose' (debug, info, warning, error)");
    CHECK(errorOf("listener:\n  port: 1\n  port: 2\n") ==
          "node.yaml:3: listener.port: duplicate key (first given at line 2)");
}

TEST_CASE("destinations: required keys, a non-empty host, unique names") {
    CHECK(errorOf("destinations:\n  - {name: pacs, ae_title: PACS}\n") ==
          "node.yaml:2: destinations[0]: needs 'host' (address or name to connect to)");
    CHECK(errorOf("destinations:\n  - {name: pacs, ae_title: PACS, host: \"\"}\n") ==
          "node.yaml:2: destinations[0].host: must not be empty");
    CHECK(errorOf("destinations:\n  - {name: pacs, ae_title: PACS, host: h, port: 0}\n") ==
          "node.yaml:2: destinations[0].port: 0 is outside 1..65535");
    CHECK(errorOf("destinations:\n"
                  "  - {name: pacs, ae_title: PACS, host: 10.0.0.1}\n"
                  "  - {name: other, ae_title: OTHER, host: 10.0.0.2}\n"
                  "  - {name: pacs, ae_title: PACS2, host: 10.0.0.3}\n") ==
          "node.yaml:4: destinations[2].name: duplicate destination name 'pacs' (first at line 2)");
    CHECK(errorOf("destinations:\n  - {name: p, ae_title: P, host: h, sr_format: basic}\n") ==
          "node.yaml:2: destinations[0].sr_format: unknown SR format 'basic' (comprehensive-3d, enhanced)");
    // A destination off this machine is allowed: sending is the point.
    CHECK(config::parseConfig("destinations:\n  - {name: p, ae_title: P, host: pacs.hospital.org}\n", "node.yaml")
              .destinations.at(0)
              .host == "pacs.hospital.org");
}

TEST_CASE("a bad duration or size") {
    CHECK(errorOf("storage:\n  retention: 10m\n") ==
          "node.yaml:2: storage.retention: must be 0 (keep images for ever) or at least 1h, e.g. 90d");
    CHECK(config::parseConfig("storage:\n  retention: 90d\n", "node.yaml").storage.retention ==
          std::chrono::hours(24 * 90));
    CHECK(config::parseConfig("storage:\n  retention: 0\n", "node.yaml").storage.retention.count() == 0);
    CHECK(errorOf("assembly:\n  quiet_period: -5s\n") ==
          "node.yaml:2: assembly.quiet_period: must not be negative, got '-5s'");
    CHECK(errorOf("assembly:\n  quiet_period: 10x\n") ==
          "node.yaml:2: assembly.quiet_period: unknown unit 'x' in '10x': expected a duration such as 10s, 500ms, "
          "5m, 24h or plain seconds");
    CHECK(errorOf("assembly:\n  quiet_period: ten seconds\n") ==
          "node.yaml:2: assembly.quiet_period: expected a duration such as 10s, 500ms, 5m, 24h or plain seconds, got "
          "'ten seconds'");
    CHECK(errorOf("assembly:\n  quiet_period: 0.1ms\n") ==
          "node.yaml:2: assembly.quiet_period: '0.1ms' is not a whole number of milliseconds");
    CHECK(errorOf("workers:\n  lease_duration: 1500ms\n") ==
          "node.yaml:2: workers.lease_duration: has a resolution of one second, got '1500ms'");
    CHECK(errorOf("listener:\n  dimse_timeout: 0s\n") == "node.yaml:2: listener.dimse_timeout: must be at least 1s");
    CHECK(errorOf("listener:\n  minimum_free_disk: 5 parsecs\n") ==
          "node.yaml:2: listener.minimum_free_disk: unknown unit 'parsecs' in '5 parsecs': expected a size such as "
          "512MiB, 2GB or plain bytes");
    CHECK(errorOf("listener:\n  minimum_free_disk: 0.5B\n") ==
          "node.yaml:2: listener.minimum_free_disk: '0.5B' is not a whole number of bytes");
}

TEST_CASE("relative paths resolve against the configuration file's directory") {
    test::TempDir dir;
    std::filesystem::create_directories(dir / "params");
    std::filesystem::create_directories(dir / "models");
    test::writeText(dir / "params" / "us.yaml", "setting:\n  binWidth: 10\n");
    test::writeText(dir / "models" / "m.yaml", "schema: 1\n");
    test::writeText(dir / "node.yaml", "storage:\n  state_directory: state\n"
                                       "analysis:\n  pyradiomics_params: params/us.yaml\n"
                                       "models:\n  - file: models/m.yaml\n");
    const auto c = config::loadConfig(dir / "node.yaml");
    CHECK(c.storage.stateDirectory == dir.path() / "state");
    CHECK(c.storage.database == dir.path() / "state" / "radnode.sqlite");
    REQUIRE(c.analysis.pyradiomicsParams);
    CHECK(*c.analysis.pyradiomicsParams == dir.path() / "params" / "us.yaml");
    CHECK(c.analysis.params.settings.binWidth == 10.0);
    REQUIRE(c.models.size() == 1);
    CHECK(c.models[0].file == dir.path() / "models" / "m.yaml");

    // Absolute paths are kept; missing or broken referenced files are errors at their key.
    test::writeText(dir / "abs.yaml", "storage:\n  state_directory: /srv/x\nmodels:\n  - file: models/none.yaml\n");
    try {
        config::loadConfig(dir / "abs.yaml");
        FAIL("a missing model file was accepted");
    } catch (const config::ConfigError& error) {
        CHECK(error.line == 4);
        CHECK(error.key == "models[0].file");
        CHECK(error.reason == "no such model file: " + (dir / "models" / "none.yaml").string());
    }
    test::writeText(dir / "params" / "bad.yaml", "setting:\n  binWidht: 10\n");
    test::writeText(dir / "bad.yaml", "\nanalysis:\n  pyradiomics_params: params/bad.yaml\n");
    try {
        config::loadConfig(dir / "bad.yaml");
        FAIL("a broken PyRadiomics parameter file was accepted");
    } catch (const config::ConfigError& error) {
        CHECK(error.line == 3);
        CHECK(error.key == "analysis.pyradiomics_params");
        CHECK(error.reason.find("binWidht") != std::string::npos);
    }
}

TEST_CASE("an unreadable file is named") {
    try {
        config::loadConfig("/nonexistent/radnode.yaml");
        FAIL("no error");
    } catch (const config::ConfigError& error) {
        CHECK(std::string(error.what()) == "/nonexistent/radnode.yaml: cannot read the configuration file");
    }
}

TEST_CASE("radnode check-config") {
    test::TempDir dir;
    const std::string good = (dir / "good.yaml").string();
    const std::string bad = (dir / "bad.yaml").string();
    test::writeText(good, "listener: {ae_title: BREAST_AI, port: 4104}\n"
                          "destinations:\n  - {name: pacs, ae_title: ORTHANC, host: 127.0.0.1, port: 4242}\n");
    test::writeText(bad, "listener:\n  port: 0\n");

    const auto ok = checkConfig({good});
    CHECK(ok.exitCode == 0);
    CHECK(startsWith(ok.out, good + ": OK\n"));
    CHECK(ok.out.find("BREAST_AI on port 4104") != std::string::npos);
    CHECK(ok.out.find("pacs: ORTHANC@127.0.0.1:4242") != std::string::npos);
    CHECK(ok.out.find("rings 3, 5, 10 mm") != std::string::npos);
    CHECK(ok.err.empty());

    const auto failed = checkConfig({bad});
    CHECK(failed.exitCode == 2);
    CHECK(failed.out.empty());
    CHECK(failed.err == bad + ":2: listener.port: 0 is outside 1..65535\n");

    // A model file that exists but does not read as a model.
    test::writeText(dir / "model.yaml", "schema: 99\n");
    test::writeText(dir / "with-model.yaml", "models:\n  - file: model.yaml\n");
    const auto badModel = checkConfig({(dir / "with-model.yaml").string()});
    CHECK(badModel.exitCode == 2);
    CHECK(badModel.err.find((dir / "model.yaml").string()) != std::string::npos);

    CHECK(checkConfig({}).exitCode == 2);
    CHECK(checkConfig({"--help"}).exitCode == 0);
}

TEST_CASE("the radnode executable checks the example configuration") {
    const auto result = test::runCommand(std::string(RADNODE_BINARY) + " check-config " + kExampleFile.string());
    CHECK(result.exitCode == 0);
    CHECK(startsWith(result.output, kExampleFile.string() + ": OK\n"));
}

TEST_CASE("audit.syslog: DICOM audit messages to a collector, off by default") {
    const auto defaults = config::defaultConfig();
    CHECK_FALSE(defaults.auditSyslog.enabled);
    CHECK(defaults.auditSyslog.host == "127.0.0.1");
    CHECK(defaults.auditSyslog.port == 514);
    CHECK(defaults.auditSyslog.appName == "radnode");
    CHECK(defaults.auditSyslog.sourceId.empty());

    const auto c = config::parseConfig("audit:\n  syslog:\n    enabled: true\n    host: arr.hospital.example\n"
                                       "    port: 6514\n    app_name: radnode-us\n    source_id: BREAST-US-1\n",
                                       "node.yaml");
    CHECK(c.auditSyslog.enabled);
    CHECK(c.auditSyslog.host == "arr.hospital.example");
    CHECK(c.auditSyslog.port == 6514);
    CHECK(c.auditSyslog.appName == "radnode-us");
    CHECK(c.auditSyslog.sourceId == "BREAST-US-1");
    CHECK_FALSE(config::parseConfig("audit:\n", "node.yaml").auditSyslog.enabled);

    CHECK(errorOf("audit:\n  syslog:\n    port: 0\n") == "node.yaml:3: audit.syslog.port: 0 is outside 1..65535");
    CHECK(errorOf("audit:\n  syslog:\n    enabled: maybe\n") ==
          "node.yaml:3: audit.syslog.enabled: expected true or false, got 'maybe'");
    CHECK(errorOf("audit:\n  syslog:\n    app_name: radiomics node\n") ==
          "node.yaml:3: audit.syslog.app_name: 'radiomics node' must be printable ASCII without spaces (an RFC 5424 "
          "header field)");
    CHECK(startsWith(errorOf("audit:\n  syslog:\n    app_name: " + std::string(49, 'a') + "\n"),
                     "node.yaml:3: audit.syslog.app_name: expected 1 to 48 characters"));
    CHECK(errorOf("audit:\n  syslog:\n    hots: 10.0.0.1\n") ==
          "node.yaml:3: audit.syslog.hots: unknown key (did you mean 'host'?)");
    CHECK(errorOf("audit:\n  enabled: true\n") ==
          "node.yaml:2: audit.enabled: unknown key (did you mean 'audit.syslog.enabled' or 'http.enabled'?)");
}

TEST_CASE("audit.syslog.transport tls: RFC 5425 port, a CA file required, client certificate and key together") {
    test::TempDir dir;
    for (const char* name : {"ca.crt", "node.crt", "node.key"}) test::writeText(dir / name, "PEM\n");
    const auto parse = [&](const std::string& lines) {
        return config::parseConfig("audit:\n  syslog:\n    enabled: true\n" + lines, (dir / "node.yaml").string());
    };
    const auto errorIn = [&](const std::string& lines) {
        try {
            parse(lines);
        } catch (const config::ConfigError& error) {
            return std::string(error.what()).substr((dir / "node.yaml").string().size());
        }
        return std::string("no error");
    };
    CHECK(config::defaultConfig().auditSyslog.transport == config::SyslogTransport::Udp);
    const auto tls = parse("    transport: tls\n    host: arr.example\n    ca_file: ca.crt\n");
    CHECK(tls.auditSyslog.transport == config::SyslogTransport::Tls);
    CHECK(tls.auditSyslog.port == 6514);
    CHECK(tls.auditSyslog.caFile == dir / "ca.crt"); // relative to the configuration file
    CHECK(tls.auditSyslog.certificateFile.empty());
    const auto mutual = parse("    transport: tls\n    port: 7514\n    ca_file: ca.crt\n    certificate_file: node.crt\n"
                              "    private_key_file: node.key\n");
    CHECK(mutual.auditSyslog.port == 7514);
    CHECK(mutual.auditSyslog.certificateFile == dir / "node.crt");
    CHECK(mutual.auditSyslog.privateKeyFile == dir / "node.key");
    CHECK(parse("    transport: udp\n").auditSyslog.port == 514);

    CHECK(errorIn("    transport: tcp\n") == ":4: audit.syslog.transport: unknown transport 'tcp' (udp, tls)");
    CHECK(errorIn("    transport: tls\n") ==
          ":4: audit.syslog.transport: tls needs 'ca_file' (the CAs that sign the collector's certificate)");
    CHECK(errorIn("    transport: tls\n    ca_file: missing.crt\n") ==
          ":5: audit.syslog.ca_file: no such CA file: " + (dir / "missing.crt").string());
    CHECK(errorIn("    transport: tls\n    ca_file: ca.crt\n    certificate_file: node.crt\n") ==
          ":6: audit.syslog.certificate_file: 'certificate_file' and 'private_key_file' go together: give both (a client "
          "certificate) or neither");
    // TLS files without transport: tls would mean audit messages in clear that were meant to be protected.
    CHECK(errorIn("    ca_file: ca.crt\n") == ":4: audit.syslog.ca_file: is for transport: tls (transport is udp)");
}

TEST_CASE("log_include_phi is accepted only with the debug log level") {
    CHECK_FALSE(config::defaultConfig().logIncludePhi);
    CHECK(config::parseConfig("log_level: debug\nlog_include_phi: true\n", "node.yaml").logIncludePhi);
    // The order of the keys in the file does not matter.
    CHECK(config::parseConfig("log_include_phi: true\nlog_level: debug\n", "node.yaml").logIncludePhi);
    CHECK_FALSE(config::parseConfig("log_include_phi: false\n", "node.yaml").logIncludePhi);
    CHECK(errorOf("log_include_phi: true\n") ==
          "node.yaml:1: log_include_phi: patient identifiers in the logs need log_level: debug (now 'info')");
    CHECK(errorOf("log_level: warning\nlog_include_phi: yes\n") ==
          "node.yaml:2: log_include_phi: patient identifiers in the logs need log_level: debug (now 'warning')");
}
