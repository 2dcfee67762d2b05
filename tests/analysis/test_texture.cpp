// The texture classes (glcm, glrlm, glszm, gldm, ngtdm): PyRadiomics' angle generation, small
// ROIs worked by hand, and the PyRadiomics baseline for every column that needs no
// resampling or normalisation.
#include "analysis/glcm.h"
#include "analysis/gldm.h"
#include "analysis/glrlm.h"
#include "analysis/glszm.h"
#include "analysis/image_io_itk.h"
#include "analysis/ngtdm.h"
#include "analysis/preprocessing.h"
#include "analysis/texture_grid.h"

#include "analysis/baseline_csv.h"

#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <functional>
#include <map>
#include <sstream>

using namespace radnode::analysis;

namespace {

const std::filesystem::path kPyRadiomicsData = std::filesystem::path(RADNODE_TEST_DATA_DIR) / "pyradiomics";

std::map<std::string, double> byName(const FeatureList& features) {
    std::map<std::string, double> values;
    for (const auto& feature : features) values[feature.name] = feature.value;
    return values;
}

// An image of integer grey levels (x fastest), all voxels in the ROI unless 0, discretised
// with bin width 1 so that level = value - minimum + 1.
DiscretizedRoi roiOf(const std::array<std::size_t, 3>& size, const std::vector<double>& values,
                     const std::array<double, 3>& spacing = {1.0, 1.0, 1.0}) {
    Geometry geometry;
    geometry.size = size;
    geometry.spacing = spacing;
    Mask mask{geometry, {}};
    for (const double value : values) mask.voxels.push_back(value != 0.0 ? 1 : 0);
    Settings settings;
    settings.binWidth = 1.0;
    return discretize(Image{geometry, values}, mask, settings);
}

using TextureClass = std::function<FeatureList(const DiscretizedRoi&, const Settings&,
                                               const std::vector<std::string>&, DiagnosticList&)>;

const std::map<std::string, TextureClass>& textureClasses() {
    static const std::map<std::string, TextureClass> classes{
        {"glcm", computeGlcm}, {"glrlm", computeGlrlm}, {"glszm", computeGlszm},
        {"gldm", computeGldm}, {"ngtdm", computeNgtdm}};
    return classes;
}

} // namespace

TEST_CASE("texture angles follow PyRadiomics' generation order and limits") {
    const auto angles3d = textureAngles({5, 5, 5}, {1}, false, -1);
    REQUIRE(angles3d.size() == 13);
    CHECK(angles3d.front() == TextureAngle{1, 1, 1});
    CHECK(angles3d[4] == TextureAngle{1, 0, 0});
    CHECK(angles3d.back() == TextureAngle{0, 0, 1});
    CHECK(textureAngles({5, 5, 5}, {1}, true, -1).size() == 26);

    // A single slice and force2D on axis 0 both leave the 4 in-plane directions.
    const auto slice = textureAngles({1, 5, 5}, {1}, false, -1);
    const auto forced = textureAngles({5, 5, 5}, {1}, false, 0);
    REQUIRE(slice.size() == 4);
    CHECK(slice == forced);
    CHECK(slice == std::vector<TextureAngle>{{0, 1, 1}, {0, 1, 0}, {0, 1, -1}, {0, 0, 1}});
    // force2Ddimension 2 (sagittal) keeps x fixed.
    for (const auto& angle : textureAngles({5, 5, 5}, {1}, true, 2)) CHECK(angle[2] == 0);

    // Distance 2 in 2D is the 16-voxel ring; a side of 2 voxels allows offsets of 1 only.
    CHECK(textureAngles({1, 9, 9}, {1, 2}, true, -1).size() == 24);
    CHECK(textureAngles({1, 9, 9}, {2}, false, -1).size() == 8);
    CHECK(textureAngles({1, 2, 5}, {2}, true, -1).size() == 6);
    CHECK(textureAngles({1, 1, 1}, {1}, true, -1).empty());
    CHECK_THROWS_AS(textureAngles({5, 5, 5}, {0}, false, -1), std::invalid_argument);
}

TEST_CASE("the texture grid is the ROI's bounding box with a zero border") {
    // 4 x 3 x 1 grid; ROI in the middle row's last three voxels.
    const DiscretizedRoi roi = roiOf({4, 3, 1}, {0, 0, 0, 0, 0, 5, 6, 5, 0, 0, 0, 0});
    const TextureGrid grid = makeTextureGrid(roi, 1, -1);
    CHECK(grid.size == std::array<int, 3>{1, 1, 3});
    CHECK(grid.border == std::array<int, 3>{0, 0, 1});
    CHECK(grid.levels == std::vector<int>{0, 1, 2, 1, 0});
    CHECK(grid.roiVoxels == std::vector<std::size_t>{1, 2, 3});
    CHECK(grid.presentLevels == std::vector<int>{1, 2});
    CHECK(grid.maxLevel == 2);
}

