#include "analysis/extractor.h"
#include "analysis/image_io_itk.h"
#include "analysis/image_types.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <stdexcept>

using namespace radnode::analysis;

namespace {

const std::filesystem::path kData = RADNODE_TEST_DATA_DIR;

struct Scene {
    Image image;
    Mask mask;
};

// A 12 x 10 x 4 ramp with a 6 x 5 x 2 ROI; intensities 0..(x + 7 y + 31 z).
Scene scene() {
    Geometry g;
    g.size = {12, 10, 4};
    g.spacing = {0.5, 0.7, 2.0};
    Scene s{Image{g, std::vector<double>(g.voxelCount())}, Mask{g, std::vector<std::uint8_t>(g.voxelCount(), 0)}};
    for (std::size_t z = 0; z < 4; ++z)
        for (std::size_t y = 0; y < 10; ++y)
            for (std::size_t x = 0; x < 12; ++x) {
                s.image.voxels[g.offset(x, y, z)] = static_cast<double>(x + 7 * y + 31 * z);
                if (x >= 3 && x < 9 && y >= 2 && y < 7 && z >= 1 && z < 3) s.mask.voxels[g.offset(x, y, z)] = 1;
            }
    return s;
}

ExtractionParams paramsWith(std::map<std::string, std::vector<std::string>> classes, Settings settings = {}) {
    ExtractionParams params;
    params.settings = settings;
    params.imageTypes = {{"Original", settings}};
    params.featureClasses = std::move(classes);
    return params;
}

std::map<std::string, double> byName(const FeatureList& features) {
    std::map<std::string, double> values;
    for (const auto& feature : features) values[feature.name] = feature.value;
    return values;
}

std::string errorOf(const Scene& s, const ExtractionParams& params) {
    try {
        extract(s.image, s.mask, params);
    } catch (const std::invalid_argument& error) {
        return error.what();
    }
    return "no error";
}

bool hasDiagnostic(const ExtractionResult& result, const std::string& name) {
    return std::any_of(result.diagnostics.begin(), result.diagnostics.end(),
                       [&name](const Diagnostic& d) { return d.feature == name; });
}

} // namespace

TEST_CASE("features carry PyRadiomics' full names, shape first") {
    const Scene s = scene();
    const auto result = extract(s.image, s.mask, paramsWith({{"firstorder", {"Mean", "Maximum"}}, {"shape", {"VoxelVolume"}}}));
    REQUIRE(result.features.size() == 3);
    CHECK(result.features[0].name == "original_shape_VoxelVolume");
    CHECK(result.features[0].value == doctest::Approx(60 * 0.5 * 0.7 * 2.0));
    CHECK(result.features[1].name == "original_firstorder_Mean");
    CHECK(result.features[2].name == "original_firstorder_Maximum");
    CHECK(result.features[2].value == 8 + 7 * 6 + 31 * 2);
    CHECK(hasDiagnostic(result, "diagnostics_Mask-original_BoundingBox"));
    CHECK(hasDiagnostic(result, "diagnostics_Configuration_Settings"));
}

TEST_CASE("unknown classes, features, image types and impossible settings are refused by name") {
    const Scene s = scene();
    CHECK(errorOf(s, paramsWith({{"glcmm", {}}})) == "unknown feature class 'glcmm'");
    CHECK(errorOf(s, paramsWith({{"firstorder", {"Meen"}}})) == "feature class firstorder has no feature 'Meen'");
    ExtractionParams params = paramsWith({{"firstorder", {}}});
    params.imageTypes.push_back({"Sobel", Settings{}});
    CHECK(errorOf(s, params) == "unknown image type 'Sobel'");
    Settings bad;
    bad.binWidth = 0;
    CHECK(errorOf(s, paramsWith({{"firstorder", {}}}, bad)) == "settings: binWidth: must be a positive number");
    Settings thin;
    thin.minimumROIDimensions = 3;
    Scene flat = scene();
    for (std::size_t i = 0; i < flat.mask.voxels.size(); ++i) {
        if (i >= flat.mask.geometry.offset(0, 0, 2)) flat.mask.voxels[i] = 0; // one slice left
    }
    CHECK(errorOf(flat, paramsWith({{"firstorder", {}}}, thin)).find("minimumROIDimensions is 3") != std::string::npos);
}

TEST_CASE("each image type uses its own settings; preprocessing uses the global ones") {
    const Scene s = scene();
    ExtractionParams params = paramsWith({{"firstorder", {"Entropy"}}});
    const double coarse = byName(extract(s.image, s.mask, params).features).at("original_firstorder_Entropy");
    params.imageTypes[0].settings.binWidth = 2;
    const double fine = byName(extract(s.image, s.mask, params).features).at("original_firstorder_Entropy");
    CHECK(fine > coarse);
}

TEST_CASE("preCrop changes nothing for the original image") {
    const Scene s = scene();
    Settings cropping;
    cropping.preCrop = true;
    cropping.padDistance = 1;
    const auto plain = extract(s.image, s.mask, paramsWith({{"firstorder", {}}, {"shape", {}}})).features;
    const auto cropped = extract(s.image, s.mask, paramsWith({{"firstorder", {}}, {"shape", {}}}, cropping)).features;
    REQUIRE(plain.size() == cropped.size());
    for (std::size_t i = 0; i < plain.size(); ++i) {
        CHECK(plain[i].name == cropped[i].name);
        CHECK(plain[i].value == cropped[i].value);
    }
}

