#include "node/utc_time.h"

#include <ctime>
#include <stdexcept>

namespace radnode::node {

std::string isoTime(std::int64_t epochMs) {
    const std::time_t seconds = static_cast<std::time_t>(epochMs / 1000);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
    return std::string(text) + "." + std::to_string(1000 + epochMs % 1000).substr(1) + "Z";
}

std::int64_t parseUtcTime(const std::string& text, const std::string& what) {
    std::tm tm{};
    const char* end = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
    if (!end) {
        tm = {};
        end = strptime(text.c_str(), "%Y-%m-%d", &tm);
    }
    if (!end || (*end != '\0' && std::string(end) != "Z")) {
        throw std::invalid_argument(what + " '" + text + "': expected YYYY-MM-DD[THH:MM:SS[Z]] (UTC)");
    }
    return static_cast<std::int64_t>(timegm(&tm)) * 1000;
}

} // namespace radnode::node
