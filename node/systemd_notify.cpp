#include "node/systemd_notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace radnode::node {

bool notifySystemd(const std::string& state) {
    const char* socketName = std::getenv("NOTIFY_SOCKET");
    if (!socketName || !*socketName) return false;
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    const std::size_t length = std::strlen(socketName);
    if (length >= sizeof address.sun_path) return false;
    std::memcpy(address.sun_path, socketName, length);
    if (address.sun_path[0] == '@') address.sun_path[0] = '\0'; // abstract namespace
    const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    const auto size = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + length);
    const bool sent = ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&address), size) ==
                      static_cast<ssize_t>(state.size());
    ::close(fd);
    return sent;
}

std::optional<std::chrono::microseconds> systemdWatchdogInterval() {
    const char* usec = std::getenv("WATCHDOG_USEC");
    if (!usec || !*usec) return std::nullopt;
    if (const char* pid = std::getenv("WATCHDOG_PID"); pid && *pid && std::atol(pid) != ::getpid()) return std::nullopt;
    const long long value = std::atoll(usec);
    if (value <= 0) return std::nullopt;
    return std::chrono::microseconds(value);
}

} // namespace radnode::node
