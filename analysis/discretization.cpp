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

// digitize() for many values against one set of edges: the bin is guessed from the edges'
// mean spacing (they are evenly spaced, up to rounding, for both binWidth and binCount) and
// then moved until edges[level - 1] <= value < edges[level], so the result is digitize's even
// where the guess is off by one.
class EdgeSearch {
public:
    explicit EdgeSearch(const std::vector<double>& edges) : edges_(edges) {
        const double span = edges.back() - edges.front();
        if (edges.size() > 1 && span > 0 && std::isfinite(span)) {
            binsPerUnit_ = static_cast<double>(edges.size() - 1) / span;
        }
    }

    int digitize(double value) const {
        const std::size_t n = edges_.size();
        const double guess = (value - edges_.front()) * binsPerUnit_ + 1.0;
        // NaN, or a value outside the edges: the plain search decides.
        if (!(guess >= 0.0 && guess <= static_cast<double>(n))) return radnode::analysis::digitize(value, edges_);
        auto level = static_cast<std::size_t>(guess);
        while (level > 0 && edges_[level - 1] > value) --level;
        while (level < n && edges_[level] <= value) ++level;
        return static_cast<int>(level);
    }

private:
    const std::vector<double>& edges_;
    double binsPerUnit_ = 0.0; // 0 leaves every guess at 1, still corrected by the walk
};

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
    // The edges depend on the ROI's minimum and maximum alone.
    bool any = false;
    double minimum = 0.0, maximum = 0.0;
    for (std::size_t i = 0; i < mask.voxels.size(); ++i) {
        if (!mask.voxels[i]) continue;
        const double value = image.voxels[i];
        if (!any || value < minimum) minimum = value;
        if (!any || value > maximum) maximum = value;
        any = true;
    }
    DiscretizedRoi roi;
    roi.geometry = mask.geometry;
    roi.mask = mask.voxels;
    roi.edges = any ? binEdges({minimum, maximum}, settings) : binEdges({}, settings);
    roi.levels.assign(mask.voxels.size(), 0);
    // Levels run from 0 to edges.size(): a flag per level instead of a set per voxel.
    std::vector<std::uint8_t> present(roi.edges.size() + 1, 0);
    const EdgeSearch search(roi.edges);
    for (std::size_t i = 0; i < mask.voxels.size(); ++i) {
        if (!mask.voxels[i]) continue;
        const int level = search.digitize(image.voxels[i]);
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
