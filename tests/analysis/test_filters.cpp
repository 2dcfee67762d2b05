#include "analysis/gradient.h"
#include "analysis/image_io_itk.h"
#include "analysis/image_types.h"
#include "analysis/lbp.h"
#include "analysis/log_filter.h"
#include "analysis/simple_filters.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <string>

using namespace radnode::analysis;

namespace {

const std::filesystem::path kData = RADNODE_TEST_DATA_DIR;

Image rowImage(const std::vector<double>& values) {
    Image image;
    image.geometry.size = {values.size(), 1, 1};
    image.voxels = values;
    return image;
}

Image cube(std::size_t n, double spacing) {
    Image image;
    image.geometry.size = {n, n, n};
    image.geometry.spacing = {spacing, spacing, spacing};
    image.voxels.assign(n * n * n, 0.0);
    return image;
}

std::map<std::string, double> readFeatureCsv(const std::filesystem::path& path) {
    std::ifstream in(path);
    REQUIRE(in.good());
    std::map<std::string, double> values;
    std::string line;
    std::getline(in, line); // header
    while (std::getline(in, line)) {
        const auto comma = line.find(',');
        if (comma == std::string::npos) continue;
        try {
            values[line.substr(0, comma)] = std::stod(line.substr(comma + 1));
        } catch (const std::exception&) {
            // diagnostics rows are not numbers
        }
    }
    return values;
}

struct RoiStatistics {
    double mean = 0.0;
    double minimum = 0.0;
    double maximum = 0.0;
};

RoiStatistics roiStatistics(const Image& image, const Mask& mask) {
    RoiStatistics s{0.0, std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()};
    std::size_t count = 0;
    for (std::size_t i = 0; i < image.voxels.size(); ++i) {
        if (!mask.voxels[i]) continue;
        s.mean += image.voxels[i];
        s.minimum = std::min(s.minimum, image.voxels[i]);
        s.maximum = std::max(s.maximum, image.voxels[i]);
        ++count;
    }
    s.mean /= static_cast<double>(count);
    return s;
}

} // namespace

TEST_CASE("square, square root, logarithm and exponential rescale by the largest magnitude") {
    const Image image = rowImage({-4.0, -1.0, 0.0, 1.0, 4.0, 16.0}); // max |x| = 16
    const auto square = squareImage(image).voxels;
    CHECK(square == std::vector<double>{1.0, 1.0 / 16, 0.0, 1.0 / 16, 1.0, 16.0}); // (x / 4)^2, sign dropped

    const auto root = squareRootImage(image).voxels;
    CHECK(root == std::vector<double>{-8.0, -4.0, 0.0, 4.0, 8.0, 16.0}); // sign(x) sqrt(16 |x|)

    const auto logarithm = logarithmImage(image).voxels;
    const double scale = 16.0 / std::log(17.0);
    CHECK(logarithm[0] == doctest::Approx(-std::log(5.0) * scale).epsilon(1e-15));
    CHECK(logarithm[1] == doctest::Approx(-std::log(2.0) * scale).epsilon(1e-15));
    CHECK(logarithm[2] == 0.0);
    CHECK(logarithm[4] == doctest::Approx(std::log(5.0) * scale).epsilon(1e-15));
    CHECK(logarithm[5] == doctest::Approx(16.0).epsilon(1e-15));

    const auto exponential = exponentialImage(image).voxels; // 16^(x / 16)
    CHECK(exponential[0] == doctest::Approx(0.5).epsilon(1e-15));
    CHECK(exponential[2] == 1.0);
    CHECK(exponential[4] == doctest::Approx(2.0).epsilon(1e-15));
    CHECK(exponential[5] == doctest::Approx(16.0).epsilon(1e-15));

    CHECK(squareImage(image).storedType == StoredType::Float64);
    CHECK(squareImage(image).geometry.size == image.geometry.size);
}

