// PyRadiomics' "LoG" image type: ITK's recursive-Gaussian Laplacian of Gaussian, normalised
// across scale, in float as SimpleITK returns it (imageoperations.getLoGImage).
#pragma once

#include "analysis/image.h"
#include "analysis/image_types.h"

#include <string>
#include <vector>

namespace radnode::analysis {

// One "log-sigma-<sigma>-mm-3D" image per sigma (mm), in the given order. Like PyRadiomics, an
// image smaller than 4 voxels along any axis yields nothing, and a sigma is skipped when it is not
// positive or when some axis has fewer than ceil(sigma / spacing) + 1 voxels. The filter is always
// 3D: PyRadiomics' LoG has no 2D variant, force2D does not change it.
std::vector<DerivedImage> laplacianOfGaussianImages(const Image& image, const std::vector<double>& sigmas);

// sigma^2 * (d2/dx2 + d2/dy2 + d2/dz2) of the Gaussian-smoothed image, rounded to float.
Image laplacianOfGaussian(const Image& image, double sigma);

// "log-sigma-3-0-mm-3D" for 3.0: Python's repr of the float with '.' replaced by '-'.
std::string laplacianOfGaussianName(double sigma);

} // namespace radnode::analysis
