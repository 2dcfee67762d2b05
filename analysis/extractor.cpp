#include "analysis/extractor.h"

#include "analysis/discretization.h"
#include "analysis/firstorder.h"
#include "analysis/glcm.h"
#include "analysis/gldm.h"
#include "analysis/glrlm.h"
#include "analysis/glszm.h"
#include "analysis/image_types.h"
#include "analysis/ngtdm.h"
#include "analysis/preprocessing.h"
#include "analysis/shape.h"
#include "analysis/shape2d.h"
#include "analysis/texture_grid.h"
#include "analysis/wavelet_filters.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>

namespace radnode::analysis {

namespace {

// The PyRadiomics revision whose numerics this code reproduces.
constexpr const char* kPyRadiomicsReference = "3.1.0.post111 (8ed5793)";

// ---- feature classes ---------------------------------------------------------------------

using ImageClass = std::function<FeatureList(const Image&, const Mask&, const DiscretizedRoi&, const Settings&,
                                             const std::vector<std::string>&, DiagnosticList&,
                                             const std::vector<double>* sortedIntensities)>;
using MaskClass = std::function<FeatureList(const Mask&, const Settings&, const std::vector<std::string>&,
                                            DiagnosticList&)>;
using TextureClass = std::function<FeatureList(const TextureGrid&, const Settings&,
                                               const std::vector<std::string>&, DiagnosticList&)>;

struct FeatureClass {
    std::string name;
    const std::vector<FeatureDefinition>& (*catalogue)() = nullptr;
    MaskClass shape;     // shape, shape2D: the mask alone
    ImageClass image;    // firstorder: intensities (and the histogram of the discretised ROI)
    TextureClass texture; // glcm ... ngtdm: the discretised ROI on its texture grid
};

// PyRadiomics' feature classes, in its extraction order (shape first).
const std::vector<FeatureClass>& builtClasses() {
    static const std::vector<FeatureClass> classes = [] {
        std::vector<FeatureClass> list;
        FeatureClass shape;
        shape.name = "shape";
        shape.catalogue = &shapeFeatures;
        shape.shape = &computeShape;
        list.push_back(shape);
        FeatureClass shape2D;
        shape2D.name = "shape2D";
        shape2D.catalogue = &shape2DFeatures;
        shape2D.shape = &computeShape2D;
        list.push_back(shape2D);
        FeatureClass firstorder;
        firstorder.name = "firstorder";
        firstorder.catalogue = &firstOrderFeatures;
        firstorder.image = [](const Image& image, const Mask& mask, const DiscretizedRoi& discretized,
                              const Settings& settings, const std::vector<std::string>& requested,
                              DiagnosticList& diagnostics, const std::vector<double>* sortedIntensities) {
            return computeFirstOrder(image, mask, discretized, settings, requested, diagnostics, sortedIntensities);
        };
        list.push_back(firstorder);
        using GridCompute = FeatureList (*)(const TextureGrid&, const Settings&, const std::vector<std::string>&,
                                            DiagnosticList&);
        const auto texture = [&list](const char* name, const std::vector<FeatureDefinition>& (*catalogue)(),
                                     GridCompute compute) {
            FeatureClass featureClass;
            featureClass.name = name;
            featureClass.catalogue = catalogue;
            featureClass.texture = std::move(compute);
            list.push_back(featureClass);
        };
        texture("glcm", &glcmFeatureDefinitions, &computeGlcmOnGrid);
        texture("glrlm", &glrlmFeatureDefinitions, &computeGlrlmOnGrid);
        texture("glszm", &glszmFeatureDefinitions, &computeGlszmOnGrid);
        texture("gldm", &gldmFeatureDefinitions, &computeGldmOnGrid);
        texture("ngtdm", &ngtdmFeatureDefinitions, &computeNgtdmOnGrid);
        return list;
    }();
    return classes;
}

const FeatureClass* findClass(const std::string& name) {
    for (const auto& featureClass : builtClasses()) {
        if (featureClass.name == name) return &featureClass;
    }
    return nullptr;
}

// ---- formatting for diagnostics, close to Python's repr ------------------------------------

std::string number(double value) {
    if (std::isnan(value)) return "nan";
    if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
    char text[64];
    const auto result = std::to_chars(text, text + sizeof text, value);
    std::string out(text, result.ptr);
    if (out.find_first_of(".e") == std::string::npos) out += ".0";
    return out;
}

std::string number(std::size_t value) { return std::to_string(value); }
std::string number(int value) { return std::to_string(value); }

template <typename T>
std::string tuple(const std::array<T, 3>& values) {
    return "(" + number(values[0]) + ", " + number(values[1]) + ", " + number(values[2]) + ")";
}

template <typename T>
std::string list(const std::vector<T>& values) {
    std::string out = "[";
    for (std::size_t i = 0; i < values.size(); ++i) out += (i ? ", " : "") + number(values[i]);
    return out + "]";
}

std::string boolean(bool value) { return value ? "True" : "False"; }
std::string quoted(const std::string& text) { return "'" + text + "'"; }

std::string interpolatorName(Interpolator interpolator) {
    switch (interpolator) {
    case Interpolator::NearestNeighbor: return "sitkNearestNeighbor";
    case Interpolator::Linear: return "sitkLinear";
    case Interpolator::BSpline: return "sitkBSpline";
    case Interpolator::Gaussian: return "sitkGaussian";
    case Interpolator::LabelGaussian: return "sitkLabelGaussian";
    case Interpolator::HammingWindowedSinc: return "sitkHammingWindowedSinc";
    case Interpolator::CosineWindowedSinc: return "sitkCosineWindowedSinc";
    case Interpolator::WelchWindowedSinc: return "sitkWelchWindowedSinc";
    case Interpolator::LanczosWindowedSinc: return "sitkLanczosWindowedSinc";
    case Interpolator::BlackmanWindowedSinc: return "sitkBlackmanWindowedSinc";
    }
    return "?";
}

std::string weightingName(WeightingNorm norm) {
    switch (norm) {
    case WeightingNorm::None: return "None";
    case WeightingNorm::Manhattan: return quoted("manhattan");
    case WeightingNorm::Euclidean: return quoted("euclidean");
    case WeightingNorm::Infinity: return quoted("infinity");
    case WeightingNorm::NoWeighting: return quoted("no_weighting");
    }
    return "None";
}

std::string resegmentModeName(ResegmentMode mode) {
    switch (mode) {
    case ResegmentMode::Absolute: return "absolute";
    case ResegmentMode::Relative: return "relative";
    case ResegmentMode::Sigma: return "sigma";
    }
    return "absolute";
}

// The settings as PyRadiomics prints diagnostics_Configuration_Settings (a Python dict).
std::string describeSettings(const Settings& s) {
    std::vector<std::pair<std::string, std::string>> items{
        {"minimumROIDimensions", number(s.minimumROIDimensions)},
        {"minimumROISize", s.minimumROISize ? number(*s.minimumROISize) : "None"},
        {"normalize", boolean(s.normalize)},
        {"normalizeScale", number(s.normalizeScale)},
        {"removeOutliers", s.removeOutliers ? number(*s.removeOutliers) : "None"},
        {"resampledPixelSpacing",
         s.resampledPixelSpacing ? list(std::vector<double>(s.resampledPixelSpacing->begin(), s.resampledPixelSpacing->end()))
                                 : "None"},
        {"interpolator", quoted(interpolatorName(s.interpolator))},
        {"preCrop", boolean(s.preCrop)},
        {"padDistance", number(s.padDistance)},
        {"distances", list(s.distances)},
        {"force2D", boolean(s.force2D)},
        {"force2Ddimension", number(s.force2Ddimension)},
        {"resegmentRange", s.resegmentRange.empty() ? "None" : list(s.resegmentRange)},
        {"resegmentMode", quoted(resegmentModeName(s.resegmentMode))},
        {"resegmentShape", boolean(s.resegmentShape)},
        {"label", number(s.label)},
        {"additionalInfo", boolean(s.additionalInfo)},
        {"geometryTolerance", number(s.geometryTolerance)},
        {"correctMask", boolean(s.correctMask)},
        {"binWidth", number(s.binWidth)},
        {"binCount", s.binCount ? number(*s.binCount) : "None"},
        {"voxelArrayShift", number(s.voxelArrayShift)},
        {"symmetricalGLCM", boolean(s.symmetricalGLCM)},
        {"weightingNorm", weightingName(s.weightingNorm)},
        {"gldm_a", number(s.gldm_a)},
    };
    std::string out = "{";
    for (std::size_t i = 0; i < items.size(); ++i) {
        out += (i ? ", " : "") + quoted(items[i].first) + ": " + items[i].second;
    }
    return out + "}";
}

std::string describeImageTypes(const std::vector<ImageTypeSpec>& imageTypes, const Settings& global) {
    std::string out = "{";
    for (std::size_t i = 0; i < imageTypes.size(); ++i) {
        const Settings& s = imageTypes[i].settings;
        std::string custom;
        const auto add = [&custom](const std::string& key, const std::string& value) {
            custom += (custom.empty() ? "" : ", ") + quoted(key) + ": " + value;
        };
        if (s.binWidth != global.binWidth) add("binWidth", number(s.binWidth));
        if (s.binCount != global.binCount) add("binCount", s.binCount ? number(*s.binCount) : "None");
        if (s.sigma != global.sigma) add("sigma", list(s.sigma));
        if (s.wavelet != global.wavelet) add("wavelet", quoted(s.wavelet));
        if (s.level != global.level) add("level", number(s.level));
        if (s.start_level != global.start_level) add("start_level", number(s.start_level));
        if (s.force2D != global.force2D) add("force2D", boolean(s.force2D));
        if (s.distances != global.distances) add("distances", list(s.distances));
        if (s.voxelArrayShift != global.voxelArrayShift) add("voxelArrayShift", number(s.voxelArrayShift));
        out += (i ? ", " : "") + quoted(imageTypes[i].name) + ": {" + custom + "}";
    }
    return out + "}";
}

// ---- provenance (PyRadiomics' generalinfo) -------------------------------------------------

// Connected components of the ROI with 26-connectivity (ITK's FullyConnectedOn in 3D), found
// on a copy of the ROI's bounding box `box` with an empty border, so that no neighbour lookup
// needs a bounds check.
std::size_t countVolumes(const Mask& mask, const IndexBox& box) {
    const auto extent = box.extent();
    const std::array<std::size_t, 3> size{extent[0] + 2, extent[1] + 2, extent[2] + 2};
    const auto rowStride = static_cast<std::ptrdiff_t>(size[0]);
    const auto sliceStride = static_cast<std::ptrdiff_t>(size[0] * size[1]);
    std::vector<std::uint8_t> unvisited(size[0] * size[1] * size[2], 0); // ROI voxels not yet in a volume
    for (std::size_t z = 0; z < extent[2]; ++z) {
        for (std::size_t y = 0; y < extent[1]; ++y) {
            const auto from = mask.voxels.begin() +
                              static_cast<std::ptrdiff_t>(mask.geometry.offset(box.lower[0], box.lower[1] + y, box.lower[2] + z));
            const std::size_t to = ((z + 1) * size[1] + (y + 1)) * size[0] + 1;
            std::transform(from, from + static_cast<std::ptrdiff_t>(extent[0]), unvisited.begin() + static_cast<std::ptrdiff_t>(to),
                           [](std::uint8_t v) { return static_cast<std::uint8_t>(v != 0); });
        }
    }
    // Along an axis the box is one voxel thick, every neighbour is in the border: skip those.
    const auto reach = [&](int axis) { return extent[static_cast<std::size_t>(axis)] > 1 ? std::ptrdiff_t{1} : 0; };
    std::vector<std::ptrdiff_t> neighbours;
    for (std::ptrdiff_t dz = -reach(2); dz <= reach(2); ++dz) {
        for (std::ptrdiff_t dy = -reach(1); dy <= reach(1); ++dy) {
            for (std::ptrdiff_t dx = -reach(0); dx <= reach(0); ++dx) {
                if (dz != 0 || dy != 0 || dx != 0) neighbours.push_back(dz * sliceStride + dy * rowStride + dx);
            }
        }
    }
    std::vector<std::size_t> stack;
    std::size_t volumes = 0;
    for (std::size_t start = 0; start < unvisited.size(); ++start) {
        if (!unvisited[start]) continue;
        ++volumes;
        unvisited[start] = 0;
        stack.push_back(start);
        while (!stack.empty()) {
            const std::size_t voxel = stack.back();
            stack.pop_back();
            for (const std::ptrdiff_t offset : neighbours) {
                const auto next = static_cast<std::size_t>(static_cast<std::ptrdiff_t>(voxel) + offset);
                if (!unvisited[next]) continue;
                unvisited[next] = 0;
                stack.push_back(next);
            }
        }
    }
    return volumes;
}

void addImageElements(DiagnosticList& out, const Image& image, const std::string& prefix) {
    const std::string key = "diagnostics_Image-" + prefix + "_";
    if (prefix == "original") out.push_back({key + "Dimensionality", "3D"});
    out.push_back({key + "Spacing", tuple(image.geometry.spacing)});
    out.push_back({key + "Size", tuple(image.geometry.size)});
    if (image.voxels.empty()) return;
    double sum = 0.0;
    for (const double v : image.voxels) sum += v;
    const auto [minimum, maximum] = std::minmax_element(image.voxels.begin(), image.voxels.end());
    out.push_back({key + "Mean", number(sum / static_cast<double>(image.voxels.size()))});
    out.push_back({key + "Minimum", number(*minimum)});
    out.push_back({key + "Maximum", number(*maximum)});
}

void addMaskElements(DiagnosticList& out, const Image* image, const Mask& mask, const std::string& prefix) {
    const std::string key = "diagnostics_Mask-" + prefix + "_";
    out.push_back({key + "Spacing", tuple(mask.geometry.spacing)});
    out.push_back({key + "Size", tuple(mask.geometry.size)});
    const IndexBox box = boundingBox(mask);
    if (box.empty()) return;
    const auto extent = box.extent();
    out.push_back({key + "BoundingBox", "(" + std::to_string(box.lower[0]) + ", " + std::to_string(box.lower[1]) + ", " +
                                            std::to_string(box.lower[2]) + ", " + std::to_string(extent[0]) + ", " +
                                            std::to_string(extent[1]) + ", " + std::to_string(extent[2]) + ")"});
    const std::size_t count = mask.count();
    out.push_back({key + "VoxelNum", std::to_string(count)});
    out.push_back({key + "VolumeNum", std::to_string(countVolumes(mask, box))});

    std::array<double, 3> centre{0, 0, 0};
    double sum = 0.0;
    double minimum = INFINITY;
    double maximum = -INFINITY;
    const bool withImage = image && image->voxels.size() == mask.voxels.size();
    // Only the bounding box holds ROI voxels; visited in the same order as a whole-grid scan.
    for (std::size_t z = box.lower[2]; z < box.upper[2]; ++z) {
        for (std::size_t y = box.lower[1]; y < box.upper[1]; ++y) {
            for (std::size_t x = box.lower[0], i = mask.geometry.offset(x, y, z); x < box.upper[0]; ++x, ++i) {
                if (!mask.voxels[i]) continue;
                centre[0] += static_cast<double>(x);
                centre[1] += static_cast<double>(y);
                centre[2] += static_cast<double>(z);
                if (withImage) {
                    sum += image->voxels[i];
                    minimum = std::min(minimum, image->voxels[i]);
                    maximum = std::max(maximum, image->voxels[i]);
                }
            }
        }
    }
    for (double& c : centre) c /= static_cast<double>(count);
    out.push_back({key + "CenterOfMassIndex", tuple(centre)});
    out.push_back({key + "CenterOfMass", tuple(mask.geometry.physicalPoint(centre[0], centre[1], centre[2]))});
    if (withImage) {
        out.push_back({key + "Mean", number(sum / static_cast<double>(count))});
        out.push_back({key + "Minimum", number(minimum)});
        out.push_back({key + "Maximum", number(maximum)});
    }
}

// ---- the extraction -------------------------------------------------------------------------

bool contains(const std::vector<std::string>& names, const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

void validateParams(const ExtractionParams& params) {
    validateSettings(params.settings, "settings");
    for (const auto& spec : params.imageTypes) {
        if (!contains(imageTypeNames(), spec.name)) {
            throw std::invalid_argument("unknown image type '" + spec.name + "'");
        }
        validateSettings(spec.settings, "image type " + spec.name);
    }
    for (const auto& [className, requested] : params.featureClasses) {
        const auto& catalogue = featureCatalogue(className); // throws for unknown classes
        selectFeatures(className, catalogue, requested);     // throws for unknown features
    }
}

// Runs `compute`, naming the class and image in any error it throws.
template <typename Compute>
FeatureList withContext(const std::string& what, Compute&& compute) {
    try {
        return compute();
    } catch (const std::invalid_argument& error) {
        throw std::invalid_argument(what + ": " + error.what());
    } catch (const std::exception& error) {
        throw std::runtime_error(what + ": " + error.what());
    }
}

void appendNamed(ExtractionResult& result, const std::string& prefix, const FeatureList& features,
                 const DiagnosticList& remarks) {
    for (const auto& feature : features) result.features.push_back({prefix + feature.name, feature.value});
    for (const auto& remark : remarks) {
        result.diagnostics.push_back({remark.feature.empty() ? prefix.substr(0, prefix.size() - 1) : prefix + remark.feature,
                                      remark.message});
    }
}

// The feature classes that read intensities, on one (derived) image cropped to the ROI. The
// discretised ROI and its texture grid are built once here and shared by all these classes.
// `sortedIntensities`, when given, are the ROI's intensities sorted (see sortedPerRoi).
void computeIntensityClasses(ExtractionResult& result, const std::string& imageName, const Image& image,
                             const Mask& mask, const Settings& settings, const ExtractionParams& params,
                             const std::vector<double>* sortedIntensities = nullptr) {
    std::optional<DiscretizedRoi> discretized;
    std::optional<TextureGrid> grid;
    for (const auto& featureClass : builtClasses()) {
        if (featureClass.shape) continue;
        const auto requested = params.featureClasses.find(featureClass.name);
        if (requested == params.featureClasses.end()) continue;
        const std::string prefix = imageName + "_" + featureClass.name + "_";
        DiagnosticList remarks;
        const FeatureList features = withContext(featureClass.name + " on " + imageName, [&] {
            if (!discretized) discretized = discretize(image, mask, settings);
            if (featureClass.image) {
                return featureClass.image(image, mask, *discretized, settings, requested->second, remarks,
                                          sortedIntensities);
            }
            if (!grid) grid = makeTextureGrid(*discretized, settings);
            return featureClass.texture(*grid, settings, requested->second, remarks);
        });
        appendNamed(result, prefix, features, remarks);
    }
}

// shape on the original image, shape2D too when force2D and the ROI is one slice thick
// along the force2D axis (PyRadiomics refuses shape2D otherwise).
void computeShapeClasses(ExtractionResult& result, const Mask& croppedMask, const ExtractionParams& params) {
    for (const auto& featureClass : builtClasses()) {
        if (!featureClass.shape) continue;
        const auto requested = params.featureClasses.find(featureClass.name);
        if (requested == params.featureClasses.end()) continue;
        if (featureClass.name == "shape2D") {
            const Settings& s = params.settings;
            const int axis = 2 - s.force2Ddimension; // numpy (z, y, x) order to ours
            if (!s.force2D) {
                result.diagnostics.push_back({"original_shape2D", "skipped: shape2D needs force2D"});
                continue;
            }
            if (croppedMask.geometry.size[static_cast<std::size_t>(axis)] > 1) {
                result.diagnostics.push_back({"original_shape2D", "skipped: the ROI is more than one voxel thick "
                                                                  "along force2Ddimension " +
                                                                      std::to_string(s.force2Ddimension)});
                continue;
            }
        }
        DiagnosticList remarks;
        const FeatureList features = withContext(featureClass.name, [&] {
            return featureClass.shape(croppedMask, params.settings, requested->second, remarks);
        });
        appendNamed(result, "original_" + featureClass.name + "_", features, remarks);
    }
}

// How many voxels a shift-invariant filter reads on each side of an output voxel, or nullopt
// when its value depends on the whole image (global scaling in Square/SquareRoot/Logarithm/
// Exponential, recursive Gaussians in LoG, spline prefiltering in LBP3D, ITK borders in Gradient).
std::optional<std::size_t> filterReach(const ImageTypeSpec& spec) {
    const Settings& s = spec.settings;
    if (spec.name == "Wavelet") {
        // Each level is a periodic convolution with the filter (PyRadiomics repeats pywt.swtn
        // at level 1), reading at most taps - 1 samples either side.
        const std::size_t taps = waveletFilterBank(s.wavelet).decLow.size();
        return static_cast<std::size_t>(s.start_level + s.level) * (taps - 1);
    }
    if (spec.name == "LBP2D") {
        // Bilinear samples on a circle of lbp2DRadius pixels.
        return static_cast<std::size_t>(std::ceil(s.lbp2DRadius)) + 1;
    }
    return std::nullopt;
}

} // namespace

IndexBox filterInputBox(const ImageTypeSpec& spec, const IndexBox& roiBox, const Geometry& grid) {
    IndexBox whole{{0, 0, 0}, grid.size};
    const auto reach = filterReach(spec);
    if (!reach) return whole;
    IndexBox box = whole;
    for (int a = 0; a < 3; ++a) {
        // An axis is cut only where both cuts stay `reach` away from the ROI; near a border the
        // filter's own boundary handling (periodic for wavelets) needs the whole axis.
        if (roiBox.lower[a] >= *reach && roiBox.upper[a] + *reach <= grid.size[a]) {
            box.lower[a] = roiBox.lower[a] - *reach;
            box.upper[a] = roiBox.upper[a] + *reach;
        }
    }
    return box;
}

const std::vector<std::string>& featureClassNames() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> list;
        for (const auto& featureClass : builtClasses()) list.push_back(featureClass.name);
        return list;
    }();
    return names;
}

