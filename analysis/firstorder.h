// PyRadiomics' first-order feature class (radiomics/firstorder.py): statistics of the ROI
// intensities, plus entropy and uniformity of the discretised histogram.
#pragma once

#include "analysis/discretization.h"
#include "analysis/feature.h"
#include "analysis/image.h"
#include "analysis/settings.h"

#include <cstdint>
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
// extractor discretises once for first order and texture; with `sortedIntensities` (the ROI's
// intensities sorted ascending, from sortedIntensitiesPerRoi) when several ROIs share one sort.
FeatureList computeFirstOrder(const Image& image, const Mask& mask, const DiscretizedRoi& discretized,
                              const Settings& settings, const std::vector<std::string>& requested,
                              DiagnosticList& diagnostics, const std::vector<double>* sortedIntensities = nullptr);

// The intensities of each of several ROIs on one image, sorted ascending, from one sort of the
// voxels any of them covers: `values` are those voxels' intensities (any order) and bit r of
// `roiBits` (r < 32) is set where the voxel lies in ROI r. Equal to sorting each ROI's intensities
// on its own, for a fraction of the work when the ROIs overlap (a tumour and its rings). Returns
// no lists when the values hold few (at most 1,024) distinct values: computeFirstOrder then
// sorts each ROI by counting, which is cheaper.
std::vector<std::vector<double>> sortedIntensitiesPerRoi(const std::vector<double>& values,
                                                         const std::vector<std::uint32_t>& roiBits, std::size_t roiCount);

} // namespace radnode::analysis
