// Masks grown or shrunk by a physical margin: the segmentation perturbations a robustness
// check re-extracts with (a reader's contour drawn one pixel wider or narrower).
#pragma once

#include "analysis/image.h"

namespace radnode::analysis {

// The smallest pixel spacing (mm) in the plane (x, y) or, when !inPlane, over all axes: the
// margin meaning "one pixel".
double onePixelMm(const Geometry& geometry, bool inPlane);

// Voxels within `marginMm` (Euclidean, between voxel centres) of the mask, on the same grid.
Mask dilateMask(const Mask& mask, double marginMm, bool inPlane);
// Mask voxels farther than `marginMm` from every voxel outside the mask. May be empty.
Mask erodeMask(const Mask& mask, double marginMm, bool inPlane);

} // namespace radnode::analysis
