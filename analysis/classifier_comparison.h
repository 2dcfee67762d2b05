// Several model families fitted on the same cases and the same cross-validation folds, and
// measured as the breast radiomics papers tabulate them: sensitivity, specificity and accuracy
// at the Youden cut-off of the training predictions (carried unchanged to validation), and the
// AUC with DeLong's 95 % interval, on the training cases and on validation cases.
#pragma once

#include "analysis/boosted_trees.h"
#include "analysis/logistic_regression.h"
#include "analysis/roc.h"
#include "analysis/svm.h"

#include <Eigen/Dense>

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace radnode::analysis {

enum class ClassifierFamily { logistic, svmLinear, svmRbf, boostedTrees };

std::string classifierFamilyName(ClassifierFamily family); // "logistic", "svm-linear", "svm-rbf", "boosted-trees"
std::optional<ClassifierFamily> parseClassifierFamily(const std::string& name);

struct ClassificationMetrics {
    std::size_t cases = 0, events = 0;
    double sensitivity = 0.0, specificity = 0.0, accuracy = 0.0; // at the family's threshold
    AucEstimate auc;                                             // DeLong
};

// Probabilities of the positive class, per case.
struct FamilyPredictions {
    std::vector<double> training;  // apparent: the model fitted on all training cases, scoring them
    std::vector<double> outOfFold; // each training case scored by the fit without its fold
    std::vector<double> heldOut;   // the held-out cases scored by the model fitted on all training cases; empty without
};

struct FamilyComparison {
    ClassifierFamily family = ClassifierFamily::logistic;
    double threshold = 0.5; // Youden cut-off of the training predictions (0.5 when none separates)
    ClassificationMetrics training, crossValidated;
    std::optional<ClassificationMetrics> heldOut;
    FamilyPredictions predictions;
    std::string fitted; // how the family was fitted, e.g. "C 1, gamma 0.125" or "87 rounds"
    // The model fitted on all training cases, on the standardised columns in order (one of):
    std::optional<LogisticFit> logistic;
    std::optional<SvmClassifier> svm;
    std::optional<BoostedTrees> booster;
};

// The metrics of predictions made elsewhere (e.g. the LASSO rad-score of trainRadiomicsModel).
// Throws std::invalid_argument when sizes differ or a set lacks a class.
FamilyComparison evaluateFamily(ClassifierFamily family, FamilyPredictions predictions, const std::vector<int>& labels,
                                const std::vector<int>& heldOutLabels);

struct ComparisonData {
    Eigen::MatrixXd training;         // cases x columns, standardised (mean 0, sd 1 over the training cases)
    std::vector<int> labels;          // 0/1 per training case
    std::vector<int> folds;           // per training case, from stratifiedFolds: shared by every family
    Eigen::MatrixXd heldOut;          // standardised with the training means and sds; 0 rows without
    std::vector<int> heldOutLabels;
};

struct ComparisonSettings {
    SvmParameters svm;                  // kernel set per family; probability is always on
    SvmGrid svmGrid;
    BoostedTreesParameters boostedTrees;
};

// Fits one family on data.training:
//   logistic:       unpenalised logistic regression on every column (fitLogistic), re-fitted per fold;
//   svm-linear/rbf: C (and gamma) by cross-validated AUC on data.folds (chooseSvmByCrossValidation),
//                   then Platt-scaled fits at the chosen point, one per fold and one on all cases;
//   boosted-trees:  rounds by early stopping on the folds' log loss (trainBoostedTrees).
// Throws std::invalid_argument for inconsistent data and std::runtime_error when a fit fails
// (e.g. the logistic fit does not converge on separated classes), naming the family.
FamilyComparison fitFamily(ClassifierFamily family, const ComparisonData& data, const ComparisonSettings& settings);

} // namespace radnode::analysis
