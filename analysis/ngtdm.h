// PyRadiomics' neighbouring grey tone difference matrix class (radiomics/ngtdm.py): per grey
// level, the summed absolute difference between a voxel and the mean of its ROI neighbours.
#pragma once

#include "analysis/discretization.h"
#include "analysis/feature.h"
#include "analysis/settings.h"
#include "analysis/texture_grid.h"

#include <string>
#include <vector>

namespace radnode::analysis {

// The 5 NGTDM features, alphabetical as PyRadiomics lists them.
const std::vector<FeatureDefinition>& ngtdmFeatureDefinitions();

// `requested` empty = every feature; an unknown name throws std::invalid_argument naming it.
// Returns bare names ("Coarseness").
FeatureList computeNgtdm(const DiscretizedRoi& roi, const Settings& settings,
                         const std::vector<std::string>& requested, DiagnosticList& diagnostics);

// The same on a texture grid already built for these settings (makeTextureGrid(roi, settings)),
// so that the five texture classes of one extraction share it.
FeatureList computeNgtdmOnGrid(const TextureGrid& grid, const Settings& settings,
                               const std::vector<std::string>& requested, DiagnosticList& diagnostics);

} // namespace radnode::analysis
