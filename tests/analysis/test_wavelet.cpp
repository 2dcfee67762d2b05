#include "analysis/image_io_itk.h"
#include "analysis/image_types.h"
#include "analysis/wavelet.h"
#include "analysis/wavelet_filters.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using namespace radnode::analysis;

namespace {

const std::filesystem::path kReference = std::filesystem::path(RADNODE_TEST_DATA_DIR) / "wavelet-reference";

// sum_k h_k h_{k+2m} = delta_m, the condition every orthogonal filter must meet.
double orthonormalityError(const std::vector<double>& h) {
    double worst = 0.0;
    for (std::size_t shift = 0; shift < h.size(); shift += 2) {
        double sum = 0.0;
        for (std::size_t i = 0; i + shift < h.size(); ++i) sum += h[i] * h[i + shift];
        worst = std::max(worst, std::abs(sum - (shift == 0 ? 1.0 : 0.0)));
    }
    return worst;
}

// sum_k (-1)^k ((k - centre) / scale)^l h_k for l < count: zero for `count` vanishing wavelet moments.
double waveletMomentError(const std::vector<double>& h, int count, double centre) {
    const double scale = static_cast<double>(h.size());
    double worst = 0.0;
    for (int l = 0; l < count; ++l) {
        double sum = 0.0;
        for (std::size_t k = 0; k < h.size(); ++k) {
            const double sign = k % 2 == 0 ? 1.0 : -1.0;
            sum += sign * std::pow((static_cast<double>(k) - centre) / scale, l) * h[k];
        }
        worst = std::max(worst, std::abs(sum));
    }
    return worst;
}

std::vector<std::string> splitOn(const std::string& text, char separator) {
    std::vector<std::string> parts;
    std::istringstream in(text);
    std::string part;
    while (std::getline(in, part, separator)) parts.push_back(part);
    return parts;
}

} // namespace

TEST_CASE("Daubechies filters: closed form of db2, orthonormal with N vanishing moments up to db20") {
    const double s3 = std::sqrt(3.0);
    const double norm = 4.0 * std::sqrt(2.0);
    const std::vector<double> db2 = daubechiesLowPass(2);
    REQUIRE(db2.size() == 4);
    CHECK(db2[0] == doctest::Approx((1 + s3) / norm).epsilon(1e-15));
    CHECK(db2[1] == doctest::Approx((3 + s3) / norm).epsilon(1e-15));
    CHECK(db2[2] == doctest::Approx((3 - s3) / norm).epsilon(1e-15));
    CHECK(db2[3] == doctest::Approx((1 - s3) / norm).epsilon(1e-15));
    for (int order = 1; order <= 20; ++order) {
        CAPTURE(order);
        const auto h = daubechiesLowPass(order);
        CHECK(h.size() == static_cast<std::size_t>(2 * order));
        CHECK(orthonormalityError(h) < 1e-14);
        CHECK(waveletMomentError(h, order, 0.0) < 1e-14);
    }
}

TEST_CASE("symlets share Daubechies' spectrum but are closer to symmetric") {
    for (int order = 2; order <= 20; ++order) {
        CAPTURE(order);
        const auto sym = symletLowPass(order);
        const auto db = daubechiesLowPass(order);
        CHECK(sym.size() == db.size());
        CHECK(orthonormalityError(sym) < 1e-14);
        CHECK(waveletMomentError(sym, order, 0.0) < 1e-14);
        // Same |H|^2: equal autocorrelations.
        for (std::size_t shift = 1; shift < sym.size(); shift += 2) {
            double a = 0.0, b = 0.0;
            for (std::size_t i = 0; i + shift < sym.size(); ++i) {
                a += sym[i] * sym[i + shift];
                b += db[i] * db[i + shift];
            }
            CHECK(a == doctest::Approx(b).epsilon(1e-12));
        }
    }
    // Published sym4 (least asymmetric, 8 taps) values.
    const auto sym4 = symletLowPass(4);
    CHECK(sym4[4] == doctest::Approx(0.8037387518059161).epsilon(1e-11));
    CHECK(sym4[7] == doctest::Approx(-0.07576571478927333).epsilon(1e-11));
}

TEST_CASE("coiflets meet their defining equations: 2N wavelet and 2N-1 scaling moments vanish") {
    for (int order = 1; order <= 17; ++order) {
        CAPTURE(order);
        const auto h = coifletLowPass(order);
        REQUIRE(h.size() == static_cast<std::size_t>(6 * order));
        CHECK(orthonormalityError(h) < 1e-14);
        const double centre = 2.0 * order;
        CHECK(waveletMomentError(h, 2 * order, centre) < 1e-14);
        for (int l = 1; l < 2 * order; ++l) {
            double moment = 0.0;
            for (std::size_t k = 0; k < h.size(); ++k) {
                moment += std::pow((static_cast<double>(k) - centre) / static_cast<double>(h.size()), l) * h[k];
            }
            CHECK(std::abs(moment) < 1e-14);
        }
    }
    // coif1 has a closed form in sqrt(7).
    const double s7 = std::sqrt(7.0);
    const double norm = 16.0 * std::sqrt(2.0);
    const auto coif1 = coifletLowPass(1);
    CHECK(coif1[0] == doctest::Approx((1 - s7) / norm).epsilon(1e-14));
    CHECK(coif1[1] == doctest::Approx((5 + s7) / norm).epsilon(1e-14));
    CHECK(coif1[2] == doctest::Approx((14 + 2 * s7) / norm).epsilon(1e-14));
    CHECK(coif1[3] == doctest::Approx((14 - 2 * s7) / norm).epsilon(1e-14));
    CHECK(coif1[4] == doctest::Approx((1 - s7) / norm).epsilon(1e-14));
    CHECK(coif1[5] == doctest::Approx((-3 + s7) / norm).epsilon(1e-14));
}

