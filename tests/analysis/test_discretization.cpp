#include "analysis/discretization.h"

#include <doctest/doctest.h>

using namespace radnode::analysis;

TEST_CASE("fixed bin width anchors the first edge at a multiple of the width") {
    Settings settings;
    settings.binWidth = 25;
    const auto edges = binEdges({-30.0, 10.0, 48.0}, settings);
    // Python: -30 - (-30 % 25) = -50; arange(-50, 48 + 50, 25)
    REQUIRE(edges.size() == 6);
    CHECK(edges.front() == -50.0);
    CHECK(edges.back() == 75.0);
    CHECK(digitize(-30.0, edges) == 1);
    CHECK(digitize(-25.0, edges) == 2);
    CHECK(digitize(48.0, edges) == 4);
}

TEST_CASE("a wide bin puts a flat region into level 1") {
    Settings settings;
    settings.binWidth = 5000;
    const auto edges = binEdges({100.0, 100.0}, settings);
    // arange(0, 100 + 10000, 5000) as in PyRadiomics' _flatRegion configuration
    CHECK(edges == std::vector<double>{0.0, 5000.0, 10000.0});
    CHECK(digitize(100.0, edges) == 1);
}

TEST_CASE("fixed bin count puts the maximum in the top bin") {
    Settings settings;
    settings.binCount = 4;
    const auto edges = binEdges({0.0, 1.0, 2.0, 4.0}, settings);
    REQUIRE(edges.size() == 5);
    CHECK(digitize(0.0, edges) == 1);
    CHECK(digitize(4.0, edges) == 4);
    CHECK(digitize(1.0, edges) == 2);
}

TEST_CASE("discretize marks ROI voxels only and lists present levels") {
    Image image{Geometry{{4, 1, 1}, {1, 1, 1}, {0, 0, 0}, {1, 0, 0, 0, 1, 0, 0, 0, 1}}, {0, 30, 60, 1000}};
    Mask mask{image.geometry, {1, 1, 1, 0}};
    Settings settings;
    const auto roi = discretize(image, mask, settings);
    CHECK(roi.levels == std::vector<int>{1, 2, 3, 0});
    CHECK(roi.presentLevels == std::vector<int>{1, 2, 3});
    CHECK(roi.maxLevel == 3);
}
