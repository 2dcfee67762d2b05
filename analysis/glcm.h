// PyRadiomics' grey level co-occurrence matrix class (radiomics/glcm.py): one matrix per
// neighbour direction, each feature averaged over directions unless weightingNorm merges them.
#pragma once

#include "analysis/discretization.h"
#include "analysis/feature.h"
#include "analysis/settings.h"
#include "analysis/texture_grid.h"

#include <string>
#include <vector>

namespace radnode::analysis {

// Every GLCM feature PyRadiomics knows, alphabetical as it lists them; four are deprecated.
const std::vector<FeatureDefinition>& glcmFeatureDefinitions();

// `requested` empty = every non-deprecated feature; a deprecated one only when named, and then,
// as in PyRadiomics, it yields no value but a Diagnostic naming its equivalent. An unknown name
// throws std::invalid_argument naming it. Returns bare names ("Idn").
FeatureList computeGlcm(const DiscretizedRoi& roi, const Settings& settings,
                        const std::vector<std::string>& requested, DiagnosticList& diagnostics);

// The same on a texture grid already built for these settings (makeTextureGrid(roi, settings)),
// so that the five texture classes of one extraction share it.
FeatureList computeGlcmOnGrid(const TextureGrid& grid, const Settings& settings,
                              const std::vector<std::string>& requested, DiagnosticList& diagnostics);

} // namespace radnode::analysis
