// Logistic radiomics models as the published breast studies use them: standardised
// features weighted into rad-scores, combined with clinical covariates by a nomogram into
// a probability and a class at a threshold, optionally followed by a second level (N+:
// 1-2 vs >= 3 nodes). Model files (config/model_file.h) describe them.
#pragma once

#include "analysis/booster.h"
#include "analysis/svm_classifier.h"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace radnode::analysis {

// One weighted term. Exactly one of three sources gives its raw value:
//  - a PyRadiomics feature of one ROI (and view, when the study has several): roi + feature;
//  - a clinical covariate (analysis/model_covariates.h): covariate, and for a categorical
//    covariate `level`, which makes the value 1 when the covariate equals it, else 0;
//  - a rad-score of the same model level, by name (nomogram terms only): radScore.
// The value is standardised ((value - mean) / sd), clipped, then weighted.
struct ModelInput {
    std::string roi{};     // "tumor", "tumor+10mm", "ring-5mm", "node"
    std::string view{};    // "CC", "MLO", or empty: any view (the first found)
    std::string feature{}; // full PyRadiomics name, e.g. "original_shape2D_Sphericity"
    std::string covariate{}; // "ki67", "us_node_status", "tumour_size_mm", "age", "subtype"
    std::string level{};   // categorical covariates: the level this term indicates
    std::string radScore{}; // name of a rad-score of the same level
    double mean = 0.0;     // standardisation, from the training cohort
    double sd = 1.0;
    double coefficient = 0.0;
    std::optional<double> clipLow{}, clipHigh{}; // applied to the standardised value
};

// How a rad-score turns its standardised inputs into one value:
//  linear:        intercept + sum(coefficient * standardised input), on the logit scale;
//  svm:           the SVM decision value (analysis/svm_classifier.h); alone in a level its
//                 probability is Platt's, logistic(-(A * value + B)), as libsvm clips and
//                 couples it (svmProbability: what scikit-learn's predict_proba gives);
//  boostedTrees:  the booster's margin (XGBoost, analysis/booster.h), on the logit scale.
// Non-linear families take the inputs' standardised values in input order and ignore their
// coefficients; as nomogram terms they are used like any rad-score (the papers' "SVM signature
// + clinical factors" nomograms).
enum class ScoreFamily { linear, svm, boostedTrees };

std::string scoreFamilyName(ScoreFamily family); // as in model files: "linear", "svm", "boosted_trees"
std::optional<ScoreFamily> parseScoreFamily(const std::string& name);

struct RadScore {
    std::string name = "rad-score";
    ScoreFamily family = ScoreFamily::linear;
    double intercept = 0.0;          // linear only
    std::vector<ModelInput> inputs;  // radiomics features and/or covariates
    std::optional<SvmClassifier> svm; // family svm
    std::optional<BoostedTrees> booster; // family boostedTrees, loaded when the model file is read
    std::string boosterFile;         // family boostedTrees: the XGBoost JSON file, as the model file names it
};


struct ModelThreshold {
    std::string name; // e.g. "default", "youden", "rule-out"
    double value = 0.5; // on the probability, strictly between 0 and 1
};

// One logistic decision. Without a nomogram the probability is logistic(the only rad-score);
// with one it is logistic(nomogram), whose terms name rad-scores and covariates.
// The first threshold decides the class; the others are reported beside it.
struct ModelLevel {
    std::vector<RadScore> radScores;
    std::optional<RadScore> nomogram;
    std::vector<ModelThreshold> thresholds{{"default", 0.5}};
    std::string negativeClass = "N0", positiveClass = "N+";
};

struct ValidationAuc {
    double auc = 0.0, ciLower = 0.0, ciUpper = 0.0;
};