TEST_CASE("glcm of a three-voxel row, worked by hand") {
    // Levels 1 1 2 along x: pairs (1,1), (1,2); symmetrical p = [[1/2, 1/4], [1/4, 0]].
    const DiscretizedRoi roi = roiOf({3, 1, 1}, {1, 1, 2});
    DiagnosticList diagnostics;
    const auto values = byName(computeGlcm(roi, Settings{}, {}, diagnostics));
    CHECK(values.size() == 24);
    CHECK(values.at("Contrast") == doctest::Approx(0.5));
    CHECK(values.at("JointEnergy") == doctest::Approx(0.375));
    CHECK(values.at("JointAverage") == doctest::Approx(1.25));
    CHECK(values.at("SumAverage") == doctest::Approx(2.5));
    CHECK(values.at("Autocorrelation") == doctest::Approx(1.5));
    CHECK(values.at("MaximumProbability") == doctest::Approx(0.5));
    CHECK(values.at("JointEntropy") == doctest::Approx(1.5));
    CHECK(values.at("DifferenceAverage") == doctest::Approx(0.5));
    CHECK(values.at("Id") == doctest::Approx(0.75));
    CHECK(values.at("Idn") == doctest::Approx(0.5 + 0.5 / 1.5));
    CHECK(values.at("InverseVariance") == doctest::Approx(0.5));
    CHECK(values.at("SumSquares") == doctest::Approx(0.1875)); // 3/4 (1 - 1.25)^2 + 1/4 (2 - 1.25)^2
    CHECK(diagnostics.empty());

    // Without symmetry only (1,1) and (1,2) remain: p = [[1/2, 1/2], [0, 0]].
    Settings asymmetric;
    asymmetric.symmetricalGLCM = false;
    const auto raw = byName(computeGlcm(roi, asymmetric, {"JointAverage", "Contrast"}, diagnostics));
    CHECK(raw.at("JointAverage") == doctest::Approx(1.0));
    CHECK(raw.at("Contrast") == doctest::Approx(0.5));
    REQUIRE(diagnostics.size() == 1);
    CHECK(diagnostics.front().feature == "JointAverage");
}

TEST_CASE("glcm weights directions by distance only when weightingNorm is set") {
    // A 2 x 2 square: the x pairs are (1,2) and (3,4), the y pairs (1,3) and (2,4); the
    // diagonals pair (1,4) and (2,3). Without weighting each direction is its own matrix.
    const DiscretizedRoi roi = roiOf({2, 2, 1}, {1, 2, 3, 4}, {1.0, 2.0, 1.0});
    DiagnosticList diagnostics;
    const auto perDirection = byName(computeGlcm(roi, Settings{}, {"Contrast"}, diagnostics));
    // Contrasts: x 1, y 4, diagonals 9 and 1: mean 15 / 4.
    CHECK(perDirection.at("Contrast") == doctest::Approx(15.0 / 4.0));

    // Merged, each direction counts by its number of (symmetrised) pairs: 2, 4, 2 and 4.
    Settings summed;
    summed.weightingNorm = WeightingNorm::NoWeighting;
    CHECK(byName(computeGlcm(roi, summed, {"Contrast"}, diagnostics)).at("Contrast") ==
          doctest::Approx((9.0 * 2 + 4.0 * 4 + 1.0 * 2 + 1.0 * 4) / 12.0));

    // Infinity norm with spacing x 1, y 2: weight e^-1 for x, e^-4 for y and both diagonals.
    Settings weighted;
    weighted.weightingNorm = WeightingNorm::Infinity;
    const double wx = std::exp(-1.0);
    const double wy = std::exp(-4.0);
    const double expected = (wy * (9.0 * 2 + 4.0 * 4 + 1.0 * 2) + wx * 1.0 * 4) / (wy * 8 + wx * 4);
    CHECK(byName(computeGlcm(roi, weighted, {"Contrast"}, diagnostics)).at("Contrast") == doctest::Approx(expected));
    CHECK(diagnostics.empty());
}

