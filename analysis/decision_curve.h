// Decision curve analysis (Vickers & Elkin 2006): the net benefit of acting on a model's
// predicted risk, against treating everyone and treating no one, over threshold probabilities.
#pragma once

#include <vector>

namespace radnode::analysis {

// Net benefit at threshold probability pt: TP/n - FP/n * pt / (1 - pt), a case being treated
// when its predicted risk is >= pt. "Treat none" is 0 at every threshold.
struct NetBenefitPoint {
    double threshold = 0.0;
    double model = 0.0;
    double treatAll = 0.0;
    double treatNone = 0.0;
};

// Thresholds must lie in [0, 1); predictions must be probabilities in [0, 1].
std::vector<NetBenefitPoint> decisionCurve(const std::vector<double>& probabilities, const std::vector<int>& labels,
                                           const std::vector<double>& thresholds);

// first, first + step, ... up to and including last (within rounding): 0.01 .. 0.99 by 0.01
// is the usual grid. With a step of 1/N the points are the nearest doubles to k/N.
std::vector<double> thresholdGrid(double first, double last, double step);

} // namespace radnode::analysis