const std::vector<std::string>& imageTypeNames() {
    static const std::vector<std::string> names{"Original",    "Wavelet",     "LoG",      "Square", "SquareRoot",
                                                "Logarithm",   "Exponential", "Gradient", "LBP2D",  "LBP3D"};
    return names;
}

const std::vector<FeatureDefinition>& featureCatalogue(const std::string& featureClass) {
    const FeatureClass* found = findClass(featureClass);
    if (!found) throw std::invalid_argument("unknown feature class '" + featureClass + "'");
    return found->catalogue();
}

void validateSettings(const Settings& s, const std::string& where) {
    const auto fail = [&where](const std::string& key, const std::string& reason) {
        throw std::invalid_argument(where + ": " + key + ": " + reason);
    };
    if (!(s.binWidth > 0) || !std::isfinite(s.binWidth)) fail("binWidth", "must be a positive number");
    if (s.binCount && *s.binCount < 1) fail("binCount", "must be at least 1");
    if (s.resampledPixelSpacing) {
        for (const double v : *s.resampledPixelSpacing) {
            if (!(v >= 0) || !std::isfinite(v)) fail("resampledPixelSpacing", "values must be 0 (keep) or positive");
        }
    }
    if (!(s.padDistance >= 0)) fail("padDistance", "must not be negative");
    if (!(s.normalizeScale > 0)) fail("normalizeScale", "must be positive");
    if (s.removeOutliers && !(*s.removeOutliers > 0)) fail("removeOutliers", "must be positive");
    if (s.resegmentRange.size() > 2) fail("resegmentRange", "takes one or two values");
    if (s.label < 1) fail("label", "must be positive");
    if (s.minimumROIDimensions < 1 || s.minimumROIDimensions > 3) fail("minimumROIDimensions", "must be 1, 2 or 3");
    if (s.minimumROISize && *s.minimumROISize < 1) fail("minimumROISize", "must be positive");
    if (!(s.geometryTolerance > 0)) fail("geometryTolerance", "must be positive");
    if (s.force2Ddimension < 0 || s.force2Ddimension > 2) fail("force2Ddimension", "must be 0, 1 or 2");
    if (s.distances.empty()) fail("distances", "needs at least one distance");
    for (const int d : s.distances) {
        if (d < 1) fail("distances", "must be positive");
    }
    if (s.gldm_a < 0) fail("gldm_a", "must not be negative");
    for (const double sigma : s.sigma) {
        if (!(sigma > 0)) fail("sigma", "must be positive");
    }
    if (s.level < 1) fail("level", "must be at least 1");
    if (s.start_level < 0) fail("start_level", "must not be negative");
    if (!(s.lbp2DRadius > 0)) fail("lbp2DRadius", "must be positive");
    if (s.lbp2DSamples < 1) fail("lbp2DSamples", "must be at least 1");
    if (!contains({"default", "ror", "uniform", "var"}, s.lbp2DMethod)) {
        fail("lbp2DMethod", "must be default, ror, uniform or var");
    }
    if (s.lbp3DLevels < 1) fail("lbp3DLevels", "must be at least 1");
    if (!(s.lbp3DIcosphereRadius > 0)) fail("lbp3DIcosphereRadius", "must be positive");
    if (s.lbp3DIcosphereSubdivision < 0) fail("lbp3DIcosphereSubdivision", "must not be negative");
}

