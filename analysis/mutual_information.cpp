#include "analysis/mutual_information.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <stdexcept>
#include <string>
#include <utility>

namespace radnode::analysis {

namespace {

std::vector<int> binnedColumn(const Eigen::MatrixXd& x, Eigen::Index column, int bins) {
    const Eigen::VectorXd c = x.col(column);
    return equalFrequencyBins(std::vector<double>(c.data(), c.data() + c.size()), bins);
}

void checkSettings(const Eigen::MatrixXd& x, const std::vector<int>& labels, const MutualInformationSettings& settings) {
    if (labels.size() != static_cast<std::size_t>(x.rows())) {
        throw std::invalid_argument("mutual information: " + std::to_string(x.rows()) + " rows of features but " +
                                    std::to_string(labels.size()) + " labels");
    }
    if (settings.bins < 2) throw std::invalid_argument("mutual information: at least 2 bins are needed");
    if (!(settings.redundancyThreshold > 0 && settings.redundancyThreshold <= 1)) {
        throw std::invalid_argument("mutual information: the redundancy threshold must be in (0, 1]");
    }
}

} // namespace

double mutualInformation(const std::vector<int>& a, const std::vector<int>& b) {
    if (a.size() != b.size()) {
        throw std::invalid_argument("mutual information: the two variables have " + std::to_string(a.size()) + " and " +
                                    std::to_string(b.size()) + " values");
    }
    if (a.empty()) throw std::invalid_argument("mutual information: no values");
    std::map<std::pair<int, int>, std::size_t> joint;
    std::map<int, std::size_t> countA, countB;
    for (std::size_t i = 0; i < a.size(); ++i) {
        ++joint[{a[i], b[i]}];
        ++countA[a[i]];
        ++countB[b[i]];
    }
    const auto n = static_cast<double>(a.size());
    double mi = 0.0;
    for (const auto& [cell, count] : joint) {
        const auto nab = static_cast<double>(count);
        const auto na = static_cast<double>(countA[cell.first]);
        const auto nb = static_cast<double>(countB[cell.second]);
        mi += nab / n * std::log(nab * n / (na * nb));
    }
    return std::max(mi, 0.0); // rounding can leave -1e-17 for independent variables
}

// A value's bin is floor(bins * (number of values below it) / n): the bin of its first
// position in sorted order, so tied values always share a bin (and a heavily tied variable
// simply uses fewer bins).
std::vector<int> equalFrequencyBins(const std::vector<double>& values, int bins) {
    if (bins < 1) throw std::invalid_argument("equal-frequency bins: at least 1 bin is needed");
    for (const double v : values) {
        if (!std::isfinite(v)) throw std::invalid_argument("equal-frequency bins: a value is not finite");
    }
    const std::size_t n = values.size();
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t i, std::size_t j) { return values[i] < values[j]; });
    std::vector<int> result(n);
    std::size_t below = 0;
    for (std::size_t k = 0; k < n; ++k) {
        if (k > 0 && values[order[k]] != values[order[k - 1]]) below = k;
        result[order[k]] = static_cast<int>(below * static_cast<std::size_t>(bins) / n);
    }
    return result;
}

std::vector<double> outcomeMutualInformation(const Eigen::MatrixXd& x, const std::vector<int>& labels,
                                             const MutualInformationSettings& settings) {
    checkSettings(x, labels, settings);
    std::vector<double> relevance;
    for (Eigen::Index j = 0; j < x.cols(); ++j) relevance.push_back(mutualInformation(binnedColumn(x, j, settings.bins), labels));
    return relevance;
}

// A column that falls in a single bin (entropy 0) carries no information and is never kept;
// training drops constant features before this step anyway.
std::vector<std::size_t> removeRedundantByMutualInformation(const Eigen::MatrixXd& x, const std::vector<int>& labels,
                                                            const MutualInformationSettings& settings) {
    checkSettings(x, labels, settings);
    const auto columns = static_cast<std::size_t>(x.cols());
    std::vector<std::vector<int>> binned;
    std::vector<double> relevance, entropies;
    for (std::size_t j = 0; j < columns; ++j) {
        binned.push_back(binnedColumn(x, static_cast<Eigen::Index>(j), settings.bins));
        relevance.push_back(mutualInformation(binned.back(), labels));
        // The entropy as I(X; X), by the same arithmetic as the pairs, so a copy's MI equals it exactly.
        entropies.push_back(mutualInformation(binned.back(), binned.back()));
    }
    std::vector<std::size_t> order(columns);
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t i, std::size_t j) { return relevance[i] > relevance[j]; });

    std::vector<std::size_t> kept;
    for (const std::size_t j : order) {
        if (!(entropies[j] > 0)) continue;
        bool redundant = false;
        for (const std::size_t k : kept) {
            const double smaller = std::min(entropies[j], entropies[k]);
            if (mutualInformation(binned[j], binned[k]) > settings.redundancyThreshold * smaller) {
                redundant = true;
                break;
            }
        }
        if (!redundant) kept.push_back(j);
    }
    std::sort(kept.begin(), kept.end());
    return kept;
}

} // namespace radnode::analysis
