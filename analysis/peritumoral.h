// Peritumoral ROIs: rings of tissue a fixed physical distance around a tumour, and the tumour
// with its ring, as published DBT and ultrasound radiomics studies define them (3, 5, 10 mm).
#pragma once

#include "analysis/image.h"

#include <string>
#include <vector>

namespace radnode::analysis {

struct NamedRoi {
    std::string name; // "tumor", "ring-5mm", "tumor+5mm"
    Mask mask;
};

// "tumor", then for each distance d (mm) "ring-<d>mm" (voxels whose centre lies at a Euclidean
// distance 0 < dist <= d from the nearest tumour voxel centre, in physical space) and
// "tumor+<d>mm" (tumour and ring). Distances are measured within each slice when `inPlane` is
// set or the image has one slice, in 3D otherwise. Rings never leave the image grid and, when
// `tissue` is given (same grid), are clipped to it. Throws std::invalid_argument on an empty
// tumour, a distance that is not positive, or a tissue mask on another grid.
std::vector<NamedRoi> peritumoralRois(const Mask& tumour, const std::vector<double>& distancesMm, bool inPlane,
                                      const Mask* tissue = nullptr);

// Squared physical distance (mm^2) from every voxel centre to the nearest ROI voxel centre:
// 0 inside the ROI, +infinity where the ROI is unreachable (an empty ROI, or another slice
// when `inPlane`). Exact, separable (Felzenszwalb & Huttenlocher), linear in voxels.
std::vector<double> squaredDistanceToRoi(const Mask& roi, bool inPlane);

// A distance as ROI names print it: no trailing zeros ("3", "2.5", "10").
std::string formatDistanceMm(double distanceMm);

} // namespace radnode::analysis