TEST_CASE("LoG names follow Python's float repr") {
    CHECK(laplacianOfGaussianName(3.0) == "log-sigma-3-0-mm-3D");
    CHECK(laplacianOfGaussianName(0.5) == "log-sigma-0-5-mm-3D");
    CHECK(laplacianOfGaussianName(1.25) == "log-sigma-1-25-mm-3D");
    CHECK(laplacianOfGaussianName(0.1) == "log-sigma-0-1-mm-3D");
    CHECK(laplacianOfGaussianName(0.0001) == "log-sigma-0-0001-mm-3D");
    CHECK(laplacianOfGaussianName(1e-5) == "log-sigma-1e-05-mm-3D");
    CHECK(laplacianOfGaussianName(20.0) == "log-sigma-20-0-mm-3D");
}

TEST_CASE("LoG of a Gaussian blob: sigma^2 times the Laplacian of the widened blob at its centre") {
    // Blob exp(-r^2 / (2 s0^2)) smoothed by a Gaussian of sigma is a blob of variance S^2 = s0^2 + sigma^2
    // and height (s0^2 / S^2)^(3/2); its Laplacian at the centre is -3 height / S^2. Normalised across
    // scale, the filter returns sigma^2 times that: here -4 * 3 / 13 * (9 / 13)^1.5 = -0.5317.
    const double s0 = 3.0, sigma = 2.0;
    const std::size_t n = 41;
    Image blob = cube(n, 1.0);
    const double c = 20.0;
    for (std::size_t z = 0; z < n; ++z)
        for (std::size_t y = 0; y < n; ++y)
            for (std::size_t x = 0; x < n; ++x) {
                const double r2 = (x - c) * (x - c) + (y - c) * (y - c) + (z - c) * (z - c);
                blob.voxels[blob.geometry.offset(x, y, z)] = std::exp(-r2 / (2 * s0 * s0));
            }
    const double variance = s0 * s0 + sigma * sigma;
    const double expected = sigma * sigma * -3.0 / variance * std::pow(s0 * s0 / variance, 1.5);
    const Image log = laplacianOfGaussian(blob, sigma);
    CHECK(log.storedType == StoredType::Float32);
    CHECK(log.voxels[blob.geometry.offset(20, 20, 20)] == doctest::Approx(expected).epsilon(0.01));
    // Far from the blob the response vanishes; at r = S sqrt(3) the Laplacian changes sign.
    CHECK(std::abs(log.voxels[blob.geometry.offset(2, 20, 20)]) < 1e-3);
    CHECK(log.voxels[blob.geometry.offset(20 + 8, 20, 20)] > 0.0);

    // Physical units: the same blob sampled at 0.5 mm needs twice the voxels per mm of sigma.
    Image fine = cube(81, 0.5);
    for (std::size_t z = 0; z < 81; ++z)
        for (std::size_t y = 0; y < 81; ++y)
            for (std::size_t x = 0; x < 81; ++x) {
                const double r2 = 0.25 * ((x - 40.0) * (x - 40.0) + (y - 40.0) * (y - 40.0) + (z - 40.0) * (z - 40.0));
                fine.voxels[fine.geometry.offset(x, y, z)] = std::exp(-r2 / (2 * s0 * s0));
            }
    CHECK(laplacianOfGaussian(fine, sigma).voxels[fine.geometry.offset(40, 40, 40)] ==
          doctest::Approx(expected).epsilon(0.01));
}

