#include "analysis/decision_curve.h"

#include "analysis/calibration.h"

#include <cmath>
#include <stdexcept>
#include <string>

namespace radnode::analysis {

std::vector<NetBenefitPoint> decisionCurve(const std::vector<double>& probabilities, const std::vector<int>& labels,
                                           const std::vector<double>& thresholds) {
    checkProbabilities(probabilities, labels);
    const double n = static_cast<double>(probabilities.size());
    double events = 0.0;
    for (const int label : labels) events += label;
    const double prevalence = events / n;

    std::vector<NetBenefitPoint> curve;
    curve.reserve(thresholds.size());
    for (const double pt : thresholds) {
        if (!(pt >= 0 && pt < 1)) {
            throw std::invalid_argument("decision curve: threshold probability " + std::to_string(pt) + " is not in [0, 1)");
        }
        const double odds = pt / (1.0 - pt); // harm of a false positive relative to the benefit of a true one
        double truePositives = 0.0, falsePositives = 0.0;
        for (std::size_t i = 0; i < probabilities.size(); ++i) {
            if (probabilities[i] < pt) continue;
            (labels[i] == 1 ? truePositives : falsePositives) += 1.0;
        }
        NetBenefitPoint point;
        point.threshold = pt;
        point.model = truePositives / n - falsePositives / n * odds;
        point.treatAll = prevalence - (1.0 - prevalence) * odds;
        point.treatNone = 0.0;
        curve.push_back(point);
    }
    return curve;
}

std::vector<double> thresholdGrid(double first, double last, double step) {
    if (!(step > 0) || !(last >= first)) throw std::invalid_argument("threshold grid: need step > 0 and last >= first");
    std::vector<double> grid;
    const long count = std::lround(std::floor((last - first) / step + 1e-9));
    // A step of 1/N (0.01, 0.05, 0.1) gives the decimal grid k/N exactly rounded, so that a
    // risk of 0.35 is treated at threshold 0.35 (0.01 + 34 * 0.01 is 0.35000000000000003).
    const double inverse = 1.0 / step;
    const bool decimal = std::fabs(inverse - std::round(inverse)) < 1e-9 &&
                         std::fabs(first * inverse - std::round(first * inverse)) < 1e-6;
    for (long k = 0; k <= count; ++k) {
        grid.push_back(decimal ? (std::round(first * inverse) + k) / std::round(inverse) : first + k * step);
    }
    return grid;
}

} // namespace radnode::analysis
