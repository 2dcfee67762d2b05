// `radnode extract` as a user runs it: the built binary on PyRadiomics' breast1 case.
#include "analysis/baseline_csv.h"
#include "test_support.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

namespace {

const std::filesystem::path kData = RADNODE_TEST_DATA_DIR;

std::string quote(const std::filesystem::path& path) { return "'" + path.string() + "'"; }

std::string extractCommand(const std::string& arguments) {
    return quote(RADNODE_BINARY) + " extract --image " + quote(kData / "pyradiomics" / "breast1_image.nrrd") +
           " --mask " + quote(kData / "pyradiomics" / "breast1_label.nrrd") + " " + arguments;
}

std::vector<std::vector<std::string>> csvRecords(const std::string& text) {
    std::istringstream in(text);
    return radnode::testing::parseCsv(in);
}

} // namespace

TEST_CASE("radnode extract with PyRadiomics' defaults gives its original features, one CSV row each") {
    const auto run = radnode::test::runCommand(extractCommand("2>/dev/null"));
    REQUIRE(run.exitCode == 0);
    const auto records = csvRecords(run.output);
    REQUIRE(records.size() > 1);
    CHECK(records[0] == std::vector<std::string>{"feature", "value"});

    // The filter table was computed by current PyRadiomics with default settings.
    const radnode::testing::BaselineCsv reference(kData / "pyradiomics-filters" / "breast1_filters.csv");
    std::set<std::string> seen;
    for (std::size_t r = 1; r < records.size(); ++r) {
        REQUIRE(records[r].size() == 2);
        const std::string& name = records[r][0];
        CHECK_MESSAGE(seen.insert(name).second, name << " appears twice");
        const double value = std::stod(records[r][1]);
        CHECK_MESSAGE(radnode::testing::closeToBaseline(value, reference.value(name, "value"), 1e-6), name);
    }
    // Every non-deprecated feature of shape and of the six intensity classes, as PyRadiomics.
    CHECK(seen.size() == reference.rowsWithPrefix("original_").size());
    CHECK(seen.count("original_shape_Sphericity") == 1);
    CHECK(seen.count("original_glcm_Idn") == 1);
}

TEST_CASE("radnode extract with rings: roi,feature,value for the tumour, each ring and tumour+ring") {
    radnode::test::TempDir dir;
    radnode::test::writeText(dir / "params.yaml", "featureClass:\n  firstorder: [Mean]\n  shape: [VoxelVolume]\n");
    const auto run =
        radnode::test::runCommand(extractCommand("--params " + quote(dir / "params.yaml") + " --rings 3,5 2>/dev/null"));
    REQUIRE(run.exitCode == 0);
    const auto records = csvRecords(run.output);
    REQUIRE(records.size() == 1 + 5 * 2);
    CHECK(records[0] == std::vector<std::string>{"roi", "feature", "value"});
    std::map<std::string, double> volume;
    for (std::size_t r = 1; r < records.size(); ++r) {
        REQUIRE(records[r].size() == 3);
        if (records[r][1] == "original_shape_VoxelVolume") volume[records[r][0]] = std::stod(records[r][2]);
    }
    REQUIRE(volume.size() == 5);
    CHECK(volume.at("tumor") == doctest::Approx(132.42579545515324));
    CHECK(volume.at("tumor+3mm") > volume.at("tumor"));
    CHECK(volume.at("tumor+5mm") > volume.at("tumor+3mm"));
    CHECK(volume.at("tumor+5mm") == doctest::Approx(volume.at("tumor") + volume.at("ring-5mm")));
}

TEST_CASE("radnode extract --format json writes one object, diagnostics on request") {
    radnode::test::TempDir dir;
    radnode::test::writeText(dir / "params.yaml", "featureClass:\n  firstorder: [Mean, Maximum]\n");
    const auto run = radnode::test::runCommand(
        extractCommand("--params " + quote(dir / "params.yaml") + " --format json --diagnostics 2>/dev/null"));
    REQUIRE(run.exitCode == 0);
    CHECK(run.output.front() == '{');
    CHECK(run.output.find("\"original_firstorder_Maximum\":162") != std::string::npos);
    CHECK(run.output.find("\"original_firstorder_Mean\":131.12587412587") != std::string::npos);
    CHECK(run.output.find("\"name\":\"diagnostics_Mask-original_BoundingBox\",\"message\":\"(21, 64, 8, 9, 12, 3)\"") !=
          std::string::npos);
    CHECK(run.output.find("diagnostics_Configuration_Settings") != std::string::npos);
}

TEST_CASE("radnode extract errors: one line naming the file or key, exit code 2") {
    radnode::test::TempDir dir;
    radnode::test::writeText(dir / "params.yaml", "setting:\n  binWdth: 25\n");
    const auto badKey = radnode::test::runCommand(extractCommand("--params " + quote(dir / "params.yaml") + " 2>&1"));
    CHECK(badKey.exitCode == 2);
    CHECK(badKey.output.find("params.yaml:2: binWdth: unknown setting") != std::string::npos);
    CHECK(std::count(badKey.output.begin(), badKey.output.end(), '\n') == 1);

    const auto missing = radnode::test::runCommand(quote(RADNODE_BINARY) + " extract --image " + quote(dir / "none.nrrd") +
                                                   " --mask " + quote(dir / "none.nrrd") + " 2>&1");
    CHECK(missing.exitCode == 2);
    CHECK(missing.output.find("none.nrrd") != std::string::npos);

    const auto noLabel = radnode::test::runCommand(extractCommand("--label 7 2>&1"));
    CHECK(noLabel.exitCode == 2);
    CHECK(noLabel.output.find("label 7") != std::string::npos);

    const auto badRings = radnode::test::runCommand(extractCommand("--rings 3,x 2>&1"));
    CHECK(badRings.exitCode == 2);
    CHECK(badRings.output.find("--rings") != std::string::npos);

    const auto noImage = radnode::test::runCommand(quote(RADNODE_BINARY) + " extract --mask m.nrrd 2>&1");
    CHECK(noImage.exitCode == 2);
    CHECK(noImage.output.find("image") != std::string::npos);
}
