#include "analysis/preprocessing.h"

#include <doctest/doctest.h>

#include <cmath>
#include <numeric>
#include <stdexcept>

using namespace radnode::analysis;

namespace {

Geometry grid(std::array<std::size_t, 3> size, std::array<double, 3> spacing = {1, 1, 1}) {
    Geometry g;
    g.size = size;
    g.spacing = spacing;
    return g;
}

// Intensity = x + 10 y + 100 z, stored as int16 like PyRadiomics' test images.
Image ramp(const Geometry& g) {
    Image image{g, std::vector<double>(g.voxelCount()), StoredType::Int16};
    for (std::size_t z = 0; z < g.size[2]; ++z)
        for (std::size_t y = 0; y < g.size[1]; ++y)
            for (std::size_t x = 0; x < g.size[0]; ++x)
                image.voxels[g.offset(x, y, z)] = static_cast<double>(x + 10 * y + 100 * z);
    return image;
}

Mask box(const Geometry& g, std::array<std::size_t, 3> lower, std::array<std::size_t, 3> upper) {
    Mask mask{g, std::vector<std::uint8_t>(g.voxelCount(), 0)};
    for (std::size_t z = lower[2]; z < upper[2]; ++z)
        for (std::size_t y = lower[1]; y < upper[1]; ++y)
            for (std::size_t x = lower[0]; x < upper[0]; ++x) mask.voxels[g.offset(x, y, z)] = 1;
    return mask;
}

} // namespace

TEST_CASE("normalisation: (x - mean) / sd with N - 1, outliers clipped before the scale") {
    Image image{grid({4, 1, 1}), {1, 2, 3, 10}};
    Settings settings;
    settings.normalizeScale = 100;
    const double mean = 4.0;
    const double sd = std::sqrt((9.0 + 4.0 + 1.0 + 36.0) / 3.0);
    auto normalised = normalizeImage(image, settings);
    CHECK(normalised.voxels[0] == doctest::Approx(100 * (1 - mean) / sd));
    CHECK(normalised.voxels[3] == doctest::Approx(100 * (10 - mean) / sd));
    CHECK(normalised.storedType == StoredType::Float64);

    settings.removeOutliers = 1.0;
    normalised = normalizeImage(image, settings);
    CHECK(normalised.voxels[3] == doctest::Approx(100.0)); // (10 - 4) / 4.08 > 1 sd: clipped to 1, then scaled
    CHECK(normalised.voxels[1] == doctest::Approx(100 * (2 - mean) / sd));

    Image flat{grid({3, 1, 1}), {5, 5, 5}};
    CHECK_THROWS_AS(normalizeImage(flat, settings), std::invalid_argument);
}

TEST_CASE("re-segmentation in absolute, relative and sigma modes") {
    const Geometry g = grid({6, 1, 1});
    Image image{g, {0, 10, 20, 30, 40, 100}};
    Mask mask{g, {1, 1, 1, 1, 1, 0}};
    Settings settings;
    settings.resegmentRange = {30, 10}; // sorted first, as PyRadiomics does
    CHECK(resegmentMask(image, mask, settings).voxels == std::vector<std::uint8_t>{0, 1, 1, 1, 0, 0});

    settings.resegmentRange = {20}; // lower bound only
    CHECK(resegmentMask(image, mask, settings).voxels == std::vector<std::uint8_t>{0, 0, 1, 1, 1, 0});

    settings.resegmentMode = ResegmentMode::Relative;
    settings.resegmentRange = {0.5}; // half the ROI maximum (40), not the image maximum
    CHECK(resegmentMask(image, mask, settings).voxels == std::vector<std::uint8_t>{0, 0, 1, 1, 1, 0});

    settings.resegmentMode = ResegmentMode::Sigma; // mean 20, population sd sqrt(200) = 14.1
    settings.resegmentRange = {-1, 1};
    CHECK(resegmentMask(image, mask, settings).voxels == std::vector<std::uint8_t>{0, 1, 1, 1, 0, 0});

    settings.resegmentMode = ResegmentMode::Absolute;
    settings.resegmentRange = {39};
    CHECK_THROWS_WITH_AS(resegmentMask(image, mask, settings), doctest::Contains("kept 1 of 5"), std::invalid_argument);
}

