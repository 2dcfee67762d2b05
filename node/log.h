// Structured logs: one line per event, `level=... event=... key="value"`, to stderr (which
// journald collects under systemd). PHI (names, IDs) is never passed here, except through
// addPatientIdentifiers, which adds nothing unless a site turned log_include_phi on.
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

// Set at startup (and reload) from log_include_phi, which the configuration allows only with
// the debug level: patient ID and accession number in the ingest and job lines.
void setLogPatientIdentifiers(bool include);
bool loggingPatientIdentifiers();
// Appends patient_id and accession fields when turned on; otherwise leaves `fields` as is.
void addPatientIdentifiers(LogFields& fields, const std::string& patientId, const std::string& accessionNumber);

} // namespace radnode::node
