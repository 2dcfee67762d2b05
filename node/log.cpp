#include "node/log.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <stdexcept>

namespace radnode::node {

namespace {
// The one process-wide setting: a log threshold is what every logger has, and threading it
// through every call would obscure the code more than it would clarify.
std::atomic<int> threshold{static_cast<int>(LogLevel::Info)};
std::atomic<bool> patientIdentifiers{false}; // log_include_phi, off unless a site debugs

const char* name(LogLevel level) {
    switch (level) {
    case LogLevel::Debug: return "debug";
    case LogLevel::Info: return "info";
    case LogLevel::Warning: return "warning";
    case LogLevel::Error: return "error";
    }
    return "info";
}

std::string quoted(const std::string& value) {
    std::string out = "\"";
    for (char c : value) {
        if (c == '"' || c == '\\') out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out + "\"";
}
} // namespace

void setLogThreshold(LogLevel level) { threshold = static_cast<int>(level); }

void setLogPatientIdentifiers(bool include) { patientIdentifiers = include; }
bool loggingPatientIdentifiers() { return patientIdentifiers; }

void addPatientIdentifiers(LogFields& fields, const std::string& patientId, const std::string& accessionNumber) {
    if (!patientIdentifiers) return;
    fields.emplace_back("patient_id", patientId);
    fields.emplace_back("accession", accessionNumber);
}

LogLevel parseLogLevel(const std::string& text) {
    if (text == "debug") return LogLevel::Debug;
    if (text == "info") return LogLevel::Info;
    if (text == "warning") return LogLevel::Warning;
    if (text == "error") return LogLevel::Error;
    throw std::invalid_argument("unknown log level '" + text + "' (debug, info, warning, error)");
}

void logEvent(LogLevel level, const std::string& event, const LogFields& fields) {
    if (static_cast<int>(level) < threshold) return;
    const auto now = std::chrono::system_clock::now();
    const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
    const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &utc);
    std::string line = std::string("time=") + stamp + "." + std::to_string(1000 + millis).substr(1) + "Z level=" +
                       name(level) + " event=" + event;
    for (const auto& [key, value] : fields) line += " " + key + "=" + quoted(value);
    line += "\n";
    std::fputs(line.c_str(), stderr);
}

} // namespace radnode::node
