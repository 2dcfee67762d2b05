#include "analysis/model_covariates.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <sstream>

namespace radnode::analysis {

const std::vector<CovariateDefinition>& clinicalCovariates() {
    static const std::vector<CovariateDefinition> list{
        {"ki67", "Ki-67 proliferation index", "%", {}, 0.0, 100.0},
        {"us_node_status", "axillary node status reported on ultrasound", "", {"negative", "positive"}, 0.0, 0.0},
        {"tumour_size_mm", "largest tumour diameter", "mm", {}, 0.0, 300.0},
        {"age", "patient age", "a", {}, 0.0, 130.0},
        {"subtype", "molecular subtype", "", {"luminal_a", "luminal_b", "her2_enriched", "triple_negative"}, 0.0, 0.0},
    };
    return list;
}

const CovariateDefinition* findCovariate(const std::string& key) {
    for (const auto& definition : clinicalCovariates()) {
        if (definition.key == key) return &definition;
    }
    return nullptr;
}

std::optional<double> covariateNumber(const std::string& value) {
    if (value.empty()) return std::nullopt;
    char* end = nullptr;
    const double number = std::strtod(value.c_str(), &end);
    if (end != value.c_str() + value.size() || !std::isfinite(number)) return std::nullopt;
    return number;
}

std::string covariateValueError(const std::string& key, const std::string& value) {
    const CovariateDefinition* definition = findCovariate(key);
    if (!definition) {
        std::string known;
        for (const auto& d : clinicalCovariates()) known += (known.empty() ? "" : ", ") + d.key;
        return "unknown clinical covariate '" + key + "' (known: " + known + ")";
    }
    if (!definition->levels.empty()) {
        if (std::find(definition->levels.begin(), definition->levels.end(), value) != definition->levels.end()) return "";
        std::string levels;
        for (const auto& level : definition->levels) levels += (levels.empty() ? "" : "|") + level;
        return key + ": '" + value + "' is not one of " + levels;
    }
    const auto number = covariateNumber(value);
    if (!number) return key + ": '" + value + "' is not a number";
    if (*number < definition->minimum || *number > definition->maximum) {
        std::ostringstream text;
        text << key << ": '" << value << "' is outside " << definition->minimum << "-" << definition->maximum << " "
             << definition->unit;
        return text.str();
    }
    return "";
}

} // namespace radnode::analysis
