// A `radnode serve` child process on an ephemeral loopback port, for integration tests.
#pragma once

#include "test_support.h"

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

namespace radnode::test {

inline const std::string kRadnode = RADNODE_BINARY;

struct LiveNode {
    LiveNode(const TempDir& dir, const std::vector<std::string>& extra) : port(freeLoopbackPort()) {
        std::vector<std::string> arguments{kRadnode, "serve", "--state-dir", (dir / "state").string(), "--port",
                                           std::to_string(port), "--quiet-period", "0.5"};
        arguments.insert(arguments.end(), extra.begin(), extra.end());
        process = std::make_unique<ChildProcess>(arguments, dir / "node.log");
        REQUIRE_MESSAGE(waitForPort(port, 30000), readText(dir / "node.log"));
    }
    int port;
    std::unique_ptr<ChildProcess> process;
};

// The output of `sqlite3 DB "QUERY"`, without the trailing newline.
inline std::string sqlite(const std::filesystem::path& database, const std::string& query) {
    auto result = runCommand("sqlite3 '" + database.string() + "' \"" + query + "\"");
    while (!result.output.empty() && (result.output.back() == '\n' || result.output.back() == '\r')) result.output.pop_back();
    return result.output;
}

} // namespace radnode::test
