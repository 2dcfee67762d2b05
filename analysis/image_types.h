// PyRadiomics image types: the derived images each enabled image type ("Original", "Wavelet",
// "LoG", ...) contributes, named and ordered as PyRadiomics' imageoperations.get<Type>Image yields them.
#pragma once

#include "analysis/image.h"
#include "analysis/settings.h"

#include <string>
#include <vector>

namespace radnode::analysis {

struct DerivedImage {
    std::string name; // PyRadiomics image-type prefix: "original", "wavelet-HLH", "log-sigma-3-0-mm-3D", "square", "lbp-3D-k", ...
    Image image;
};

// Every derived image the PyRadiomics generator for `spec.name` ("Original", "Wavelet", "LoG",
// "Square", "SquareRoot", "Logarithm", "Exponential", "Gradient", "LBP2D", "LBP3D") yields, in
// PyRadiomics' order, using spec.settings. `mask` is given for generators that need it.
// Unknown type or bad setting -> std::invalid_argument naming it.
std::vector<DerivedImage> deriveImages(const ImageTypeSpec& spec, const Image& image, const Mask& mask);

} // namespace radnode::analysis
