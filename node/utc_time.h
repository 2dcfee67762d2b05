// Times as operators read and type them: ISO 8601 in UTC, to and from the database's epoch
// milliseconds. Shared by `radnode audit` and the HTTP API so both speak the same format.
#pragma once

#include <cstdint>
#include <string>

namespace radnode::node {

// "2026-11-23T10:00:00.123Z"
std::string isoTime(std::int64_t epochMs);

// "2026-11-23T10:00:00Z", "2026-11-23T10:00:00" or "2026-11-23" (UTC) to epoch milliseconds.
// Throws std::invalid_argument naming `what` (e.g. "--since") and the text.
std::int64_t parseUtcTime(const std::string& text, const std::string& what);

} // namespace radnode::node
