#include "analysis/logistic_regression.h"

#include "analysis/distributions.h"

#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace radnode::analysis {

namespace {

double softplus(double eta) { return eta > 0 ? eta + std::log1p(std::exp(-eta)) : std::log1p(std::exp(eta)); }

double deviance(const Eigen::VectorXd& y, const Eigen::VectorXd& eta) {
    double total = 0;
    for (Eigen::Index i = 0; i < y.size(); ++i) total += 2 * (softplus(eta[i]) - y[i] * eta[i]);
    return total;
}

} // namespace

LogisticFit fitLogistic(const Eigen::MatrixXd& x, const std::vector<int>& labels) {
    const auto n = static_cast<Eigen::Index>(labels.size());
    if (x.rows() != n) {
        throw std::invalid_argument("logistic regression: " + std::to_string(x.rows()) + " rows but " +
                                    std::to_string(labels.size()) + " labels");
    }
    if (!x.allFinite()) throw std::invalid_argument("logistic regression: a value is not finite");
    Eigen::VectorXd y(n);
    for (Eigen::Index i = 0; i < n; ++i) {
        const int label = labels[static_cast<std::size_t>(i)];
        if (label != 0 && label != 1) throw std::invalid_argument("logistic regression: labels must be 0 or 1");
        y[i] = label;
    }
    const double rate = y.mean();
    if (rate == 0 || rate == 1) throw std::invalid_argument("logistic regression: needs cases of both classes");

    const Eigen::Index p = x.cols() + 1;
    Eigen::MatrixXd design(n, p);
    design.col(0).setOnes();
    design.rightCols(x.cols()) = x;

    LogisticFit fit;
    Eigen::VectorXd beta = Eigen::VectorXd::Zero(p);
    beta[0] = std::log(rate / (1 - rate));
    Eigen::MatrixXd information(p, p);
    double previous = deviance(y, design * beta);
    // Newton-Raphson, converged as glm judges it: |dev - dev_old| / (|dev| + 0.1) < epsilon.
    for (fit.iterations = 1; fit.iterations <= 100; ++fit.iterations) {
        const Eigen::VectorXd eta = design * beta;
        const Eigen::VectorXd prob = (1.0 + (-eta).array().exp()).inverse();
        const Eigen::VectorXd weight = prob.array() * (1 - prob.array());
        information = design.transpose() * weight.asDiagonal() * design;
        const Eigen::VectorXd score = design.transpose() * (y - prob);
        const Eigen::LDLT<Eigen::MatrixXd> solver(information);
        if (solver.info() != Eigen::Success || !solver.isPositive()) break;
        beta += solver.solve(score);
        const double current = deviance(y, design * beta);
        if (!std::isfinite(current)) break;
        if (std::abs(current - previous) / (std::abs(current) + 0.1) < 1e-14) {
            fit.converged = true;
            break;
        }
        previous = current;
    }

    const Eigen::VectorXd eta = design * beta;
    const Eigen::VectorXd prob = (1.0 + (-eta).array().exp()).inverse();
    information = design.transpose() * (prob.array() * (1 - prob.array())).matrix().asDiagonal() * design;
    const Eigen::MatrixXd covariance = information.inverse();
    const Eigen::VectorXd se = covariance.diagonal().cwiseSqrt();
    if (!se.allFinite()) fit.converged = false;

    fit.intercept = beta[0];
    fit.coefficients = beta.tail(x.cols());
    fit.interceptStandardError = se[0];
    fit.standardErrors = se.tail(x.cols());
    fit.zValues = fit.coefficients.cwiseQuotient(fit.standardErrors);
    fit.pValues.resize(x.cols());
    for (Eigen::Index j = 0; j < x.cols(); ++j) fit.pValues[j] = 2 * normalCdf(-std::abs(fit.zValues[j]));
    fit.interceptPValue = 2 * normalCdf(-std::abs(fit.intercept / fit.interceptStandardError));
    fit.deviance = deviance(y, eta);
    fit.nullDeviance = deviance(y, Eigen::VectorXd::Constant(n, std::log(rate / (1 - rate))));
    fit.aic = fit.deviance + 2 * static_cast<double>(p);
    return fit;
}

StepwiseResult backwardStepwiseAic(const Eigen::MatrixXd& x, const std::vector<int>& labels,
                                   const std::vector<std::string>& names) {
    if (names.size() != static_cast<std::size_t>(x.cols())) {
        throw std::invalid_argument("stepwise selection: " + std::to_string(names.size()) + " names for " +
                                    std::to_string(x.cols()) + " columns");
    }
    const auto columns = [&](const std::vector<std::size_t>& kept) {
        std::vector<Eigen::Index> indices(kept.begin(), kept.end());
        return Eigen::MatrixXd(x(Eigen::all, indices));
    };
    StepwiseResult result;
    for (std::size_t j = 0; j < names.size(); ++j) result.kept.push_back(j);
    result.fit = fitLogistic(x, labels);
    while (!result.kept.empty()) {
        double bestAic = std::numeric_limits<double>::infinity();
        std::size_t bestDrop = 0;
        LogisticFit bestFit;
        for (std::size_t k = 0; k < result.kept.size(); ++k) {
            std::vector<std::size_t> candidate = result.kept;
            candidate.erase(candidate.begin() + static_cast<std::ptrdiff_t>(k));
            LogisticFit fit = fitLogistic(columns(candidate), labels);
            if (fit.aic < bestAic) {
                bestAic = fit.aic;
                bestDrop = k;
                bestFit = std::move(fit);
            }
        }
        // step() keeps going only while a removal lowers AIC (ties stop it; so does a tiny gain).
        if (!(bestAic < result.fit.aic - 1e-7)) break;
        std::ostringstream line;
        line << "drop " << names[result.kept[bestDrop]] << ": AIC " << result.fit.aic << " -> " << bestAic;
        result.trace.push_back(line.str());
        result.kept.erase(result.kept.begin() + static_cast<std::ptrdiff_t>(bestDrop));
        result.fit = std::move(bestFit);
    }
    return result;
}

} // namespace radnode::analysis