TEST_CASE("LoG image type: PyRadiomics' size checks decide which sigmas yield an image") {
    Image image = cube(10, 2.0);
    image.voxels[image.geometry.offset(5, 5, 5)] = 100.0;
    ImageTypeSpec spec{"LoG", Settings{}};
    spec.settings.sigma = {1.0, 18.0, 20.0, -1.0, 3.0}; // 10 voxels hold ceil(18 / 2) + 1, not ceil(20 / 2) + 1
    const auto derived = deriveImages(spec, image, Mask{});
    REQUIRE(derived.size() == 3);
    CHECK(derived[0].name == "log-sigma-1-0-mm-3D");
    CHECK(derived[1].name == "log-sigma-18-0-mm-3D");
    CHECK(derived[2].name == "log-sigma-3-0-mm-3D");

    Image flat = cube(10, 1.0);
    flat.geometry.size = {10, 10, 3}; // fewer than 4 voxels along z: no LoG at all
    flat.voxels.resize(300);
    CHECK(deriveImages(spec, flat, Mask{}).empty());
    spec.settings.sigma.clear();
    CHECK(deriveImages(spec, image, Mask{}).empty());
}

TEST_CASE("gradient magnitude of a ramp, per mm or per voxel") {
    Image ramp;
    ramp.geometry.size = {6, 6, 6};
    ramp.geometry.spacing = {0.5, 1.0, 2.0};
    for (std::size_t z = 0; z < 6; ++z)
        for (std::size_t y = 0; y < 6; ++y)
            for (std::size_t x = 0; x < 6; ++x) ramp.voxels.push_back(2.0 * x + 3.0 * y + 0.0 * z);
    const Image perMm = gradientMagnitudeImage(ramp, true);
    CHECK(perMm.voxels[ramp.geometry.offset(3, 3, 3)] == doctest::Approx(5.0)); // (2 / 0.5, 3 / 1)
    const Image perVoxel = gradientMagnitudeImage(ramp, false);
    CHECK(perVoxel.voxels[ramp.geometry.offset(3, 3, 3)] == doctest::Approx(std::sqrt(13.0)));
    // Zero-flux border: the outermost difference sees a repeated voxel.
    CHECK(perVoxel.voxels[ramp.geometry.offset(0, 3, 3)] == doctest::Approx(std::sqrt(1.0 + 9.0)));

    ImageTypeSpec spec{"Gradient", Settings{}};
    const auto derived = deriveImages(spec, ramp, Mask{});
    REQUIRE(derived.size() == 1);
    CHECK(derived[0].name == "gradient");
    CHECK(derived[0].image.voxels == perMm.voxels);
}

TEST_CASE("LBP 2D follows scikit-image's codes, slice by slice") {
    // Expected codes: skimage.feature.local_binary_pattern(slice, P=8, R=1, method) on this slice.
    Image image;
    image.geometry.size = {3, 3, 1};
    image.voxels = {1, 9, 1,  //
                    9, 5, 9,  //
                    1, 9, 1};
    image.storedType = StoredType::Int16;
    const std::map<std::string, std::vector<double>> expected{
        {"default", {227, 0, 248, 0, 85, 0, 143, 0, 62}},
        {"ror", {31, 0, 31, 0, 85, 0, 31, 0, 31}},
        {"uniform", {5, 0, 5, 0, 9, 0, 5, 0, 5}},
        {"nri_uniform", {36, 0, 38, 0, 58, 0, 34, 0, 40}},
        {"var", {13.671160633627363, 6.671017269561643, 13.671160633627366, 6.671017269561642, 4.7157914562452845,
                 6.671017269561644, 13.671160633627355, 6.671017269561646, 13.671160633627359}}};
    Lbp2DParameters parameters;
    for (const auto& [method, codes] : expected) {
        CAPTURE(method);
        parameters.method = method;
        Image asFloat = image;
        asFloat.storedType = StoredType::Float64;
        const Image result = localBinaryPattern2D(asFloat, parameters);
        for (std::size_t i = 0; i < 9; ++i) CHECK(result.voxels[i] == doctest::Approx(codes[i]).epsilon(1e-14));
        // Written back into an int16 array, as PyRadiomics does: variances lose their fractions.
        const Image stored = localBinaryPattern2D(image, parameters);
        CHECK(stored.storedType == StoredType::Int16);
        for (std::size_t i = 0; i < 9; ++i) CHECK(stored.voxels[i] == std::trunc(codes[i]));
    }

    // Slices across y (force2Ddimension 1): the same slice laid in the x-z plane gives the same codes.
    Image standing;
    standing.geometry.size = {3, 1, 3};
    standing.voxels = image.voxels;
    parameters.method = "default";
    parameters.sliceAxis = 1;
    CHECK(localBinaryPattern2D(standing, parameters).voxels == std::vector<double>{227, 0, 248, 0, 85, 0, 143, 0, 62});
    parameters.sliceAxis = 3;
    CHECK_THROWS_AS(localBinaryPattern2D(standing, parameters), std::invalid_argument);
    parameters.sliceAxis = 0;
    parameters.method = "bogus";
    CHECK_THROWS_AS(localBinaryPattern2D(image, parameters), std::invalid_argument);
}

