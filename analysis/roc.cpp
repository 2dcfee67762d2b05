#include "analysis/roc.h"

#include "analysis/distributions.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>

namespace radnode::analysis {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// DeLong's placement values: for each case, the fraction of controls it outranks (ties 1/2);
// for each control, the fraction of cases that outrank it (ties 1/2). Their means are both
// the AUC. Computed in one pass over the sorted scores, as pROC does.
struct Placements {
    std::vector<double> cases;    // V10, in the order cases appear in the input
    std::vector<double> controls; // V01, in the order controls appear in the input
    double auc = 0.0;
};

Placements delongPlacements(const std::vector<double>& scores, const std::vector<int>& labels) {
    const std::size_t total = scores.size();
    std::vector<std::size_t> order(total);
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return scores[a] < scores[b]; });

    // Position of each input row within its class, to write placements in input order.
    std::vector<std::size_t> classIndex(total);
    std::size_t caseCount = 0, controlCount = 0;
    for (std::size_t i = 0; i < total; ++i) classIndex[i] = labels[i] == 1 ? caseCount++ : controlCount++;

    Placements result;
    result.cases.assign(caseCount, 0.0);
    result.controls.assign(controlCount, 0.0);
    std::size_t casesBelow = 0, controlsBelow = 0;
    for (std::size_t begin = 0; begin < total;) {
        std::size_t end = begin;
        std::size_t tiedCases = 0, tiedControls = 0;
        while (end < total && scores[order[end]] == scores[order[begin]]) {
            (labels[order[end]] == 1 ? tiedCases : tiedControls) += 1;
            ++end;
        }
        const double caseValue = (controlsBelow + 0.5 * tiedControls) / static_cast<double>(controlCount);
        const double controlValue = 1.0 - (casesBelow + 0.5 * tiedCases) / static_cast<double>(caseCount);
        for (std::size_t k = begin; k < end; ++k) {
            const std::size_t row = order[k];
            if (labels[row] == 1) {
                result.cases[classIndex[row]] = caseValue;
            } else {
                result.controls[classIndex[row]] = controlValue;
            }
        }
        casesBelow += tiedCases;
        controlsBelow += tiedControls;
        begin = end;
    }
    double sum = 0.0;
    for (const double v : result.cases) sum += v;
    result.auc = sum / static_cast<double>(caseCount);
    return result;
}

// Sample covariance (n - 1 denominator) of two placement vectors around their AUCs.
double placementCovariance(const std::vector<double>& a, double aucA, const std::vector<double>& b, double aucB) {
    double sum = 0.0;
    for (std::size_t i = 0; i < a.size(); ++i) sum += (a[i] - aucA) * (b[i] - aucB);
    return sum / static_cast<double>(a.size() - 1);
}

// Midpoint threshold between consecutive distinct scores, kept strictly above `low` so
// that "score >= threshold" separates the two (pROC's handling of near ties).
double midpoint(double low, double high) {
    double mid = (low + high) / 2.0;
    if (std::isinf(mid)) mid = low / 2.0 + high / 2.0;
    if (mid == low) mid = high;
    return mid;
}

} // namespace

void checkBinaryOutcomes(const std::vector<double>& scores, const std::vector<int>& labels) {
    if (scores.size() != labels.size()) {
        throw std::invalid_argument("ROC analysis: " + std::to_string(scores.size()) + " scores but " +
                                    std::to_string(labels.size()) + " labels");
    }
    std::size_t cases = 0;
    for (std::size_t i = 0; i < scores.size(); ++i) {
        if (!std::isfinite(scores[i])) throw std::invalid_argument("ROC analysis: score " + std::to_string(i + 1) + " is not finite");
        if (labels[i] != 0 && labels[i] != 1) {
            throw std::invalid_argument("ROC analysis: label " + std::to_string(i + 1) + " is " + std::to_string(labels[i]) +
                                        ", not 0 or 1");
        }
        cases += labels[i] == 1;
    }
    if (cases == 0) throw std::invalid_argument("ROC analysis needs at least one positive case (label 1)");
    if (cases == labels.size()) throw std::invalid_argument("ROC analysis needs at least one negative control (label 0)");
}

RocCurve rocCurve(const std::vector<double>& scores, const std::vector<int>& labels) {
    checkBinaryOutcomes(scores, labels);
    std::vector<std::size_t> order(scores.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return scores[a] < scores[b]; });

    RocCurve curve;
    curve.cases = static_cast<std::size_t>(std::count(labels.begin(), labels.end(), 1));
    curve.controls = labels.size() - curve.cases;
    const double cases = static_cast<double>(curve.cases);
    const double controls = static_cast<double>(curve.controls);

    // At threshold -inf everything is positive; each distinct score, once passed, turns its
    // rows negative.
    std::size_t positiveCases = curve.cases, negativeControls = 0;
    curve.points.push_back({-kInf, 1.0, 0.0, curve.cases, 0});
    for (std::size_t begin = 0; begin < order.size();) {
        const double value = scores[order[begin]];
        std::size_t end = begin;
        while (end < order.size() && scores[order[end]] == value) {
            if (labels[order[end]] == 1) {
                --positiveCases;
            } else {
                ++negativeControls;
            }
            ++end;
        }
        const double threshold = end < order.size() ? midpoint(value, scores[order[end]]) : kInf;
        curve.points.push_back({threshold, positiveCases / cases, negativeControls / controls, positiveCases, negativeControls});
        begin = end;
    }
    return curve;
}

