#include "analysis/calibration.h"

#include "analysis/distributions.h"
#include "analysis/roc.h"

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace radnode::analysis {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Log-likelihood of a logistic model with linear predictor eta (numerically stable form).
double logLikelihood(const Eigen::VectorXd& eta, const Eigen::VectorXd& y) {
    double sum = 0.0;
    for (Eigen::Index i = 0; i < eta.size(); ++i) {
        // log(1 + exp(eta)) without overflow
        const double softplus = eta[i] > 0 ? eta[i] + std::log1p(std::exp(-eta[i])) : std::log1p(std::exp(eta[i]));
        sum += y[i] * eta[i] - softplus;
    }
    return sum;
}

double logistic(double eta) { return 1.0 / (1.0 + std::exp(-eta)); }

// Maximum-likelihood logistic regression of y on the columns of `design` with a fixed
// offset, by Newton-Raphson with step halving. Returns false when it does not converge.
bool fitLogistic(const Eigen::MatrixXd& design, const Eigen::VectorXd& offset, const Eigen::VectorXd& y,
                 Eigen::VectorXd& beta) {
    Eigen::VectorXd eta = design * beta + offset;
    double current = logLikelihood(eta, y);
    for (int iteration = 0; iteration < 100; ++iteration) {
        Eigen::VectorXd mu(eta.size()), weight(eta.size());
        for (Eigen::Index i = 0; i < eta.size(); ++i) {
            mu[i] = logistic(eta[i]);
            weight[i] = mu[i] * (1.0 - mu[i]);
        }
        const Eigen::VectorXd gradient = design.transpose() * (y - mu);
        const Eigen::MatrixXd information = design.transpose() * weight.asDiagonal() * design;
        const Eigen::LDLT<Eigen::MatrixXd> solver(information);
        if (solver.info() != Eigen::Success || !solver.isPositive()) return false;
        Eigen::VectorXd step = solver.solve(gradient);
        if (!step.allFinite()) return false;
        // Halve the step until the likelihood does not fall (it rises near the optimum).
        for (int halving = 0; halving < 30; ++halving) {
            const Eigen::VectorXd candidate = design * (beta + step) + offset;
            const double value = logLikelihood(candidate, y);
            if (value >= current - 1e-12 * std::fabs(current)) {
                beta += step;
                eta = candidate;
                current = value;
                break;
            }
            step /= 2.0;
        }
        if (step.cwiseAbs().maxCoeff() < 1e-12 * (1.0 + beta.cwiseAbs().maxCoeff())) return beta.allFinite();
    }
    return false;
}

} // namespace

void checkProbabilities(const std::vector<double>& probabilities, const std::vector<int>& labels) {
    checkBinaryOutcomes(probabilities, labels);
    for (std::size_t i = 0; i < probabilities.size(); ++i) {
        if (!(probabilities[i] >= 0 && probabilities[i] <= 1)) {
            throw std::invalid_argument("prediction " + std::to_string(i + 1) + " (" + std::to_string(probabilities[i]) +
                                        ") is not a probability in [0, 1]");
        }
    }
}

