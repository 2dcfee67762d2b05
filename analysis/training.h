// Site training of a radiomics logistic model, the papers' pipeline in one call: drop
// features that are not reproducible between repeated segmentations (ICC), not associated
// with the outcome (univariate test) or redundant (correlation); choose the rest by LASSO
// with k-fold cross-validation; give the rad-score's coefficients and its cross-validated AUC.
#pragma once

#include "analysis/feature_selection.h"
#include "analysis/lasso.h"
#include "analysis/logistic_regression.h"
#include "analysis/mutual_information.h"
#include "analysis/roc.h"

#include <Eigen/Dense>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace radnode::analysis {

enum class IccForm { twoWayRandomAbsolute /* ICC(2,1) */, twoWayMixedConsistency /* ICC(3,1) */ };
enum class UnivariateMethod { mannWhitney, anova };
enum class LambdaChoice { min, oneStandardError };
// lasso: the rad-score uses the LASSO coefficients at the chosen lambda (shrunken; what the
// cross-validation judged). refit: an unpenalised logistic fit on the features LASSO kept.
enum class FinalCoefficients { lasso, refit };
// Step 4: |correlation| (the smaller p stays) or normalised mutual information (the more
// relevant, by MI with the outcome, stays; analysis/mutual_information.h).
enum class RedundancyMethod { correlation, mutualInformation };

struct TrainingSettings {
    int folds = 10;
    std::uint64_t seed = 20261123;
    LambdaChoice lambda = LambdaChoice::oneStandardError;
    FinalCoefficients final = FinalCoefficients::lasso;
    IccForm iccForm = IccForm::twoWayRandomAbsolute;
    double iccThreshold = 0.80;      // keep when ICC >= threshold
    UnivariateMethod univariate = UnivariateMethod::mannWhitney;
    double pThreshold = 0.05;        // keep when p < threshold; 1 keeps everything
    CorrelationMethod correlationMethod = CorrelationMethod::spearman;
    double correlationThreshold = 0.9; // drop when |r| > threshold with a better-scoring feature
    RedundancyMethod redundancy = RedundancyMethod::correlation;
    MutualInformationSettings mutualInformation; // with RedundancyMethod::mutualInformation
    LassoSettings lasso;
};

struct TrainingData {
    std::vector<std::string> featureNames;
    Eigen::MatrixXd features; // cases x features
    std::vector<int> labels;  // 1 positive
    // Repeated segmentation (optional): repeatFeatures.row(r) is a second extraction of case
    // repeatCases[r], with the same columns.
    std::vector<std::size_t> repeatCases;
    Eigen::MatrixXd repeatFeatures;
};

// What happened to one candidate feature.
struct FeatureDecision {
    std::string name;
    std::optional<double> icc;   // when repeated segmentations were given
    double pValue = 1.0;         // univariate
    std::string dropped;         // empty when selected; else why: "constant", "ICC 0.62 < 0.80", ...
    double coefficient = 0.0;    // per sd of the feature, when selected
};

struct TrainingResult {
    std::vector<FeatureDecision> decisions; // one per input feature, in input order
    std::vector<std::size_t> candidates;    // features passed to LASSO (indices into the input)
    LassoCrossValidation cv;                // on the candidates
    std::size_t lambdaIndex = 0;            // the chosen lambda in cv.path.fits
    double lambda = 0.0;
    std::vector<std::size_t> selected;      // features in the rad-score (indices into the input)
    // The rad-score: intercept + sum(coefficient * (x - mean) / sd), over `selected`.
    double intercept = 0.0;
    std::vector<double> coefficients, means, sds;
    std::optional<LogisticFit> refit;       // with FinalCoefficients::refit
    AucEstimate crossValidatedAuc;          // out-of-fold LASSO predictions at the chosen lambda
    double youdenThreshold = 0.5;           // on the out-of-fold probabilities
};

// Throws std::invalid_argument for inconsistent data or settings, and std::runtime_error,
// saying which filter, when no feature survives the filters or LASSO keeps none.
TrainingResult trainRadiomicsModel(const TrainingData& data, const TrainingSettings& settings);

} // namespace radnode::analysis
