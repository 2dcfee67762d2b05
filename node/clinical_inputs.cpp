#include "node/clinical_inputs.h"

#include "analysis/model_covariates.h"

#include <algorithm>
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

} // namespace radnode::node
