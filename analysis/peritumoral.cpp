#include "analysis/peritumoral.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>

namespace radnode::analysis {

namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

// One pass of the Felzenszwalb-Huttenlocher transform along a line of `count` samples
// `stride` apart, `spacing` mm apart: out(p) = min_q in(q) + (spacing * (p - q))^2.
// The lower envelope of the parabolas rooted at the finite samples is built once, then read.
struct LinePass {
    std::vector<double> line;
    std::vector<std::size_t> roots;   // sample index of each envelope parabola
    std::vector<double> boundaries;   // where parabola k starts to be the lowest (index units)

    void run(double* first, std::size_t count, std::size_t stride, double spacing) {
        line.resize(count);
        roots.resize(count);
        boundaries.resize(count + 1);
        for (std::size_t i = 0; i < count; ++i) line[i] = first[i * stride];

        const double w2 = spacing * spacing;
        const auto intersection = [&](std::size_t a, std::size_t b) { // a < b, both finite
            const double da = static_cast<double>(a);
            const double db = static_cast<double>(b);
            return ((line[b] + w2 * db * db) - (line[a] + w2 * da * da)) / (2.0 * w2 * (db - da));
        };

        std::ptrdiff_t k = -1;
        for (std::size_t q = 0; q < count; ++q) {
            if (line[q] == kInfinity) continue;
            double start = -kInfinity;
            while (k >= 0) {
                start = intersection(roots[static_cast<std::size_t>(k)], q);
                if (start <= boundaries[static_cast<std::size_t>(k)]) {
                    --k;
                } else {
                    break;
                }
            }
            if (k < 0) start = -kInfinity;
            ++k;
            roots[static_cast<std::size_t>(k)] = q;
            boundaries[static_cast<std::size_t>(k)] = start;
        }
        if (k < 0) return; // no finite sample: the line stays at infinity
        boundaries[static_cast<std::size_t>(k) + 1] = kInfinity;

        std::size_t envelope = 0;
        for (std::size_t p = 0; p < count; ++p) {
            const double position = static_cast<double>(p);
            while (boundaries[envelope + 1] < position) ++envelope;
            const double offset = spacing * (position - static_cast<double>(roots[envelope]));
            first[p * stride] = offset * offset + line[roots[envelope]];
        }
    }
};

// Squared distances on the grid `geometry` (a box of the full grid, or the grid itself),
// seeded with 0 where `inside` is set.
std::vector<double> squaredDistance(const Geometry& geometry, const std::vector<std::uint8_t>& inside, bool inPlane) {
    const auto& size = geometry.size;
    std::vector<double> distance(inside.size());
    std::transform(inside.begin(), inside.end(), distance.begin(), [](std::uint8_t v) { return v ? 0.0 : kInfinity; });

    LinePass pass;
    const std::size_t sliceSize = size[0] * size[1];
    for (std::size_t z = 0; z < size[2]; ++z) {
        for (std::size_t y = 0; y < size[1]; ++y) {
            pass.run(&distance[geometry.offset(0, y, z)], size[0], 1, geometry.spacing[0]);
        }
        for (std::size_t x = 0; x < size[0]; ++x) {
            pass.run(&distance[geometry.offset(x, 0, z)], size[1], size[0], geometry.spacing[1]);
        }
    }
    if (!inPlane && size[2] > 1) {
        for (std::size_t i = 0; i < sliceSize; ++i) pass.run(&distance[i], size[2], sliceSize, geometry.spacing[2]);
    }
    return distance;
}

} // namespace

std::vector<double> squaredDistanceToRoi(const Mask& roi, bool inPlane) {
    if (roi.voxels.size() != roi.geometry.voxelCount()) {
        throw std::invalid_argument("mask has " + std::to_string(roi.voxels.size()) + " voxels for a grid of " +
                                    std::to_string(roi.geometry.voxelCount()));
    }
    return squaredDistance(roi.geometry, roi.voxels, inPlane);
}

std::string formatDistanceMm(double distanceMm) {
    char text[64];
    std::snprintf(text, sizeof text, "%.6f", distanceMm);
    std::string out = text;
    out.erase(out.find_last_not_of('0') + 1);
    if (!out.empty() && out.back() == '.') out.pop_back();
    return out;
}

std::vector<NamedRoi> peritumoralRois(const Mask& tumour, const std::vector<double>& distancesMm, bool inPlane,
                                      const Mask* tissue) {
    const Geometry& geometry = tumour.geometry;
    if (tumour.voxels.size() != geometry.voxelCount()) {
        throw std::invalid_argument("tumour mask has " + std::to_string(tumour.voxels.size()) +
                                    " voxels for a grid of " + std::to_string(geometry.voxelCount()));
    }
    if (tissue && (!tissue->geometry.sameGrid(geometry) || tissue->voxels.size() != tumour.voxels.size())) {
        throw std::invalid_argument("tissue mask is not on the tumour mask's grid");
    }
    const IndexBox tumourBox = boundingBox(tumour);
    if (tumourBox.empty()) throw std::invalid_argument("peritumoral rings need a tumour, and the tumour mask is empty");
    double largest = 0.0;
    for (const double d : distancesMm) {
        if (!(d > 0.0) || !std::isfinite(d)) {
            throw std::invalid_argument("peritumoral ring distance must be a positive number of mm, got " +
                                        std::to_string(d));
        }
        largest = std::max(largest, d);
    }
    const bool perSlice = inPlane || geometry.size[2] == 1;

    // Only the tumour's box grown by the largest ring can hold ring voxels; every tumour voxel
    // lies in that box, so distances computed inside it are exact.
    IndexBox box = tumourBox;
    for (int a = 0; a < 3; ++a) {
        if (a == 2 && perSlice) continue;
        const double reach = std::ceil(largest / geometry.spacing[a]);
        const auto pad = static_cast<std::size_t>(std::min(reach, static_cast<double>(geometry.size[a])));
        box.lower[a] = box.lower[a] > pad ? box.lower[a] - pad : 0;
        box.upper[a] = std::min(geometry.size[a], box.upper[a] + pad);
    }
    const Mask tumourInBox = crop(tumour, box);
    const auto boxDistance = squaredDistance(tumourInBox.geometry, tumourInBox.voxels, perSlice);

    std::vector<NamedRoi> rois;
    rois.push_back({"tumor", tumour});
    for (const double d : distancesMm) {
        // A relative slack keeps voxels lying exactly at d despite rounding (30 x 0.1 mm).
        const double limit = d * d * (1.0 + 1e-9);
        Mask ring{geometry, std::vector<std::uint8_t>(tumour.voxels.size(), 0)};
        Mask grown = tumour;
        std::size_t i = 0;
        for (std::size_t z = box.lower[2]; z < box.upper[2]; ++z) {
            for (std::size_t y = box.lower[1]; y < box.upper[1]; ++y) {
                for (std::size_t x = box.lower[0]; x < box.upper[0]; ++x, ++i) {
                    const double distance = boxDistance[i];
                    if (!(distance > 0.0) || distance > limit) continue;
                    const std::size_t offset = geometry.offset(x, y, z);
                    if (tissue && !tissue->voxels[offset]) continue;
                    ring.voxels[offset] = 1;
                    grown.voxels[offset] = 1;
                }
            }
        }
        const std::string label = formatDistanceMm(d);
        rois.push_back({"ring-" + label + "mm", std::move(ring)});
        rois.push_back({"tumor+" + label + "mm", std::move(grown)});
    }
    return rois;
}

} // namespace radnode::analysis
