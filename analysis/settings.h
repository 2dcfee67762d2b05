// PyRadiomics extraction settings, with PyRadiomics' names and defaults.
// See https://pyradiomics.readthedocs.io/en/latest/customization.html. The YAML parameter
// file reader lives in config/ (pyradiomics_params); this struct is what analysis/ needs.
#pragma once

#include <array>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace radnode::analysis {

enum class Interpolator {
    NearestNeighbor, Linear, BSpline, Gaussian, LabelGaussian, HammingWindowedSinc,
    CosineWindowedSinc, WelchWindowedSinc, LanczosWindowedSinc, BlackmanWindowedSinc
};
enum class ResegmentMode { Absolute, Relative, Sigma };
enum class ResegmentShape { Inherit, Resegmented }; // resegmentShape false / true
enum class WeightingNorm { None, Manhattan, Euclidean, Infinity, NoWeighting };

struct Settings {
    // Discretisation: binCount, when set, wins over binWidth (as in PyRadiomics).
    double binWidth = 25.0;
    std::optional<int> binCount;

    // Resampling (applied once, before filters).
    std::optional<std::array<double, 3>> resampledPixelSpacing; // 0 on an axis keeps it
    Interpolator interpolator = Interpolator::BSpline;
    double padDistance = 5.0; // voxels kept around the ROI when cropping for resampling
    bool preCrop = false;

    // Intensity normalisation of the whole image (before resampling).
    bool normalize = false;
    double normalizeScale = 1.0;
    std::optional<double> removeOutliers; // in standard deviations

    // Re-segmentation of the mask by intensity.
    std::vector<double> resegmentRange; // empty: off; one value: lower bound only
    ResegmentMode resegmentMode = ResegmentMode::Absolute;
    bool resegmentShape = false;

    // Mask checks.
    int label = 1;
    int minimumROIDimensions = 2;
    std::optional<int> minimumROISize;
    double geometryTolerance = 1e-6;
    bool correctMask = false;

    // First order.
    double voxelArrayShift = 0.0;

    // Texture.
    bool force2D = false;
    int force2Ddimension = 0; // 0 = axial (z), 1 = coronal (y), 2 = sagittal (x), numpy order
    std::vector<int> distances{1};
    bool symmetricalGLCM = true;
    WeightingNorm weightingNorm = WeightingNorm::None;
    double gldm_a = 0.0;

    // Filters (image types).
    std::vector<double> sigma;           // LoG sigmas in mm
    std::string wavelet = "coif1";
    int level = 1;
    int start_level = 0;
    double lbp2DRadius = 1.0;
    int lbp2DSamples = 8;
    std::string lbp2DMethod = "uniform";
    int lbp3DLevels = 2;
    double lbp3DIcosphereRadius = 1.0;
    int lbp3DIcosphereSubdivision = 1;
    bool gradientUseSpacing = true;

    // Deprecated features are computed only when asked for by name.
    bool additionalInfo = true;
};

// One enabled image type ("Original", "LoG", "Wavelet", "Square", ...) with its own
// settings overrides already applied on top of the global settings.
struct ImageTypeSpec {
    std::string name;
    Settings settings;
};

// What to compute: image types, feature classes (empty feature list = all non-deprecated
// features of the class), and the global settings. Mirrors a PyRadiomics parameter file.
struct ExtractionParams {
    Settings settings;
    std::vector<ImageTypeSpec> imageTypes{{"Original", Settings{}}};
    std::map<std::string, std::vector<std::string>> featureClasses{
        {"firstorder", {}}, {"shape", {}}, {"glcm", {}}, {"glrlm", {}},
        {"glszm", {}},      {"gldm", {}},  {"ngtdm", {}}};
};

} // namespace radnode::analysis