TEST_CASE("glcm names deprecated features only when asked and rejects unknown ones") {
    const DiscretizedRoi roi = roiOf({3, 1, 1}, {1, 1, 2});
    DiagnosticList diagnostics;
    const auto features = computeGlcm(roi, Settings{}, {"SumVariance", "Idn"}, diagnostics);
    REQUIRE(features.size() == 1);
    CHECK(features.front().name == "Idn");
    REQUIRE(diagnostics.size() == 1);
    CHECK(diagnostics.front().feature == "SumVariance");
    CHECK(diagnostics.front().message.find("ClusterTendency") != std::string::npos);
    for (const auto& [name, compute] : textureClasses()) {
        CAPTURE(name);
        CHECK_THROWS_WITH_AS(compute(roi, Settings{}, {"NoSuchFeature"}, diagnostics),
                             doctest::Contains("NoSuchFeature"), std::invalid_argument);
    }
    CHECK(computeGldm(roi, Settings{}, {"DependencePercentage"}, diagnostics).empty());
}

TEST_CASE("glrlm of a three-voxel row, worked by hand") {
    // One direction; runs: level 1 of length 2, level 2 of length 1.
    const DiscretizedRoi roi = roiOf({3, 1, 1}, {1, 1, 2});
    DiagnosticList diagnostics;
    const auto values = byName(computeGlrlm(roi, Settings{}, {}, diagnostics));
    CHECK(values.size() == 16);
    CHECK(values.at("ShortRunEmphasis") == doctest::Approx(0.625));
    CHECK(values.at("LongRunEmphasis") == doctest::Approx(2.5));
    CHECK(values.at("RunPercentage") == doctest::Approx(2.0 / 3.0));
    CHECK(values.at("GrayLevelNonUniformity") == doctest::Approx(1.0));
    CHECK(values.at("RunLengthNonUniformityNormalized") == doctest::Approx(0.5));
    CHECK(values.at("HighGrayLevelRunEmphasis") == doctest::Approx(2.5));
    CHECK(values.at("LongRunLowGrayLevelEmphasis") == doctest::Approx((4.0 + 0.25) / 2.0));
    CHECK(values.at("RunEntropy") == doctest::Approx(1.0));
    CHECK(diagnostics.empty());
}

TEST_CASE("glrlm runs stop at voxels outside the ROI") {
    // Levels 1 _ 1 along x: two runs of length 1, not one of length 2 (and the ROI voxels on
    // one line keep the direction).
    const DiscretizedRoi roi = roiOf({3, 1, 1}, {1, 0, 1});
    DiagnosticList diagnostics;
    const auto values = byName(computeGlrlm(roi, Settings{}, {"ShortRunEmphasis", "RunPercentage"}, diagnostics));
    CHECK(values.at("ShortRunEmphasis") == 1.0);
    CHECK(values.at("RunPercentage") == 1.0);
}

TEST_CASE("glrlm drops a direction in which no line holds two ROI voxels") {
    // Two voxels of one level on a diagonal of a 2 x 1 x 2 box (x, z). Only the (z+1, x+1)
    // direction sees both, as one run of 2; along x, along z and the other diagonal every line
    // holds at most one ROI voxel, so PyRadiomics empties and then drops those directions.
    const DiscretizedRoi roi = roiOf({2, 1, 2}, {5, 0, 0, 5});
    DiagnosticList diagnostics;
    const auto values = byName(computeGlrlm(roi, Settings{}, {"ShortRunEmphasis", "RunPercentage"}, diagnostics));
    CHECK(values.at("ShortRunEmphasis") == 0.25);
    CHECK(values.at("RunPercentage") == 0.5);
    CHECK(diagnostics.empty());
}

TEST_CASE("glszm zones are 8-connected in 2D") {
    // 1 2 2 / 2 1 2 / 2 2 1: the diagonal of 1s is one zone of 3, the 2s one zone of 6.
    const DiscretizedRoi roi = roiOf({3, 3, 1}, {1, 2, 2, 2, 1, 2, 2, 2, 1});
    DiagnosticList diagnostics;
    const auto values = byName(computeGlszm(roi, Settings{}, {}, diagnostics));
    CHECK(values.size() == 16);
    CHECK(values.at("ZonePercentage") == doctest::Approx(2.0 / 9.0));
    CHECK(values.at("SmallAreaEmphasis") == doctest::Approx((1.0 / 9.0 + 1.0 / 36.0) / 2.0));
    CHECK(values.at("LargeAreaEmphasis") == doctest::Approx(22.5));
    CHECK(values.at("GrayLevelNonUniformity") == doctest::Approx(1.0));
    CHECK(values.at("SizeZoneNonUniformityNormalized") == doctest::Approx(0.5));
    CHECK(values.at("ZoneVariance") == doctest::Approx(2.25));
    CHECK(values.at("ZoneEntropy") == doctest::Approx(1.0));
    CHECK(diagnostics.empty());
}

