#include "analysis/log_filter.h"

#include "analysis/itk_bridge.h"

#include <itkImage.h>
#include <itkImageRegionConstIterator.h>
#include <itkLaplacianRecursiveGaussianImageFilter.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace radnode::analysis {

namespace {

using InputImage = itk::Image<double, 3>;
using OutputImage = itk::Image<float, 3>; // SimpleITK's LaplacianRecursiveGaussian output type


} // namespace

std::string laplacianOfGaussianName(double sigma) {
    // Python's repr: the shortest digits that read back to the same double, in fixed notation
    // unless the decimal exponent is below -4 or above 15; a whole number keeps its ".0".
    char buffer[64];
    int precision = 1;
    for (; precision <= 17; ++precision) {
        std::snprintf(buffer, sizeof buffer, "%.*e", precision - 1, sigma);
        if (std::strtod(buffer, nullptr) == sigma) break;
    }
    const std::string scientific = buffer;
    const std::size_t e = scientific.find('e');
    const int exponent = std::atoi(scientific.c_str() + e + 1);
    std::string text;
    if (exponent < -4 || exponent >= 16) {
        text = scientific.substr(0, e) + (exponent < 0 ? "e-" : "e+") +
               (std::abs(exponent) < 10 ? "0" : "") + std::to_string(std::abs(exponent));
    } else {
        const int decimals = std::max(0, precision - 1 - exponent);
        std::snprintf(buffer, sizeof buffer, "%.*f", decimals, sigma);
        text = buffer;
        if (text.find('.') == std::string::npos) text += ".0";
    }
    for (char& c : text) {
        if (c == '.') c = '-';
    }
    return "log-sigma-" + text + "-mm-3D";
}

Image laplacianOfGaussian(const Image& image, double sigma) {
    if (!(sigma > 0.0)) throw std::invalid_argument("LoG sigma must be positive, got " + std::to_string(sigma));
    using Filter = itk::LaplacianRecursiveGaussianImageFilter<InputImage, OutputImage>;
    auto filter = Filter::New();
    filter->SetInput(itkbridge::toItk<InputImage>(image));
    filter->SetSigma(sigma);
    filter->SetNormalizeAcrossScale(true);
    try {
        filter->Update();
    } catch (const itk::ExceptionObject& error) {
        throw std::runtime_error("LoG with sigma " + std::to_string(sigma) + " failed: " + error.GetDescription());
    }
    Image out;
    out.geometry = image.geometry;
    out.storedType = StoredType::Float32;
    const float* values = filter->GetOutput()->GetBufferPointer();
    out.voxels.assign(values, values + image.geometry.voxelCount());
    return out;
}

std::vector<DerivedImage> laplacianOfGaussianImages(const Image& image, const std::vector<double>& sigmas) {
    std::vector<DerivedImage> derived;
    const auto& size = image.geometry.size;
    if (std::min({size[0], size[1], size[2]}) < 4) return derived; // PyRadiomics: "Image too small"
    for (double sigma : sigmas) {
        if (!(sigma > 0.0)) continue;
        bool fits = true;
        for (int a = 0; a < 3; ++a) {
            fits = fits && static_cast<double>(size[a]) >= std::ceil(sigma / image.geometry.spacing[a]) + 1.0;
        }
        if (!fits) continue;
        derived.push_back({laplacianOfGaussianName(sigma), laplacianOfGaussian(image, sigma)});
    }
    return derived;
}

} // namespace radnode::analysis
