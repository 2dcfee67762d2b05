// Command-line overrides shared by `serve` and `demo`, applied on top of a configuration.
#pragma once

#include "config/node_config.h"

#include <optional>
#include <string>
#include <vector>

namespace radnode::node {

struct NodeOverrides {
    std::optional<std::string> aeTitle;
    std::optional<int> port;
    std::optional<std::filesystem::path> stateDirectory;
    std::vector<std::string> destinations; // AET@HOST:PORT
    std::optional<double> quietPeriodSeconds;
    std::optional<int> httpPort; // also turns the HTTP API on
};

// "AET@HOST:PORT" -> a destination named after its AE title. Throws std::invalid_argument.
config::Destination parseDestination(const std::string& text);

void applyOverrides(config::NodeConfig& config, const NodeOverrides& overrides);

} // namespace radnode::node