namespace {

// The configuration and original image/mask diagnostics an extraction starts with.
ExtractionResult startResult(const Image& image, const Mask& mask, const ExtractionParams& params) {
    ExtractionResult result;
    const Settings& settings = params.settings;
    if (settings.additionalInfo) {
        DiagnosticList& diagnostics = result.diagnostics;
        diagnostics.push_back({"diagnostics_Versions_PyRadiomicsReference", kPyRadiomicsReference});
        diagnostics.push_back({"diagnostics_Configuration_Settings", describeSettings(settings)});
        diagnostics.push_back({"diagnostics_Configuration_EnabledImageTypes", describeImageTypes(params.imageTypes, settings)});
        addImageElements(diagnostics, image, "original");
        addMaskElements(diagnostics, nullptr, mask, "original");
    }
    return result;
}

// One ROI after the steps that depend on it alone (mask checks, re-segmentation, shape),
// ready for the intensity classes on every derived image.
struct PreparedRoi {
    ExtractionResult result;
    std::optional<Mask> correctedMask;   // checkMask put the mask on the image grid
    std::optional<Mask> resegmentedMask; // resegmentRange is set
    IndexBox box;                        // of the ROI on the working image
    Mask croppedRoi;                     // the ROI the intensity classes read, cropped to box
};

// The full-grid ROI the intensity classes read: re-segmented, corrected or as given.
const Mask& roiMask(const PreparedRoi& prepared, const Mask& workingMask) {
    if (prepared.resegmentedMask) return *prepared.resegmentedMask;
    if (prepared.correctedMask) return *prepared.correctedMask;
    return workingMask;
}

PreparedRoi prepareRoi(ExtractionResult started, const Image& workingImage, const Mask& workingMask,
                       const ExtractionParams& params) {
    const Settings& settings = params.settings;
    PreparedRoi prepared;
    prepared.result = std::move(started);
    DiagnosticList& diagnostics = prepared.result.diagnostics;

    MaskCheck check = checkMask(workingImage, workingMask, settings);
    prepared.correctedMask = std::move(check.correctedMask);
    const Mask& checked = prepared.correctedMask ? *prepared.correctedMask : workingMask;
    if (prepared.correctedMask && settings.additionalInfo) addMaskElements(diagnostics, &workingImage, checked, "corrected");
    prepared.box = check.boundingBox;

    if (!settings.resegmentRange.empty()) {
        prepared.resegmentedMask = resegmentMask(workingImage, checked, settings);
        // As PyRadiomics: the re-segmented ROI's box is used from here on, shape included.
        prepared.box = checkMask(workingImage, *prepared.resegmentedMask, settings).boundingBox;
        if (settings.additionalInfo) addMaskElements(diagnostics, &workingImage, *prepared.resegmentedMask, "resegmented");
    }

    const Mask& shapeMask = (settings.resegmentShape && prepared.resegmentedMask) ? *prepared.resegmentedMask : checked;
    computeShapeClasses(prepared.result, crop(shapeMask, prepared.box), params);
    prepared.croppedRoi = crop(roiMask(prepared, workingMask), prepared.box);
    return prepared;
}

// The derived images of one non-original image type, computed on the part of the working
// image that gives exact values inside `box` (see filterInputBox); `input` receives that part.
std::vector<DerivedImage> deriveForBox(const ImageTypeSpec& spec, const Image& workingImage, const Mask& roi,
                                       const IndexBox& box, IndexBox& input) {
    try {
        input = filterInputBox(spec, box, workingImage.geometry);
        const bool whole = input.extent() == workingImage.geometry.size;
        return whole ? deriveImages(spec, workingImage, roi) : deriveImages(spec, crop(workingImage, input), crop(roi, input));
    } catch (const std::invalid_argument& error) {
        throw std::invalid_argument("image type " + spec.name + ": " + error.what());
    } catch (const std::exception& error) {
        throw std::runtime_error("image type " + spec.name + ": " + error.what());
    }
}

// The intensity classes of one ROI on a derived image computed on `input` of the working grid.
void addDerivedClasses(PreparedRoi& prepared, const DerivedImage& derived, const IndexBox& input,
                       const ImageTypeSpec& spec, const ExtractionParams& params,
                       const std::vector<double>* sortedIntensities = nullptr) {
    IndexBox roiInInput = prepared.box;
    for (int a = 0; a < 3; ++a) {
        roiInInput.lower[a] -= input.lower[a];
        roiInInput.upper[a] -= input.lower[a];
    }
    computeIntensityClasses(prepared.result, derived.name, crop(derived.image, roiInInput), prepared.croppedRoi,
                            spec.settings, params, sortedIntensities);
}

// Each ROI's intensities on `image`, which covers `input` of the working grid `grid`, sorted
// ascending: one sort of the voxels in `unionBox` that any ROI covers (bit r of roiBits, on
// `grid`, for ROI r) instead of one per ROI; the rings of a tumour overlap it and each other.
std::vector<std::vector<double>> sortedPerRoi(const Image& image, const IndexBox& input, const IndexBox& unionBox,
                                              const Geometry& grid, const std::vector<std::uint32_t>& roiBits,
                                              std::size_t roiCount) {
    std::vector<double> values;
    std::vector<std::uint32_t> bits;
    const auto extent = unionBox.extent();
    values.reserve(extent[0] * extent[1] * extent[2]);
    bits.reserve(values.capacity());
    for (std::size_t z = unionBox.lower[2]; z < unionBox.upper[2]; ++z) {
        for (std::size_t y = unionBox.lower[1]; y < unionBox.upper[1]; ++y) {
            const std::size_t row = grid.offset(0, y, z);
            const std::size_t imageRow = image.geometry.offset(0, y - input.lower[1], z - input.lower[2]);
            for (std::size_t x = unionBox.lower[0]; x < unionBox.upper[0]; ++x) {
                const std::uint32_t set = roiBits[row + x];
                if (!set) continue;
                values.push_back(image.voxels[imageRow + x - input.lower[0]]);
                bits.push_back(set);
            }
        }
    }
    return sortedIntensitiesPerRoi(values, bits, roiCount);
}

IndexBox unite(const IndexBox& a, const IndexBox& b) {
    IndexBox out = a;
    for (int i = 0; i < 3; ++i) {
        out.lower[i] = std::min(a.lower[i], b.lower[i]);
        out.upper[i] = std::max(a.upper[i], b.upper[i]);
    }
    return out;
}

// Runs `step` for one ROI, naming the ROI in any error it throws.
template <typename Step>
void forRoi(const std::string& name, Step&& step) {
    try {
        step();
    } catch (const std::invalid_argument& error) {
        throw std::invalid_argument("ROI " + name + ": " + error.what());
    } catch (const std::exception& error) {
        throw std::runtime_error("ROI " + name + ": " + error.what());
    }
}

} // namespace

