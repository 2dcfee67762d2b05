#include "analysis/lasso.h"

#include "analysis/seeded_random.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <stdexcept>
#include <string>

namespace radnode::analysis {

namespace {

// glmnet's path-ending rule (glmnet.control: fdev = 1e-5, devmax = 0.999, mnlam = 5).
constexpr double kMinimumDevianceGain = 1e-5;
constexpr double kMaximumDevianceRatio = 0.999;
constexpr std::size_t kMinimumPathLength = 5;
// Fitted probabilities are kept this far from 0 and 1 so the IRLS weights stay positive.
constexpr double kProbabilityFloor = 1e-9;

void checkInputs(const Eigen::MatrixXd& x, const std::vector<int>& labels) {
    if (static_cast<std::size_t>(x.rows()) != labels.size()) {
        throw std::invalid_argument("LASSO: " + std::to_string(x.rows()) + " rows of features but " +
                                    std::to_string(labels.size()) + " labels");
    }
    if (x.cols() == 0) throw std::invalid_argument("LASSO: no features");
    if (!x.allFinite()) throw std::invalid_argument("LASSO: a feature value is not finite");
    std::size_t positives = 0;
    for (const int label : labels) {
        if (label != 0 && label != 1) throw std::invalid_argument("LASSO: labels must be 0 or 1");
        positives += static_cast<std::size_t>(label);
    }
    if (positives == 0 || positives == labels.size()) {
        throw std::invalid_argument("LASSO: needs cases of both classes (" + std::to_string(positives) + " positive of " +
                                    std::to_string(labels.size()) + ")");
    }
}

Eigen::VectorXd labelVector(const std::vector<int>& labels) {
    Eigen::VectorXd y(static_cast<Eigen::Index>(labels.size()));
    for (std::size_t i = 0; i < labels.size(); ++i) y[static_cast<Eigen::Index>(i)] = labels[i];
    return y;
}

struct Standardised {
    Eigen::MatrixXd x;
    Eigen::VectorXd mean, sd;
};

// Columns centred and scaled to population sd 1, as glmnet standardises; a constant column
// is left at zero (sd 0) and its coefficient stays 0.
Standardised standardise(const Eigen::MatrixXd& x) {
    Standardised s;
    s.mean = x.colwise().mean().transpose();
    s.x = x.rowwise() - s.mean.transpose();
    s.sd = (s.x.colwise().squaredNorm() / static_cast<double>(x.rows())).cwiseSqrt().transpose();
    for (Eigen::Index j = 0; j < x.cols(); ++j) {
        if (s.sd[j] > 0) {
            s.x.col(j) /= s.sd[j];
        } else {
            s.x.col(j).setZero();
        }
    }
    return s;
}

double binomialDeviance(const Eigen::VectorXd& y, const Eigen::VectorXd& eta) {
    double deviance = 0;
    for (Eigen::Index i = 0; i < y.size(); ++i) {
        // log(1 + exp(eta)) - y * eta, written to stay finite for large |eta|.
        const double e = eta[i];
        const double softplus = e > 0 ? e + std::log1p(std::exp(-e)) : std::log1p(std::exp(e));
        deviance += 2 * (softplus - y[i] * e);
    }
    return deviance;
}

double softThreshold(double value, double lambda) {
    if (value > lambda) return value - lambda;
    if (value < -lambda) return value + lambda;
    return 0.0;
}

// Minimises the objective at one lambda from the warm start (b0, beta), on standardised x.
// Each Newton step replaces the log-likelihood by its quadratic (IRLS) approximation and
// solves that penalised weighted least-squares problem by coordinate descent, sweeping all
// coordinates, then only the non-zero ones until they settle, then all again to confirm.
bool fitOneLambda(const Eigen::MatrixXd& xs, const Eigen::VectorXd& y, double lambda, const LassoSettings& settings,
                  double& b0, Eigen::VectorXd& beta) {
    const Eigen::Index n = xs.rows();
    const Eigen::Index p = xs.cols();
    const double invN = 1.0 / static_cast<double>(n);
    Eigen::VectorXd weight(n), residual(n), curvature(p);
    int sweeps = 0;
    for (int newton = 0; newton < 1000 && sweeps < settings.maxIterations; ++newton) {
        const Eigen::VectorXd eta = (xs * beta).array() + b0;
        for (Eigen::Index i = 0; i < n; ++i) {
            const double prob = std::clamp(1.0 / (1.0 + std::exp(-eta[i])), kProbabilityFloor, 1 - kProbabilityFloor);
            weight[i] = prob * (1 - prob);
            residual[i] = (y[i] - prob) / weight[i]; // working response minus eta
        }
        for (Eigen::Index j = 0; j < p; ++j) curvature[j] = invN * weight.dot(xs.col(j).cwiseAbs2());
        const double weightSum = weight.sum();
        const double startB0 = b0;
        const Eigen::VectorXd startBeta = beta;

        // One sweep over `all` or the non-zero coordinates; returns the largest weighted squared change.
        const auto sweep = [&](bool all) {
            double largest = 0;
            for (Eigen::Index j = 0; j < p; ++j) {
                if (curvature[j] <= 0 || (!all && beta[j] == 0)) continue;
                const double gradient = invN * (weight.array() * xs.col(j).array() * residual.array()).sum();
                const double updated = softThreshold(gradient + curvature[j] * beta[j], lambda) / curvature[j];
                const double change = updated - beta[j];
                if (change == 0) continue;
                beta[j] = updated;
                residual -= change * xs.col(j);
                largest = std::max(largest, curvature[j] * change * change);
            }
            const double interceptChange = weight.dot(residual) / weightSum;
            b0 += interceptChange;
            residual.array() -= interceptChange;
            largest = std::max(largest, invN * weightSum * interceptChange * interceptChange);
            ++sweeps;
            return largest;
        };

        while (sweeps < settings.maxIterations) {
            if (sweep(true) < settings.tolerance) break;
            while (sweeps < settings.maxIterations && sweep(false) >= settings.tolerance) {
            }
        }

        const double change = std::max(std::abs(b0 - startB0), (beta - startBeta).cwiseAbs().maxCoeff());
        if (change * change < settings.tolerance) return true;
    }
    return false;
}

LassoFit describeFit(double lambda, double b0, const Eigen::VectorXd& beta, const Standardised& s, const Eigen::VectorXd& y,
                     double nullDeviance, bool converged) {
    LassoFit fit;
    fit.lambda = lambda;
    fit.standardisedIntercept = b0;
    fit.standardisedCoefficients = beta;
    fit.coefficients = Eigen::VectorXd::Zero(beta.size());
    fit.intercept = b0;
    for (Eigen::Index j = 0; j < beta.size(); ++j) {
        if (beta[j] == 0) continue;
        fit.coefficients[j] = beta[j] / s.sd[j];
        fit.intercept -= fit.coefficients[j] * s.mean[j];
        ++fit.nonzero;
    }
    const Eigen::VectorXd eta = (s.x * beta).array() + b0;
    fit.deviance = binomialDeviance(y, eta);
    fit.devianceRatio = 1 - fit.deviance / nullDeviance;
    fit.converged = converged;
    return fit;
}

} // namespace

double lassoLambdaMax(const Eigen::MatrixXd& x, const std::vector<int>& labels) {
    checkInputs(x, labels);
    const Standardised s = standardise(x);
    const Eigen::VectorXd y = labelVector(labels);
    const Eigen::VectorXd centred = y.array() - y.mean();
    return (s.x.transpose() * centred).cwiseAbs().maxCoeff() / static_cast<double>(x.rows());
}

std::vector<double> lassoLambdaSequence(const Eigen::MatrixXd& x, const std::vector<int>& labels,
                                        const LassoSettings& settings) {
    if (settings.lambdaCount < 1) throw std::invalid_argument("LASSO: the path needs at least one lambda");
    const double ratio = settings.lambdaMinRatio > 0 ? settings.lambdaMinRatio : (x.rows() < x.cols() ? 0.01 : 1e-4);
    if (!(ratio < 1)) throw std::invalid_argument("LASSO: lambdaMinRatio must be below 1");
    const double largest = lassoLambdaMax(x, labels);
    std::vector<double> lambdas(static_cast<std::size_t>(settings.lambdaCount));
    for (int k = 0; k < settings.lambdaCount; ++k) {
        const double fraction = settings.lambdaCount == 1 ? 0.0 : static_cast<double>(k) / (settings.lambdaCount - 1);
        lambdas[static_cast<std::size_t>(k)] = largest * std::exp(fraction * std::log(ratio));
    }
    return lambdas;
}

LassoPath fitLassoPath(const Eigen::MatrixXd& x, const std::vector<int>& labels, std::vector<double> lambdas,
                       const LassoSettings& settings) {
    checkInputs(x, labels);
    for (const double lambda : lambdas) {
        if (!(lambda >= 0) || !std::isfinite(lambda)) throw std::invalid_argument("LASSO: lambda must be finite and >= 0");
    }
    std::sort(lambdas.begin(), lambdas.end(), std::greater<>());
    const Standardised s = standardise(x);
    const Eigen::VectorXd y = labelVector(labels);
    const double rate = y.mean();

    LassoPath path;
    path.mean = s.mean;
    path.sd = s.sd;
    path.nullDeviance = binomialDeviance(y, Eigen::VectorXd::Constant(y.size(), std::log(rate / (1 - rate))));

    // At or above lambda_max every coefficient is 0; fitting there could leave rounding-level
    // non-zeros (the gradient equals lambda exactly at lambda_max).
    const Eigen::VectorXd centred = y.array() - rate;
    const double lambdaMax = (s.x.transpose() * centred).cwiseAbs().maxCoeff() / static_cast<double>(x.rows());
    double b0 = std::log(rate / (1 - rate));
    Eigen::VectorXd beta = Eigen::VectorXd::Zero(x.cols());
    for (const double lambda : lambdas) {
        const bool converged = lambda >= lambdaMax * (1 - 1e-12) || fitOneLambda(s.x, y, lambda, settings, b0, beta);
        path.fits.push_back(describeFit(lambda, b0, beta, s, y, path.nullDeviance, converged));
        const std::size_t m = path.fits.size();
        if (settings.stopEarly && m >= kMinimumPathLength) {
            const double ratio = path.fits[m - 1].devianceRatio;
            if (ratio - path.fits[m - 2].devianceRatio < kMinimumDevianceGain || ratio > kMaximumDevianceRatio) break;
        }
    }
    return path;
}

std::vector<int> stratifiedFolds(const std::vector<int>& labels, int foldCount, std::uint64_t seed) {
    if (foldCount < 2) throw std::invalid_argument("cross-validation needs at least 2 folds");
    if (static_cast<std::size_t>(foldCount) > labels.size()) {
        throw std::invalid_argument("cross-validation: " + std::to_string(foldCount) + " folds for " +
                                    std::to_string(labels.size()) + " cases");
    }
    SeededRandom random(seed);
    std::vector<int> folds(labels.size(), 0);
    int next = 0; // continues from one class to the next so fold sizes differ by at most one
    for (const int label : {1, 0}) {
        std::vector<std::size_t> members;
        for (std::size_t i = 0; i < labels.size(); ++i) {
            if (labels[i] == label) members.push_back(i);
        }
        for (std::size_t i = members.size(); i > 1; --i) std::swap(members[i - 1], members[random.index(i)]);
        for (const std::size_t member : members) {
            folds[member] = next;
            next = (next + 1) % foldCount;
        }
    }
    return folds;
}

LassoCrossValidation crossValidateLasso(const Eigen::MatrixXd& x, const std::vector<int>& labels,
                                        const std::vector<int>& folds, const LassoSettings& settings) {
    checkInputs(x, labels);
    if (folds.size() != labels.size()) throw std::invalid_argument("cross-validation: one fold number per case is needed");
    const int foldCount = *std::max_element(folds.begin(), folds.end()) + 1;
    if (*std::min_element(folds.begin(), folds.end()) < 0 || foldCount < 2) {
        throw std::invalid_argument("cross-validation: fold numbers must run from 0 and give at least 2 folds");
    }

    LassoCrossValidation cv;
    cv.folds = folds;
    cv.path = fitLassoPath(x, labels, lassoLambdaSequence(x, labels, settings), settings);
    std::vector<double> lambdas;
    for (const auto& fit : cv.path.fits) lambdas.push_back(fit.lambda);
    const std::size_t lambdaCount = lambdas.size();
    const auto n = static_cast<Eigen::Index>(labels.size());
    cv.outOfFoldLinearPredictor = Eigen::MatrixXd::Zero(n, static_cast<Eigen::Index>(lambdaCount));

    std::vector<std::vector<double>> foldDeviance(static_cast<std::size_t>(foldCount), std::vector<double>(lambdaCount, 0.0));
    std::vector<double> foldSize(static_cast<std::size_t>(foldCount), 0.0);
    for (int fold = 0; fold < foldCount; ++fold) {
        std::vector<Eigen::Index> trainRows, testRows;
        for (Eigen::Index i = 0; i < n; ++i) (folds[static_cast<std::size_t>(i)] == fold ? testRows : trainRows).push_back(i);
        if (testRows.empty()) throw std::invalid_argument("cross-validation: fold " + std::to_string(fold + 1) + " is empty");
        std::vector<int> trainLabels;
        for (const auto i : trainRows) trainLabels.push_back(labels[static_cast<std::size_t>(i)]);
        const Eigen::MatrixXd train = x(trainRows, Eigen::all);
        // As cv.glmnet: each fold fits its own path and is scored at the full path's lambdas by
        // interpolating its coefficients linearly in lambda (held at its ends beyond them).
        const LassoPath foldPath = fitLassoPath(train, trainLabels, lassoLambdaSequence(train, trainLabels, settings), settings);
        const Eigen::MatrixXd test = x(testRows, Eigen::all);
        for (std::size_t k = 0; k < lambdaCount; ++k) {
            const auto& fits = foldPath.fits;
            const double s = std::clamp(lambdas[k], fits.back().lambda, fits.front().lambda);
            std::size_t right = 0;
            while (right + 1 < fits.size() && fits[right].lambda > s) ++right;
            const std::size_t left = right == 0 ? 0 : right - 1;
            const double gap = fits[left].lambda - fits[right].lambda;
            const double weight = gap > 0 ? (s - fits[right].lambda) / gap : 1.0; // of the left fit
            const Eigen::VectorXd coefficients = weight * fits[left].coefficients + (1 - weight) * fits[right].coefficients;
            const double intercept = weight * fits[left].intercept + (1 - weight) * fits[right].intercept;
            const Eigen::VectorXd eta = (test * coefficients).array() + intercept;
            double deviance = 0;
            for (Eigen::Index t = 0; t < eta.size(); ++t) {
                const auto row = testRows[static_cast<std::size_t>(t)];
                cv.outOfFoldLinearPredictor(row, static_cast<Eigen::Index>(k)) = eta[t];
                // cv.glmnet clips the held-out probabilities to [1e-5, 1 - 1e-5].
                const double prob = std::clamp(1.0 / (1.0 + std::exp(-eta[t])), 1e-5, 1 - 1e-5);
                deviance += labels[static_cast<std::size_t>(row)] == 1 ? -2 * std::log(prob) : -2 * std::log(1 - prob);
            }
            foldDeviance[static_cast<std::size_t>(fold)][k] = deviance / static_cast<double>(testRows.size());
        }
        foldSize[static_cast<std::size_t>(fold)] = static_cast<double>(testRows.size());
    }

    const double totalSize = static_cast<double>(n);
    for (std::size_t k = 0; k < lambdaCount; ++k) {
        double mean = 0;
        for (int fold = 0; fold < foldCount; ++fold) mean += foldSize[static_cast<std::size_t>(fold)] * foldDeviance[static_cast<std::size_t>(fold)][k];
        mean /= totalSize;
        double spread = 0;
        for (int fold = 0; fold < foldCount; ++fold) {
            const double d = foldDeviance[static_cast<std::size_t>(fold)][k] - mean;
            spread += foldSize[static_cast<std::size_t>(fold)] * d * d;
        }
        cv.meanDeviance.push_back(mean);
        cv.devianceStandardError.push_back(std::sqrt(spread / totalSize / (foldCount - 1)));
    }
    // Lambdas decrease along the path, so the first index reaching a bound is the largest lambda.
    const double smallest = *std::min_element(cv.meanDeviance.begin(), cv.meanDeviance.end());
    while (cv.meanDeviance[cv.indexMin] > smallest) ++cv.indexMin;
    const double bound = cv.meanDeviance[cv.indexMin] + cv.devianceStandardError[cv.indexMin];
    while (cv.meanDeviance[cv.index1se] > bound) ++cv.index1se;
    return cv;
}

} // namespace radnode::analysis
