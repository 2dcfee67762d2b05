// PyRadiomics' grey level dependence matrix class (radiomics/gldm.py): for each ROI voxel, how
// many neighbours (all directions at the set distances) differ from it by at most gldm_a.
#pragma once

#include "analysis/discretization.h"
#include "analysis/feature.h"
#include "analysis/settings.h"
#include "analysis/texture_grid.h"

#include <string>
#include <vector>

namespace radnode::analysis {

// The GLDM features, alphabetical as PyRadiomics lists them; two are deprecated.
const std::vector<FeatureDefinition>& gldmFeatureDefinitions();

// `requested` empty = every non-deprecated feature; a deprecated one only when named, and then,
// as in PyRadiomics, it yields no value but a Diagnostic saying why. An unknown name throws
// std::invalid_argument naming it. Returns bare names ("DependenceEntropy").
FeatureList computeGldm(const DiscretizedRoi& roi, const Settings& settings,
                        const std::vector<std::string>& requested, DiagnosticList& diagnostics);

// The same on a texture grid already built for these settings (makeTextureGrid(roi, settings)),
// so that the five texture classes of one extraction share it.
FeatureList computeGldmOnGrid(const TextureGrid& grid, const Settings& settings,
                              const std::vector<std::string>& requested, DiagnosticList& diagnostics);

} // namespace radnode::analysis
