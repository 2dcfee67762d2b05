#include "analysis/feature_selection.h"

#include "analysis/distributions.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>

namespace radnode::analysis {

namespace {

void checkGroups(const std::vector<double>& values, const std::vector<int>& labels, const char* test) {
    if (values.size() != labels.size()) {
        throw std::invalid_argument(std::string(test) + ": " + std::to_string(values.size()) + " values but " +
                                    std::to_string(labels.size()) + " labels");
    }
    std::size_t positives = 0;
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (!std::isfinite(values[i])) throw std::invalid_argument(std::string(test) + ": a value is not finite");
        if (labels[i] != 0 && labels[i] != 1) throw std::invalid_argument(std::string(test) + ": labels must be 0 or 1");
        positives += static_cast<std::size_t>(labels[i]);
    }
    if (positives == 0 || positives == labels.size()) {
        throw std::invalid_argument(std::string(test) + ": needs values in both groups");
    }
}

// The regularised incomplete beta function I_x(a, b), by the continued fraction of DLMF
// 8.17.22 (modified Lentz), on the side of x where it converges quickly.
double incompleteBeta(double x, double a, double b) {
    if (x <= 0) return 0.0;
    if (x >= 1) return 1.0;
    if (x > (a + 1) / (a + b + 2)) return 1.0 - incompleteBeta(1 - x, b, a);
    const double logFront = a * std::log(x) + b * std::log1p(-x) - std::log(a) -
                            (std::lgamma(a) + std::lgamma(b) - std::lgamma(a + b));
    constexpr double tiny = 1e-300;
    double f = 1.0, c = 1.0, d = 0.0;
    for (int j = 1; j < 10000; ++j) {
        const int m = j / 2;
        const double term = (j % 2 == 1) ? -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
                                         : m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m));
        d = 1 + term * d;
        if (std::abs(d) < tiny) d = tiny;
        c = 1 + term / c;
        if (std::abs(c) < tiny) c = tiny;
        d = 1 / d;
        const double delta = c * d;
        f *= delta;
        if (std::abs(delta - 1) < 1e-16) break;
    }
    return std::exp(logFront) / f;
}

double pearson(const std::vector<double>& a, const std::vector<double>& b) {
    const double n = static_cast<double>(a.size());
    const double meanA = std::accumulate(a.begin(), a.end(), 0.0) / n;
    const double meanB = std::accumulate(b.begin(), b.end(), 0.0) / n;
    double sab = 0, saa = 0, sbb = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        sab += (a[i] - meanA) * (b[i] - meanB);
        saa += (a[i] - meanA) * (a[i] - meanA);
        sbb += (b[i] - meanB) * (b[i] - meanB);
    }
    return sab / std::sqrt(saa * sbb);
}

} // namespace

IntraclassCorrelation intraclassCorrelation(const Eigen::MatrixXd& readings) {
    const Eigen::Index n = readings.rows();
    const Eigen::Index k = readings.cols();
    if (n < 2 || k < 2) throw std::invalid_argument("ICC: needs at least 2 lesions and 2 readings of each");
    if (!readings.allFinite()) throw std::invalid_argument("ICC: a reading is not finite");
    const double grand = readings.mean();
    const double ssRows = static_cast<double>(k) * (readings.rowwise().mean().array() - grand).square().sum();
    const double ssColumns = static_cast<double>(n) * (readings.colwise().mean().array() - grand).square().sum();
    const double ssTotal = (readings.array() - grand).square().sum();
    IntraclassCorrelation icc;
    icc.meanSquareRows = ssRows / static_cast<double>(n - 1);
    icc.meanSquareColumns = ssColumns / static_cast<double>(k - 1);
    icc.meanSquareError = (ssTotal - ssRows - ssColumns) / static_cast<double>((n - 1) * (k - 1));
    const double msr = icc.meanSquareRows, msc = icc.meanSquareColumns, mse = icc.meanSquareError;
    const double kd = static_cast<double>(k);
    icc.icc21 = (msr - mse) / (msr + (kd - 1) * mse + kd * (msc - mse) / static_cast<double>(n));
    icc.icc31 = (msr - mse) / (msr + (kd - 1) * mse);
    return icc;
}

std::vector<double> averageRanks(const std::vector<double>& values) {
    std::vector<std::size_t> order(values.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return values[a] < values[b]; });
    std::vector<double> ranks(values.size());
    for (std::size_t start = 0; start < order.size();) {
        std::size_t end = start;
        while (end + 1 < order.size() && values[order[end + 1]] == values[order[start]]) ++end;
        const double rank = (static_cast<double>(start + end) + 2.0) / 2.0; // mean of start+1 .. end+1
        for (std::size_t i = start; i <= end; ++i) ranks[order[i]] = rank;
        start = end + 1;
    }
    return ranks;
}

