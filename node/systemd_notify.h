// The systemd service notification protocol (sd_notify), spoken directly: a datagram to the
// socket named by $NOTIFY_SOCKET. Lets the unit be Type=notify with a watchdog, without
// linking libsystemd. Does nothing when not started by systemd.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace radnode::node {

// Sends e.g. "READY=1", "WATCHDOG=1", "STOPPING=1", "STATUS=...". Returns false when there is
// no notification socket or the send failed (never throws: notification is best effort).
bool notifySystemd(const std::string& state);

// The watchdog interval systemd expects pings within ($WATCHDOG_USEC, when $WATCHDOG_PID is
// absent or ours); nullopt when the watchdog is off.
std::optional<std::chrono::microseconds> systemdWatchdogInterval();

} // namespace radnode::node
