// Mutual information between features and with the outcome, the redundancy step of the
// six-centre ultrasound study, beside the correlation filter (analysis/feature_selection.h).
// Continuous values are discretised into equal-frequency bins; MI is in nats.
#pragma once

#include <Eigen/Dense>

#include <cstddef>
#include <vector>

namespace radnode::analysis {

// MI of two discretised variables (plug-in estimate from the joint histogram).
double mutualInformation(const std::vector<int>& a, const std::vector<int>& b);
// Equal-frequency bins 0..bins-1 (ties share a bin).
std::vector<int> equalFrequencyBins(const std::vector<double>& values, int bins);

struct MutualInformationSettings {
    int bins = 10;
    // A feature is redundant when its MI with an already kept, more relevant feature exceeds
    // this fraction of the smaller of the two entropies (normalised MI).
    double redundancyThreshold = 0.8;
};

// Relevance (MI with the labels) of each column.
std::vector<double> outcomeMutualInformation(const Eigen::MatrixXd& x, const std::vector<int>& labels,
                                             const MutualInformationSettings& settings);

// Greedy: columns by decreasing relevance, each kept unless redundant with one already kept.
// Returns kept column indices in increasing order.
std::vector<std::size_t> removeRedundantByMutualInformation(const Eigen::MatrixXd& x, const std::vector<int>& labels,
                                                            const MutualInformationSettings& settings);

} // namespace radnode::analysis
