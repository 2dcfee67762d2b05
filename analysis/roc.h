// ROC analysis of a binary classifier as R's pROC computes it: empirical ROC curve, AUC with
// ties counted one half, DeLong variance and confidence interval, DeLong's test for two
// correlated (paired) curves, the Youden cut-off, and the usual metrics at a threshold.
//
// Direction: a higher score means "more likely positive", and a case is called positive when
// score >= threshold (pROC's direction "<", controls < cases). Unlike pROC's default
// direction = "auto" it is never flipped, so a model worse than chance reports AUC < 0.5.
// Labels are 1 for a positive (case) and 0 for a negative (control).
#pragma once

#include <cstddef>
#include <vector>

namespace radnode::analysis {

// One operating point of the empirical ROC curve.
struct RocPoint {
    double threshold = 0.0; // positive when score >= threshold
    double sensitivity = 0.0;
    double specificity = 0.0;
    std::size_t truePositives = 0;
    std::size_t trueNegatives = 0;
};

// Points at pROC's thresholds: -inf, the midpoints between consecutive distinct scores, +inf,
// in increasing threshold order (so sensitivity falls from 1 to 0).
struct RocCurve {
    std::vector<RocPoint> points;
    std::size_t cases = 0;
    std::size_t controls = 0;
};

RocCurve rocCurve(const std::vector<double>& scores, const std::vector<int>& labels);

// AUC with DeLong's (1988) variance; the interval is pROC's ci.auc(method = "delong"): a plain
// normal interval auc -/+ z * sqrt(variance), clipped to [0, 1]. With one case or one control
// the variance is undefined: variance, ciLower and ciUpper are NaN (pROC gives NA).
struct AucEstimate {
    double auc = 0.0; // Mann-Whitney: Pr(case > control) + Pr(case == control) / 2
    double variance = 0.0;
    double ciLower = 0.0;
    double ciUpper = 0.0;
    double confidenceLevel = 0.95;
};

AucEstimate delongAuc(const std::vector<double>& scores, const std::vector<int>& labels,
                      double confidenceLevel = 0.95);

// DeLong's test for two correlated ROC curves (two scores of the same cases), as pROC's
// roc.test(method = "delong", paired = TRUE): z = (auc1 - auc2) / se, two-sided p, and the
// normal interval of the difference.
struct DelongComparison {
    double auc1 = 0.0;
    double auc2 = 0.0;
    double difference = 0.0; // auc1 - auc2
    double standardError = 0.0;
    double z = 0.0; // 0 when both the difference and its standard error are 0, as in pROC
    double pValue = 1.0;
    double ciLower = 0.0; // of the difference
    double ciUpper = 0.0;
};

DelongComparison delongPairedTest(const std::vector<double>& scores1, const std::vector<double>& scores2,
                                  const std::vector<int>& labels, double confidenceLevel = 0.95);

// The ROC point maximising sensitivity + specificity (pROC coords(x = "best",
// best.method = "youden")). pROC returns every tied point; we return the one with the
// lowest threshold, i.e. the highest sensitivity, since missing a positive node costs more
// than a false alarm; `tiedPoints` says how many points shared the maximum.
struct YoudenCutoff {
    double threshold = 0.0;
    double sensitivity = 0.0;
    double specificity = 0.0;
    double youdenIndex = 0.0; // sensitivity + specificity - 1
    std::size_t tiedPoints = 1;
};

YoudenCutoff youdenCutoff(const RocCurve& curve);

// The 2x2 table and its rates at one threshold (positive when score >= threshold). PPV or
// NPV is NaN when nothing is called positive or negative.
struct ThresholdMetrics {
    double threshold = 0.0;
    std::size_t truePositives = 0, falsePositives = 0, trueNegatives = 0, falseNegatives = 0;
    double sensitivity = 0.0;
    double specificity = 0.0;
    double accuracy = 0.0;
    double ppv = 0.0;
    double npv = 0.0;
};

ThresholdMetrics metricsAtThreshold(const std::vector<double>& scores, const std::vector<int>& labels,
                                    double threshold);

// Throws std::invalid_argument unless scores and labels have the same length, every score
// is finite, every label is 0 or 1, and there is at least one case and one control.
void checkBinaryOutcomes(const std::vector<double>& scores, const std::vector<int>& labels);

} // namespace radnode::analysis
