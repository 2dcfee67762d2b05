#include "analysis/image_io_itk.h"
#include "analysis/shape2d.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>

using namespace radnode::analysis;

namespace {

constexpr double kPi = 3.14159265358979323846;

std::map<std::string, double> byName(const FeatureList& features) {
    std::map<std::string, double> values;
    for (const auto& feature : features) values[feature.name] = feature.value;
    return values;
}

Mask emptyMask(std::size_t nx, std::size_t ny, std::size_t nz, std::array<double, 3> spacing) {
    Geometry geometry;
    geometry.size = {nx, ny, nz};
    geometry.spacing = spacing;
    return Mask{geometry, std::vector<std::uint8_t>(geometry.voxelCount(), 0)};
}

Settings force2D(int dimension) {
    Settings settings;
    settings.force2D = true;
    settings.force2Ddimension = dimension;
    return settings;
}

} // namespace

TEST_CASE("shape2D of a rectangle of pixels is the chamfered rectangle through edge midpoints") {
    // 4 columns (x, 0.3 mm) by 7 rows (y, 0.5 mm) in slice 2 of 4. The contour runs through the
    // midpoints of the border pixel edges: the pixel rectangle with its four corners cut by
    // triangles of legs half a pixel.
    const double sc = 0.3, sr = 0.5;
    Mask mask = emptyMask(8, 10, 4, {sc, sr, 2.5});
    for (std::size_t y = 2; y < 9; ++y)
        for (std::size_t x = 3; x < 7; ++x) mask.voxels[mask.geometry.offset(x, y, 2)] = 1;
    const double rows = 7, columns = 4;
    DiagnosticList diagnostics;
    const auto values = byName(computeShape2D(mask, force2D(0), {}, diagnostics));

    CHECK(values.size() == 9);
    const double surface = rows * sr * columns * sc - sr * sc / 2.0;
    const double perimeter = 2 * (rows - 1) * sr + 2 * (columns - 1) * sc + 4 * std::hypot(sr / 2, sc / 2);
    CHECK(values.at("MeshSurface") == doctest::Approx(surface).epsilon(1e-12));
    CHECK(values.at("PixelSurface") == doctest::Approx(rows * columns * sr * sc).epsilon(1e-12));
    CHECK(values.at("Perimeter") == doctest::Approx(perimeter).epsilon(1e-12));
    CHECK(values.at("PerimeterSurfaceRatio") == doctest::Approx(perimeter / surface).epsilon(1e-12));
    CHECK(values.at("Sphericity") == doctest::Approx(2 * std::sqrt(kPi * surface) / perimeter).epsilon(1e-12));
    // Farthest vertices: across the corners, from an edge midpoint on one side to the other.
    const double diameter = std::max({std::hypot(rows * sr, (columns - 1) * sc),
                                      std::hypot((rows - 1) * sr, columns * sc),
                                      std::hypot((rows - 0.5) * sr, (columns - 0.5) * sc)});
    CHECK(values.at("MaximumDiameter") == doctest::Approx(diameter).epsilon(1e-12));
    const double major = 4 * std::sqrt(sr * sr * (rows * rows - 1) / 12);
    const double minor = 4 * std::sqrt(sc * sc * (columns * columns - 1) / 12);
    CHECK(values.at("MajorAxisLength") == doctest::Approx(major).epsilon(1e-12));
    CHECK(values.at("MinorAxisLength") == doctest::Approx(minor).epsilon(1e-12));
    CHECK(values.at("Elongation") == doctest::Approx(minor / major).epsilon(1e-12));
}

TEST_CASE("shape2D of a disc on anisotropic pixels approaches the circle") {
    // Radius 6 mm on 0.1 x 0.15 mm pixels: the contour error is of the order of a pixel.
    const double radius = 6.0, sx = 0.1, sy = 0.15;
    Mask mask = emptyMask(140, 100, 1, {sx, sy, 1.0});
    for (std::size_t y = 0; y < 100; ++y) {
        for (std::size_t x = 0; x < 140; ++x) {
            const double dx = (double(x) - 70) * sx, dy = (double(y) - 50) * sy;
            if (dx * dx + dy * dy <= radius * radius) mask.voxels[mask.geometry.offset(x, y, 0)] = 1;
        }
    }
    DiagnosticList diagnostics;
    const auto values = byName(computeShape2D(mask, force2D(0), {}, diagnostics));
    const double area = kPi * radius * radius;
    CHECK(values.at("PixelSurface") == doctest::Approx(area).epsilon(0.005));
    // The contour runs half a pixel inside the pixel border: a ring of about half a pixel less.
    CHECK(values.at("MeshSurface") == doctest::Approx(area).epsilon(0.02));
    CHECK(values.at("MeshSurface") < values.at("PixelSurface"));
    // Steps along rows, columns and pixel diagonals overestimate a circle's length: by 5.5 % on
    // square pixels (the octagonal metric averaged over directions), more on oblong ones.
    CHECK(values.at("Perimeter") > 2 * kPi * radius);
    CHECK(values.at("Perimeter") == doctest::Approx(2 * kPi * radius).epsilon(0.1));
    CHECK(values.at("MaximumDiameter") == doctest::Approx(2 * radius).epsilon(0.02));
    // A uniform disc has variance r^2/4 on every axis: axis lengths 2r, elongation 1.
    CHECK(values.at("MajorAxisLength") == doctest::Approx(2 * radius).epsilon(0.01));
    CHECK(values.at("MinorAxisLength") == doctest::Approx(2 * radius).epsilon(0.01));
    CHECK(values.at("Elongation") == doctest::Approx(1.0).epsilon(0.01));
    CHECK(values.at("Sphericity") == doctest::Approx(1.0).epsilon(0.05));
}

