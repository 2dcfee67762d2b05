// First order's shared sort: the intensities of overlapping ROIs (a tumour and its rings) sorted
// once for all of them must be exactly each ROI's own sorted intensities.
#include "analysis/discretization.h"
#include "analysis/firstorder.h"
#include "analysis/seeded_random.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <vector>

using namespace radnode::analysis;

namespace {

// Values with many distinct values, both signs, ties, exact zeros and a wide range of
// magnitudes (the radix sort orders by bit pattern, so exponents and signs must be right).
std::vector<double> wideValues(SeededRandom& random, std::size_t count) {
    std::vector<double> values;
    for (std::size_t i = 0; i < count; ++i) {
        const double unit = static_cast<double>(random.next() >> 11) * 0x1p-53; // [0, 1)
        const int exponent = static_cast<int>(random.index(40)) - 20;
        double value = std::ldexp(unit, exponent) * (random.index(2) ? 1.0 : -1.0);
        if (random.index(50) == 0) value = 0.0;
        if (random.index(20) == 0 && !values.empty()) value = values[random.index(values.size())]; // a tie
        values.push_back(value);
    }
    return values;
}

} // namespace

TEST_CASE("sortedIntensitiesPerRoi gives each ROI its own intensities in std::sort's order") {
    SeededRandom random(20261123);
    const std::vector<double> values = wideValues(random, 20000);
    constexpr std::size_t kRois = 7;
    std::vector<std::uint32_t> bits;
    for (std::size_t i = 0; i < values.size(); ++i) {
        // Nested like a tumour and its rings: ROI r holds a voxel with probability falling in r.
        std::uint32_t set = 0;
        for (std::size_t r = 0; r < kRois; ++r) set |= random.index(kRois) >= r ? (1u << r) : 0u;
        bits.push_back(set);
    }
    const auto sorted = sortedIntensitiesPerRoi(values, bits, kRois);
    REQUIRE(sorted.size() == kRois);
    for (std::size_t r = 0; r < kRois; ++r) {
        std::vector<double> expected;
        for (std::size_t i = 0; i < values.size(); ++i) {
            if ((bits[i] >> r) & 1u) expected.push_back(values[i]);
        }
        std::sort(expected.begin(), expected.end());
        CHECK(sorted[r] == expected);
    }
}

TEST_CASE("sortedIntensitiesPerRoi leaves few-valued images to per-ROI counting and checks its input") {
    std::vector<double> values;
    std::vector<std::uint32_t> bits;
    for (int i = 0; i < 5000; ++i) {
        values.push_back(static_cast<double>(i % 256)); // an 8-bit image
        bits.push_back(1u + static_cast<std::uint32_t>(i % 2) * 2u);
    }
    CHECK(sortedIntensitiesPerRoi(values, bits, 2).empty());
    bits.pop_back();
    CHECK_THROWS_AS(sortedIntensitiesPerRoi(values, bits, 2), std::invalid_argument);
    const std::vector<double> distinct{0.5, 1.5, 2.5};
    CHECK_THROWS_AS(sortedIntensitiesPerRoi(distinct, {1u, 2u, 4u}, 2), std::invalid_argument); // ROI 2 of 2
}

TEST_CASE("firstorder with the shared sort equals firstorder sorting the ROI itself") {
    SeededRandom random(7);
    Geometry geometry;
    geometry.size = {60, 50, 1};
    geometry.spacing = {0.1, 0.1, 1.0};
    Image image{geometry, wideValues(random, geometry.voxelCount())};
    for (double& value : image.voxels) value = value * 1000.0 + 20.0;
    Mask mask{geometry, std::vector<std::uint8_t>(geometry.voxelCount(), 0)};
    for (auto& voxel : mask.voxels) voxel = random.index(3) != 0;
    Settings settings;
    settings.binWidth = 25;
    const DiscretizedRoi discretized = discretize(image, mask, settings);

    std::vector<double> roiValues;
    std::vector<std::uint32_t> bits;
    for (std::size_t i = 0; i < mask.voxels.size(); ++i) {
        if (!mask.voxels[i]) continue;
        roiValues.push_back(image.voxels[i]);
        bits.push_back(1u);
    }
    const auto sorted = sortedIntensitiesPerRoi(roiValues, bits, 1);
    REQUIRE(sorted.size() == 1);
    DiagnosticList diagnostics;
    const FeatureList own = computeFirstOrder(image, mask, discretized, settings, {}, diagnostics);
    const FeatureList shared = computeFirstOrder(image, mask, discretized, settings, {}, diagnostics, &sorted[0]);
    REQUIRE(own.size() == shared.size());
    for (std::size_t i = 0; i < own.size(); ++i) {
        CAPTURE(own[i].name);
        CHECK(shared[i].name == own[i].name);
        CHECK(std::memcmp(&shared[i].value, &own[i].value, sizeof(double)) == 0); // bit for bit
    }
    // Sorted intensities of another ROI are refused.
    std::vector<double> shorter = sorted[0];
    shorter.pop_back();
    CHECK_THROWS_AS(computeFirstOrder(image, mask, discretized, settings, {}, diagnostics, &shorter),
                    std::invalid_argument);
}
