// The `http` section: defaults, the example file's values, and the refusals that keep the API
// off the network without a token.
#include "config/config_loader.h"
#include "node/node_options.h"
#include "test_support.h"

#include <doctest/doctest.h>

using namespace radnode;

namespace {

std::string httpErrorOf(const std::string& yaml) {
    try {
        config::parseConfig(yaml, "node.yaml");
    } catch (const config::ConfigError& error) {
        return error.what();
    }
    return "no error";
}

} // namespace

TEST_CASE("the HTTP API is off by default, loopback when on, and the example file turns it on") {
    const auto defaults = config::defaultConfig();
    CHECK_FALSE(defaults.http.enabled);
    CHECK(defaults.http.bind == "127.0.0.1");
    CHECK(defaults.http.port == 8104);
    CHECK_FALSE(defaults.http.tokenFile);

    const auto example = config::loadConfig(std::filesystem::path(RADNODE_TEST_DATA_DIR).parent_path().parent_path() /
                                            "config" / "radnode.example.yaml");
    CHECK(example.http.enabled);
    CHECK(example.http.bind == defaults.http.bind);
    CHECK(example.http.port == defaults.http.port);
    CHECK_FALSE(example.http.tokenFile);

    const auto ipv6 = config::parseConfig("http:\n  enabled: true\n  bind: '0:0::1'\n  port: 9000\n", "node.yaml");
    CHECK(ipv6.http.bind == "::1");
    CHECK(ipv6.http.port == 9000);

    // --http-port turns the API on at that port.
    auto overridden = config::defaultConfig();
    node::NodeOverrides overrides;
    overrides.httpPort = 9100;
    node::applyOverrides(overridden, overrides);
    CHECK(overridden.http.enabled);
    CHECK(overridden.http.port == 9100);
    overrides.httpPort = 0;
    CHECK_THROWS_WITH(node::applyOverrides(overridden, overrides), "--http-port must be 1..65535");
}

TEST_CASE("an HTTP API off loopback without a token file, and malformed http keys, are refused with their line") {
    CHECK(httpErrorOf("http:\n  enabled: true\n  bind: 10.1.2.3\n") ==
          "node.yaml:3: http.bind: '10.1.2.3' is not a loopback address: set http.token_file (bearer token) to serve on it");
    // Off, the bind address does not matter yet.
    CHECK(httpErrorOf("http:\n  enabled: false\n  bind: 10.1.2.3\n") == "no error");
    CHECK(httpErrorOf("http:\n  enabled: yes please\n") == "node.yaml:2: http.enabled: expected true or false, got 'yes please'");
    CHECK(httpErrorOf("http:\n  bind: localhost\n").find("is not a numeric IPv4 or IPv6 address") != std::string::npos);
    CHECK(httpErrorOf("http:\n  port: 70000\n") == "node.yaml:2: http.port: 70000 is outside 1..65535");
    CHECK(httpErrorOf("http:\n  token_file: /nonexistent/radnode-token\n") ==
          "node.yaml:2: http.token_file: no such token file: /nonexistent/radnode-token");
    CHECK(httpErrorOf("http:\n  tokenfile: x\n") == "node.yaml:2: http.tokenfile: unknown key (did you mean 'token_file'?)");

    test::TempDir dir;
    test::writeText(dir / "token", "abc\n");
    const auto withToken = config::parseConfig("http:\n  enabled: true\n  bind: 0.0.0.0\n  token_file: token\n",
                                               (dir / "node.yaml").string());
    CHECK(withToken.http.tokenFile == dir / "token");
    CHECK(config::isLoopbackAddress("127.0.0.2"));
    CHECK(config::isLoopbackAddress("::1"));
    CHECK_FALSE(config::isLoopbackAddress("0.0.0.0"));
    CHECK_FALSE(config::isLoopbackAddress("128.0.0.1"));
}
