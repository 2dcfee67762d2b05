// Logistic radiomics models as the published breast studies use them: standardised
// features weighted into a rad-score, turned into a probability and a class at a threshold.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace radnode::analysis {

// One model input: a PyRadiomics feature of one ROI (and view, when the study has several).
struct ModelInput {
    std::string roi;     // "tumor", "tumor+10mm", "ring-5mm", "node"
    std::string view;    // "CC", "MLO", or empty: any view (the first found)
    std::string feature; // full PyRadiomics name, e.g. "original_shape2D_Sphericity"
    double mean = 0.0;   // standardisation, from the training cohort
    double sd = 1.0;
    double coefficient = 0.0;
    std::optional<double> clipLow, clipHigh; // applied to the standardised value
};

struct Model {
    std::string name, version;
    std::string intendedUse = "research";
    std::string description, trainingCohort, validation, modality, segmentation;
    double intercept = 0.0;
    std::vector<ModelInput> inputs;
    double threshold = 0.5; // on the probability
    std::string negativeClass = "N0", positiveClass = "N+";
};

struct ModelScore {
    std::string modelName, modelVersion;
    bool scored = false;
    std::string reason; // why not scored
    double radScore = 0.0;
    double probability = 0.0; // 0..1
    double threshold = 0.5;
    std::string predictedClass;
    std::vector<std::string> inputsUsed, inputsMissing;
};

// Finds a feature value by ROI, view (empty = any) and PyRadiomics name.
using FeatureLookup = std::function<std::optional<double>(const std::string& roi, const std::string& view,
                                                          const std::string& feature)>;

// A missing or non-finite input leaves the case "not scored", with the inputs named.
ModelScore scoreModel(const Model& model, const FeatureLookup& lookup);

// Model-input label as written in model files and reports: roi/view/feature.
std::string inputLabel(const ModelInput& input);

} // namespace radnode::analysis
