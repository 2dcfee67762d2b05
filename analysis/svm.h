// Support-vector classifiers as the breast radiomics papers fit them, trained by libsvm (the
// engine behind scikit-learn's SVC): linear or RBF kernel, class weights, Platt-scaled
// probabilities, C and gamma chosen by stratified k-fold cross-validation. The result is an
// SvmClassifier (analysis/svm_classifier.h), oriented so that decision > 0 is the positive class.
#pragma once

#include "analysis/svm_classifier.h"

#include <Eigen/Dense>

#include <cstdint>
#include <vector>

namespace radnode::analysis {

struct SvmParameters {
    SvmKernel kernel = SvmKernel::rbf;
    double cost = 1.0;  // C
    double gamma = 0.0; // RBF; 0 means scikit-learn's "scale": 1 / (features * variance of x)
    // Per-class weights multiply C, as libsvm's weight_label/weight and scikit-learn's
    // class_weight. balanced: n / (2 * n_class), scikit-learn's class_weight="balanced".
    bool balancedClassWeights = false;
    double positiveWeight = 1.0, negativeWeight = 1.0; // used when not balanced
    double tolerance = 1e-3;  // libsvm eps
    bool shrinking = true;
    bool probability = true;  // Platt scaling by libsvm's internal 5-fold cross-validation
    std::uint64_t seed = 20261123; // libsvm draws its Platt folds from rand(): seeded with this
};

// scikit-learn's gamma="scale": 1 / (columns * variance of all values of x), population
// variance; 1 when that variance is 0.
double svmScaleGamma(const Eigen::MatrixXd& x);

// One libsvm fit. x: cases x features (already standardised by the caller), labels 0/1, both
// classes present. Throws std::invalid_argument for bad data, std::runtime_error with
// libsvm's message when it refuses the parameters.
SvmClassifier trainSvm(const Eigen::MatrixXd& x, const std::vector<int>& labels, const SvmParameters& parameters);

// The decision value of each case from a fit on the other folds (probability switched off),
// the out-of-fold scores the grid search and SVM-RFE rank by. folds: fold index per case.
// Throws std::invalid_argument when folds do not match the cases, there are fewer than two
// folds, or a fold's training part lacks a class.
std::vector<double> svmOutOfFoldDecisionValues(const Eigen::MatrixXd& x, const std::vector<int>& labels,
                                               const std::vector<int>& folds, SvmParameters parameters);

// Grid search by cross-validated AUC on the given fold assignment (fold index per case, from
// stratifiedFolds in analysis/lasso.h, so several model families share the same folds).
struct SvmGridPoint {
    double cost = 0.0, gamma = 0.0;
    double crossValidatedAuc = 0.0;
};
struct SvmSelection {
    SvmParameters chosen;             // best AUC; ties to the smaller C, then the smaller gamma
    std::vector<SvmGridPoint> grid;   // every point tried, in the order tried
    std::vector<double> outOfFoldDecisionValues; // at the chosen point, per case
    SvmClassifier classifier;         // refit on all cases at the chosen point
};
struct SvmGrid {
    std::vector<double> costs{0.01, 0.1, 1.0, 10.0, 100.0};
    std::vector<double> gammas{};     // RBF; empty: "scale" times {0.1, 1, 10}
};
SvmSelection chooseSvmByCrossValidation(const Eigen::MatrixXd& x, const std::vector<int>& labels,
                                        const std::vector<int>& folds, SvmParameters base, const SvmGrid& grid);

} // namespace radnode::analysis
