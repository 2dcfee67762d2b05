// Calibration of predicted probabilities against observed outcomes: the Hosmer-Lemeshow test
// (as R's ResourceSelection::hoslem.test), the grouped calibration curve, and logistic
// recalibration (calibration intercept and slope, as fitted with R's glm).
#pragma once

#include <cstddef>
#include <vector>

namespace radnode::analysis {

// One risk group: its cases, predicted and observed events.
struct CalibrationGroup {
    double lowerBound = 0.0; // the group holds predictions in (lowerBound, upperBound]; the first also lowerBound itself
    double upperBound = 0.0;
    std::size_t count = 0;
    double observedEvents = 0.0; // sum of labels
    double expectedEvents = 0.0; // sum of predicted probabilities
    double meanPredicted = 0.0;  // expectedEvents / count
    double observedRate = 0.0;   // observedEvents / count
};

// Groups by quantiles of predicted risk, as hoslem.test forms them: breaks are the distinct
// values of R's quantile(p, seq(0, 1, 1/groups)) (type 7), intervals closed on the right and
// the first also on the left. Tied predictions never straddle a break, so ties can leave
// fewer groups; groups that would be empty are left out.
std::vector<CalibrationGroup> calibrationGroups(const std::vector<double>& probabilities, const std::vector<int>& labels,
                                                int groups = 10);

// Hosmer-Lemeshow: chi-square = sum over groups of (O1 - E1)^2 / E1 + (O0 - E0)^2 / E0 with
// df = (number of groups formed) - 2. With fewer than three groups the p-value is NaN.
struct HosmerLemeshowResult {
    double chiSquare = 0.0;
    int degreesOfFreedom = 0;
    double pValue = 0.0;
    std::vector<CalibrationGroup> groups;
};

HosmerLemeshowResult hosmerLemeshow(const std::vector<double>& probabilities, const std::vector<int>& labels,
                                    int groups = 10);

// Logistic recalibration on the logit of the predictions, fitted by Newton-Raphson:
//   slope:     y ~ a + b * logit(p)            -> slope = b (1 when the spread is right)
//   intercept: y ~ a + offset(logit(p))        -> intercept = a, calibration-in-the-large
//                                                 (0 when the average risk is right)
// Needs 0 < p < 1 for every prediction. `converged` is false (and the values NaN) when the
// fit does not converge, as happens when the outcomes are perfectly separated.
struct LogisticCalibration {
    double intercept = 0.0;
    double slope = 0.0;
    double slopeFitIntercept = 0.0; // a of the slope fit, for drawing the recalibration line
    bool converged = false;
};

LogisticCalibration logisticCalibration(const std::vector<double>& probabilities, const std::vector<int>& labels);

// Throws std::invalid_argument unless every prediction is a probability in [0, 1] (and the
// labels are 0/1 with at least one of each, of the same count).
void checkProbabilities(const std::vector<double>& probabilities, const std::vector<int>& labels);

} // namespace radnode::analysis
