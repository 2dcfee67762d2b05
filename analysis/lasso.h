// L1-penalised (LASSO) logistic regression as R's glmnet fits it (alpha = 1, standardize =
// TRUE), for building a rad-score from many radiomics features: a lambda path, and k-fold
// cross-validation on the binomial deviance giving lambda.min and lambda.1se.
//
// Objective at one lambda, on inputs standardised to mean 0 and population sd 1:
//   -(1/n) * loglik(b0, b) + lambda * sum |b_j|     (the intercept b0 is not penalised)
// minimised by cyclic coordinate descent inside Newton (IRLS) steps, warm-started along the
// path. Coefficients are reported on both the standardised and the original scale.
#pragma once

#include <Eigen/Dense>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace radnode::analysis {

struct LassoSettings {
    int lambdaCount = 100;          // glmnet's nlambda
    double lambdaMinRatio = 0.0;    // smallest / largest lambda; 0: glmnet's default (1e-4, or 0.01 when n < p)
    bool stopEarly = true;          // end the path as glmnet does once the fit stops improving
    double tolerance = 1e-20;       // on the largest weighted squared coefficient change (standardised scale)
    int maxIterations = 100000;     // coordinate sweeps per lambda, over all Newton steps
};

// The fit at one lambda.
struct LassoFit {
    double lambda = 0.0;
    double intercept = 0.0;              // original scale: intercept + x * coefficients
    Eigen::VectorXd coefficients;        // original scale
    double standardisedIntercept = 0.0;  // on (x - mean) / sd
    Eigen::VectorXd standardisedCoefficients;
    double deviance = 0.0;               // -2 * loglik on the fitted cases
    double devianceRatio = 0.0;          // 1 - deviance / null deviance
    std::size_t nonzero = 0;
    bool converged = false;
};

struct LassoPath {
    Eigen::VectorXd mean, sd; // the standardisation (population sd; a constant column has sd 0 and stays out)
    double nullDeviance = 0.0;
    std::vector<LassoFit> fits; // in decreasing lambda order
};

// glmnet's largest lambda: max_j |(1/n) sum_i xs_ij (y_i - mean(y))|, the smallest lambda at
// which every coefficient is 0.
double lassoLambdaMax(const Eigen::MatrixXd& x, const std::vector<int>& labels);

// lambdaCount values from lassoLambdaMax down to lambdaMinRatio times it, evenly spaced in log.
std::vector<double> lassoLambdaSequence(const Eigen::MatrixXd& x, const std::vector<int>& labels,
                                        const LassoSettings& settings = {});

// Fits at the given lambdas (sorted decreasing here); with settings.stopEarly the path ends
// early as glmnet's does: from the 5th lambda on, once the deviance ratio gains less than
// 1e-5 or passes 0.999. Throws std::invalid_argument on mismatched sizes, labels not 0/1,
// a single class, non-finite inputs or a negative lambda.
LassoPath fitLassoPath(const Eigen::MatrixXd& x, const std::vector<int>& labels, std::vector<double> lambdas,
                       const LassoSettings& settings = {});

// Fold number (0 .. foldCount-1) of each case: each class shuffled with the seed and dealt
// round the folds in turn, so every fold holds about the same share of positives.
std::vector<int> stratifiedFolds(const std::vector<int>& labels, int foldCount, std::uint64_t seed);

// k-fold cross-validation as cv.glmnet(type.measure = "deviance") computes it: the lambdas
// of the fit on all cases; each fold's cases predicted by a fit without them (the fold's
// own path, interpolated linearly in lambda at the full path's lambdas, as cv.glmnet's
// predict does); per lambda the mean held-out deviance per case (cvm, folds weighted by
// size) and its standard error (cvsd); lambda.min = the largest lambda reaching the smallest
// cvm, lambda.1se = the largest lambda whose cvm is within one standard error of that minimum.
struct LassoCrossValidation {
    LassoPath path;                         // on all cases
    std::vector<int> folds;                 // per case
    std::vector<double> meanDeviance;       // cvm, per lambda of path.fits
    std::vector<double> devianceStandardError; // cvsd
    std::size_t indexMin = 0;               // into path.fits
    std::size_t index1se = 0;
    Eigen::MatrixXd outOfFoldLinearPredictor; // cases x lambdas: each case scored by the fit without its fold

    double lambdaMin() const { return path.fits[indexMin].lambda; }
    double lambda1se() const { return path.fits[index1se].lambda; }
};

LassoCrossValidation crossValidateLasso(const Eigen::MatrixXd& x, const std::vector<int>& labels,
                                        const std::vector<int>& folds, const LassoSettings& settings = {});

} // namespace radnode::analysis
