#include "analysis/firstorder.h"
#include "analysis/image_io_itk.h"

#include "analysis/baseline_csv.h"

#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <map>

using namespace radnode::analysis;

namespace {

const std::filesystem::path kPyRadiomicsData = std::filesystem::path(RADNODE_TEST_DATA_DIR) / "pyradiomics";

std::map<std::string, double> byName(const FeatureList& features) {
    std::map<std::string, double> values;
    for (const auto& feature : features) values[feature.name] = feature.value;
    return values;
}

// Four voxels in a row, 2 x 1 x 0.5 mm.
struct Row {
    Image image;
    Mask mask;
};

Row rowOf(const std::vector<double>& intensities) {
    Geometry geometry;
    geometry.size = {intensities.size(), 1, 1};
    geometry.spacing = {2.0, 1.0, 0.5};
    return {Image{geometry, intensities}, Mask{geometry, std::vector<std::uint8_t>(intensities.size(), 1)}};
}

} // namespace

TEST_CASE("firstorder statistics follow numpy's definitions on a small ROI") {
    const Row row = rowOf({3.0, 10.0, 1.0, 2.0});
    Settings settings;
    settings.binWidth = 2.0; // levels: 1 -> 1, 2 and 3 -> 2, 10 -> 6
    DiagnosticList diagnostics;
    const auto values = byName(computeFirstOrder(row.image, row.mask, settings, {}, diagnostics));

    CHECK(values.size() == 18);
    CHECK(values.count("StandardDeviation") == 0);
    CHECK(values.at("Energy") == doctest::Approx(114.0));
    CHECK(values.at("TotalEnergy") == doctest::Approx(114.0));
    CHECK(values.at("RootMeanSquared") == doctest::Approx(std::sqrt(114.0 / 4.0)));
    CHECK(values.at("Minimum") == 1.0);
    CHECK(values.at("Maximum") == 10.0);
    CHECK(values.at("Range") == 9.0);
    CHECK(values.at("Mean") == 4.0);
    CHECK(values.at("Median") == 2.5);
    CHECK(values.at("10Percentile") == doctest::Approx(1.3));    // numpy.percentile, linear
    CHECK(values.at("90Percentile") == doctest::Approx(7.9));
    CHECK(values.at("InterquartileRange") == doctest::Approx(3.0)); // 4.75 - 1.75
    CHECK(values.at("MeanAbsoluteDeviation") == 3.0);
    CHECK(values.at("RobustMeanAbsoluteDeviation") == doctest::Approx(0.5)); // only 2 and 3 lie in [1.3, 7.9]
    CHECK(values.at("Variance") == doctest::Approx(12.5));
    CHECK(values.at("Skewness") == doctest::Approx(1.0182337649086284));
    CHECK(values.at("Kurtosis") == doctest::Approx(2.2304));
    CHECK(values.at("Entropy") == doctest::Approx(1.5));
    CHECK(values.at("Uniformity") == doctest::Approx(0.375));
    CHECK(diagnostics.empty());
}

TEST_CASE("firstorder shifts intensities for the energies and scales total energy by the voxel volume") {
    const Row row = rowOf({-1.0, 1.0});
    Settings settings;
    settings.voxelArrayShift = 10.0;
    DiagnosticList diagnostics;
    const auto values =
        byName(computeFirstOrder(row.image, row.mask, settings, {"Energy", "TotalEnergy"}, diagnostics));
    CHECK(values.at("Energy") == 81.0 + 121.0);
    CHECK(values.at("TotalEnergy") == (81.0 + 121.0) * 2.0 * 1.0 * 0.5);
}

TEST_CASE("a flat region has zero spread, skewness and kurtosis, and one grey level") {
    const Row row = rowOf({7.3, 7.3, 7.3, 7.3});
    DiagnosticList diagnostics;
    const auto values = byName(computeFirstOrder(row.image, row.mask, Settings{}, {}, diagnostics));
    CHECK(values.at("Variance") == 0.0);
    CHECK(values.at("Skewness") == 0.0);
    CHECK(values.at("Kurtosis") == 0.0);
    CHECK(values.at("Uniformity") == 1.0);
    // PyRadiomics' log2(p + eps) makes the entropy of one level a tiny negative number.
    CHECK(std::abs(values.at("Entropy")) < 1e-15);
}

TEST_CASE("firstorder computes deprecated features only by name and rejects unknown names") {
    const Row row = rowOf({1.0, 3.0});
    DiagnosticList diagnostics;
    const auto values =
        byName(computeFirstOrder(row.image, row.mask, Settings{}, {"StandardDeviation", "Mean"}, diagnostics));
    CHECK(values.size() == 2);
    CHECK(values.at("StandardDeviation") == 1.0);
    REQUIRE(diagnostics.size() == 1);
    CHECK(diagnostics.front().feature == "StandardDeviation");
    CHECK_THROWS_WITH_AS(computeFirstOrder(row.image, row.mask, Settings{}, {"Mode"}, diagnostics),
                         doctest::Contains("Mode"), std::invalid_argument);
}

TEST_CASE("firstorder matches the PyRadiomics baseline for brain1, brain2 and breast1") {
    const radnode::testing::BaselineCsv baseline(kPyRadiomicsData / "baseline" / "baseline_firstorder.csv");
    for (const std::string caseName : {"brain1", "brain2", "breast1"}) {
        CAPTURE(caseName);
        const auto configuration =
            radnode::testing::parsePythonDict(baseline.text("diagnostics_Configuration_Settings", caseName));
        REQUIRE(configuration.at("binWidth") == "25");
        REQUIRE(configuration.at("voxelArrayShift") == "2000");
        Settings settings;
        settings.binWidth = 25;
        settings.voxelArrayShift = 2000;

        const Image image = readImage(kPyRadiomicsData / (caseName + "_image.nrrd"));
        const Mask mask = readMask(kPyRadiomicsData / (caseName + "_label.nrrd"));
        const IndexBox box = boundingBox(mask);
        DiagnosticList diagnostics;
        const auto values = byName(computeFirstOrder(crop(image, box), crop(mask, box), settings, {}, diagnostics));

        const auto rows = baseline.rowsWithPrefix("original_firstorder_");
        CHECK(rows.size() == 18);
        for (const auto& row : rows) {
            const std::string name = row.substr(std::string("original_firstorder_").size());
            CAPTURE(name);
            REQUIRE(values.count(name) == 1);
            const double expected = baseline.value(row, caseName);
            CHECK_MESSAGE(radnode::testing::closeToBaseline(values.at(name), expected, 1e-6),
                          "got " << values.at(name) << ", baseline " << expected);
        }
    }
}

TEST_CASE("firstorder does not depend on cropping the grid to the ROI") {
    const Image image = readImage(kPyRadiomicsData / "breast1_image.nrrd");
    const Mask mask = readMask(kPyRadiomicsData / "breast1_label.nrrd");
    const IndexBox box = boundingBox(mask);
    Settings settings;
    settings.voxelArrayShift = 2000;
    DiagnosticList diagnostics;
    const auto whole = computeFirstOrder(image, mask, settings, {}, diagnostics);
    const auto cropped = computeFirstOrder(crop(image, box), crop(mask, box), settings, {}, diagnostics);
    REQUIRE(whole.size() == cropped.size());
    for (std::size_t i = 0; i < whole.size(); ++i) {
        CAPTURE(whole[i].name);
        CHECK(whole[i].value == doctest::Approx(cropped[i].value).epsilon(1e-12));
    }
}
