// Clinical covariates (Ki-67, US node status, tumour size, age, subtype) entered for a study:
// validated, stored, audited, and, when the study already has a result, re-scored so that a
// new SR using them supersedes it. Used by `radnode clinical` and the HTTP API.
#pragma once

#include "storage/node_store.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace radnode::node {

struct ClinicalUpdate {
    std::string studyUid;        // the study, by UID ...
    std::string accessionNumber; // ... or by accession number (exactly one of the two)
    std::vector<std::pair<std::string, std::string>> values; // key, value
    std::string source;          // who entered it: "cli", "csv:FILE", "http", ...
};

struct ClinicalUpdateOutcome {
    std::vector<std::string> studiesRescored; // had a result: a re-scoring job is queued
    std::vector<std::string> studiesPending;  // known, no result yet: the first analysis will use the values
    // Neither: an accession not (yet) received; the values wait for it.
};

// All or nothing: an unknown key or an invalid value throws std::invalid_argument naming the
// key and value, and nothing is stored.
ClinicalUpdateOutcome setClinicalInputs(storage::NodeStore& store, const ClinicalUpdate& update);

// "ki67=35" -> {"ki67", "35"}; throws std::invalid_argument when there is no '='.
std::pair<std::string, std::string> parseClinicalAssignment(const std::string& text);

// Age in whole years on the study date, from DICOM dates (YYYYMMDD): the optional mapping of
// the "age" covariate from Patient's Birth Date and Study Date. nullopt when either date is
// missing or malformed, or the result is not 0..130.
std::optional<int> ageAtStudy(const std::string& birthDate, const std::string& studyDate);

} // namespace radnode::node