AucEstimate delongAuc(const std::vector<double>& scores, const std::vector<int>& labels, double confidenceLevel) {
    checkBinaryOutcomes(scores, labels);
    if (!(confidenceLevel > 0 && confidenceLevel < 1)) throw std::invalid_argument("confidence level must be in (0, 1)");
    const Placements placements = delongPlacements(scores, labels);
    AucEstimate estimate;
    estimate.auc = placements.auc;
    estimate.confidenceLevel = confidenceLevel;
    const std::size_t m = placements.cases.size(), n = placements.controls.size();
    if (m <= 1 || n <= 1) {
        estimate.variance = estimate.ciLower = estimate.ciUpper = kNaN;
        return estimate;
    }
    estimate.variance = placementCovariance(placements.cases, placements.auc, placements.cases, placements.auc) / m +
                        placementCovariance(placements.controls, placements.auc, placements.controls, placements.auc) / n;
    const double z = normalQuantile(1.0 - (1.0 - confidenceLevel) / 2.0);
    const double sd = std::sqrt(estimate.variance);
    estimate.ciLower = std::clamp(estimate.auc - z * sd, 0.0, 1.0);
    estimate.ciUpper = std::clamp(estimate.auc + z * sd, 0.0, 1.0);
    return estimate;
}

DelongComparison delongPairedTest(const std::vector<double>& scores1, const std::vector<double>& scores2,
                                  const std::vector<int>& labels, double confidenceLevel) {
    checkBinaryOutcomes(scores1, labels);
    checkBinaryOutcomes(scores2, labels);
    if (!(confidenceLevel > 0 && confidenceLevel < 1)) throw std::invalid_argument("confidence level must be in (0, 1)");
    const Placements first = delongPlacements(scores1, labels);
    const Placements second = delongPlacements(scores2, labels);
    DelongComparison result;
    result.auc1 = first.auc;
    result.auc2 = second.auc;
    result.difference = first.auc - second.auc;
    const std::size_t m = first.cases.size(), n = first.controls.size();
    if (m <= 1 || n <= 1) {
        result.standardError = result.z = result.pValue = result.ciLower = result.ciUpper = kNaN;
        return result;
    }
    // Var(auc1 - auc2) = L S L' with L = (1, -1) and S = S10 / m + S01 / n.
    const auto covariance = [&](const Placements& a, const Placements& b) {
        return placementCovariance(a.cases, a.auc, b.cases, b.auc) / m +
               placementCovariance(a.controls, a.auc, b.controls, b.auc) / n;
    };
    const double variance = covariance(first, first) + covariance(second, second) - 2.0 * covariance(first, second);
    result.standardError = std::sqrt(std::max(variance, 0.0));
    if (result.difference == 0 && result.standardError == 0) {
        result.z = 0.0;
    } else {
        result.z = result.difference / result.standardError;
    }
    result.pValue = 2.0 * normalCdf(-std::fabs(result.z));
    const double z = normalQuantile(1.0 - (1.0 - confidenceLevel) / 2.0);
    result.ciLower = result.difference - z * result.standardError;
    result.ciUpper = result.difference + z * result.standardError;
    return result;
}

YoudenCutoff youdenCutoff(const RocCurve& curve) {
    if (curve.points.empty() || curve.cases == 0 || curve.controls == 0) {
        throw std::invalid_argument("Youden cut-off of an empty ROC curve");
    }
    // Compare sensitivity + specificity in whole counts (tp * controls + tn * cases), so that
    // exact ties are recognised as ties whatever the rounding of the two fractions.
    const auto weight = [&](const RocPoint& point) {
        return point.truePositives * curve.controls + point.trueNegatives * curve.cases;
    };
    YoudenCutoff best;
    std::size_t bestWeight = 0;
    bool first = true;
    for (const RocPoint& point : curve.points) { // increasing thresholds: the first maximum has the lowest
        const std::size_t w = weight(point);
        if (first || w > bestWeight) {
            first = false;
            bestWeight = w;
            best.threshold = point.threshold;
            best.sensitivity = point.sensitivity;
            best.specificity = point.specificity;
            best.tiedPoints = 1;
        } else if (w == bestWeight) {
            ++best.tiedPoints;
        }
    }
    best.youdenIndex = best.sensitivity + best.specificity - 1.0;
    return best;
}

ThresholdMetrics metricsAtThreshold(const std::vector<double>& scores, const std::vector<int>& labels, double threshold) {
    checkBinaryOutcomes(scores, labels);
    ThresholdMetrics metrics;
    metrics.threshold = threshold;
    for (std::size_t i = 0; i < scores.size(); ++i) {
        const bool calledPositive = scores[i] >= threshold;
        if (labels[i] == 1) {
            ++(calledPositive ? metrics.truePositives : metrics.falseNegatives);
        } else {
            ++(calledPositive ? metrics.falsePositives : metrics.trueNegatives);
        }
    }
    const auto ratio = [](std::size_t numerator, std::size_t denominator) {
        return denominator == 0 ? kNaN : static_cast<double>(numerator) / static_cast<double>(denominator);
    };
    metrics.sensitivity = ratio(metrics.truePositives, metrics.truePositives + metrics.falseNegatives);
    metrics.specificity = ratio(metrics.trueNegatives, metrics.trueNegatives + metrics.falsePositives);
    metrics.accuracy = ratio(metrics.truePositives + metrics.trueNegatives, scores.size());
    metrics.ppv = ratio(metrics.truePositives, metrics.truePositives + metrics.falsePositives);
    metrics.npv = ratio(metrics.trueNegatives, metrics.trueNegatives + metrics.falseNegatives);
    return metrics;
}

} // namespace radnode::analysis
