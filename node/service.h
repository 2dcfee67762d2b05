// The running node: the DICOM listener, the study assembler, the analysis workers, the
// outbox sender and (when enabled) the HTTP API, each on its own thread(s) over one
// NodeStore. start() recovers from whatever a crash left behind before it listens; stop()
// drains: no new associations, in-flight ones and running jobs finish.
#pragma once

#include "config/node_config.h"
#include "analysis/model.h"

#include <memory>
#include <string>
#include <vector>

namespace radnode::storage {
class NodeStore;
}

namespace radnode::node {

class NodeService {
public:
    explicit NodeService(config::NodeConfig config);
    ~NodeService();
    NodeService(const NodeService&) = delete;
    NodeService& operator=(const NodeService&) = delete;

    // Throws when the state directory, the database, a model or the listening port fails.
    void start();
    void stop();
    // Applies a new configuration to a running node: destinations, delivery, models,
    // analysis and assembly timing take effect for the next job or pass. Returns the
    // sections whose changes need a restart (listener, storage, workers.count); those keep
    // their running values. Throws (changing nothing) when a model file does not load.
    std::vector<std::string> reload(config::NodeConfig next);
    // The listener is still accepting (for the systemd watchdog and health checks).
    bool healthy() const;
    // The port the HTTP API listens on; 0 when it is off.
    int httpPort() const;

    storage::NodeStore& store();
    const config::NodeConfig& config() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace radnode::node
