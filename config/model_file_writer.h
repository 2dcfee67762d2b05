// Writes an analysis::Model as a model file (schema 2, docs/model-files.md) that
// config/model_file.h reads back to an equal model: how `radnode train` saves what it fitted.
#pragma once

#include "analysis/model.h"

#include <filesystem>
#include <string>

namespace radnode::config {

// The YAML text of the model file. Numbers are written with 17 significant digits, so
// parseModel(modelFileYaml(m), ...) gives back m exactly. A boosted-trees rad-score is written
// as its boosterFile (std::invalid_argument when it has none): writeModelFile names and saves it.
std::string modelFileYaml(const analysis::Model& model);

// Writes modelFileYaml(model) to `file` (via a temporary file and a rename). Each boosted-trees
// rad-score's booster is saved first, beside it, as "<file stem>[.second-level].<rad-score
// name>.xgboost.json", and the model file names it relatively. Throws std::runtime_error naming
// the file when it cannot be written.
void writeModelFile(const analysis::Model& model, const std::filesystem::path& file);

} // namespace radnode::config
