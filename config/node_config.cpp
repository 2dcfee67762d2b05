#include "config/node_config.h"

#include <arpa/inet.h>

namespace radnode::config {

void resolveDerivedPaths(NodeConfig& config) {
    if (config.storage.database.empty()) config.storage.database = config.storage.stateDirectory / "radnode.sqlite";
    if (config.storage.fileStore.empty()) config.storage.fileStore = config.storage.stateDirectory / "files";
}

bool isLoopbackAddress(const std::string& address) {
    in_addr v4{};
    if (inet_pton(AF_INET, address.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
    in6_addr v6{};
    return inet_pton(AF_INET6, address.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

} // namespace radnode::config