TEST_CASE("mask checks: dimensions, size, grid") {
    const Geometry g = grid({5, 5, 5});
    const Image image = ramp(g);
    Settings settings;

    const auto check = checkMask(image, box(g, {1, 1, 2}, {4, 3, 3}), settings);
    CHECK(check.boundingBox.lower == std::array<std::size_t, 3>{1, 1, 2});
    CHECK(check.boundingBox.upper == std::array<std::size_t, 3>{4, 3, 3});
    CHECK(!check.correctedMask);

    CHECK_THROWS_WITH_AS(checkMask(image, box(g, {1, 1, 1}, {2, 2, 2}), settings), doctest::Contains("single voxel"),
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(checkMask(image, box(g, {1, 1, 1}, {4, 2, 2}), settings),
                         doctest::Contains("minimumROIDimensions is 2"), std::invalid_argument);
    settings.minimumROIDimensions = 1;
    CHECK_NOTHROW(checkMask(image, box(g, {1, 1, 1}, {4, 2, 2}), settings));
    settings.minimumROISize = 3; // PyRadiomics wants more than minimumROISize voxels
    CHECK_THROWS_WITH_AS(checkMask(image, box(g, {1, 1, 1}, {4, 2, 2}), settings), doctest::Contains("minimumROISize"),
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(checkMask(image, box(g, {0, 0, 0}, {0, 0, 0}), settings), doctest::Contains("no ROI"),
                         std::invalid_argument);

    Geometry shifted = g;
    shifted.origin[0] = 0.5;
    const Mask apart = box(shifted, {1, 1, 1}, {3, 3, 3});
    CHECK_THROWS_WITH_AS(checkMask(image, apart, Settings{}), doctest::Contains("correctMask"), std::invalid_argument);
    Settings correcting;
    correcting.correctMask = true;
    const auto corrected = checkMask(image, apart, correcting);
    REQUIRE(corrected.correctedMask);
    CHECK(corrected.correctedMask->geometry.sameGrid(g));
    CHECK(corrected.correctedMask->count() > 0);
}

TEST_CASE("resampling takes PyRadiomics' grid: mask corner, bounding box plus padDistance new voxels") {
    const Geometry g = grid({40, 30, 3}, {1.0, 1.0, 3.0});
    const Image image = ramp(g);
    const Mask mask = box(g, {10, 8, 1}, {15, 12, 2});
    Settings settings;
    settings.resampledPixelSpacing = std::array<double, 3>{2.0, 0.5, 0.0};
    settings.padDistance = 5;
    const auto resampled = resampleImage(image, mask, settings);
    const Geometry& out = resampled.image.geometry;
    // x: ratio 0.5, floor((10 - 0.5) * 0.5 - 5) = -1 -> 0; ceil((15 - 0.5) * 0.5 + 5) = 13; 14 voxels.
    CHECK(out.size[0] == 14);
    // y: ratio 2, floor(7.5 * 2 - 5) = 10; ceil(11.5 * 2 + 5) = 28; 19 voxels.
    CHECK(out.size[1] == 19);
    // z: the ROI is one slice thick, so z keeps its spacing: floor(0.5 - 5) -> 0, ceil(1.5 + 5) = 7 -> clipped to 2.
    CHECK(out.size[2] == 3);
    CHECK(out.spacing == std::array<double, 3>{2.0, 0.5, 3.0});
    // Origin: half a new voxel inside the old corner, plus the new lower bound.
    CHECK(out.origin[0] == doctest::Approx(0.5));
    CHECK(out.origin[1] == doctest::Approx(-0.25 + 10 * 0.5));
    CHECK(out.origin[2] == doctest::Approx(0.0));
    CHECK(resampled.mask.geometry.sameGrid(out));
    // B-spline interpolation reproduces a linear ramp away from the borders; the int16 image
    // keeps int16 values (truncated), a float64 image keeps the interpolated value.
    const double x = out.origin[0] + 4 * 2.0; // new voxel (4, 6, 1)
    const double y = out.origin[1] + 6 * 0.5;
    const double exact = x + 10 * y + 100 * 1;
    const double stored = resampled.image.voxels[out.offset(4, 6, 1)];
    CHECK(stored == std::trunc(stored));
    CHECK(std::abs(stored - exact) < 1.0);
    Image real = image;
    real.storedType = StoredType::Float64;
    CHECK(resampleImage(real, mask, settings).image.voxels[out.offset(4, 6, 1)] == doctest::Approx(exact).epsilon(1e-5));
    // Nearest neighbour, rounding half up: new x centres 10.5 and 12.5 fall in old 10..14,
    // new y centres 7.75 .. 11.25 (eight of them) in old 8..11; z is not resampled.
    CHECK(resampled.mask.count() == 2 * 8);
}

TEST_CASE("resampling to the image's own spacing only crops, with padDistance") {
    const Geometry g = grid({40, 30, 3});
    const Image image = ramp(g);
    const Mask mask = box(g, {10, 8, 0}, {15, 12, 2});
    Settings settings;
    settings.resampledPixelSpacing = std::array<double, 3>{1.0, 0.0, 1.0};
    settings.padDistance = 2;
    const auto cropped = resampleImage(image, mask, settings);
    CHECK(cropped.image.geometry.size == std::array<std::size_t, 3>{9, 8, 3});
    CHECK(cropped.image.voxels[0] == image.voxels[g.offset(8, 6, 0)]);
    CHECK(cropped.mask.count() == mask.count());
}

TEST_CASE("preCrop crops to the ROI plus padDistance; without it the image stays whole") {
    const Geometry g = grid({20, 20, 5});
    const Image image = ramp(g);
    const Mask mask = box(g, {5, 6, 1}, {9, 9, 3});
    Settings settings;
    CHECK(preprocess(image, mask, settings).image.geometry.size == g.size);
    settings.preCrop = true;
    settings.padDistance = 1;
    const auto cropped = preprocess(image, mask, settings);
    CHECK(cropped.image.geometry.size == std::array<std::size_t, 3>{6, 5, 4});
    CHECK(cropped.mask.count() == mask.count());
}
