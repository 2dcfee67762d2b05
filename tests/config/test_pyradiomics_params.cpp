#include "config/pyradiomics_params.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <stdexcept>

using namespace radnode;

namespace {

const std::filesystem::path kData = RADNODE_TEST_DATA_DIR;

std::vector<std::string> imageTypeNames(const analysis::ExtractionParams& params) {
    std::vector<std::string> names;
    for (const auto& spec : params.imageTypes) names.push_back(spec.name);
    return names;
}

std::string errorOf(const std::string& yaml) {
    try {
        config::parsePyradiomicsParams(yaml, "params.yaml");
    } catch (const std::invalid_argument& error) {
        return error.what();
    }
    return "no error";
}

} // namespace

TEST_CASE("the breast1 filters parameter file reads as PyRadiomics reads it") {
    const auto params = config::readPyradiomicsParams(kData / "pyradiomics-filters" / "breast1_filters.yaml");
    CHECK(params.settings.binWidth == 25.0);
    CHECK(params.settings.label == 1);
    CHECK(imageTypeNames(params) == std::vector<std::string>{"Original", "Wavelet", "Square", "SquareRoot", "Logarithm",
                                                             "Exponential", "LBP2D", "LBP3D"});
    CHECK(params.featureClasses.size() == 7);
    CHECK(params.featureClasses.count("shape2D") == 0);
    for (const auto& [name, features] : params.featureClasses) CHECK(features.empty());
    // Defaults PyRadiomics' extractor applies.
    CHECK(params.settings.minimumROIDimensions == 2);
    CHECK(params.settings.interpolator == analysis::Interpolator::BSpline);
    CHECK(!params.settings.resampledPixelSpacing);
    CHECK(params.settings.padDistance == 5.0);
}

TEST_CASE("the benchmark parameter files read") {
    const auto us2d = config::readPyradiomicsParams(kData / "bench" / "timing_d_us2d_filters.yaml");
    CHECK(us2d.settings.force2D);
    CHECK(us2d.settings.force2Ddimension == 0);
    CHECK(us2d.featureClasses.count("shape2D") == 1);
    CHECK(us2d.imageTypes.size() == 7);
    CHECK(us2d.imageTypes.back().settings.force2D); // image types inherit the global settings

    const auto synth = config::readPyradiomicsParams(kData / "bench" / "timing_e_synth3d_wavelet.yaml");
    CHECK(imageTypeNames(synth) == std::vector<std::string>{"Original", "Wavelet"});

    const auto brain = config::readPyradiomicsParams(kData / "bench" / "timing_c_brain1_filters.yaml");
    CHECK(brain.imageTypes.size() == 8);
}

TEST_CASE("every setting, with image-type overrides") {
    const auto params = config::parsePyradiomicsParams(R"(
setting:
  minimumROIDimensions: 1
  minimumROISize: 20
  geometryTolerance: 0.0001
  correctMask: true
  additionalInfo: false
  label: 2
  label_channel: 0
  binCount: 32
  normalize: yes
  normalizeScale: 100
  removeOutliers: 3
  resampledPixelSpacing: [1, 1, 0]
  interpolator: sitkLinear
  padDistance: 10
  distances: [1, 2]
  force2D: true
  force2Ddimension: 1
  resegmentRange: [-3, 3]
  resegmentMode: sigma
  resegmentShape: true
  preCrop: true
  sigma: [1.0, 3]
  start_level: 1
  level: 2
  wavelet: db2
  gradientUseSpacing: false
  lbp2DRadius: 2
  lbp2DSamples: 16
  lbp2DMethod: default
  lbp3DLevels: 3
  lbp3DIcosphereRadius: 1.5
  lbp3DIcosphereSubdivision: 2
  voxelArrayShift: 1000
  symmetricalGLCM: false
  weightingNorm: euclidean
  gldm_a: 1
voxelSetting:
  kernelRadius: 2
  maskedKernel: true
  initValue: 0
  voxelBatch: 1000
imageType:
  Original: {}
  LoG:
    sigma: [2.0]
    binWidth: 5
featureClass:
  glcm: [Idn, Contrast]
  firstorder:
)",
                                                       "inline");
    const auto& s = params.settings;
    CHECK(s.minimumROIDimensions == 1);
    CHECK(s.minimumROISize == 20);
    CHECK(s.geometryTolerance == 1e-4);
    CHECK(s.correctMask);
    CHECK(!s.additionalInfo);
    CHECK(s.label == 2);
    CHECK(s.binCount == 32);
    CHECK(s.normalize);
    CHECK(s.normalizeScale == 100);
    CHECK(s.removeOutliers == 3.0);
    REQUIRE(s.resampledPixelSpacing);
    CHECK((*s.resampledPixelSpacing)[2] == 0.0);
    CHECK(s.interpolator == analysis::Interpolator::Linear);
    CHECK(s.padDistance == 10);
    CHECK(s.distances == std::vector<int>{1, 2});
    CHECK(s.force2D);
    CHECK(s.force2Ddimension == 1);
    CHECK(s.resegmentRange == std::vector<double>{-3, 3});
    CHECK(s.resegmentMode == analysis::ResegmentMode::Sigma);
    CHECK(s.resegmentShape);
    CHECK(s.preCrop);
    CHECK(s.sigma == std::vector<double>{1.0, 3.0});
    CHECK(s.start_level == 1);
    CHECK(s.level == 2);
    CHECK(s.wavelet == "db2");
    CHECK(!s.gradientUseSpacing);
    CHECK(s.lbp2DRadius == 2);
    CHECK(s.lbp2DSamples == 16);
    CHECK(s.lbp2DMethod == "default");
    CHECK(s.lbp3DLevels == 3);
    CHECK(s.lbp3DIcosphereRadius == 1.5);
    CHECK(s.lbp3DIcosphereSubdivision == 2);
    CHECK(s.voxelArrayShift == 1000);
    CHECK(!s.symmetricalGLCM);
    CHECK(s.weightingNorm == analysis::WeightingNorm::Euclidean);
    CHECK(s.gldm_a == 1);

    REQUIRE(params.imageTypes.size() == 2);
    CHECK(params.imageTypes[0].settings.binWidth == s.binWidth);
    CHECK(params.imageTypes[1].name == "LoG");
    CHECK(params.imageTypes[1].settings.sigma == std::vector<double>{2.0});
    CHECK(params.imageTypes[1].settings.binWidth == 5);
    CHECK(params.imageTypes[1].settings.label == 2); // the rest is inherited

    CHECK(params.featureClasses.at("glcm") == std::vector<std::string>{"Idn", "Contrast"});
    CHECK(params.featureClasses.at("firstorder").empty());
}