TEST_CASE("icosphere vertices lie on the sphere: 12, 42, 162 of them") {
    CHECK(icosphereVertices(0, 1.0).size() == 12);
    CHECK(icosphereVertices(1, 1.0).size() == 42);
    const auto vertices = icosphereVertices(2, 2.5);
    CHECK(vertices.size() == 162);
    for (const auto& v : vertices) CHECK(std::sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]) == doctest::Approx(2.5));
}

TEST_CASE("breast1: derived images reproduce PyRadiomics' first-order mean, minimum and maximum") {
    const Image image = readImage(kData / "pyradiomics" / "breast1_image.nrrd");
    const Mask mask = readMask(kData / "pyradiomics" / "breast1_label.nrrd", 1);
    const auto expected = readFeatureCsv(kData / "pyradiomics-filters" / "breast1_filters.csv");
    std::size_t checked = 0;
    for (const char* type : {"Original", "Wavelet", "Square", "SquareRoot", "Logarithm", "Exponential", "LBP2D", "LBP3D"}) {
        const auto derived = deriveImages(ImageTypeSpec{type, Settings{}}, image, mask);
        for (const auto& d : derived) {
            CAPTURE(d.name);
            REQUIRE(expected.count(d.name + "_firstorder_Mean") == 1);
            const RoiStatistics s = roiStatistics(d.image, mask);
            const double range = expected.at(d.name + "_firstorder_Maximum") - expected.at(d.name + "_firstorder_Minimum");
            const double tolerance = 1e-9 * std::max(1.0, std::abs(range));
            CHECK(std::abs(s.mean - expected.at(d.name + "_firstorder_Mean")) <= tolerance);
            CHECK(std::abs(s.minimum - expected.at(d.name + "_firstorder_Minimum")) <= tolerance);
            CHECK(std::abs(s.maximum - expected.at(d.name + "_firstorder_Maximum")) <= tolerance);
            ++checked;
        }
    }
    CHECK(checked == 1 + 8 + 4 + 1 + 3);
}

TEST_CASE("unknown image types and bad settings are rejected by name") {
    const Image image = cube(4, 1.0);
    const Mask mask{image.geometry, std::vector<std::uint8_t>(64, 1)};
    CHECK_THROWS_WITH_AS(deriveImages(ImageTypeSpec{"Sobel", Settings{}}, image, mask), doctest::Contains("Sobel"),
                         std::invalid_argument);
    ImageTypeSpec lbp{"LBP3D", Settings{}};
    lbp.settings.lbp3DLevels = 0;
    CHECK_THROWS_WITH_AS(deriveImages(lbp, image, mask), doctest::Contains("lbp3DLevels"), std::invalid_argument);
    ImageTypeSpec wavelet{"Wavelet", Settings{}};
    wavelet.settings.wavelet = "bior2.2";
    CHECK_THROWS_WITH_AS(deriveImages(wavelet, image, mask), doctest::Contains("bior2.2"), std::invalid_argument);
}
