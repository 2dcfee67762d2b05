// Model files: versioned YAML describing a logistic radiomics model (see
// docs/model-files.md). Errors name the file, the line and the key.
#pragma once

#include "analysis/model.h"
#include "config/node_config.h"

#include <filesystem>
#include <string>
#include <vector>

namespace radnode::config {

// The schema version this build reads (`schema: 1` in the file).
inline constexpr int kModelSchemaVersion = 1;

analysis::Model parseModel(const std::string& yamlText, const std::string& sourceName);
analysis::Model readModelFile(const std::filesystem::path& file);
std::vector<analysis::Model> readModelFiles(const std::vector<ModelRef>& references);

} // namespace radnode::config
