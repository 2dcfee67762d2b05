// Which PyRadiomics feature names an extraction configuration produces, so a model whose
// inputs the node never computes is refused when it is loaded, not when a study arrives.
#pragma once

#include "analysis/settings.h"

#include <string>
#include <vector>

namespace radnode::analysis {

// Every feature name (image type x feature class x feature) `params` gives, for a 2D image
// (force2D: shape becomes shape2D, two-letter wavelet bands) or a volume. Derived-image names
// follow PyRadiomics ("original", "wavelet-HLH", "log-sigma-3-0-mm-3D", "lbp-3D-m1", ...).
std::vector<std::string> featureNames(const ExtractionParams& params, bool twoDimensional);

// Empty when `name` is among featureNames(params, true) or featureNames(params, false); else why not,
// e.g. "image type 'wavelet-HLH' is not enabled (enabled: original)".
std::string featureNameError(const std::string& name, const ExtractionParams& params);

// `params` reduced to what computes `names` (image types and classes they need, each class
// limited to the named features): a cheap re-extraction of a model's inputs. Names `params`
// does not produce are left out.
ExtractionParams paramsComputing(const ExtractionParams& params, const std::vector<std::string>& names,
                                 bool twoDimensional);

} // namespace radnode::analysis
