// Resampling onto a given grid with ITK's interpolators, the way SimpleITK's
// ResampleImageFilter does it for PyRadiomics: identity transform, 0 outside the input, and
// the result kept in the input's stored pixel type. The grid itself is PyRadiomics' choice
// and is computed in preprocessing.cpp.
#pragma once

#include "analysis/image.h"
#include "analysis/settings.h"

namespace radnode::analysis {

// Interpolators as SimpleITK builds them (B-spline order 3; Gaussian sigma 0.8 x spacing;
// label Gaussian sigma = spacing; windowed sincs radius 5 with zero-flux boundaries). Values
// are then clamped to the stored type's range and truncated toward zero, as ITK casts them.
Image resampleOntoGrid(const Image& image, const Geometry& grid, Interpolator interpolator);

// Nearest neighbour, 0 outside the input.
Mask resampleOntoGrid(const Mask& mask, const Geometry& grid);

} // namespace radnode::analysis