TEST_CASE("shape2D takes the plane named by force2Ddimension, in numpy axis order") {
    // The same 3 x 5 rectangle drawn in a coronal plane (fixed y): rows are z, columns are x.
    Mask coronal = emptyMask(7, 3, 6, {0.2, 9.0, 0.7});
    for (std::size_t z = 1; z < 4; ++z)
        for (std::size_t x = 1; x < 6; ++x) coronal.voxels[coronal.geometry.offset(x, 1, z)] = 1;
    Mask axial = emptyMask(7, 5, 1, {0.2, 0.7, 9.0});
    for (std::size_t y = 1; y < 4; ++y)
        for (std::size_t x = 1; x < 6; ++x) axial.voxels[axial.geometry.offset(x, y, 0)] = 1;
    DiagnosticList diagnostics;
    const auto fromCoronal = computeShape2D(coronal, force2D(1), {}, diagnostics);
    const auto fromAxial = computeShape2D(axial, force2D(0), {}, diagnostics);
    REQUIRE(fromCoronal.size() == fromAxial.size());
    for (std::size_t i = 0; i < fromAxial.size(); ++i) {
        CAPTURE(fromAxial[i].name);
        CHECK(fromCoronal[i].value == doctest::Approx(fromAxial[i].value).epsilon(1e-12));
    }
    CHECK_THROWS_WITH_AS(computeShape2D(coronal, force2D(0), {}, diagnostics), doctest::Contains("spans 3"),
                         std::invalid_argument);
}

TEST_CASE("shape2D needs force2D, rejects unknown names and gives deprecated features only by name") {
    Mask mask = emptyMask(4, 4, 1, {1, 1, 1});
    mask.voxels[mask.geometry.offset(1, 1, 0)] = 1;
    mask.voxels[mask.geometry.offset(2, 1, 0)] = 1;
    DiagnosticList diagnostics;
    CHECK_THROWS_WITH_AS(computeShape2D(mask, Settings{}, {}, diagnostics), doctest::Contains("force2D"),
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(computeShape2D(mask, force2D(0), {"Diameter"}, diagnostics), doctest::Contains("Diameter"),
                         std::invalid_argument);
    const auto values = byName(computeShape2D(mask, force2D(0), {"SphericalDisproportion", "Sphericity"}, diagnostics));
    REQUIRE(values.size() == 2);
    CHECK(values.at("SphericalDisproportion") == doctest::Approx(1.0 / values.at("Sphericity")));
    REQUIRE(diagnostics.size() == 1);
    CHECK(diagnostics.front().feature == "SphericalDisproportion");
    // Two pixels in a row: no spread across the row, so the minor axis is 0.
    const auto axes = byName(computeShape2D(mask, force2D(0), {"MinorAxisLength", "Elongation"}, diagnostics));
    CHECK(axes.at("MinorAxisLength") == 0.0);
    CHECK(axes.at("Elongation") == 0.0);
}

TEST_CASE("shape2D of breast1's largest axial slice agrees with PyRadiomics' cshape") {
    // Slice z = 9 of breast1_label (82 pixels). Reference values: PyRadiomics' own
    // calculate_coefficients2D (src/cshape.c, upstream 8ed5793) run on the same padded slice.
    const std::filesystem::path data = std::filesystem::path(RADNODE_TEST_DATA_DIR) / "pyradiomics";
    const Mask volume = readMask(data / "breast1_label.nrrd");
    IndexBox slice{{0, 0, 9}, {volume.geometry.size[0], volume.geometry.size[1], 10}};
    const Mask mask = crop(volume, slice);
    REQUIRE(mask.count() == 82);
    DiagnosticList diagnostics;
    const auto values = byName(computeShape2D(mask, force2D(0), {}, diagnostics));
    CHECK(values.at("MeshSurface") == doctest::Approx(35.939734697286006).epsilon(1e-12));
    CHECK(values.at("Perimeter") == doctest::Approx(23.61162035322263).epsilon(1e-12));
    CHECK(values.at("MaximumDiameter") == doctest::Approx(8.3997937102669376).epsilon(1e-12));
    CHECK(values.at("PixelSurface") ==
          doctest::Approx(82 * mask.geometry.spacing[0] * mask.geometry.spacing[1]).epsilon(1e-12));
}
