// The clinical covariates a model may use and `radnode clinical set` accepts: their keys,
// units, and what a valid value is. One list, so model files and data entry agree.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace radnode::analysis {

struct CovariateDefinition {
    std::string key;                 // "ki67"
    std::string description;         // "Ki-67 proliferation index"
    std::string unit;                // UCUM: "%", "mm", "a"; empty for categorical
    std::vector<std::string> levels; // categorical values; empty for numeric
    double minimum = 0.0, maximum = 0.0; // numeric range, inclusive
};

// ki67 (%, 0-100), us_node_status (negative|positive), tumour_size_mm (mm, 0-300),
// age (years, 0-130), subtype (luminal_a|luminal_b|her2_enriched|triple_negative).
const std::vector<CovariateDefinition>& clinicalCovariates();
const CovariateDefinition* findCovariate(const std::string& key);

// Empty when `value` is valid for `key`, else the reason ("ki67: '120' is outside 0-100 %").
std::string covariateValueError(const std::string& key, const std::string& value);

// The numeric value of a numeric covariate; nullopt when categorical or not a number.
std::optional<double> covariateNumber(const std::string& value);

} // namespace radnode::analysis
