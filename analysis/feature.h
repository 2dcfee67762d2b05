// A computed feature: its PyRadiomics name and value.
#pragma once

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
