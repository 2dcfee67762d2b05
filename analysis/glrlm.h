// PyRadiomics' grey level run length matrix class (radiomics/glrlm.py): runs along each of the
// 13 (3D) or 4 (2D) directions at distance 1, features averaged over directions unless
// weightingNorm merges the matrices.
#pragma once

#include "analysis/discretization.h"
#include "analysis/feature.h"
#include "analysis/settings.h"
#include "analysis/texture_grid.h"

#include <string>
#include <vector>

namespace radnode::analysis {

// The 16 GLRLM features, alphabetical as PyRadiomics lists them; none is deprecated.
const std::vector<FeatureDefinition>& glrlmFeatureDefinitions();

// `requested` empty = every feature; an unknown name throws std::invalid_argument naming it.
// Returns bare names ("RunEntropy").
FeatureList computeGlrlm(const DiscretizedRoi& roi, const Settings& settings,
                         const std::vector<std::string>& requested, DiagnosticList& diagnostics);

// The same on a texture grid already built for these settings (makeTextureGrid(roi, settings)),
// so that the five texture classes of one extraction share it.
FeatureList computeGlrlmOnGrid(const TextureGrid& grid, const Settings& settings,
                               const std::vector<std::string>& requested, DiagnosticList& diagnostics);

} // namespace radnode::analysis