TEST_CASE("an empty file gives PyRadiomics' defaults: Original, every class") {
    const auto params = config::parsePyradiomicsParams("# nothing\n", "empty.yaml");
    CHECK(imageTypeNames(params) == std::vector<std::string>{"Original"});
    CHECK(params.featureClasses.size() == 8);
    CHECK(params.featureClasses.count("shape2D") == 1);
}

TEST_CASE("interpolator null switches resampling off, as in PyRadiomics") {
    const auto params = config::parsePyradiomicsParams(
        "setting:\n  resampledPixelSpacing: [2, 2, 2]\n  interpolator: null\n", "p.yaml");
    CHECK(!params.settings.resampledPixelSpacing);
    const auto numbered = config::parsePyradiomicsParams("setting:\n  interpolator: 3\n", "p.yaml");
    CHECK(numbered.settings.interpolator == analysis::Interpolator::BSpline);
}

TEST_CASE("errors name the file, the line and the key") {
    CHECK(errorOf("setting:\n  binWidth: 25\n  binWdth: 25\n") ==
          "params.yaml:3: binWdth: unknown setting (PyRadiomics has no setting of this name)");
    CHECK(errorOf("setting:\n  binWidth: -1\n") == "params.yaml:2: binWidth: must be greater than 0, got -1");
    CHECK(errorOf("setting:\n  binWidth: wide\n") == "params.yaml:2: binWidth: expected a number, got 'wide'");
    CHECK(errorOf("setting:\n  binCount: 2.5\n") == "params.yaml:2: binCount: expected an integer, got '2.5'");
    CHECK(errorOf("setting:\n  binWidth: '25'\n") == "params.yaml:2: binWidth: expected a number, got '25'");
    CHECK(errorOf("setting:\n  force2D: maybe\n") == "params.yaml:2: force2D: expected true or false, got 'maybe'");
    CHECK(errorOf("setting:\n  minimumROIDimensions: 4\n") ==
          "params.yaml:2: minimumROIDimensions: must be between 1 and 3, got 4");
    CHECK(errorOf("setting:\n  resampledPixelSpacing: [1, 1]\n") ==
          "params.yaml:2: resampledPixelSpacing: needs 3 values (x, y, z; 0 keeps a spacing), got 2");
    CHECK(errorOf("setting:\n  resegmentRange: [1, 2, 3]\n").find("params.yaml:2: resegmentRange:") == 0);
    CHECK(errorOf("setting:\n  resegmentMode: percent\n").find("params.yaml:2: resegmentMode:") == 0);
    CHECK(errorOf("setting:\n  interpolator: sitkCubic\n").find("params.yaml:2: interpolator: unknown interpolator") == 0);
    CHECK(errorOf("setting:\n  wavelet: mexh\n").find("params.yaml:2: wavelet: unknown or unsupported wavelet 'mexh'") == 0);
    CHECK(errorOf("setting:\n  weightingNorm: cosine\n").find("params.yaml:2: weightingNorm:") == 0);
    CHECK(errorOf("setting:\n  label_channel: 1\n").find("params.yaml:2: label_channel:") == 0);
    CHECK(errorOf("setting:\n  label: null\n") == "params.yaml:2: label: needs a value (null is not allowed here)");
    CHECK(errorOf("setting:\n  distances: 1\n") == "params.yaml:2: distances: expected a list");
    CHECK(errorOf("imageType:\n  Original: {}\n  Wavelets: {}\n").find("params.yaml:3: Wavelets: unknown image type") == 0);
    CHECK(errorOf("imageType:\n  LoG:\n    sigma: [0]\n") == "params.yaml:3: sigma: must be greater than 0, got 0");
    CHECK(errorOf("featureClass:\n  glcmm: []\n").find("params.yaml:2: glcmm: unknown feature class") == 0);
    CHECK(errorOf("featureClass:\n  firstorder: [Mean, Meen]\n") ==
          "params.yaml:2: firstorder: feature class firstorder has no feature 'Meen'");
    CHECK(errorOf("voxelSetting:\n  kernelRadius: 0\n") == "params.yaml:2: kernelRadius: must be at least 1, got 0");
    CHECK(errorOf("settings:\n  binWidth: 25\n").find("params.yaml:1: settings: unknown section") == 0);
    CHECK(errorOf("setting: [1, 2\n").find("params.yaml:") == 0);
    CHECK_THROWS_WITH_AS(config::readPyradiomicsParams(kData / "no-such.yaml"), doctest::Contains("no-such.yaml"),
                         std::invalid_argument);
}