UnivariateTest mannWhitneyTest(const std::vector<double>& values, const std::vector<int>& labels) {
    checkGroups(values, labels, "Mann-Whitney test");
    const std::vector<double> ranks = averageRanks(values);
    double n1 = 0, rankSum = 0;
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (labels[i] == 1) {
            n1 += 1;
            rankSum += ranks[i];
        }
    }
    const double n = static_cast<double>(values.size());
    const double n0 = n - n1;
    // Tie correction: sum over groups of tied values of t^3 - t.
    std::vector<double> sorted = values;
    std::sort(sorted.begin(), sorted.end());
    double ties = 0;
    for (std::size_t start = 0; start < sorted.size();) {
        std::size_t end = start;
        while (end < sorted.size() && sorted[end] == sorted[start]) ++end;
        const double t = static_cast<double>(end - start);
        ties += t * t * t - t;
        start = end;
    }
    UnivariateTest test;
    test.statistic = rankSum - n1 * (n1 + 1) / 2;
    const double sigma = std::sqrt(n1 * n0 / 12 * ((n + 1) - ties / (n * (n - 1))));
    if (sigma == 0) return test; // every value equal: no evidence, p = 1
    double z = test.statistic - n1 * n0 / 2;
    z = (z - (z > 0 ? 0.5 : z < 0 ? -0.5 : 0.0)) / sigma;
    test.pValue = std::min(1.0, 2 * normalCdf(-std::abs(z)));
    return test;
}

UnivariateTest anovaTest(const std::vector<double>& values, const std::vector<int>& labels) {
    checkGroups(values, labels, "ANOVA");
    double sum[2] = {0, 0}, count[2] = {0, 0};
    for (std::size_t i = 0; i < values.size(); ++i) {
        sum[labels[i]] += values[i];
        count[labels[i]] += 1;
    }
    const double n = count[0] + count[1];
    if (n < 3) throw std::invalid_argument("ANOVA: needs at least 3 values");
    const double grand = (sum[0] + sum[1]) / n;
    const double mean[2] = {sum[0] / count[0], sum[1] / count[1]};
    double between = 0, within = 0;
    for (int g = 0; g < 2; ++g) between += count[g] * (mean[g] - grand) * (mean[g] - grand);
    for (std::size_t i = 0; i < values.size(); ++i) within += (values[i] - mean[labels[i]]) * (values[i] - mean[labels[i]]);
    UnivariateTest test;
    if (within == 0) { // groups without spread: F is infinite when the means differ, undefined when not
        test.statistic = between > 0 ? std::numeric_limits<double>::infinity() : std::numeric_limits<double>::quiet_NaN();
        test.pValue = between > 0 ? 0.0 : 1.0;
        return test;
    }
    test.statistic = between / (within / (n - 2));
    test.pValue = fDistributionUpperTail(test.statistic, 1, n - 2);
    return test;
}

double fDistributionUpperTail(double f, double df1, double df2) {
    if (!(df1 > 0) || !(df2 > 0)) throw std::invalid_argument("F distribution: degrees of freedom must be positive");
    if (!(f > 0)) return 1.0;
    if (std::isinf(f)) return 0.0;
    return incompleteBeta(df2 / (df2 + df1 * f), df2 / 2, df1 / 2);
}

double correlation(const std::vector<double>& a, const std::vector<double>& b, CorrelationMethod method) {
    if (a.size() != b.size() || a.size() < 2) throw std::invalid_argument("correlation: needs two series of the same length >= 2");
    if (method == CorrelationMethod::spearman) return pearson(averageRanks(a), averageRanks(b));
    return pearson(a, b);
}

std::vector<std::size_t> removeRedundantFeatures(const Eigen::MatrixXd& x, const std::vector<double>& scores,
                                                 double threshold, CorrelationMethod method) {
    if (scores.size() != static_cast<std::size_t>(x.cols())) {
        throw std::invalid_argument("redundancy filter: " + std::to_string(scores.size()) + " scores for " +
                                    std::to_string(x.cols()) + " features");
    }
    std::vector<std::size_t> order(scores.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return scores[a] < scores[b]; });
    // Spearman's r is Pearson's on ranks: rank each column once.
    const auto column = [&](std::size_t j) {
        const Eigen::VectorXd c = x.col(static_cast<Eigen::Index>(j));
        std::vector<double> values(c.data(), c.data() + c.size());
        return method == CorrelationMethod::spearman ? averageRanks(values) : values;
    };
    std::vector<std::size_t> kept;
    std::vector<std::vector<double>> keptColumns;
    for (const std::size_t j : order) {
        const std::vector<double> candidate = column(j);
        bool redundant = false;
        for (const auto& other : keptColumns) {
            const double r = pearson(candidate, other);
            if (std::abs(r) > threshold) {
                redundant = true;
                break;
            }
        }
        if (redundant) continue;
        kept.push_back(j);
        keptColumns.push_back(candidate);
    }
    std::sort(kept.begin(), kept.end());
    return kept;
}

} // namespace radnode::analysis
