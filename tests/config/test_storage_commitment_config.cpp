// destinations[].storage_commitment and storage_commitment_timeout: off and one hour by
// default, durations in the config's written forms, errors that name the key.
#include "config/config_loader.h"

#include <doctest/doctest.h>

using namespace radnode;
using namespace std::chrono_literals;

namespace {

std::string errorOf(const std::string& yaml) {
    try {
        config::parseConfig(yaml, "node.yaml");
    } catch (const config::ConfigError& error) {
        return error.what();
    }
    return "no error";
}

config::Destination destination(const std::string& extra) {
    return config::parseConfig("destinations:\n  - {name: p, ae_title: P, host: h" + extra + "}\n", "node.yaml")
        .destinations.at(0);
}

} // namespace

TEST_CASE("storage commitment is off by default, with a one-hour timeout") {
    const auto d = destination("");
    CHECK_FALSE(d.storageCommitment);
    CHECK(d.storageCommitmentTimeout == 3600s);
}

TEST_CASE("storage commitment and its timeout are read per destination") {
    const auto d = destination(", storage_commitment: true, storage_commitment_timeout: 10m");
    CHECK(d.storageCommitment);
    CHECK(d.storageCommitmentTimeout == 600s);
    CHECK(destination(", storage_commitment_timeout: 90").storageCommitmentTimeout == 90s);
}

TEST_CASE("a bad storage commitment value names its key") {
    const auto notBoolean = errorOf("destinations:\n  - {name: p, ae_title: P, host: h, storage_commitment: maybe}\n");
    CHECK(notBoolean.rfind("node.yaml:2: destinations[0].storage_commitment: ", 0) == 0);
    const auto zero = errorOf("destinations:\n  - {name: p, ae_title: P, host: h, storage_commitment_timeout: 0}\n");
    CHECK(zero == "node.yaml:2: destinations[0].storage_commitment_timeout: must be at least 1s");
    const auto noUnit = errorOf("destinations:\n  - {name: p, ae_title: P, host: h, storage_commitment_timeout: soon}\n");
    CHECK(noUnit.rfind("node.yaml:2: destinations[0].storage_commitment_timeout: ", 0) == 0);
    const auto typo = errorOf("destinations:\n  - {name: p, ae_title: P, host: h, storage_comitment: true}\n");
    CHECK(typo.find("did you mean 'storage_commitment'?") != std::string::npos);
}
