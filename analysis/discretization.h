// Grey-level discretisation exactly as PyRadiomics' imageoperations.getBinEdges/binImage:
// fixed bin width anchored at a multiple of the width, or a fixed bin count (numpy
// histogram edges), then numpy.digitize, so bins are half-open and start at 1.
#pragma once

#include "analysis/image.h"
#include "analysis/settings.h"

#include <vector>

namespace radnode::analysis {

// Bin edges for the ROI intensities, as numpy would produce them.
std::vector<double> binEdges(const std::vector<double>& roiValues, const Settings& settings);

// numpy.digitize(value, edges) for increasing edges: i such that edges[i-1] <= v < edges[i].
int digitize(double value, const std::vector<double>& edges);

// The ROI of an image, discretised: what every texture class starts from.
struct DiscretizedRoi {
    Geometry geometry;               // the grid of `levels` and `mask`
    std::vector<int> levels;         // grey level per voxel: 1..maxLevel inside, 0 outside
    std::vector<std::uint8_t> mask;  // 1 inside the ROI
    std::vector<int> presentLevels;  // sorted distinct levels inside the ROI
    int maxLevel = 0;                // PyRadiomics' Ng
    std::vector<double> edges;       // the bin edges used
};

// `image` and `mask` share one grid (usually cropped to the ROI's bounding box).
DiscretizedRoi discretize(const Image& image, const Mask& mask, const Settings& settings);

} // namespace radnode::analysis
