// The results of `radnode evaluate` and their presentation: one JSON object, a text summary,
// and on request a folder with ROC, calibration and decision-curve SVGs and a report.html
// that shows them inline (no external assets, so the report can be attached to a study file).
#pragma once

#include "analysis/calibration.h"
#include "analysis/decision_curve.h"
#include "analysis/reclassification.h"
#include "analysis/roc.h"

#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace radnode::node {

struct ComparedModel {
    std::string column;
    analysis::AucEstimate auc;
    analysis::RocCurve roc;
    analysis::DelongComparison delong; // score minus compare
    // New model = --score, old model = --compare; only when both are probabilities.
    std::optional<analysis::ReclassificationResult> reclassification;
    analysis::BootstrapSettings bootstrap;
    std::vector<double> riskCutoffs;
};

struct EvaluationResult {
    std::string input, labelColumn, scoreColumn;
    std::size_t cases = 0;    // label 1
    std::size_t controls = 0; // label 0
    analysis::AucEstimate auc;
    analysis::RocCurve roc;
    analysis::YoudenCutoff youden;
    bool thresholdGiven = false;
    analysis::ThresholdMetrics atThreshold; // at --threshold, else at the Youden threshold

    bool probabilities = false; // every score in [0, 1]: calibration and decision curves apply
    std::optional<analysis::HosmerLemeshowResult> hosmerLemeshow;
    std::optional<analysis::LogisticCalibration> calibration; // needs 0 < p < 1
    std::vector<analysis::NetBenefitPoint> decisionCurve;     // thresholds 0.01 .. 0.99

    std::optional<ComparedModel> compared;
};

void writeEvaluationJson(const EvaluationResult& result, std::ostream& out);
void writeEvaluationText(const EvaluationResult& result, std::ostream& out);

// Writes roc.svg, and for probabilities calibration.svg and decision_curve.svg, and
// report.html with all of them inline, into `folder` (created if missing).
void writeEvaluationPlots(const EvaluationResult& result, const std::filesystem::path& folder);

} // namespace radnode::node
