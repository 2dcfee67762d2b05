// PyRadiomics' grey level size zone matrix class (radiomics/glszm.py): zones of connected
// voxels sharing a grey level, 26-connected in 3D and 8-connected in 2D (force2D).
#pragma once

#include "analysis/discretization.h"
#include "analysis/feature.h"
#include "analysis/settings.h"
#include "analysis/texture_grid.h"

#include <string>
#include <vector>

namespace radnode::analysis {

// The 16 GLSZM features, alphabetical as PyRadiomics lists them; none is deprecated.
const std::vector<FeatureDefinition>& glszmFeatureDefinitions();

// `requested` empty = every feature; an unknown name throws std::invalid_argument naming it.
// Returns bare names ("ZoneEntropy").
FeatureList computeGlszm(const DiscretizedRoi& roi, const Settings& settings,
                         const std::vector<std::string>& requested, DiagnosticList& diagnostics);

// The same on a texture grid already built for these settings (makeTextureGrid(roi, settings)),
// so that the five texture classes of one extraction share it.
FeatureList computeGlszmOnGrid(const TextureGrid& grid, const Settings& settings,
                               const std::vector<std::string>& requested, DiagnosticList& diagnostics);

} // namespace radnode::analysis
