// Training of gradient-boosted trees through XGBoost's C API (the library the DBT study
// compared), with the number of rounds chosen by early stopping on cross-validated log loss.
// The result is a BoostedTrees booster (analysis/booster.h), saved as XGBoost JSON beside the
// model file.
#pragma once

#include "analysis/booster.h"

#include <Eigen/Dense>

#include <cstdint>
#include <vector>

namespace radnode::analysis {

struct BoostedTreesParameters {
    int maxDepth = 3;
    double learningRate = 0.1;   // eta
    double subsample = 1.0;
    double columnSample = 1.0;   // colsample_bytree
    double minChildWeight = 1.0;
    double lambda = 1.0;         // L2 on leaf weights
    bool balancedClassWeights = false; // scale_pos_weight = negatives / positives
    int maxRounds = 500;
    int earlyStoppingRounds = 20; // on the mean out-of-fold log loss
    std::uint64_t seed = 20261123;
};

struct BoostedTreesFit {
    BoostedTrees booster;                 // refit on all cases with the chosen round count
    int chosenRounds = 0;
    std::vector<double> meanValidationLogLoss; // per round, over folds
    std::vector<double> outOfFoldProbabilities; // per case, at chosenRounds
};

// x standardised (cases x features), labels 0/1, folds from stratifiedFolds (analysis/lasso.h).
// Throws std::invalid_argument for bad data, std::runtime_error with XGBoost's message.
BoostedTreesFit trainBoostedTrees(const Eigen::MatrixXd& x, const std::vector<int>& labels,
                                  const std::vector<int>& folds, const BoostedTreesParameters& parameters);

} // namespace radnode::analysis