ExtractionResult extract(const Image& image, const Mask& mask, const ExtractionParams& params) {
    validateParams(params);
    const Settings& settings = params.settings;
    ExtractionResult started = startResult(image, mask, params);

    // RadiomicsFeatureExtractor.loadImage: normalise, resample or pre-crop.
    // Only copy the image when preprocessing changes it: a tomosynthesis volume is large.
    std::optional<ImageAndMask> preprocessed;
    if (settings.normalize || settings.resampledPixelSpacing || settings.preCrop) {
        preprocessed = preprocess(image, mask, settings);
    }
    const Image& workingImage = preprocessed ? preprocessed->image : image;
    const Mask& workingMask = preprocessed ? preprocessed->mask : mask;
    if (settings.additionalInfo && settings.resampledPixelSpacing) {
        addImageElements(started.diagnostics, workingImage, "interpolated");
        addMaskElements(started.diagnostics, &workingImage, workingMask, "interpolated");
    }

    PreparedRoi prepared = prepareRoi(std::move(started), workingImage, workingMask, params);
    const Mask& roi = roiMask(prepared, workingMask);
    for (const auto& spec : params.imageTypes) {
        if (spec.name == "Original") { // no need to copy the whole image first
            computeIntensityClasses(prepared.result, "original", crop(workingImage, prepared.box), prepared.croppedRoi,
                                    spec.settings, params);
            continue;
        }
        // A filter sees as much of the image as its values at the ROI depend on: a margin for
        // local shift-invariant filters, the whole preprocessed image otherwise (as PyRadiomics).
        IndexBox input;
        const auto derived = deriveForBox(spec, workingImage, roi, prepared.box, input);
        for (const auto& one : derived) addDerivedClasses(prepared, one, input, spec, params);
    }
    return std::move(prepared.result);
}

