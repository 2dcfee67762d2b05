// Does a new model classify patients better than an old one? Net reclassification
// improvement (Pencina et al. 2008, 2011: categorical and category-free) and integrated
// discrimination improvement, with stratified bootstrap percentile confidence intervals.
#pragma once

#include <cstdint>
#include <vector>

namespace radnode::analysis {

// NRI = events + nonEvents, where
//   events    = Pr(moved up | event)     - Pr(moved down | event)
//   nonEvents = Pr(moved down | non-event) - Pr(moved up | non-event).
// Categorical: "up" is a higher risk category under the new model, the categories being cut
// at the given risks (a risk equal to a cut-off falls in the higher category). Continuous
// (category-free): "up" is any increase of the predicted risk; unchanged risks count neither.
struct NriResult {
    double nri = 0.0;
    double events = 0.0;
    double nonEvents = 0.0;
};

NriResult categoricalNri(const std::vector<double>& oldRisk, const std::vector<double>& newRisk,
                         const std::vector<int>& labels, const std::vector<double>& cutoffs);
NriResult continuousNri(const std::vector<double>& oldRisk, const std::vector<double>& newRisk,
                        const std::vector<int>& labels);

// IDI = (mean new risk of events - mean new risk of non-events)
//     - (mean old risk of events - mean old risk of non-events),
// the gain in discrimination slope (Yates' slope).
struct IdiResult {
    double idi = 0.0;
    double oldSlope = 0.0;
    double newSlope = 0.0;
};

IdiResult integratedDiscriminationImprovement(const std::vector<double>& oldRisk, const std::vector<double>& newRisk,
                                              const std::vector<int>& labels);

// Bootstrap settings: events and non-events are resampled separately (stratified, as pROC
// does by default), so every replicate keeps the study's case mix.
struct BootstrapSettings {
    int replicates = 2000;
    std::uint64_t seed = 20240611;
    double confidenceLevel = 0.95;
};

// A point estimate with its percentile interval (R quantile type 7 of the replicates).
struct IntervalEstimate {
    double estimate = 0.0;
    double lower = 0.0;
    double upper = 0.0;
};

struct ReclassificationResult {
    IntervalEstimate continuousNri;
    IntervalEstimate categoricalNri; // only when cut-offs were given
    bool hasCategoricalNri = false;
    IntervalEstimate idi;
    NriResult continuousComponents;
    NriResult categoricalComponents;
    IdiResult idiComponents;
};

// `cutoffs` may be empty (no categorical NRI); they must be increasing and inside (0, 1).
// Risks must be probabilities in [0, 1].
ReclassificationResult reclassification(const std::vector<double>& oldRisk, const std::vector<double>& newRisk,
                                        const std::vector<int>& labels, const std::vector<double>& cutoffs,
                                        const BootstrapSettings& bootstrap = {});

} // namespace radnode::analysis
