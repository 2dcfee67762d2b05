#include "analysis/peritumoral.h"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <random>
#include <stdexcept>

using namespace radnode::analysis;

namespace {

const double kPi = std::acos(-1.0);

Mask emptyMask(std::array<std::size_t, 3> size, std::array<double, 3> spacing) {
    Mask mask;
    mask.geometry.size = size;
    mask.geometry.spacing = spacing;
    mask.voxels.assign(mask.geometry.voxelCount(), 0);
    return mask;
}

// A disc of `radiusMm` around the grid centre, in physical space.
Mask disc(std::array<std::size_t, 3> size, std::array<double, 3> spacing, double radiusMm) {
    Mask mask = emptyMask(size, spacing);
    const double cx = (static_cast<double>(size[0]) - 1) / 2 * spacing[0];
    const double cy = (static_cast<double>(size[1]) - 1) / 2 * spacing[1];
    for (std::size_t z = 0; z < size[2]; ++z) {
        for (std::size_t y = 0; y < size[1]; ++y) {
            for (std::size_t x = 0; x < size[0]; ++x) {
                const double dx = static_cast<double>(x) * spacing[0] - cx;
                const double dy = static_cast<double>(y) * spacing[1] - cy;
                if (dx * dx + dy * dy <= radiusMm * radiusMm) mask.voxels[mask.geometry.offset(x, y, z)] = 1;
            }
        }
    }
    return mask;
}

double sliceArea(const Mask& mask, std::size_t z) {
    std::size_t count = 0;
    const std::size_t sliceSize = mask.geometry.size[0] * mask.geometry.size[1];
    for (std::size_t i = 0; i < sliceSize; ++i) count += mask.voxels[z * sliceSize + i];
    return static_cast<double>(count) * mask.geometry.spacing[0] * mask.geometry.spacing[1];
}

const NamedRoi& find(const std::vector<NamedRoi>& rois, const std::string& name) {
    for (const auto& roi : rois) {
        if (roi.name == name) return roi;
    }
    FAIL("no ROI named " << name);
    return rois.front();
}

// Brute force: squared distance from each voxel to the nearest ROI voxel.
std::vector<double> bruteForce(const Mask& roi, bool inPlane) {
    const auto& g = roi.geometry;
    std::vector<double> out(g.voxelCount(), std::numeric_limits<double>::infinity());
    for (std::size_t z = 0; z < g.size[2]; ++z)
        for (std::size_t y = 0; y < g.size[1]; ++y)
            for (std::size_t x = 0; x < g.size[0]; ++x)
                for (std::size_t zz = 0; zz < g.size[2]; ++zz)
                    for (std::size_t yy = 0; yy < g.size[1]; ++yy)
                        for (std::size_t xx = 0; xx < g.size[0]; ++xx) {
                            if (!roi.voxels[g.offset(xx, yy, zz)] || (inPlane && zz != z)) continue;
                            const double dx = (static_cast<double>(x) - static_cast<double>(xx)) * g.spacing[0];
                            const double dy = (static_cast<double>(y) - static_cast<double>(yy)) * g.spacing[1];
                            const double dz = (static_cast<double>(z) - static_cast<double>(zz)) * g.spacing[2];
                            double& best = out[g.offset(x, y, z)];
                            best = std::min(best, dx * dx + dy * dy + dz * dz);
                        }
    return out;
}

} // namespace

TEST_CASE("a disc dilated by d mm has the area of a disc of radius r + d, with anisotropic pixels") {
    const std::array<double, 3> spacing{0.1, 0.15, 1.0};
    const double radius = 4.0;
    const Mask tumour = disc({260, 180, 1}, spacing, radius);
    const auto rois = peritumoralRois(tumour, {3, 5, 2.5}, /*inPlane=*/true);
    REQUIRE(rois.size() == 7);
    CHECK(rois[0].name == "tumor");
    CHECK(rois[1].name == "ring-3mm");
    CHECK(rois[2].name == "tumor+3mm");
    CHECK(rois[5].name == "ring-2.5mm");
    CHECK(rois[6].name == "tumor+2.5mm");

    const double pixelDiagonal = std::hypot(spacing[0], spacing[1]);
    for (const double d : {3.0, 5.0, 2.5}) {
        const std::string label = formatDistanceMm(d);
        const double grown = sliceArea(find(rois, "tumor+" + label + "mm").mask, 0);
        const double expected = kPi * (radius + d) * (radius + d);
        // Within one ring of pixels around the circumference.
        CHECK(std::abs(grown - expected) <= 2 * kPi * (radius + d) * pixelDiagonal);
        const double ring = sliceArea(find(rois, "ring-" + label + "mm").mask, 0);
        CHECK(ring == doctest::Approx(grown - sliceArea(tumour, 0)));
    }
}