std::vector<RoiExtraction> extractRois(const Image& image, const std::vector<NamedRoi>& rois,
                                       const ExtractionParams& params) {
    const Settings& settings = params.settings;
    // Preprocessing that reads the ROI (resampling around it, pre-cropping to it) or the image
    // (normalising) gives each ROI its own filter input: nothing to share, extract one by one.
    bool shareable = !settings.normalize && !settings.resampledPixelSpacing && !settings.preCrop;
    for (const auto& roi : rois) shareable = shareable && roi.mask.geometry.sameGrid(image.geometry);
    std::vector<RoiExtraction> out;
    if (!shareable) {
        for (const auto& roi : rois) {
            forRoi(roi.name, [&] { out.push_back({roi.name, extract(image, roi.mask, params)}); });
        }
        return out;
    }
    if (rois.empty()) return out;
    validateParams(params);

    // The ROI-specific steps first, collecting the box and the voxels every ROI covers.
    std::vector<PreparedRoi> prepared;
    prepared.reserve(rois.size());
    IndexBox unionBox;
    Mask unionMask;
    unionMask.geometry = image.geometry;
    unionMask.voxels.assign(image.voxels.size(), 0);
    // First order sorts each ROI's intensities: up to 32 ROIs share one sort per image (bit r
    // of roiBits marks ROI r).
    const bool shareSort = rois.size() <= 32 && params.featureClasses.count("firstorder") > 0;
    std::vector<std::uint32_t> roiBits(shareSort ? image.voxels.size() : 0, 0);
    for (const auto& roi : rois) {
        forRoi(roi.name, [&] { prepared.push_back(prepareRoi(startResult(image, roi.mask, params), image, roi.mask, params)); });
        PreparedRoi& last = prepared.back();
        unionBox = prepared.size() == 1 ? last.box : unite(unionBox, last.box);
        const Mask& full = roiMask(last, roi.mask);
        for (std::size_t i = 0; i < full.voxels.size(); ++i) unionMask.voxels[i] |= full.voxels[i];
        if (shareSort) {
            const std::uint32_t bit = std::uint32_t{1} << (prepared.size() - 1);
            for (std::size_t i = 0; i < full.voxels.size(); ++i) roiBits[i] |= full.voxels[i] ? bit : 0u;
        }
        last.correctedMask.reset(); // only the cropped ROI is read from here on
        last.resegmentedMask.reset();
    }
    const auto sortedForAll = [&](const Image& derived, const IndexBox& input) {
        return shareSort ? sortedPerRoi(derived, input, unionBox, image.geometry, roiBits, rois.size())
                         : std::vector<std::vector<double>>{};
    };
    // None when the image has few distinct values (see sortedIntensitiesPerRoi).
    const auto sortedOf = [](const std::vector<std::vector<double>>& sorted, std::size_t r) {
        return sorted.empty() ? nullptr : &sorted[r];
    };

    // Each filter once, on the part of the image that gives exact values inside every ROI's box
    // (LBP3D, the one generator that reads the mask, only skips voxels outside all ROIs).
    for (const auto& spec : params.imageTypes) {
        if (spec.name == "Original") {
            const auto sorted = sortedForAll(image, IndexBox{{0, 0, 0}, image.geometry.size});
            for (std::size_t r = 0; r < rois.size(); ++r) {
                forRoi(rois[r].name, [&] {
                    computeIntensityClasses(prepared[r].result, "original", crop(image, prepared[r].box),
                                            prepared[r].croppedRoi, spec.settings, params, sortedOf(sorted, r));
                });
            }
            continue;
        }
        IndexBox input;
        const auto derived = deriveForBox(spec, image, unionMask, unionBox, input);
        for (const auto& one : derived) {
            const auto sorted = sortedForAll(one.image, input);
            for (std::size_t r = 0; r < rois.size(); ++r) {
                forRoi(rois[r].name,
                       [&] { addDerivedClasses(prepared[r], one, input, spec, params, sortedOf(sorted, r)); });
            }
        }
    }
    for (std::size_t r = 0; r < rois.size(); ++r) out.push_back({rois[r].name, std::move(prepared[r].result)});
    return out;
}

} // namespace radnode::analysis
