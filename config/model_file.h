// Model files: versioned YAML describing a logistic radiomics model, its nomogram, chain
// and policies (see docs/model-files.md). Errors name the file, the line and the key.
#pragma once

#include "analysis/model.h"
#include "config/node_config.h"

#include <filesystem>
#include <string>
#include <vector>

namespace radnode::config {

// The newest schema version this build reads (`schema: 1` files are still read).
inline constexpr int kModelSchemaVersion = 2;

// Without `analysis`, feature and ROI names are checked for form only; with it, every
// radiomics input must be a feature and an ROI the node computes under those settings.
// A boosted-trees rad-score's booster file, when relative, is found in `baseFolder` (empty:
// the current directory); readModelFile passes the model file's folder.
analysis::Model parseModel(const std::string& yamlText, const std::string& sourceName,
                           const AnalysisConfig* analysis = nullptr, const std::filesystem::path& baseFolder = {});
analysis::Model readModelFile(const std::filesystem::path& file, const AnalysisConfig* analysis = nullptr);

// Reads every model, checks the inputs against `analysis`, and checks the set: names are
// unique and each fallback names another model of the set, without a cycle.
std::vector<analysis::Model> readModelFiles(const std::vector<ModelRef>& references, const AnalysisConfig& analysis);
// As above without the input check (tools that read models without a node configuration).
std::vector<analysis::Model> readModelFiles(const std::vector<ModelRef>& references);

} // namespace radnode::config