struct Model {
    int schema = 2; // the model-file schema it was read from (1 or 2); written as 2
    std::string name, version;
    std::string intendedUse = "research";
    std::string description, trainingCohort;
    std::string validation; // free text, e.g. "temporal validation, n=140"
    std::optional<ValidationAuc> validationAuc;
    std::string modality, segmentation;
    ModelLevel first;                      // e.g. N0 vs N+
    std::optional<ModelLevel> secondLevel; // applied when `first` gives its positive class
    // Missing-input policy: the model scored instead when an input is missing; empty: the
    // case is reported "not scored" with the missing inputs named.
    std::string fallbackModel;
    // Per-case robustness: the inputs are re-extracted with the mask eroded and dilated by this
    // margin (0: one pixel); a class that changes flags the case "unstable". Off when false.
    bool robustness = true;
    double robustnessMarginMm = 0.0;
};

// For reports and the SR, from the first level: "logistic regression", "SVM (RBF kernel)",
// "SVM (linear kernel)", "gradient-boosted trees (XGBoost)"; with a nomogram
// "logistic nomogram over <the rad-scores' families>".
std::string modelFamilyDescription(const Model& model);

// Clinical covariate values by key ("ki67" -> "35"), as entered; validated on entry.
using ClinicalValues = std::map<std::string, std::string>;

// Finds a feature value by ROI, view (empty = any) and PyRadiomics name.
using FeatureLookup = std::function<std::optional<double>(const std::string& roi, const std::string& view,
                                                          const std::string& feature)>;

struct NamedValue {
    std::string name;
    double value = 0.0;
};

struct ThresholdCall {
    std::string name;
    double value = 0.5;
    bool positive = false; // probability >= value
};

struct LevelScore {
    std::vector<NamedValue> radScores;
    double linearPredictor = 0.0; // logit of the probability
    double probability = 0.0;     // 0..1
    double threshold = 0.5;       // the deciding threshold
    std::string predictedClass;
    std::vector<ThresholdCall> thresholds;
};

struct ModelScore {
    std::string modelName, modelVersion;
    bool scored = false;
    std::string reason; // why not scored, or which fallback scored it and why
    double radScore = 0.0;    // the first rad-score of the first level
    double probability = 0.0; // 0..1, first level
    double threshold = 0.5;
    std::string predictedClass;
    std::vector<NamedValue> radScores;
    std::vector<ThresholdCall> thresholds;
    std::optional<LevelScore> secondLevel; // when the first level gave its positive class
    std::vector<std::string> inputsUsed, inputsMissing;       // radiomics inputs, roi/view/feature
    std::vector<std::string> covariatesUsed, covariatesMissing; // clinical keys
    std::string scoredBy; // the fallback model's "name vversion" when it scored instead; else empty
    // Robustness: probabilities with the mask eroded and dilated, and the flag.
    std::optional<double> probabilityEroded, probabilityDilated;
    bool unstable = false;
    std::vector<std::string> flags; // "unstable", "fallback"
};

// A missing or non-finite input leaves the case "not scored", with the inputs named.
ModelScore scoreModel(const Model& model, const FeatureLookup& lookup, const ClinicalValues& clinical = {});

// Applies the missing-input policy: when `model` cannot be scored and names a fallback found
// in `models`, the fallback is scored (its own fallback too), and the result says so.
ModelScore scoreWithFallback(const Model& model, const std::vector<Model>& models, const FeatureLookup& lookup,
                             const ClinicalValues& clinical = {});

// The models scored on their own: every model that is no other model's fallback.
std::vector<const Model*> primaryModels(const std::vector<Model>& models);

// Robustness verdict: the spread (max - min) of the three probabilities and whether any
// class, of either level, differs from the original's. Sets probabilityEroded/Dilated,
// unstable and flags on `original`.
void applyRobustness(ModelScore& original, const ModelScore& eroded, const ModelScore& dilated);
double probabilitySpread(const ModelScore& score);

// Model-input label as written in reports: roi/view/feature, or covariate[=level], or the rad-score.
std::string inputLabel(const ModelInput& input);

// Every radiomics input of the model, both levels, once each (what re-extraction must compute).
std::vector<ModelInput> featureInputs(const Model& model);

} // namespace radnode::analysis
