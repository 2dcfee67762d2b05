// PyRadiomics' "Gradient" image type: ITK's gradient magnitude (central differences, zero-flux
// borders), in float as SimpleITK's GradientMagnitudeImageFilter returns it.
#pragma once

#include "analysis/image.h"

namespace radnode::analysis {

// useSpacing = PyRadiomics' gradientUseSpacing: differences per mm instead of per voxel.
Image gradientMagnitudeImage(const Image& image, bool useSpacing);

} // namespace radnode::analysis