TEST_CASE("filter banks follow PyWavelets' dec_lo / dec_hi conventions; unknown names are rejected") {
    const auto haar = waveletFilterBank("haar");
    const double r = std::sqrt(0.5);
    CHECK(haar.decLow == std::vector<double>{daubechiesLowPass(1)[1], daubechiesLowPass(1)[0]});
    CHECK(haar.decLow[0] == doctest::Approx(r));
    CHECK(haar.decHigh[0] == doctest::Approx(-r));
    CHECK(haar.decHigh[1] == doctest::Approx(r));
    const auto db2 = waveletFilterBank("db2");
    const auto low = daubechiesLowPass(2);
    CHECK(db2.decLow == std::vector<double>{low[3], low[2], low[1], low[0]});
    CHECK(db2.decHigh == std::vector<double>{-low[0], low[1], -low[2], low[3]});
    for (const char* bad : {"db0", "db21", "sym1", "coif18", "bior1.1", "dmey", "coif", "Haar", "db2x", "db02"}) {
        CAPTURE(bad);
        CHECK_THROWS_AS(waveletFilterBank(bad), std::invalid_argument);
    }
}

TEST_CASE("stationary wavelet bands match PyRadiomics/PyWavelets within 1e-9 of each band's range") {
    std::ifstream configs(kReference / "configs.tsv");
    REQUIRE(configs.good());
    const Image input = readImage(kReference / "input.nrrd");
    std::string line;
    std::getline(configs, line); // header
    int configCount = 0;
    while (std::getline(configs, line)) {
        if (line.empty()) continue;
        const auto fields = splitOn(line, '\t');
        REQUIRE(fields.size() == 6);
        CAPTURE(fields[0]);
        Settings settings;
        settings.wavelet = fields[1];
        settings.level = std::stoi(fields[2]);
        settings.start_level = std::stoi(fields[3]);
        settings.force2D = fields[4] == "True";
        const auto derived = waveletImages(input, settings);
        const auto files = splitOn(fields[5], ',');
        REQUIRE(derived.size() == files.size());
        for (std::size_t i = 0; i < files.size(); ++i) {
            CAPTURE(files[i]);
            CHECK(derived[i].name + ".nrrd" == files[i]);
            const Image expected = readImage(kReference / fields[0] / files[i]);
            REQUIRE(derived[i].image.geometry.sameGrid(expected.geometry));
            const auto [low, high] = std::minmax_element(expected.voxels.begin(), expected.voxels.end());
            double worst = 0.0;
            for (std::size_t v = 0; v < expected.voxels.size(); ++v) {
                worst = std::max(worst, std::abs(derived[i].image.voxels[v] - expected.voxels[v]));
            }
            CHECK(worst <= 1e-9 * (*high - *low));
        }
        ++configCount;
    }
    CHECK(configCount == 4);
}

TEST_CASE("wavelet naming: levels, force2D planes, and the Wavelet image type") {
    Image image;
    image.geometry.size = {5, 4, 3};
    for (std::size_t i = 0; i < image.geometry.voxelCount(); ++i) image.voxels.push_back(static_cast<double>(i % 7));
    Settings settings;
    settings.wavelet = "haar";
    settings.level = 2;
    auto derived = waveletImages(image, settings);
    REQUIRE(derived.size() == 15);
    CHECK(derived[0].name == "wavelet-LLH");
    CHECK(derived[7].name == "wavelet2-LLH");
    CHECK(derived[14].name == "wavelet2-LLL");

    settings.level = 1;
    settings.force2D = true;
    settings.force2Ddimension = 1; // numpy axis 1 = y: the transform runs along x and z
    derived = waveletImages(image, settings);
    REQUIRE(derived.size() == 4);
    CHECK(derived[0].name == "wavelet-LH");
    CHECK(derived[3].name == "wavelet-LL");
    // Haar low-pass along x then z only: along y the image is untouched, so a y-only pattern survives.
    Image rows = image;
    for (std::size_t z = 0; z < 3; ++z)
        for (std::size_t y = 0; y < 4; ++y)
            for (std::size_t x = 0; x < 5; ++x) rows.voxels[rows.geometry.offset(x, y, z)] = static_cast<double>(y);
    derived = waveletImages(rows, settings);
    for (std::size_t y = 0; y < 4; ++y) CHECK(derived[3].image.voxels[rows.geometry.offset(2, y, 1)] == doctest::Approx(2.0 * y));
    CHECK(derived[2].image.voxels[rows.geometry.offset(2, 3, 1)] == doctest::Approx(0.0));

    ImageTypeSpec spec{"Wavelet", settings};
    spec.settings.force2D = false;
    const auto viaType = deriveImages(spec, image, Mask{image.geometry, std::vector<std::uint8_t>(60, 1)});
    REQUIRE(viaType.size() == 8);
    CHECK(viaType.back().name == "wavelet-LLL");

    settings.level = 0;
    CHECK_THROWS_AS(waveletImages(image, settings), std::invalid_argument);
    settings.level = 1;
    settings.wavelet = "bior1.3";
    CHECK_THROWS_AS(waveletImages(image, settings), std::invalid_argument);
}
