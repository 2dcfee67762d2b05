// Opening a node's store from the command line: the state directory given directly, or the
// one a configuration file names. Used by the commands that read or annotate a node's state.
#pragma once

#include "storage/node_store.h"

#include <memory>
#include <string>

namespace radnode::node {

// Either argument may be empty (no --config: the embedded defaults). Throws
// std::invalid_argument when the directory holds no radnode database.
std::unique_ptr<storage::NodeStore> openStateStore(const std::string& configFile, const std::string& stateDirectory);

} // namespace radnode::node
