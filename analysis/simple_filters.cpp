#include "analysis/simple_filters.h"

#include <algorithm>
#include <cmath>

namespace radnode::analysis {

namespace {

double largestMagnitude(const std::vector<double>& values) {
    double largest = 0.0;
    for (double v : values) largest = std::max(largest, std::abs(v));
    return largest;
}

// Same grid; PyRadiomics' results are float64 whatever the input type.
Image likeWithValues(const Image& image, std::vector<double> values) {
    Image out;
    out.geometry = image.geometry;
    out.voxels = std::move(values);
    out.storedType = StoredType::Float64;
    return out;
}

} // namespace

Image squareImage(const Image& image) {
    const double coefficient = 1.0 / std::sqrt(largestMagnitude(image.voxels));
    std::vector<double> values(image.voxels.size());
    for (std::size_t i = 0; i < values.size(); ++i) {
        const double scaled = coefficient * image.voxels[i];
        values[i] = scaled * scaled;
    }
    return likeWithValues(image, std::move(values));
}

Image squareRootImage(const Image& image) {
    const double coefficient = largestMagnitude(image.voxels);
    std::vector<double> values = image.voxels;
    for (double& v : values) {
        if (v > 0) {
            v = std::sqrt(v * coefficient);
        } else if (v < 0) {
            v = -std::sqrt(-v * coefficient);
        }
    }
    return likeWithValues(image, std::move(values));
}

Image logarithmImage(const Image& image) {
    const double originalMax = largestMagnitude(image.voxels);
    std::vector<double> values = image.voxels;
    for (double& v : values) {
        if (v > 0) {
            v = std::log(v + 1.0);
        } else if (v < 0) {
            v = -std::log(-(v - 1.0));
        }
    }
    const double ratio = originalMax / largestMagnitude(values);
    for (double& v : values) v *= ratio;
    return likeWithValues(image, std::move(values));
}

Image exponentialImage(const Image& image) {
    const double largest = largestMagnitude(image.voxels);
    const double coefficient = std::log(largest) / largest;
    std::vector<double> values(image.voxels.size());
    for (std::size_t i = 0; i < values.size(); ++i) values[i] = std::exp(coefficient * image.voxels[i]);
    return likeWithValues(image, std::move(values));
}

} // namespace radnode::analysis