TEST_CASE("glszm zones are 26-connected in 3D and per slice with force2D") {
    // Two voxels of one level touching only at a corner across slices.
    const DiscretizedRoi roi = roiOf({2, 2, 2}, {3, 0, 0, 0, 0, 0, 0, 3});
    DiagnosticList diagnostics;
    CHECK(byName(computeGlszm(roi, Settings{}, {"ZonePercentage"}, diagnostics)).at("ZonePercentage") == 0.5);
    Settings force2D;
    force2D.force2D = true;
    CHECK(byName(computeGlszm(roi, force2D, {"ZonePercentage"}, diagnostics)).at("ZonePercentage") == 1.0);
}

TEST_CASE("gldm counts neighbours within gldm_a, worked by hand") {
    // Levels 1 1 2: dependent neighbours 1, 1, 0 with a = 0; 1, 2, 1 with a = 1.
    const DiscretizedRoi roi = roiOf({3, 1, 1}, {1, 1, 2});
    DiagnosticList diagnostics;
    const auto strict = byName(computeGldm(roi, Settings{}, {}, diagnostics));
    CHECK(strict.size() == 14);
    CHECK(strict.at("SmallDependenceEmphasis") == doctest::Approx(0.5));
    CHECK(strict.at("LargeDependenceEmphasis") == doctest::Approx(3.0));
    CHECK(strict.at("GrayLevelNonUniformity") == doctest::Approx(5.0 / 3.0));
    CHECK(strict.at("DependenceNonUniformity") == doctest::Approx(5.0 / 3.0));
    Settings tolerant;
    tolerant.gldm_a = 1;
    const auto loose = byName(computeGldm(roi, tolerant, {"LargeDependenceEmphasis"}, diagnostics));
    CHECK(loose.at("LargeDependenceEmphasis") == doctest::Approx(17.0 / 3.0));
    CHECK(diagnostics.empty());
}

TEST_CASE("ngtdm of a three-voxel row, worked by hand") {
    // Differences to the neighbourhood mean: 0, 0.5 (level 1) and 1 (level 2).
    const DiscretizedRoi roi = roiOf({3, 1, 1}, {1, 1, 2});
    DiagnosticList diagnostics;
    const auto values = byName(computeNgtdm(roi, Settings{}, {}, diagnostics));
    CHECK(values.size() == 5);
    CHECK(values.at("Coarseness") == doctest::Approx(1.5));
    CHECK(values.at("Contrast") == doctest::Approx(1.0 / 9.0));
    CHECK(values.at("Busyness") == 0.0); // 1 * 2/3 == 2 * 1/3
    CHECK(values.at("Complexity") == doctest::Approx(4.0 / 9.0));
    CHECK(values.at("Strength") == doctest::Approx(4.0 / 3.0));
    CHECK(diagnostics.empty());
}

TEST_CASE("a single-voxel ROI gives NaN with a diagnostic in every texture class") {
    const DiscretizedRoi roi = roiOf({3, 1, 1}, {0, 7, 0});
    for (const auto& [name, compute] : textureClasses()) {
        CAPTURE(name);
        DiagnosticList diagnostics;
        const auto features = compute(roi, Settings{}, {}, diagnostics);
        REQUIRE_FALSE(features.empty());
        for (const auto& feature : features) {
            CAPTURE(feature.name);
            // PyRadiomics returns 1 for the MCC of a single grey level before anything else.
            if (feature.name == "MCC") {
                CHECK(feature.value == 1.0);
            } else {
                CHECK(std::isnan(feature.value));
            }
        }
        CHECK(diagnostics.size() == features.size() - (name == "glcm" ? 1 : 0));
    }
}

TEST_CASE("texture features do not depend on cropping the grid to the ROI") {
    const Image image = readImage(kPyRadiomicsData / "breast1_image.nrrd");
    const Mask mask = readMask(kPyRadiomicsData / "breast1_label.nrrd");
    const IndexBox box = padded(boundingBox(mask), mask.geometry, 3);
    const DiscretizedRoi whole = discretize(image, mask, Settings{});
    const DiscretizedRoi cropped = discretize(crop(image, box), crop(mask, box), Settings{});
    for (const auto& [name, compute] : textureClasses()) {
        CAPTURE(name);
        DiagnosticList diagnostics;
        const auto a = compute(whole, Settings{}, {}, diagnostics);
        const auto b = compute(cropped, Settings{}, {}, diagnostics);
        REQUIRE(a.size() == b.size());
        for (std::size_t i = 0; i < a.size(); ++i) {
            CAPTURE(a[i].name);
            CHECK(a[i].value == b[i].value);
        }
    }
}

