#include "config/node_config.h"

namespace radnode::config {

void resolveDerivedPaths(NodeConfig& config) {
    if (config.storage.database.empty()) config.storage.database = config.storage.stateDirectory / "radnode.sqlite";
    if (config.storage.fileStore.empty()) config.storage.fileStore = config.storage.stateDirectory / "files";
}

} // namespace radnode::config
