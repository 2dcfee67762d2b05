#include "config/pyradiomics_params.h"

#include "analysis/extractor.h"
#include "analysis/wavelet_filters.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

namespace radnode::config {

namespace {

using analysis::ExtractionParams;
using analysis::Interpolator;
using analysis::ResegmentMode;
using analysis::Settings;
using analysis::WeightingNorm;

// Where a value came from, for error messages: "<source>:<line>: <key>".
struct Place {
    const std::string& source;
    int line;
    std::string key;

    [[noreturn]] void fail(const std::string& reason) const {
        throw std::invalid_argument(source + ":" + std::to_string(line) + ": " + key + ": " + reason);
    }
};

Place placeOf(const std::string& source, const YAML::Node& keyNode, const std::string& key) {
    return Place{source, keyNode.Mark().line + 1, key};
}

// ---- scalar types as pykwalify sees them (PyYAML's YAML 1.1 resolution) ---------------------

bool quotedString(const YAML::Node& node) { return node.Tag() == "!"; }

std::string scalarText(const Place& place, const YAML::Node& node, const char* expected) {
    if (!node.IsScalar()) place.fail(std::string("expected ") + expected);
    return node.Scalar();
}

long long asInt(const Place& place, const YAML::Node& node) {
    const std::string text = scalarText(place, node, "an integer");
    long long value = 0;
    const char* first = text.data() + (text.size() > 1 && text[0] == '+' ? 1 : 0);
    const char* last = text.data() + text.size();
    const auto result = std::from_chars(first, last, value);
    if (quotedString(node) || text.empty() || result.ec != std::errc() || result.ptr != last) {
        place.fail("expected an integer, got '" + text + "'");
    }
    return value;
}

double asFloat(const Place& place, const YAML::Node& node) {
    const std::string text = scalarText(place, node, "a number");
    char* end = nullptr;
    const double value = std::strtod(text.c_str(), &end);
    if (quotedString(node) || text.empty() || *end != '\0' || !std::isfinite(value)) {
        place.fail("expected a number, got '" + text + "'");
    }
    return value;
}

bool asBool(const Place& place, const YAML::Node& node) {
    static const std::set<std::string> yes{"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"};
    static const std::set<std::string> no{"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"};
    const std::string text = scalarText(place, node, "true or false");
    if (!quotedString(node) && yes.count(text)) return true;
    if (!quotedString(node) && no.count(text)) return false;
    place.fail("expected true or false, got '" + text + "'");
}

std::string asString(const Place& place, const YAML::Node& node) {
    if (!node.IsScalar()) place.fail("expected a text value");
    return node.Scalar();
}

template <typename Read>
auto asList(const Place& place, const YAML::Node& node, Read read) {
    if (!node.IsSequence()) place.fail("expected a list");
    std::vector<decltype(read(place, node[0]))> values;
    for (const auto& item : node) values.push_back(read(place, item));
    return values;
}

int intAtLeast(const Place& place, const YAML::Node& node, long long minimum) {
    const long long value = asInt(place, node);
    if (value < minimum) place.fail("must be at least " + std::to_string(minimum) + ", got " + std::to_string(value));
    if (value > 1'000'000'000) place.fail("is too large: " + std::to_string(value));
    return static_cast<int>(value);
}

int intInRange(const Place& place, const YAML::Node& node, long long minimum, long long maximum) {
    const long long value = asInt(place, node);
    if (value < minimum || value > maximum) {
        place.fail("must be between " + std::to_string(minimum) + " and " + std::to_string(maximum) + ", got " +
                   std::to_string(value));
    }
    return static_cast<int>(value);
}

double positive(const Place& place, const YAML::Node& node) {
    const double value = asFloat(place, node);
    if (!(value > 0)) place.fail("must be greater than 0, got " + node.Scalar());
    return value;
}

// ---- enumerations ----------------------------------------------------------------------------

Interpolator interpolatorOf(const Place& place, const YAML::Node& node) {
    static const std::vector<std::pair<std::string, Interpolator>> names{
        {"sitkNearestNeighbor", Interpolator::NearestNeighbor},
        {"sitkLinear", Interpolator::Linear},
        {"sitkBSpline", Interpolator::BSpline},
        {"sitkGaussian", Interpolator::Gaussian},
        {"sitkLabelGaussian", Interpolator::LabelGaussian},
        {"sitkHammingWindowedSinc", Interpolator::HammingWindowedSinc},
        {"sitkCosineWindowedSinc", Interpolator::CosineWindowedSinc},
        {"sitkWelchWindowedSinc", Interpolator::WelchWindowedSinc},
        {"sitkLanczosWindowedSinc", Interpolator::LanczosWindowedSinc},
        {"sitkBlackmanWindowedSinc", Interpolator::BlackmanWindowedSinc},
    };
    const std::string text = scalarText(place, node, "an interpolator name or number");
    for (const auto& [name, value] : names) {
        if (text == name) return value;
    }
    // SimpleITK's enumeration numbers these 1 to 10 in the order above.
    long long number = 0;
    const auto result = std::from_chars(text.data(), text.data() + text.size(), number);
    if (!quotedString(node) && result.ec == std::errc() && result.ptr == text.data() + text.size()) {
        if (number < 1 || number > 10) place.fail("interpolator number must be between 1 and 10, got " + text);
        return names[static_cast<std::size_t>(number - 1)].second;
    }
    std::string known;
    for (const auto& entry : names) known += (known.empty() ? "" : ", ") + entry.first;
    place.fail("unknown interpolator '" + text + "' (known: " + known + ")");
}

WeightingNorm weightingOf(const Place& place, const YAML::Node& node) {
    const std::string text = asString(place, node);
    if (text == "manhattan") return WeightingNorm::Manhattan;
    if (text == "euclidean") return WeightingNorm::Euclidean;
    if (text == "infinity") return WeightingNorm::Infinity;
    if (text == "no_weighting") return WeightingNorm::NoWeighting;
    place.fail("must be manhattan, euclidean, infinity, no_weighting or null, got '" + text + "'");
}

ResegmentMode resegmentModeOf(const Place& place, const YAML::Node& node) {
    const std::string text = asString(place, node);
    if (text == "absolute") return ResegmentMode::Absolute;
    if (text == "relative") return ResegmentMode::Relative;
    if (text == "sigma") return ResegmentMode::Sigma;
    place.fail("must be absolute, relative or sigma, got '" + text + "'");
}

// ---- settings --------------------------------------------------------------------------------

// What a `setting` map does beyond analysis::Settings: PyRadiomics' `interpolator: null`.
struct SettingsRead {
    bool resamplingOff = false;
};

void applySetting(Settings& s, SettingsRead& read, const Place& place, const YAML::Node& value) {
    const std::string& key = place.key;
    const bool null = value.IsNull();
    const auto requireValue = [&] {
        if (null) place.fail("needs a value (null is not allowed here)");
    };

    if (key == "minimumROIDimensions") {
        requireValue();
        s.minimumROIDimensions = intInRange(place, value, 1, 3);
    } else if (key == "minimumROISize") {
        s.minimumROISize = null ? std::nullopt : std::optional<int>(intAtLeast(place, value, 1));
    } else if (key == "geometryTolerance") {
        if (!null) s.geometryTolerance = positive(place, value);
    } else if (key == "correctMask") {
        requireValue();
        s.correctMask = asBool(place, value);
    } else if (key == "additionalInfo") {
        requireValue();
        s.additionalInfo = asBool(place, value);
    } else if (key == "label") {
        requireValue();
        s.label = intAtLeast(place, value, 1);
    } else if (key == "label_channel") {
        requireValue();
        if (intAtLeast(place, value, 0) != 0) place.fail("multi-channel (vector) masks are not supported; use 0");
    } else if (key == "binWidth") {
        requireValue();
        s.binWidth = positive(place, value);
    } else if (key == "binCount") {
        s.binCount = null ? std::nullopt : std::optional<int>(intAtLeast(place, value, 1));
    } else if (key == "normalize") {
        requireValue();
        s.normalize = asBool(place, value);
    } else if (key == "normalizeScale") {
        requireValue();
        s.normalizeScale = positive(place, value);
    } else if (key == "removeOutliers") {
        s.removeOutliers = null ? std::nullopt : std::optional<double>(positive(place, value));
    } else if (key == "resampledPixelSpacing") {
        if (null) {
            s.resampledPixelSpacing.reset();
            return;
        }
        const auto values = asList(place, value, asFloat);
        if (values.size() != 3) place.fail("needs 3 values (x, y, z; 0 keeps a spacing), got " + std::to_string(values.size()));
        for (const double v : values) {
            if (v < 0) place.fail("values must be 0 (keep) or positive");
        }
        s.resampledPixelSpacing = std::array<double, 3>{values[0], values[1], values[2]};
    } else if (key == "interpolator") {
        read.resamplingOff = null;
        if (!null) s.interpolator = interpolatorOf(place, value);
    } else if (key == "padDistance") {
        requireValue();
        s.padDistance = intAtLeast(place, value, 0);
    } else if (key == "distances") {
        requireValue();
        const auto values = asList(place, value, [](const Place& p, const YAML::Node& n) { return intAtLeast(p, n, 1); });
        if (values.empty()) place.fail("needs at least one distance");
        s.distances = values;
    } else if (key == "force2D") {
        requireValue();
        s.force2D = asBool(place, value);
    } else if (key == "force2Ddimension") {
        requireValue();
        s.force2Ddimension = intInRange(place, value, 0, 2);
    } else if (key == "resegmentRange") {
        if (null) {
            s.resegmentRange.clear();
            return;
        }
        const auto values = asList(place, value, asFloat);
        if (values.empty() || values.size() > 2) {
            place.fail("needs 1 (lower bound) or 2 (lower, upper) values, got " + std::to_string(values.size()));
        }
        s.resegmentRange = values;
    } else if (key == "resegmentMode") {
        requireValue();
        s.resegmentMode = resegmentModeOf(place, value);
    } else if (key == "resegmentShape") {
        requireValue();
        s.resegmentShape = asBool(place, value);
    } else if (key == "preCrop") {
        requireValue();
        s.preCrop = asBool(place, value);
    } else if (key == "sigma") {
        requireValue();
        s.sigma = asList(place, value, positive);
    } else if (key == "start_level") {
        requireValue();
        s.start_level = intAtLeast(place, value, 0);
    } else if (key == "level") {
        requireValue();
        s.level = intAtLeast(place, value, 1);
    } else if (key == "wavelet") {
        requireValue();
        const std::string name = asString(place, value);
        try {
            analysis::waveletFilterBank(name);
        } catch (const std::invalid_argument&) {
            place.fail("unknown or unsupported wavelet '" + name + "' (PyWavelets names: haar, db1-db20, sym2-sym20, coif1-coif17)");
        }
        s.wavelet = name;
    } else if (key == "gradientUseSpacing") {
        requireValue();
        s.gradientUseSpacing = asBool(place, value);
    } else if (key == "lbp2DRadius") {
        requireValue();
        s.lbp2DRadius = positive(place, value);
    } else if (key == "lbp2DSamples") {
        requireValue();
        s.lbp2DSamples = intAtLeast(place, value, 1);
    } else if (key == "lbp2DMethod") {
        requireValue();
        const std::string method = asString(place, value);
        if (method != "default" && method != "ror" && method != "uniform" && method != "var") {
            place.fail("must be default, ror, uniform or var, got '" + method + "'");
        }
        s.lbp2DMethod = method;
    } else if (key == "lbp3DLevels") {
        requireValue();
        s.lbp3DLevels = intAtLeast(place, value, 1);
    } else if (key == "lbp3DIcosphereRadius") {
        requireValue();
        s.lbp3DIcosphereRadius = positive(place, value);
    } else if (key == "lbp3DIcosphereSubdivision") {
        requireValue();
        s.lbp3DIcosphereSubdivision = intAtLeast(place, value, 0);
    } else if (key == "voxelArrayShift") {
        requireValue();
        s.voxelArrayShift = static_cast<double>(asInt(place, value));
    } else if (key == "symmetricalGLCM") {
        requireValue();
        s.symmetricalGLCM = asBool(place, value);
    } else if (key == "weightingNorm") {
        s.weightingNorm = null ? WeightingNorm::None : weightingOf(place, value);
    } else if (key == "gldm_a") {
        requireValue();
        s.gldm_a = intAtLeast(place, value, 0);
    } else {
        place.fail("unknown setting (PyRadiomics has no setting of this name)");
    }
}

// voxelSetting only acts in PyRadiomics' voxel-based mode, which radnode does not run; the
// values are checked so that a file valid for PyRadiomics is valid here, then have no effect.
void checkVoxelSetting(const Place& place, const YAML::Node& value) {
    if (value.IsNull()) return;
    if (place.key == "kernelRadius" || place.key == "voxelBatch") {
        intAtLeast(place, value, 1);
    } else if (place.key == "maskedKernel") {
        asBool(place, value);
    } else if (place.key == "initValue") {
        asFloat(place, value);
    } else {
        place.fail("unknown voxel setting (kernelRadius, maskedKernel, initValue, voxelBatch)");
    }
}

void applySettingsMap(Settings& settings, SettingsRead& read, const std::string& source, const YAML::Node& map,
                      const std::string& keyPrefix) {
    if (map.IsNull()) return;
    if (!map.IsMap()) Place{source, map.Mark().line + 1, keyPrefix.empty() ? "setting" : keyPrefix}.fail("expected a map of settings");
    for (auto it = map.begin(); it != map.end(); ++it) {
        const std::string key = it->first.Scalar();
        Place place = placeOf(source, it->first, key);
        applySetting(settings, read, place, it->second);
    }
}

std::vector<std::string> featureNames(const Place& place, const YAML::Node& value) {
    if (value.IsNull()) return {};
    if (!value.IsSequence()) place.fail("expected a list of feature names (or an empty list for all)");
    std::vector<std::string> names;
    for (const auto& item : value) {
        if (!item.IsScalar()) place.fail("expected feature names");
        names.push_back(item.Scalar());
    }
    try {
        analysis::selectFeatures(place.key, analysis::featureCatalogue(place.key), names);
    } catch (const std::invalid_argument& error) {
        place.fail(error.what());
    }
    return names;
}

} // namespace

ExtractionParams parsePyradiomicsParams(const std::string& yaml, const std::string& sourceName) {
    YAML::Node root;
    try {
        root = YAML::Load(yaml);
    } catch (const YAML::Exception& error) {
        throw std::invalid_argument(sourceName + ":" + std::to_string(error.mark.line + 1) + ": " + error.msg);
    }
    if (!root.IsNull() && !root.IsMap()) {
        throw std::invalid_argument(sourceName + ":1: expected a map with setting, imageType, featureClass, voxelSetting");
    }

    YAML::Node settingNode, voxelNode, imageTypeNode, featureClassNode;
    if (root.IsMap()) {
        for (auto it = root.begin(); it != root.end(); ++it) {
            const std::string section = it->first.Scalar();
            if (section == "setting") settingNode = it->second;
            else if (section == "voxelSetting") voxelNode = it->second;
            else if (section == "imageType") imageTypeNode = it->second;
            else if (section == "featureClass") featureClassNode = it->second;
            else placeOf(sourceName, it->first, section).fail("unknown section (setting, imageType, featureClass, voxelSetting)");
        }
    }

    ExtractionParams params;
    SettingsRead read;
    applySettingsMap(params.settings, read, sourceName, settingNode, "");
    if (voxelNode && !voxelNode.IsNull()) {
        if (!voxelNode.IsMap()) Place{sourceName, voxelNode.Mark().line + 1, "voxelSetting"}.fail("expected a map");
        for (auto it = voxelNode.begin(); it != voxelNode.end(); ++it) {
            checkVoxelSetting(placeOf(sourceName, it->first, it->first.Scalar()), it->second);
        }
    }
    if (read.resamplingOff) params.settings.resampledPixelSpacing.reset();

    params.imageTypes.clear();
    if (imageTypeNode && !imageTypeNode.IsNull()) {
        if (!imageTypeNode.IsMap()) Place{sourceName, imageTypeNode.Mark().line + 1, "imageType"}.fail("expected a map of image types");
        for (auto it = imageTypeNode.begin(); it != imageTypeNode.end(); ++it) {
            const std::string name = it->first.Scalar();
            const Place place = placeOf(sourceName, it->first, name);
            const auto& known = analysis::imageTypeNames();
            if (std::find(known.begin(), known.end(), name) == known.end()) {
                std::string list;
                for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
                place.fail("unknown image type (known: " + list + ")");
            }
            analysis::ImageTypeSpec spec{name, params.settings};
            SettingsRead ignored; // preprocessing settings are global in PyRadiomics
            applySettingsMap(spec.settings, ignored, sourceName, it->second, name);
            params.imageTypes.push_back(std::move(spec));
        }
    }
    if (params.imageTypes.empty()) params.imageTypes.push_back({"Original", params.settings});

    params.featureClasses.clear();
    if (featureClassNode && !featureClassNode.IsNull()) {
        if (!featureClassNode.IsMap()) Place{sourceName, featureClassNode.Mark().line + 1, "featureClass"}.fail("expected a map of feature classes");
        for (auto it = featureClassNode.begin(); it != featureClassNode.end(); ++it) {
            const std::string name = it->first.Scalar();
            const Place place = placeOf(sourceName, it->first, name);
            const auto& known = analysis::featureClassNames();
            if (std::find(known.begin(), known.end(), name) == known.end()) {
                std::string list;
                for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
                place.fail("unknown feature class (known: " + list + ")");
            }
            params.featureClasses[name] = featureNames(place, it->second);
        }
    }
    if (params.featureClasses.empty()) {
        for (const auto& name : analysis::featureClassNames()) params.featureClasses[name] = {};
    }
    return params;
}

ExtractionParams readPyradiomicsParams(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::invalid_argument(path.string() + ": cannot read the PyRadiomics parameter file");
    std::ostringstream text;
    text << in.rdbuf();
    return parsePyradiomicsParams(text.str(), path.string());
}

} // namespace radnode::config
