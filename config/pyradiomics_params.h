// PyRadiomics parameter files, read as PyRadiomics reads them: YAML with the sections
// `setting`, `imageType` (each type may override settings), `featureClass` and `voxelSetting`,
// checked against PyRadiomics' schema (radiomics/schemas/paramSchema.yaml). A site's
// published parameter file must give the same extraction here as in PyRadiomics.
#pragma once

#include "analysis/settings.h"

#include <filesystem>
#include <string>

namespace radnode::config {

// Missing sections take PyRadiomics' defaults: no imageType = Original only, no featureClass =
// every class (shape2D included). `interpolator: null` turns resampling off, as in PyRadiomics.
// An unknown key, a wrong type or an impossible value throws std::invalid_argument
// "<sourceName>:<line>: <key>: <reason>".
analysis::ExtractionParams parsePyradiomicsParams(const std::string& yaml, const std::string& sourceName);

// The same, from a file; an unreadable file throws std::invalid_argument naming it.
analysis::ExtractionParams readPyradiomicsParams(const std::filesystem::path& path);

} // namespace radnode::config
