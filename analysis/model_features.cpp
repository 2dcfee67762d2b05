#include "analysis/model_features.h"

#include "analysis/extractor.h"
#include "analysis/log_filter.h"

#include <algorithm>
#include <map>
#include <set>

namespace radnode::analysis {

namespace {

// Derived-image names one image type yields (its own settings), as deriveImages names them.
std::vector<std::string> derivedImageNames(const ImageTypeSpec& spec, bool twoDimensional) {
    const Settings& s = spec.settings;
    if (spec.name == "Original") return {"original"};
    if (spec.name == "Square") return {"square"};
    if (spec.name == "SquareRoot") return {"squareroot"};
    if (spec.name == "Logarithm") return {"logarithm"};
    if (spec.name == "Exponential") return {"exponential"};
    if (spec.name == "Gradient") return {"gradient"};
    if (spec.name == "LBP2D") return {"lbp-2D"};
    if (spec.name == "LoG") {
        std::vector<std::string> names;
        for (double sigma : s.sigma) {
            if (sigma > 0.0) names.push_back(laplacianOfGaussianName(sigma));
        }
        return names;
    }
    if (spec.name == "LBP3D") {
        std::vector<std::string> names;
        for (int level = 1; level <= s.lbp3DLevels; ++level) names.push_back("lbp-3D-m" + std::to_string(level));
        names.push_back("lbp-3D-k");
        return names;
    }
    if (spec.name == "Wavelet") {
        const std::size_t axes = twoDimensional ? 2 : 3;
        std::vector<std::string> names;
        for (int level = 1; level <= s.level; ++level) {
            const std::string prefix = level == 1 ? "wavelet-" : "wavelet" + std::to_string(level) + "-";
            for (unsigned bits = 1; bits < (1u << axes); ++bits) {
                std::string letters;
                for (std::size_t a = 0; a < axes; ++a) letters += (bits >> (axes - 1 - a)) & 1u ? 'H' : 'L';
                names.push_back(prefix + letters);
            }
            if (level == s.level) names.push_back(prefix + std::string(axes, 'L'));
        }
        return names;
    }
    return {};
}

std::vector<std::string> classFeatures(const std::string& featureClass, const std::vector<std::string>& requested) {
    if (!requested.empty()) return requested;
    std::vector<std::string> names;
    for (const auto& definition : featureCatalogue(featureClass)) {
        if (!definition.deprecated) names.push_back(definition.name);
    }
    return names;
}

bool isShapeClass(const std::string& name) { return name == "shape" || name == "shape2D"; }

// The classes computed, with their requested features; on a 2D image the node computes
// shape2D where the settings ask for shape (node/study_analysis.cpp).
std::map<std::string, std::vector<std::string>> effectiveClasses(const ExtractionParams& params, bool twoDimensional) {
    auto classes = params.featureClasses;
    if (twoDimensional) {
        if (classes.erase("shape")) classes["shape2D"] = {};
    } else {
        classes.erase("shape2D"); // needs force2D and a one-slice ROI
    }
    return classes;
}

} // namespace

std::vector<std::string> featureNames(const ExtractionParams& params, bool twoDimensional) {
    std::vector<std::string> names;
    const auto classes = effectiveClasses(params, twoDimensional);
    for (const auto& [featureClass, requested] : classes) {
        if (!isShapeClass(featureClass)) continue;
        for (const auto& feature : classFeatures(featureClass, requested)) {
            names.push_back("original_" + featureClass + "_" + feature);
        }
    }
    for (const auto& spec : params.imageTypes) {
        for (const auto& image : derivedImageNames(spec, twoDimensional)) {
            for (const auto& [featureClass, requested] : classes) {
                if (isShapeClass(featureClass)) continue;
                for (const auto& feature : classFeatures(featureClass, requested)) {
                    names.push_back(image + "_" + featureClass + "_" + feature);
                }
            }
        }
    }
    return names;
}

std::string featureNameError(const std::string& name, const ExtractionParams& params) {
    for (bool twoDimensional : {true, false}) {
        const auto names = featureNames(params, twoDimensional);
        if (std::find(names.begin(), names.end(), name) != names.end()) return "";
    }
    const auto first = name.find('_');
    const auto second = first == std::string::npos ? std::string::npos : name.find('_', first + 1);
    if (second == std::string::npos) {
        return "'" + name + "' is not a PyRadiomics feature name (<image type>_<class>_<feature>)";
    }
    const std::string image = name.substr(0, first);
    const std::string featureClass = name.substr(first + 1, second - first - 1);
    std::set<std::string> images;
    for (bool twoDimensional : {true, false}) {
        for (const auto& spec : params.imageTypes) {
            for (const auto& derived : derivedImageNames(spec, twoDimensional)) images.insert(derived);
        }
    }
    if (!images.count(image)) {
        std::string enabled;
        for (const auto& item : images) enabled += (enabled.empty() ? "" : ", ") + item;
        return "image type '" + image + "' is not computed under the node's extraction settings (computed: " +
               enabled + ")";
    }
    const bool classEnabled = params.featureClasses.count(featureClass) ||
                              (featureClass == "shape2D" && params.featureClasses.count("shape"));
    if (!classEnabled) return "feature class '" + featureClass + "' is not enabled in the node's extraction settings";
    if (isShapeClass(featureClass) && image != "original") return "shape features exist only on the original image";
    return "feature '" + name.substr(second + 1) + "' is not computed by class " + featureClass +
           " under the node's extraction settings";
}

ExtractionParams paramsComputing(const ExtractionParams& params, const std::vector<std::string>& names,
                                 bool twoDimensional) {
    ExtractionParams reduced;
    reduced.settings = params.settings;
    reduced.imageTypes.clear();
    reduced.featureClasses.clear();
    const auto produced = featureNames(params, twoDimensional);
    for (const auto& name : names) {
        if (std::find(produced.begin(), produced.end(), name) == produced.end()) continue;
        const auto first = name.find('_');
        const auto second = name.find('_', first + 1);
        const std::string image = name.substr(0, first);
        const std::string featureClass = name.substr(first + 1, second - first - 1);
        auto& requested = reduced.featureClasses[featureClass];
        const std::string feature = name.substr(second + 1);
        if (std::find(requested.begin(), requested.end(), feature) == requested.end()) requested.push_back(feature);
        if (isShapeClass(featureClass)) continue; // shape is computed on the mask alone
        for (const auto& spec : params.imageTypes) {
            const auto images = derivedImageNames(spec, twoDimensional);
            const bool yields = std::find(images.begin(), images.end(), image) != images.end();
            const bool listed = std::any_of(reduced.imageTypes.begin(), reduced.imageTypes.end(),
                                            [&spec](const ImageTypeSpec& s) { return s.name == spec.name; });
            if (yields && !listed) reduced.imageTypes.push_back(spec);
        }
    }
    return reduced;
}

} // namespace radnode::analysis
