#include "node/clinical_inputs.h"

#include "analysis/model_covariates.h"

#include <algorithm>
#include <array>
#include <stdexcept>

namespace radnode::node {

std::pair<std::string, std::string> parseClinicalAssignment(const std::string& text) {
    const auto equals = text.find('=');
    if (equals == std::string::npos || equals == 0) {
        throw std::invalid_argument("'" + text + "' is not key=value (e.g. ki67=35)");
    }
    return {text.substr(0, equals), text.substr(equals + 1)};
}

ClinicalUpdateOutcome setClinicalInputs(storage::NodeStore& store, const ClinicalUpdate& update) {
    if (update.studyUid.empty() == update.accessionNumber.empty()) {
        throw std::invalid_argument("clinical inputs name a study UID or an accession number (one of the two)");
    }
    if (update.values.empty()) throw std::invalid_argument("no clinical values given");
    const std::string subject = update.studyUid.empty() ? "accession " + update.accessionNumber : "study " + update.studyUid;
    std::vector<storage::ClinicalInput> inputs;
    for (const auto& [key, value] : update.values) {
        const std::string error = analysis::covariateValueError(key, value);
        if (!error.empty()) throw std::invalid_argument(subject + ": " + error);
        inputs.push_back(storage::ClinicalInput{update.studyUid, update.accessionNumber, key, value,
                                                update.source.empty() ? "unknown" : update.source, 0});
    }
    store.addClinicalInputs(inputs);

    ClinicalUpdateOutcome outcome;
    const std::vector<std::string> studies =
        update.studyUid.empty() ? store.studiesWithAccession(update.accessionNumber) : std::vector<std::string>{update.studyUid};
    for (const auto& study : studies) {
        if (!store.latestResult(study)) {
            outcome.studiesPending.push_back(study);
            continue;
        }
        // The job re-runs the study's analysis with the new values; its SR supersedes the last.
        if (!store.hasQueuedJob(study)) store.enqueueJob(study);
        store.audit(storage::AuditEvent{"clinical.rescore", study, "", "", "", std::nullopt,
                                        "re-scoring queued after clinical input (" + update.source + ")"});
        outcome.studiesRescored.push_back(study);
    }
    return outcome;
}

std::optional<int> ageAtStudy(const std::string& birthDate, const std::string& studyDate) {
    const auto parse = [](const std::string& date) -> std::optional<std::array<int, 3>> {
        if (date.size() != 8 || !std::all_of(date.begin(), date.end(), [](char c) { return c >= '0' && c <= '9'; })) {
            return std::nullopt;
        }
        const std::array<int, 3> ymd{std::stoi(date.substr(0, 4)), std::stoi(date.substr(4, 2)), std::stoi(date.substr(6, 2))};
        if (ymd[1] < 1 || ymd[1] > 12 || ymd[2] < 1 || ymd[2] > 31) return std::nullopt;
        return ymd;
    };
    const auto birth = parse(birthDate), study = parse(studyDate);
    if (!birth || !study) return std::nullopt;
    // A birthday not yet reached in the study year does not count.
    const bool beforeBirthday = std::make_pair((*study)[1], (*study)[2]) < std::make_pair((*birth)[1], (*birth)[2]);
    const int age = (*study)[0] - (*birth)[0] - (beforeBirthday ? 1 : 0);
    if (age < 0 || age > 130) return std::nullopt;
    return age;
}

} // namespace radnode::node
