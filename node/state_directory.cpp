#include "node/state_directory.h"

#include "config/config_loader.h"

#include <stdexcept>

namespace radnode::node {

std::unique_ptr<storage::NodeStore> openStateStore(const std::string& configFile, const std::string& stateDirectory) {
    config::NodeConfig config = configFile.empty() ? config::defaultConfig() : config::loadConfig(configFile);
    if (!stateDirectory.empty()) {
        config.storage.stateDirectory = stateDirectory;
        config.storage.database.clear();
        config.storage.fileStore.clear();
    }
    config::resolveDerivedPaths(config);
    // Never create a database here: a mistyped path must not look like an empty node.
    if (!std::filesystem::exists(config.storage.database)) {
        throw std::invalid_argument("no radnode database at " + config.storage.database.string());
    }
    return std::make_unique<storage::NodeStore>(config.storage.database, config.storage.fileStore);
}

} // namespace radnode::node