TEST_CASE("the distance transform is exact against brute force, in 3D and in-plane") {
    std::mt19937 random(7);
    Mask roi = emptyMask({9, 7, 5}, {0.7, 1.3, 2.1});
    std::bernoulli_distribution seed(0.04);
    for (auto& v : roi.voxels) v = seed(random) ? 1 : 0;
    roi.voxels[roi.geometry.offset(4, 3, 2)] = 1;
    for (const bool inPlane : {false, true}) {
        const auto fast = squaredDistanceToRoi(roi, inPlane);
        const auto slow = bruteForce(roi, inPlane);
        for (std::size_t i = 0; i < fast.size(); ++i) {
            if (std::isinf(slow[i])) {
                CHECK(std::isinf(fast[i]));
            } else {
                CHECK(fast[i] == doctest::Approx(slow[i]).epsilon(1e-12));
            }
        }
    }
}

TEST_CASE("3D rings reach across slices, in-plane rings do not") {
    Mask tumour = emptyMask({11, 11, 9}, {1.0, 1.0, 2.0});
    tumour.voxels[tumour.geometry.offset(5, 5, 4)] = 1;
    const auto volumetric = peritumoralRois(tumour, {2}, false);
    const auto& ring3d = find(volumetric, "ring-2mm").mask;
    CHECK(ring3d.voxels[tumour.geometry.offset(5, 5, 5)] == 1); // 2 mm above
    CHECK(ring3d.voxels[tumour.geometry.offset(5, 6, 5)] == 0); // sqrt(5) mm
    CHECK(ring3d.voxels[tumour.geometry.offset(5, 5, 4)] == 0); // the tumour itself
    CHECK(ring3d.count() == 12 + 2); // in-plane: 4 at 1 mm, 4 at 1.41 mm, 4 at 2 mm; then above, below

    const auto planar = peritumoralRois(tumour, {2}, true);
    const auto& ring2d = find(planar, "ring-2mm").mask;
    CHECK(ring2d.voxels[tumour.geometry.offset(5, 5, 5)] == 0);
    CHECK(ring2d.count() == 12);
}

TEST_CASE("rings stop at the image border and at the tissue mask") {
    Mask tumour = emptyMask({10, 10, 1}, {1.0, 1.0, 1.0});
    tumour.voxels[tumour.geometry.offset(0, 0, 0)] = 1;
    const auto rois = peritumoralRois(tumour, {1}, false);
    CHECK(find(rois, "ring-1mm").mask.count() == 2); // (1,0) and (0,1): the rest is off the image

    Mask tissue = emptyMask({10, 10, 1}, {1.0, 1.0, 1.0});
    tissue.voxels[tissue.geometry.offset(1, 0, 0)] = 1;
    const auto clipped = peritumoralRois(tumour, {1}, false, &tissue);
    CHECK(find(clipped, "ring-1mm").mask.count() == 1);
    CHECK(find(clipped, "tumor+1mm").mask.count() == 2);
}

TEST_CASE("peritumoral input errors name the problem") {
    Mask empty = emptyMask({4, 4, 1}, {1, 1, 1});
    CHECK_THROWS_WITH_AS(peritumoralRois(empty, {3}, true), doctest::Contains("empty"), std::invalid_argument);
    Mask tumour = empty;
    tumour.voxels[0] = 1;
    CHECK_THROWS_WITH_AS(peritumoralRois(tumour, {0}, true), doctest::Contains("positive"), std::invalid_argument);
    Mask other = emptyMask({5, 4, 1}, {1, 1, 1});
    CHECK_THROWS_AS(peritumoralRois(tumour, {1}, true, &other), std::invalid_argument);
    CHECK(formatDistanceMm(10) == "10");
    CHECK(formatDistanceMm(2.5) == "2.5");
    CHECK(formatDistanceMm(0.25) == "0.25");
}
