// PyRadiomics' first-order feature class (radiomics/firstorder.py): statistics of the ROI
// intensities, plus entropy and uniformity of the discretised histogram.
#pragma once

#include "analysis/discretization.h"
#include "analysis/feature.h"
#include "analysis/image.h"
#include "analysis/settings.h"

#include <string>
#include <vector>

namespace radnode::analysis {

// The bare feature names, deprecated StandardDeviation flagged.
const std::vector<FeatureDefinition>& firstOrderFeatures();

// `requested` empty = every non-deprecated feature; a deprecated one is computed only when
// named; an unknown name throws std::invalid_argument naming it. Bare names ("Mean").
// `image` and `mask` share one grid; throws std::invalid_argument when the ROI is empty.
FeatureList computeFirstOrder(const Image& image, const Mask& mask, const Settings& settings,
                              const std::vector<std::string>& requested, DiagnosticList& diagnostics);

// The same with the ROI already discretised (discretize(image, mask, settings)), so that the
// extractor discretises once for first order and texture.
FeatureList computeFirstOrder(const Image& image, const Mask& mask, const DiscretizedRoi& discretized,
                              const Settings& settings, const std::vector<std::string>& requested,
                              DiagnosticList& diagnostics);

} // namespace radnode::analysis