TEST_CASE("re-segmentation reaches shape only with resegmentShape") {
    const Scene s = scene();
    Settings settings;
    settings.resegmentRange = {70}; // keeps 41 of the 60 ROI voxels, all in the ROI's box
    const auto textureOnly = byName(extract(s.image, s.mask, paramsWith({{"firstorder", {"Minimum"}}, {"shape", {"VoxelVolume"}}}, settings)).features);
    CHECK(textureOnly.at("original_firstorder_Minimum") >= 70);
    CHECK(textureOnly.at("original_shape_VoxelVolume") == doctest::Approx(60 * 0.7));
    settings.resegmentShape = true;
    const auto both = byName(extract(s.image, s.mask, paramsWith({{"firstorder", {"Minimum"}}, {"shape", {"VoxelVolume"}}}, settings)).features);
    CHECK(both.at("original_shape_VoxelVolume") == doctest::Approx(41 * 0.7));
}

TEST_CASE("shape2D needs force2D and a one-slice ROI") {
    Scene s = scene();
    const auto skipped = extract(s.image, s.mask, paramsWith({{"shape2D", {"PixelSurface"}}}));
    CHECK(skipped.features.empty());
    CHECK(hasDiagnostic(skipped, "original_shape2D"));

    for (std::size_t i = s.mask.geometry.offset(0, 0, 2); i < s.mask.voxels.size(); ++i) s.mask.voxels[i] = 0;
    Settings settings;
    settings.force2D = true;
    const auto computed = byName(extract(s.image, s.mask, paramsWith({{"shape2D", {"PixelSurface"}}}, settings)).features);
    CHECK(computed.at("original_shape2D_PixelSurface") == doctest::Approx(30 * 0.5 * 0.7));
}

TEST_CASE("no diagnostics_* without additionalInfo") {
    const Scene s = scene();
    Settings quiet;
    quiet.additionalInfo = false;
    const auto result = extract(s.image, s.mask, paramsWith({{"firstorder", {"Mean"}}}, quiet));
    CHECK(!hasDiagnostic(result, "diagnostics_Configuration_Settings"));
}

TEST_CASE("diagnostics follow PyRadiomics' generalinfo on breast1") {
    const Image image = readImage(kData / "pyradiomics" / "breast1_image.nrrd");
    const Mask mask = readMask(kData / "pyradiomics" / "breast1_label.nrrd");
    CHECK(image.storedType == StoredType::Int16);
    const auto result = extract(image, mask, paramsWith({{"firstorder", {"Mean"}}}));
    std::map<std::string, std::string> diagnostics;
    for (const auto& d : result.diagnostics) diagnostics[d.feature] = d.message;
    CHECK(diagnostics.at("diagnostics_Mask-original_BoundingBox") == "(21, 64, 8, 9, 12, 3)");
    CHECK(diagnostics.at("diagnostics_Mask-original_VoxelNum") == "143");
    CHECK(diagnostics.at("diagnostics_Mask-original_VolumeNum") == "1");
    CHECK(diagnostics.at("diagnostics_Image-original_Size") == "(45, 120, 21)");
}

TEST_CASE("local filters give the same values at the ROI on their cropped input as on the whole image") {
    const Image image = readImage(kData / "pyradiomics" / "breast1_image.nrrd");
    const Mask mask = readMask(kData / "pyradiomics" / "breast1_label.nrrd");
    const IndexBox roi = boundingBox(mask);

    std::vector<ImageTypeSpec> specs(4);
    specs[0].name = "Wavelet"; // coif1, level 1: 5 voxels each side, all axes cut
    specs[1].name = "Wavelet";
    specs[1].settings.wavelet = "db2";
    specs[1].settings.level = 2;
    specs[1].settings.start_level = 1; // 9 voxels: z keeps the whole axis
    specs[2].name = "LBP2D";
    specs[3].name = "LBP2D";
    specs[3].settings.lbp2DRadius = 2.5;
    for (const auto& spec : specs) {
        const IndexBox input = filterInputBox(spec, roi, image.geometry);
        CAPTURE(spec.name);
        CAPTURE(spec.settings.wavelet);
        REQUIRE(input.extent()[0] < image.geometry.size[0]);
        const auto whole = deriveImages(spec, image, mask);
        const auto cut = deriveImages(spec, crop(image, input), crop(mask, input));
        REQUIRE(whole.size() == cut.size());
        IndexBox roiInCut = roi;
        for (int a = 0; a < 3; ++a) {
            roiInCut.lower[a] -= input.lower[a];
            roiInCut.upper[a] -= input.lower[a];
        }
        for (std::size_t i = 0; i < whole.size(); ++i) {
            CHECK(whole[i].name == cut[i].name);
            CHECK(crop(whole[i].image, roi).voxels == crop(cut[i].image, roiInCut).voxels);
        }
    }
    ImageTypeSpec db2;
    db2.name = "Wavelet";
    db2.settings.wavelet = "db2";
    db2.settings.level = 2;
    db2.settings.start_level = 1;
    CHECK(filterInputBox(db2, roi, image.geometry).extent()[2] == image.geometry.size[2]);
    ImageTypeSpec square;
    square.name = "Square"; // scaled by the whole image's maximum
    CHECK(filterInputBox(square, roi, image.geometry).extent() == image.geometry.size);
}
