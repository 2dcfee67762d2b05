// One job's work: load the study's segmentations and their source images in physical
// space, build the ROIs (tumour, peritumoral rings, lymph node), extract the radiomics,
// score the models, and write the TID 1500 SR durably into the file store.
#pragma once

#include "config/node_config.h"
#include "analysis/model.h"
#include "storage/node_store.h"

#include <stdexcept>
#include <string>
#include <vector>

namespace radnode::node {

// A job failure. Retryable failures (I/O, database) go back to the queue; the others
// (a SEG that does not match its source, an unsupported object) fail the job for good.
struct JobError : std::runtime_error {
    JobError(const std::string& message, bool retryable) : std::runtime_error(message), retryable(retryable) {}
    bool retryable;
};

struct RoiSummary {
    std::string roi, view, laterality;
    std::size_t voxels = 0;
    std::vector<std::pair<std::string, double>> highlights; // a few features for people to read
};

struct StudyAnalysisOutput {
    storage::ResultRecord result;
    std::vector<RoiSummary> rois;
    std::vector<analysis::ModelScore> scores;
    std::size_t featureCount = 0;
};

StudyAnalysisOutput analyzeStudy(storage::NodeStore& store, const storage::JobRow& job,
                                 const config::NodeConfig& config, const std::vector<analysis::Model>& models);

} // namespace radnode::node
