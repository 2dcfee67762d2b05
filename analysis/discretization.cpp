#include "analysis/discretization.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace radnode::analysis {

namespace {

// Python's float modulo: the result takes the sign of the divisor.
double pythonModulo(double value, double divisor) {
    double mod = std::fmod(value, divisor);
    if (mod != 0.0) {
        if ((divisor < 0) != (mod < 0)) mod += divisor;
    } else {
        mod = std::copysign(0.0, divisor);
    }
    return mod;
}

// numpy.arange(start, stop, step) for doubles: length ceil((stop-start)/step), values
// start + i * ((start + step) - start), the way numpy fills the array.
std::vector<double> numpyArange(double start, double stop, double step) {
    const double count = std::ceil((stop - start) / step);
    std::vector<double> values;
    if (count <= 0) return values;
    const double delta = (start + step) - start;
    values.reserve(static_cast<std::size_t>(count));
    for (std::size_t i = 0; i < static_cast<std::size_t>(count); ++i) {
        values.push_back(i == 0 ? start : start + static_cast<double>(i) * delta);
    }
    return values;
}

// numpy.histogram(values, bins)[1]: linspace over [min, max], widened by 0.5 when flat.
std::vector<double> numpyHistogramEdges(double minimum, double maximum, int bins) {
    if (minimum == maximum) {
        minimum -= 0.5;
        maximum += 0.5;
    }
    std::vector<double> edges(static_cast<std::size_t>(bins) + 1);
    const double step = (maximum - minimum) / bins;
    for (int i = 0; i <= bins; ++i) edges[static_cast<std::size_t>(i)] = static_cast<double>(i) * step + minimum;
    edges.back() = maximum;
    return edges;
}

} // namespace

std::vector<double> binEdges(const std::vector<double>& roiValues, const Settings& settings) {
    if (roiValues.empty()) throw std::invalid_argument("cannot discretise an empty ROI");
    const auto [minIt, maxIt] = std::minmax_element(roiValues.begin(), roiValues.end());
    const double minimum = *minIt;
    const double maximum = *maxIt;
    if (settings.binCount) {
        if (*settings.binCount < 1) throw std::invalid_argument("setting binCount must be at least 1");
        auto edges = numpyHistogramEdges(minimum, maximum, *settings.binCount);
        edges.back() += 1.0; // so that numpy.digitize puts the maximum in the top bin
        return edges;
    }
    const double width = settings.binWidth;
    if (!(width > 0)) throw std::invalid_argument("setting binWidth must be positive");
    const double lowBound = minimum - pythonModulo(minimum, width);
    const double highBound = maximum + 2.0 * width;
    auto edges = numpyArange(lowBound, highBound, width);
    if (edges.size() == 1) edges = {edges[0] - 0.5, edges[0] + 0.5}; // flat region: one bin
    return edges;
}

int digitize(double value, const std::vector<double>& edges) {
    // Index of the first edge strictly greater than value.
    return static_cast<int>(std::upper_bound(edges.begin(), edges.end(), value) - edges.begin());
}

DiscretizedRoi discretize(const Image& image, const Mask& mask, const Settings& settings) {
    if (image.geometry.size != mask.geometry.size || image.voxels.size() != mask.voxels.size()) {
        throw std::invalid_argument("image and mask grids differ in size");
    }
    std::vector<double> roiValues;
    for (std::size_t i = 0; i < mask.voxels.size(); ++i) {
        if (mask.voxels[i]) roiValues.push_back(image.voxels[i]);
    }
    DiscretizedRoi roi;
    roi.geometry = mask.geometry;
    roi.mask = mask.voxels;
    roi.edges = binEdges(roiValues, settings);
    roi.levels.assign(mask.voxels.size(), 0);
    // Levels run from 0 to edges.size(): a flag per level instead of a set per voxel.
    std::vector<std::uint8_t> present(roi.edges.size() + 1, 0);
    for (std::size_t i = 0; i < mask.voxels.size(); ++i) {
        if (!mask.voxels[i]) continue;
        const int level = digitize(image.voxels[i], roi.edges);
        roi.levels[i] = level;
        present[static_cast<std::size_t>(level)] = 1;
    }
    for (std::size_t level = 0; level < present.size(); ++level) {
        if (present[level]) roi.presentLevels.push_back(static_cast<int>(level));
    }
    roi.maxLevel = roi.presentLevels.empty() ? 0 : roi.presentLevels.back();
    return roi;
}

} // namespace radnode::analysis
