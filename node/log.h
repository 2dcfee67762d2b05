// Structured logs: one line per event, `level=... event=... key="value"`, to stderr (which
// journald collects under systemd). PHI (names, IDs) is never passed here.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace radnode::node {

enum class LogLevel { Debug, Info, Warning, Error };

using LogFields = std::vector<std::pair<std::string, std::string>>;

void logEvent(LogLevel level, const std::string& event, const LogFields& fields = {});

// Lines below this level are dropped. Set once at startup from the configuration.
void setLogThreshold(LogLevel level);
LogLevel parseLogLevel(const std::string& text);

} // namespace radnode::node
