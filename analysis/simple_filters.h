// PyRadiomics' intensity-mapping image types (imageoperations.getSquareImage and friends):
// voxel-wise maps rescaled by the image's largest absolute intensity, computed as PyRadiomics does.
#pragma once

#include "analysis/image.h"

namespace radnode::analysis {

// (x / sqrt(m))^2 with m = max |x|: back on the original range; signs are not kept.
Image squareImage(const Image& image);
// sign(x) * sqrt(|x| * m): back on the original range, sign kept.
Image squareRootImage(const Image& image);
// sign(x) * log(|x| + 1), then rescaled so the largest absolute value is m again.
Image logarithmImage(const Image& image);
// exp(x * log(m) / m): maps m to m.
Image exponentialImage(const Image& image);

// An all-zero image has m = 0; like PyRadiomics (numpy) the results are then NaN where they divide by it.

} // namespace radnode::analysis
