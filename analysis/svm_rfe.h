// SVM recursive feature elimination (Guyon et al. 2002), the selection step one DBT study
// applies after its univariate and LASSO filters: fit a linear SVM, drop the feature with the
// smallest squared weight, repeat; then keep the smallest set whose cross-validated AUC is
// within a tolerance of the best.
#pragma once

#include "analysis/svm.h"

#include <Eigen/Dense>

#include <cstddef>
#include <string>
#include <vector>

namespace radnode::analysis {

struct SvmRfeSettings {
    SvmParameters svm{SvmKernel::linear};   // probability is not needed and is switched off
    double aucTolerance = 0.0;              // keep the smallest set with AUC >= best - tolerance
};

struct SvmRfeResult {
    // Elimination order: ranking[0] is the feature kept longest (rank 1, as scikit-learn's
    // RFE ranking_ == 1 for the last survivor); indices into the columns of x.
    std::vector<std::size_t> ranking;
    // crossValidatedAuc[k - 1]: AUC of a linear SVM on the k best-ranked features, out of fold.
    std::vector<double> crossValidatedAuc;
    std::vector<std::size_t> selected; // the minimal set, increasing column order
};

// x standardised, labels 0/1, folds as in chooseSvmByCrossValidation. Throws
// std::invalid_argument for an empty or inconsistent input.
SvmRfeResult svmRecursiveFeatureElimination(const Eigen::MatrixXd& x, const std::vector<int>& labels,
                                            const std::vector<int>& folds, const SvmRfeSettings& settings);

} // namespace radnode::analysis
