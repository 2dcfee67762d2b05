#include "node/node_options.h"

#include <chrono>
#include <stdexcept>

namespace radnode::node {

config::Destination parseDestination(const std::string& text) {
    const auto at = text.find('@');
    const auto colon = text.rfind(':');
    if (at == std::string::npos || colon == std::string::npos || colon < at || at == 0 || colon == at + 1 ||
        colon + 1 == text.size()) {
        throw std::invalid_argument("--destination '" + text + "': expected AET@HOST:PORT");
    }
    config::Destination destination;
    destination.aeTitle = text.substr(0, at);
    destination.name = destination.aeTitle;
    destination.host = text.substr(at + 1, colon - at - 1);
    try {
        std::size_t used = 0;
        destination.port = std::stoi(text.substr(colon + 1), &used);
        if (used != text.size() - colon - 1) throw std::invalid_argument("trailing characters");
    } catch (const std::exception&) {
        throw std::invalid_argument("--destination '" + text + "': port is not a number");
    }
    if (destination.port < 1 || destination.port > 65535) {
        throw std::invalid_argument("--destination '" + text + "': port must be 1..65535");
    }
    if (destination.aeTitle.size() > 16) {
        throw std::invalid_argument("--destination '" + text + "': AE title longer than 16 characters");
    }
    return destination;
}

void applyOverrides(config::NodeConfig& config, const NodeOverrides& overrides) {
    if (overrides.aeTitle) {
        if (overrides.aeTitle->empty() || overrides.aeTitle->size() > 16) {
            throw std::invalid_argument("--aet must be 1 to 16 characters");
        }
        config.listener.aeTitle = *overrides.aeTitle;
    }
    if (overrides.port) {
        if (*overrides.port < 1 || *overrides.port > 65535) throw std::invalid_argument("--port must be 1..65535");
        config.listener.port = *overrides.port;
    }
    if (overrides.stateDirectory) {
        config.storage.stateDirectory = *overrides.stateDirectory;
        config.storage.database.clear();
        config.storage.fileStore.clear();
    }
    if (overrides.quietPeriodSeconds) {
        // Also refuses nan and inf, which program_options reads as numbers.
        if (!(*overrides.quietPeriodSeconds >= 0 && *overrides.quietPeriodSeconds <= 86400)) {
            throw std::invalid_argument("--quiet-period must be 0 to 86400 seconds");
        }
        config.assembly.quietPeriod = std::chrono::milliseconds(static_cast<long long>(*overrides.quietPeriodSeconds * 1000));
    }
    if (overrides.httpPort) {
        if (*overrides.httpPort < 1 || *overrides.httpPort > 65535) throw std::invalid_argument("--http-port must be 1..65535");
        config.http.enabled = true;
        config.http.port = *overrides.httpPort;
    }
    for (const auto& text : overrides.destinations) config.destinations.push_back(parseDestination(text));
    config::resolveDerivedPaths(config);
}

} // namespace radnode::node
