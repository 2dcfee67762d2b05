// SVM recursive feature elimination: rank by repeated linear-SVM fits, then size the set by CV AUC.
#include "analysis/svm_rfe.h"

#include "analysis/roc.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace radnode::analysis {

namespace {

Eigen::MatrixXd featureColumns(const Eigen::MatrixXd& x, std::vector<std::size_t> columns) {
    std::sort(columns.begin(), columns.end()); // the subset in column order, as scikit-learn's RFE fits it
    Eigen::MatrixXd subset(x.rows(), static_cast<Eigen::Index>(columns.size()));
    for (std::size_t k = 0; k < columns.size(); ++k) subset.col(static_cast<Eigen::Index>(k)) = x.col(static_cast<Eigen::Index>(columns[k]));
    return subset;
}

} // namespace

SvmRfeResult svmRecursiveFeatureElimination(const Eigen::MatrixXd& x, const std::vector<int>& labels,
                                            const std::vector<int>& folds, const SvmRfeSettings& settings) {
    if (x.rows() == 0 || x.cols() == 0) throw std::invalid_argument("SVM-RFE: no cases or no features");
    if (static_cast<std::size_t>(x.rows()) != labels.size() || folds.size() != labels.size()) {
        throw std::invalid_argument("SVM-RFE: " + std::to_string(x.rows()) + " cases, " + std::to_string(labels.size()) +
                                    " labels and " + std::to_string(folds.size()) + " fold indices");
    }
    if (settings.svm.kernel != SvmKernel::linear) throw std::invalid_argument("SVM-RFE ranks by linear weights: needs a linear kernel");
    if (!(settings.aucTolerance >= 0.0)) {
        throw std::invalid_argument("SVM-RFE: AUC tolerance must be >= 0, is " + std::to_string(settings.aucTolerance));
    }
    SvmParameters svm = settings.svm;
    svm.probability = false;

    // Elimination: refit on the survivors, drop the one with the smallest squared weight
    // (the first such in column order on an exact tie).
    std::vector<std::size_t> remaining(static_cast<std::size_t>(x.cols()));
    for (std::size_t j = 0; j < remaining.size(); ++j) remaining[j] = j;
    std::vector<std::size_t> eliminated;
    while (remaining.size() > 1) {
        const std::vector<double> w = svmLinearWeights(trainSvm(featureColumns(x, remaining), labels, svm));
        std::size_t weakest = 0;
        for (std::size_t k = 1; k < w.size(); ++k) {
            if (w[k] * w[k] < w[weakest] * w[weakest]) weakest = k;
        }
        eliminated.push_back(remaining[weakest]);
        remaining.erase(remaining.begin() + static_cast<std::ptrdiff_t>(weakest));
    }
    eliminated.push_back(remaining.front());

    SvmRfeResult result;
    result.ranking.assign(eliminated.rbegin(), eliminated.rend());
    for (std::size_t k = 1; k <= result.ranking.size(); ++k) {
        const std::vector<std::size_t> best(result.ranking.begin(), result.ranking.begin() + static_cast<std::ptrdiff_t>(k));
        const std::vector<double> decisions = svmOutOfFoldDecisionValues(featureColumns(x, best), labels, folds, svm);
        result.crossValidatedAuc.push_back(delongAuc(decisions, labels).auc);
    }

    const double bestAuc = *std::max_element(result.crossValidatedAuc.begin(), result.crossValidatedAuc.end());
    std::size_t size = 1;
    while (result.crossValidatedAuc[size - 1] < bestAuc - settings.aucTolerance) ++size;
    result.selected.assign(result.ranking.begin(), result.ranking.begin() + static_cast<std::ptrdiff_t>(size));
    std::sort(result.selected.begin(), result.selected.end());
    return result;
}

} // namespace radnode::analysis
