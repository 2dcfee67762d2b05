// Feature filters applied before LASSO in radiomics training, as the breast papers describe
// them: reproducibility between repeated segmentations (ICC), a univariate test against the
// outcome (Mann-Whitney U or one-way ANOVA F), and removal of redundant, highly correlated
// features. Results match R (psych::ICC, wilcox.test, aov, cor).
#pragma once

#include <Eigen/Dense>

#include <cstddef>
#include <vector>

namespace radnode::analysis {

// Intraclass correlation of one feature measured k times on n lesions (readings: n x k, e.g.
// two readers' or two sessions' segmentations), from the two-way ANOVA mean squares:
//   ICC(2,1) two-way random, absolute agreement:  (MSR - MSE) / (MSR + (k-1) MSE + k (MSC - MSE) / n)
//   ICC(3,1) two-way mixed, consistency:          (MSR - MSE) / (MSR + (k-1) MSE)
// (Shrout & Fleiss 1979; psych::ICC's ICC2 and ICC3). NaN when every reading is equal.
struct IntraclassCorrelation {
    double icc21 = 0.0;
    double icc31 = 0.0;
    double meanSquareRows = 0.0, meanSquareColumns = 0.0, meanSquareError = 0.0;
};

// Throws std::invalid_argument with fewer than 2 lesions or 2 readings, or a non-finite value.
IntraclassCorrelation intraclassCorrelation(const Eigen::MatrixXd& readings);

struct UnivariateTest {
    double statistic = 0.0; // W (Mann-Whitney, of the positives) or F (ANOVA)
    double pValue = 1.0;
};

// Wilcoxon rank-sum / Mann-Whitney U of the positives' values against the negatives', by
// the normal approximation with the tie and continuity corrections (R's wilcox.test with
// exact = FALSE, its choice whenever values tie). W = rank sum of positives - n1 (n1 + 1) / 2.
UnivariateTest mannWhitneyTest(const std::vector<double>& values, const std::vector<int>& labels);

// One-way ANOVA of the values between the two label groups: F on (1, n - 2) df (R's aov;
// the same p as a pooled-variance t-test).
UnivariateTest anovaTest(const std::vector<double>& values, const std::vector<int>& labels);

// Upper tail of the F distribution with (df1, df2) degrees of freedom (R's pf(lower = FALSE)).
double fDistributionUpperTail(double f, double df1, double df2);

// Ranks 1..n, ties given their average rank (R's rank()).
std::vector<double> averageRanks(const std::vector<double>& values);

enum class CorrelationMethod { pearson, spearman };

double correlation(const std::vector<double>& a, const std::vector<double>& b, CorrelationMethod method);

// Greedy redundancy removal: the columns in order of their score (lower is better, e.g. a
// univariate p-value; ties by column order), each kept unless its |correlation| with a
// column already kept exceeds the threshold. So of a correlated pair the better-scoring
// feature stays. Returns the kept column indices in increasing order.
std::vector<std::size_t> removeRedundantFeatures(const Eigen::MatrixXd& x, const std::vector<double>& scores,
                                                 double threshold, CorrelationMethod method);

} // namespace radnode::analysis