std::vector<CalibrationGroup> calibrationGroups(const std::vector<double>& probabilities, const std::vector<int>& labels,
                                                int groups) {
    checkProbabilities(probabilities, labels);
    if (groups < 1) throw std::invalid_argument("calibration groups: need at least one group");
    std::vector<double> sorted = probabilities;
    std::sort(sorted.begin(), sorted.end());

    // R: unique(quantile(p, probs = seq(0, 1, 1/g))); seq() gives k * (1/g), capped at 1.
    std::vector<double> breaks;
    const double by = 1.0 / groups;
    for (int k = 0; k <= groups; ++k) {
        const double q = sampleQuantile(sorted, std::min(k * by, 1.0));
        if (std::find(breaks.begin(), breaks.end(), q) == breaks.end()) breaks.push_back(q);
    }
    // All predictions equal: one group holding everything.
    if (breaks.size() == 1) breaks.push_back(breaks.front());

    std::vector<CalibrationGroup> table(breaks.size() - 1);
    for (std::size_t g = 0; g < table.size(); ++g) {
        table[g].lowerBound = breaks[g];
        table[g].upperBound = breaks[g + 1];
    }
    for (std::size_t i = 0; i < probabilities.size(); ++i) {
        // First group whose upper bound is >= p: intervals (lower, upper], the first closed.
        const auto upper = std::lower_bound(breaks.begin() + 1, breaks.end(), probabilities[i]);
        const std::size_t g = std::min<std::size_t>(static_cast<std::size_t>(upper - breaks.begin()) - 1, table.size() - 1);
        table[g].count += 1;
        table[g].observedEvents += labels[i];
        table[g].expectedEvents += probabilities[i];
    }
    std::vector<CalibrationGroup> formed;
    for (CalibrationGroup& group : table) {
        if (group.count == 0) continue;
        group.meanPredicted = group.expectedEvents / group.count;
        group.observedRate = group.observedEvents / group.count;
        formed.push_back(group);
    }
    return formed;
}

HosmerLemeshowResult hosmerLemeshow(const std::vector<double>& probabilities, const std::vector<int>& labels, int groups) {
    HosmerLemeshowResult result;
    result.groups = calibrationGroups(probabilities, labels, groups);
    for (const CalibrationGroup& group : result.groups) {
        const double expectedNonEvents = group.count - group.expectedEvents;
        const double observedNonEvents = group.count - group.observedEvents;
        result.chiSquare += (group.observedEvents - group.expectedEvents) * (group.observedEvents - group.expectedEvents) /
                                group.expectedEvents +
                            (observedNonEvents - expectedNonEvents) * (observedNonEvents - expectedNonEvents) / expectedNonEvents;
    }
    result.degreesOfFreedom = static_cast<int>(result.groups.size()) - 2;
    result.pValue = result.degreesOfFreedom > 0 ? chiSquareUpperTail(result.chiSquare, result.degreesOfFreedom) : kNaN;
    return result;
}

LogisticCalibration logisticCalibration(const std::vector<double>& probabilities, const std::vector<int>& labels) {
    checkProbabilities(probabilities, labels);
    const Eigen::Index n = static_cast<Eigen::Index>(probabilities.size());
    Eigen::VectorXd logit(n), y(n);
    for (Eigen::Index i = 0; i < n; ++i) {
        const double p = probabilities[static_cast<std::size_t>(i)];
        if (!(p > 0 && p < 1)) {
            throw std::invalid_argument("calibration slope and intercept need predictions strictly between 0 and 1 (prediction " +
                                        std::to_string(i + 1) + " is " + std::to_string(p) + ")");
        }
        logit[i] = std::log(p / (1.0 - p));
        y[i] = labels[static_cast<std::size_t>(i)];
    }

    LogisticCalibration result;
    Eigen::MatrixXd slopeDesign(n, 2);
    slopeDesign.col(0).setOnes();
    slopeDesign.col(1) = logit;
    Eigen::VectorXd slopeBeta(2);
    slopeBeta << 0.0, 1.0; // start from perfect calibration
    const bool slopeConverged = fitLogistic(slopeDesign, Eigen::VectorXd::Zero(n), y, slopeBeta);

    Eigen::MatrixXd interceptDesign = Eigen::MatrixXd::Ones(n, 1);
    Eigen::VectorXd interceptBeta = Eigen::VectorXd::Zero(1);
    const bool interceptConverged = fitLogistic(interceptDesign, logit, y, interceptBeta);

    result.converged = slopeConverged && interceptConverged;
    result.slope = slopeConverged ? slopeBeta[1] : kNaN;
    result.slopeFitIntercept = slopeConverged ? slopeBeta[0] : kNaN;
    result.intercept = interceptConverged ? interceptBeta[0] : kNaN;
    return result;
}

} // namespace radnode::analysis
