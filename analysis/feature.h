// A computed feature: its PyRadiomics name and value.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace radnode::analysis {

struct Feature {
    // Full PyRadiomics name, e.g. "original_firstorder_Mean" or "wavelet-HLH_glcm_Idn".
    // Feature-class functions return the bare name ("Idn"); the extractor adds the prefix.
    std::string name;
    double value = 0.0;
};

using FeatureList = std::vector<Feature>;

// Why a value is NaN, or any other remark PyRadiomics would log while computing it.
struct Diagnostic {
    std::string feature; // bare or full name the remark is about
    std::string message;
};

using DiagnosticList = std::vector<Diagnostic>;

} // namespace radnode::analysis

namespace radnode::analysis {

// A feature a class can compute: its bare PyRadiomics name, and whether PyRadiomics marks it
// deprecated (then it is computed only when asked for by name).
struct FeatureDefinition {
    std::string name;
    bool deprecated = false;
};

// PyRadiomics' enabling rule. An empty request means every non-deprecated feature, in
// catalogue order; otherwise the named ones, once each, in request order. Throws
// std::invalid_argument naming the class and the feature when a name is not in the catalogue.
inline std::vector<std::string> selectFeatures(const std::string& featureClass,
                                               const std::vector<FeatureDefinition>& catalogue,
                                               const std::vector<std::string>& requested) {
    std::vector<std::string> selected;
    if (requested.empty()) {
        for (const auto& definition : catalogue) {
            if (!definition.deprecated) selected.push_back(definition.name);
        }
        return selected;
    }
    for (const auto& name : requested) {
        bool known = false;
        for (const auto& definition : catalogue) known = known || definition.name == name;
        if (!known) throw std::invalid_argument("feature class " + featureClass + " has no feature '" + name + "'");
        bool already = false;
        for (const auto& chosen : selected) already = already || chosen == name;
        if (!already) selected.push_back(name);
    }
    return selected;
}

} // namespace radnode::analysis