namespace {

// The settings of one baseline column, from its diagnostics_Configuration_Settings cell.
// Columns that need resampling or normalisation are not run here.
Settings settingsOf(const std::map<std::string, std::string>& configuration) {
    auto value = [&](const std::string& key) {
        const auto found = configuration.find(key);
        return found == configuration.end() ? std::string() : found->second;
    };
    auto integers = [](std::string list) {
        std::vector<double> numbers;
        for (char& c : list) {
            if (c == '[' || c == ']' || c == ',') c = ' ';
        }
        std::istringstream in(list);
        for (double number = 0; in >> number;) numbers.push_back(number);
        return numbers;
    };
    REQUIRE(value("resampledPixelSpacing") == "None");
    REQUIRE(value("normalize") == "False");
    Settings settings;
    if (!value("binWidth").empty()) settings.binWidth = std::stod(value("binWidth"));
    if (!value("binCount").empty()) settings.binCount = std::stoi(value("binCount"));
    settings.force2D = value("force2D") == "True";
    if (!value("force2Ddimension").empty()) settings.force2Ddimension = std::stoi(value("force2Ddimension"));
    settings.distances.clear();
    for (const double distance : integers(value("distances"))) settings.distances.push_back(static_cast<int>(distance));
    if (!value("gldm_a").empty()) settings.gldm_a = std::stod(value("gldm_a"));
    const std::string norm = value("weightingNorm");
    REQUIRE((norm.empty() || norm == "None" || norm == "'no_weighting'"));
    if (norm == "'no_weighting'") settings.weightingNorm = WeightingNorm::NoWeighting;
    REQUIRE((value("resegmentMode").empty() || value("resegmentMode") == "'absolute'"));
    if (value("resegmentRange") != "None" && !value("resegmentRange").empty()) {
        settings.resegmentRange = integers(value("resegmentRange"));
    }
    return settings;
}

} // namespace

TEST_CASE("texture classes match the PyRadiomics baseline") {
    std::map<std::string, radnode::testing::BaselineCsv> baselines;
    for (const auto& [name, compute] : textureClasses()) {
        baselines.emplace(name, kPyRadiomicsData / "baseline" / ("baseline_" + name + ".csv"));
    }
    int compared = 0;
    double worst = 0.0; // largest relative deviation, shown with --success
    std::string worstAt;
    for (const std::string caseName : {"brain1", "brain2", "breast1"}) {
        const Image image = readImage(kPyRadiomicsData / (caseName + "_image.nrrd"));
        const Mask originalMask = readMask(kPyRadiomicsData / (caseName + "_label.nrrd"));
        for (const std::string variant : {"", "_2d", "_FBN", "_combined", "_flatRegion"}) {
            const std::string column = caseName + variant;
            CAPTURE(column);
            const auto& glcmBaseline = baselines.at("glcm");
            const Settings settings = settingsOf(
                radnode::testing::parsePythonDict(glcmBaseline.text("diagnostics_Configuration_Settings", column)));
            const Mask mask =
                settings.resegmentRange.empty() ? originalMask : resegmentMask(image, originalMask, settings);
            const IndexBox box = boundingBox(mask);
            const DiscretizedRoi roi = discretize(crop(image, box), crop(mask, box), settings);

            for (const auto& [className, compute] : textureClasses()) {
                const auto& baseline = baselines.at(className);
                if (!baseline.has("diagnostics_Configuration_Settings", column)) continue;
                CAPTURE(className);
                DiagnosticList diagnostics;
                const auto values = byName(compute(roi, settings, {}, diagnostics));
                const auto rows = baseline.rowsWithPrefix("original_" + className + "_");
                CHECK(rows.size() == values.size());
                for (const auto& row : rows) {
                    const std::string name = row.substr(("original_" + className + "_").size());
                    CAPTURE(name);
                    REQUIRE(values.count(name) == 1);
                    const double expected = baseline.value(row, column);
                    CHECK_MESSAGE(radnode::testing::closeToBaseline(values.at(name), expected, 1e-6),
                                  "got " << values.at(name) << ", baseline " << expected);
                    if (expected != 0.0 && std::abs(values.at(name) - expected) / std::abs(expected) > worst) {
                        worst = std::abs(values.at(name) - expected) / std::abs(expected);
                        worstAt = column + " " + className + "_" + name;
                    }
                    ++compared;
                }
                CHECK(diagnostics.empty());
            }
        }
    }
    MESSAGE("largest relative deviation " << worst << " at " << worstAt);
    CHECK(compared == 3 * (5 * 24 + 5 * 16 + 4 * 16 + 4 * 14 + 4 * 5));
}
