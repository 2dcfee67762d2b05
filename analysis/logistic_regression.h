// Unpenalised logistic regression as R's glm(family = binomial) reports it: coefficients by
// Newton-Raphson (IRLS), standard errors from the inverse information, Wald z and p, and
// AIC; and backward stepwise selection by AIC as R's step(direction = "backward") does it,
// for the nomogram that combines a rad-score with clinical covariates.
#pragma once

#include <Eigen/Dense>

#include <cstddef>
#include <string>
#include <vector>

namespace radnode::analysis {

struct LogisticFit {
    double intercept = 0.0;
    Eigen::VectorXd coefficients;
    double interceptStandardError = 0.0;
    Eigen::VectorXd standardErrors;
    Eigen::VectorXd zValues, pValues; // Wald, per coefficient (not the intercept)
    double interceptPValue = 0.0;
    double deviance = 0.0;     // -2 * loglik
    double nullDeviance = 0.0; // intercept-only
    double aic = 0.0;          // deviance + 2 * (columns + 1)
    int iterations = 0;
    bool converged = false;    // false on separation or a singular design (then the values are not usable)
};

// Fits y ~ 1 + x (x may have zero columns: the intercept-only model). Throws
// std::invalid_argument on mismatched sizes, labels not 0/1, a single class or non-finite x.
LogisticFit fitLogistic(const Eigen::MatrixXd& x, const std::vector<int>& labels);

// Backward elimination from all columns: at each step drop the column whose removal gives
// the lowest AIC, while that is lower than the current model's (R's step(), k = 2). Returns
// the indices kept, in their original order, and the final fit.
struct StepwiseResult {
    std::vector<std::size_t> kept;
    LogisticFit fit;
    std::vector<std::string> trace; // one line per step: "drop <name>: AIC a -> b"
};

StepwiseResult backwardStepwiseAic(const Eigen::MatrixXd& x, const std::vector<int>& labels,
                                   const std::vector<std::string>& names);

} // namespace radnode::analysis
