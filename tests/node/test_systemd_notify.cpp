// `radnode serve` speaks systemd's notify protocol: READY once listening, watchdog pings
// while healthy, STOPPING on SIGTERM. A test socket stands in for systemd.
#include "node/live_node.h"
#include "test_support.h"

#include <doctest/doctest.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <cstring>

using namespace radnode::test;

namespace {

class NotifySocket {
public:
    explicit NotifySocket(const std::filesystem::path& path) {
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
        REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
        timeval timeout{10, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    }
    ~NotifySocket() { ::close(fd_); }
    // The next datagram, or "" after a 10 s timeout.
    std::string receive() {
        char buffer[4096];
        const auto n = ::recv(fd_, buffer, sizeof buffer, 0);
        return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : std::string();
    }

private:
    int fd_ = -1;
};

} // namespace

TEST_CASE("serve notifies systemd: READY, watchdog pings, STOPPING") {
    TempDir dir;
    NotifySocket socket(dir / "notify.sock");
    ::setenv("NOTIFY_SOCKET", (dir / "notify.sock").c_str(), 1);
    ::setenv("WATCHDOG_USEC", "400000", 1); // pings every 0.2 s
    LiveNode node(dir, {});
    ::unsetenv("NOTIFY_SOCKET");
    ::unsetenv("WATCHDOG_USEC");

    const auto ready = socket.receive();
    CHECK_MESSAGE(ready.rfind("READY=1", 0) == 0, ready);
    CHECK(ready.find("STATUS=listening as RADNODE") != std::string::npos);
    CHECK(socket.receive() == "WATCHDOG=1");
    CHECK(socket.receive() == "WATCHDOG=1");
    ::kill(node.process->pid(), SIGTERM);
    std::string message;
    do {
        message = socket.receive();
    } while (message == "WATCHDOG=1");
    CHECK_MESSAGE(message.rfind("STOPPING=1", 0) == 0, message);
    CHECK(node.process->stop() == 0);
}
