#include "node/evaluation_report.h"

#include "node/json_writer.h"
#include "node/xml_text.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <ostream>
#include <sstream>
#include <stdexcept>

namespace radnode::node {

namespace {

const char* kDirection = "higher score = positive; positive when score >= threshold";

double asNumber(std::size_t count) { return static_cast<double>(count); }

// Decision-curve points reported in JSON and text: every 0.05 of the 0.01 grid.
bool onReportedGrid(std::size_t index) { return (index + 1) % 5 == 0; }

void writeNullable(JsonWriter& json, const std::string& name, const std::optional<double>& value) {
    json.key(name);
    if (value) {
        json.value(*value);
    } else {
        json.null();
    }
}

// ---- SVG ------------------------------------------------------------------------------

std::string fixed(double value, int decimals) {
    std::ostringstream out;
    out << std::fixed << std::setprecision(decimals) << value;
    return out.str();
}

struct XY {
    double x = 0, y = 0;
};

// A square line chart with labelled axes, drawn in data coordinates and clipped to the axes.
class SvgChart {
public:
    SvgChart(const std::string& id, const std::string& title, const std::string& xLabel, const std::string& yLabel,
             double xMin, double xMax, double yMin, double yMax)
        : id_(id), xMin_(xMin), xMax_(xMax), yMin_(yMin), yMax_(yMax) {
        body_ << "<text x=\"" << kLeft + kSize / 2 << "\" y=\"24\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\">"
              << escapeXml(title) << "</text>\n";
        body_ << "<rect x=\"" << kLeft << "\" y=\"" << kTop << "\" width=\"" << kSize << "\" height=\"" << kSize
              << "\" fill=\"none\" stroke=\"#333\"/>\n";
        for (int tick = 0; tick <= 5; ++tick) {
            const double fraction = tick / 5.0;
            const double x = kLeft + fraction * kSize, y = kTop + kSize - fraction * kSize;
            body_ << "<line x1=\"" << x << "\" y1=\"" << kTop << "\" x2=\"" << x << "\" y2=\"" << kTop + kSize
                  << "\" stroke=\"#eee\"/>\n"
                  << "<line x1=\"" << kLeft << "\" y1=\"" << y << "\" x2=\"" << kLeft + kSize << "\" y2=\"" << y
                  << "\" stroke=\"#eee\"/>\n"
                  << "<text x=\"" << x << "\" y=\"" << kTop + kSize + 16 << "\" text-anchor=\"middle\" font-size=\"11\">"
                  << fixed(xMin + fraction * (xMax - xMin), 2) << "</text>\n"
                  << "<text x=\"" << kLeft - 6 << "\" y=\"" << y + 4 << "\" text-anchor=\"end\" font-size=\"11\">"
                  << fixed(yMin + fraction * (yMax - yMin), 2) << "</text>\n";
        }
        body_ << "<text x=\"" << kLeft + kSize / 2 << "\" y=\"" << kTop + kSize + 38
              << "\" text-anchor=\"middle\" font-size=\"13\">" << escapeXml(xLabel) << "</text>\n"
              << "<text transform=\"translate(16," << kTop + kSize / 2 << ") rotate(-90)\" text-anchor=\"middle\" font-size=\"13\">"
              << escapeXml(yLabel) << "</text>\n";
    }

    void line(const std::vector<XY>& points, const std::string& colour, bool dashed = false, double width = 2) {
        body_ << "<polyline clip-path=\"url(#" << id_ << "-area)\" fill=\"none\" stroke=\"" << colour << "\" stroke-width=\""
              << width << "\"" << (dashed ? " stroke-dasharray=\"6 4\"" : "") << " points=\"";
        for (const XY& p : points) body_ << fixed(px(p.x), 2) << "," << fixed(py(p.y), 2) << " ";
        body_ << "\"/>\n";
    }

    void marker(const XY& point, const std::string& colour, double radius = 4) {
        body_ << "<circle clip-path=\"url(#" << id_ << "-area)\" cx=\"" << fixed(px(point.x), 2) << "\" cy=\""
              << fixed(py(point.y), 2) << "\" r=\"" << radius << "\" fill=\"" << colour << "\"/>\n";
    }

    // Legend entries stack from the lower right corner of the axes upwards.
    void legend(const std::string& text, const std::string& colour, bool dashed = false) {
        const double y = kTop + kSize - 12 - 18 * legendEntries_++;
        const double x = kLeft + kSize - 250;
        body_ << "<line x1=\"" << x << "\" y1=\"" << y - 4 << "\" x2=\"" << x + 24 << "\" y2=\"" << y - 4 << "\" stroke=\""
              << colour << "\" stroke-width=\"2\"" << (dashed ? " stroke-dasharray=\"6 4\"" : "") << "/>\n"
              << "<text x=\"" << x + 30 << "\" y=\"" << y << "\" font-size=\"12\">" << escapeXml(text) << "</text>\n";
    }

    std::string str() const {
        std::ostringstream svg;
        svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << kLeft + kSize + 20 << "\" height=\""
            << kTop + kSize + 50 << "\" font-family=\"sans-serif\">\n"
            << "<defs><clipPath id=\"" << id_ << "-area\"><rect x=\"" << kLeft << "\" y=\"" << kTop << "\" width=\"" << kSize
            << "\" height=\"" << kSize << "\"/></clipPath></defs>\n"
            << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
            << body_.str() << "</svg>\n";
        return svg.str();
    }

private:
    static constexpr double kLeft = 60, kTop = 36, kSize = 400;
    double px(double x) const { return kLeft + (x - xMin_) / (xMax_ - xMin_) * kSize; }
    double py(double y) const { return kTop + kSize - (y - yMin_) / (yMax_ - yMin_) * kSize; }

    std::string id_;
    double xMin_, xMax_, yMin_, yMax_;
    std::ostringstream body_;
    int legendEntries_ = 0;
};

const char* kScoreColour = "#1f5fa8";
const char* kCompareColour = "#c0392b";
const char* kGrey = "#888";

std::vector<XY> rocLine(const analysis::RocCurve& curve) {
    std::vector<XY> points;
    for (const auto& p : curve.points) points.push_back({1.0 - p.specificity, p.sensitivity});
    return points;
}

std::string rocSvg(const EvaluationResult& r) {
    SvgChart chart("roc", "ROC curve", "1 - specificity", "sensitivity", 0, 1, 0, 1);
    chart.line({{0, 0}, {1, 1}}, kGrey, true, 1);
    chart.line(rocLine(r.roc), kScoreColour);
    chart.marker({1.0 - r.atThreshold.specificity, r.atThreshold.sensitivity}, kScoreColour);
    if (r.compared) {
        chart.line(rocLine(r.compared->roc), kCompareColour);
        chart.legend(r.compared->column + ": AUC " + fixed(r.compared->auc.auc, 3), kCompareColour);
    }
    chart.legend(r.scoreColumn + ": AUC " + fixed(r.auc.auc, 3), kScoreColour);
    return chart.str();
}

double logistic(double eta) { return 1.0 / (1.0 + std::exp(-eta)); }

std::string calibrationSvg(const EvaluationResult& r) {
    SvgChart chart("calibration", "Calibration", "predicted probability", "observed proportion", 0, 1, 0, 1);
    chart.line({{0, 0}, {1, 1}}, kGrey, true, 1);
    if (r.calibration && r.calibration->converged) {
        std::vector<XY> recalibrated;
        for (int k = 1; k < 200; ++k) {
            const double p = k / 200.0;
            recalibrated.push_back({p, logistic(r.calibration->slopeFitIntercept + r.calibration->slope * std::log(p / (1 - p)))});
        }
        chart.line(recalibrated, kScoreColour, false, 1.5);
        chart.legend("logistic recalibration, slope " + fixed(r.calibration->slope, 2), kScoreColour);
    }
    std::vector<XY> groups;
    for (const auto& g : r.hosmerLemeshow->groups) groups.push_back({g.meanPredicted, g.observedRate});
    chart.line(groups, kCompareColour, false, 1);
    for (const XY& g : groups) chart.marker(g, kCompareColour);
    chart.legend("risk groups (deciles)", kCompareColour);
    chart.legend("ideal", kGrey, true);
    return chart.str();
}

std::string decisionCurveSvg(const EvaluationResult& r) {
    const double prevalence = asNumber(r.cases) / asNumber(r.cases + r.controls);
    const double yMax = std::max(0.05, std::ceil(prevalence * 20.0 + 1.0) / 20.0);
    const double yMin = -yMax / 4.0;
    SvgChart chart("decision", "Decision curve", "threshold probability", "net benefit", 0, 1, yMin, yMax);
    std::vector<XY> model, all;
    for (const auto& p : r.decisionCurve) {
        model.push_back({p.threshold, p.model});
        all.push_back({p.threshold, p.treatAll});
    }
    chart.line({{0, 0}, {1, 0}}, kGrey, false, 1);
    chart.line(all, kGrey, true, 1.5);
    chart.line(model, kScoreColour);
    chart.legend("treat none", kGrey);
    chart.legend("treat all", kGrey, true);
    chart.legend(r.scoreColumn, kScoreColour);
    return chart.str();
}

void writeFile(const std::filesystem::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
    out.close();
    if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::string percent(double value) { return std::isfinite(value) ? fixed(100.0 * value, 1) + " %" : "n/a"; }
std::string number(double value, int decimals) { return std::isfinite(value) ? fixed(value, decimals) : "n/a"; }
std::string pValue(double p) {
    if (!std::isfinite(p)) return "n/a";
    if (p < 0.001) return "< 0.001";
    return fixed(p, 3);
}

// The summary lines shared by the text output and the HTML report.
std::vector<std::pair<std::string, std::string>> summaryLines(const EvaluationResult& r) {
    std::vector<std::pair<std::string, std::string>> lines;
    const int level = static_cast<int>(std::lround(r.auc.confidenceLevel * 100));
    lines.push_back({"patients", std::to_string(r.cases + r.controls) + " (" + std::to_string(r.cases) + " positive, " +
                                     std::to_string(r.controls) + " negative)"});
    lines.push_back({"AUC", number(r.auc.auc, 3) + " (" + std::to_string(level) + " % CI " + number(r.auc.ciLower, 3) + " - " +
                                number(r.auc.ciUpper, 3) + ", DeLong)"});
    lines.push_back({"Youden cut-off", number(r.youden.threshold, 4) + " (J = " + number(r.youden.youdenIndex, 3) +
                                           (r.youden.tiedPoints > 1 ? ", lowest of " + std::to_string(r.youden.tiedPoints) + " tied" : "") + ")"});
    const auto& m = r.atThreshold;
    lines.push_back({r.thresholdGiven ? "at threshold " + number(m.threshold, 4) : "at the Youden cut-off",
                     "TP " + std::to_string(m.truePositives) + ", FP " + std::to_string(m.falsePositives) + ", TN " +
                         std::to_string(m.trueNegatives) + ", FN " + std::to_string(m.falseNegatives)});
    lines.push_back({"sensitivity", percent(m.sensitivity)});
    lines.push_back({"specificity", percent(m.specificity)});
    lines.push_back({"accuracy", percent(m.accuracy)});
    lines.push_back({"PPV", percent(m.ppv)});
    lines.push_back({"NPV", percent(m.npv)});
    if (r.hosmerLemeshow) {
        lines.push_back({"Hosmer-Lemeshow", "chi2 " + number(r.hosmerLemeshow->chiSquare, 3) + ", df " +
                                                std::to_string(r.hosmerLemeshow->degreesOfFreedom) + ", p " +
                                                pValue(r.hosmerLemeshow->pValue)});
    } else {
        lines.push_back({"calibration", "not computed: scores are not probabilities in [0, 1]"});
    }
    if (r.calibration) {
        lines.push_back({"calibration intercept", number(r.calibration->intercept, 3)});
        lines.push_back({"calibration slope", number(r.calibration->slope, 3)});
    }
    if (r.compared) {
        const auto& c = *r.compared;
        lines.push_back({"AUC of " + c.column, number(c.auc.auc, 3) + " (" + std::to_string(level) + " % CI " +
                                                   number(c.auc.ciLower, 3) + " - " + number(c.auc.ciUpper, 3) + ")"});
        lines.push_back({"DeLong test", "difference " + number(c.delong.difference, 3) + " (" + number(c.delong.ciLower, 3) +
                                            " - " + number(c.delong.ciUpper, 3) + "), z " + number(c.delong.z, 3) + ", p " +
                                            pValue(c.delong.pValue)});
        if (c.reclassification) {
            const auto& rc = *c.reclassification;
            lines.push_back({"NRI (continuous)", number(rc.continuousNri.estimate, 3) + " (" + number(rc.continuousNri.lower, 3) +
                                                     " - " + number(rc.continuousNri.upper, 3) + ", bootstrap)"});
            if (rc.hasCategoricalNri) {
                lines.push_back({"NRI (categorical)", number(rc.categoricalNri.estimate, 3) + " (" +
                                                          number(rc.categoricalNri.lower, 3) + " - " +
                                                          number(rc.categoricalNri.upper, 3) + ", bootstrap)"});
            }
            lines.push_back({"IDI", number(rc.idi.estimate, 4) + " (" + number(rc.idi.lower, 4) + " - " + number(rc.idi.upper, 4) +
                                        ", bootstrap)"});
        } else {
            lines.push_back({"NRI, IDI", "not computed: both models' scores must be probabilities in [0, 1]"});
        }
    }
    return lines;
}

} // namespace

void writeEvaluationJson(const EvaluationResult& r, std::ostream& out) {
    JsonWriter json;
    json.beginObject();
    json.field("input", r.input);
    json.field("label", r.labelColumn);
    json.field("score", r.scoreColumn);
    json.field("direction", kDirection);
    json.field("n", asNumber(r.cases + r.controls));
    json.field("n_positive", asNumber(r.cases));
    json.field("n_negative", asNumber(r.controls));
    json.field("auc", r.auc.auc);
    json.field("auc_variance", r.auc.variance);
    json.field("auc_ci_lower", r.auc.ciLower);
    json.field("auc_ci_upper", r.auc.ciUpper);
    json.field("confidence_level", r.auc.confidenceLevel);
    json.field("youden_threshold", r.youden.threshold);
    json.field("youden_index", r.youden.youdenIndex);
    json.field("youden_tied_points", asNumber(r.youden.tiedPoints));
    json.field("threshold", r.atThreshold.threshold);
    json.field("threshold_source", r.thresholdGiven ? "given" : "youden");
    json.field("sensitivity", r.atThreshold.sensitivity);
    json.field("specificity", r.atThreshold.specificity);
    json.field("accuracy", r.atThreshold.accuracy);
    json.field("ppv", r.atThreshold.ppv);
    json.field("npv", r.atThreshold.npv);
    json.field("true_positives", asNumber(r.atThreshold.truePositives));
    json.field("false_positives", asNumber(r.atThreshold.falsePositives));
    json.field("true_negatives", asNumber(r.atThreshold.trueNegatives));
    json.field("false_negatives", asNumber(r.atThreshold.falseNegatives));

    json.field("scores_are_probabilities", r.probabilities);
    const auto& hl = r.hosmerLemeshow;
    writeNullable(json, "hosmer_lemeshow_chi2", hl ? std::optional<double>(hl->chiSquare) : std::nullopt);
    writeNullable(json, "hosmer_lemeshow_df", hl ? std::optional<double>(hl->degreesOfFreedom) : std::nullopt);
    writeNullable(json, "hosmer_lemeshow_p", hl ? std::optional<double>(hl->pValue) : std::nullopt);
    writeNullable(json, "calibration_intercept", r.calibration ? std::optional<double>(r.calibration->intercept) : std::nullopt);
    writeNullable(json, "calibration_slope", r.calibration ? std::optional<double>(r.calibration->slope) : std::nullopt);
    json.key("calibration_curve");
    json.beginArray();
    if (hl) {
        for (const auto& g : hl->groups) {
            json.beginObject();
            json.field("n", asNumber(g.count));
            json.field("mean_predicted", g.meanPredicted);
            json.field("observed_rate", g.observedRate);
            json.endObject();
        }
    }
    json.endArray();
    json.key("decision_curve");
    json.beginArray();
    for (std::size_t i = 0; i < r.decisionCurve.size(); ++i) {
        if (!onReportedGrid(i)) continue;
        json.beginObject();
        json.field("threshold", r.decisionCurve[i].threshold);
        json.field("net_benefit", r.decisionCurve[i].model);
        json.field("treat_all", r.decisionCurve[i].treatAll);
        json.endObject();
    }
    json.endArray();

    if (r.compared) {
        const auto& c = *r.compared;
        json.field("compare", c.column);
        json.field("auc_compare", c.auc.auc);
        json.field("auc_compare_ci_lower", c.auc.ciLower);
        json.field("auc_compare_ci_upper", c.auc.ciUpper);
        json.field("auc_difference", c.delong.difference);
        json.field("delong_z", c.delong.z);
        json.field("delong_p", c.delong.pValue);
        json.field("delong_difference_ci_lower", c.delong.ciLower);
        json.field("delong_difference_ci_upper", c.delong.ciUpper);
        const auto& rc = c.reclassification;
        const auto maybe = [&](double value) { return rc ? std::optional<double>(value) : std::nullopt; };
        writeNullable(json, "nri", maybe(rc ? rc->continuousNri.estimate : 0));
        writeNullable(json, "nri_ci_lower", maybe(rc ? rc->continuousNri.lower : 0));
        writeNullable(json, "nri_ci_upper", maybe(rc ? rc->continuousNri.upper : 0));
        writeNullable(json, "nri_events", maybe(rc ? rc->continuousComponents.events : 0));
        writeNullable(json, "nri_nonevents", maybe(rc ? rc->continuousComponents.nonEvents : 0));
        if (!c.riskCutoffs.empty()) {
            json.key("risk_cutoffs");
            json.beginArray();
            for (const double cutoff : c.riskCutoffs) json.value(cutoff);
            json.endArray();
            writeNullable(json, "nri_categorical", maybe(rc ? rc->categoricalNri.estimate : 0));
            writeNullable(json, "nri_categorical_ci_lower", maybe(rc ? rc->categoricalNri.lower : 0));
            writeNullable(json, "nri_categorical_ci_upper", maybe(rc ? rc->categoricalNri.upper : 0));
        }
        writeNullable(json, "idi", maybe(rc ? rc->idi.estimate : 0));
        writeNullable(json, "idi_ci_lower", maybe(rc ? rc->idi.lower : 0));
        writeNullable(json, "idi_ci_upper", maybe(rc ? rc->idi.upper : 0));
        json.field("bootstrap_replicates", asNumber(static_cast<std::size_t>(c.bootstrap.replicates)));
        json.field("bootstrap_seed", static_cast<double>(c.bootstrap.seed));
    }
    json.endObject();
    out << json.str() << "\n";
}

void writeEvaluationText(const EvaluationResult& r, std::ostream& out) {
    out << "radnode evaluate: " << r.scoreColumn << " against " << r.labelColumn << " in " << r.input << "\n"
        << "(" << kDirection << ")\n\n";
    for (const auto& [name, value] : summaryLines(r)) out << "  " << std::left << std::setw(24) << name << value << "\n";
    if (!r.decisionCurve.empty()) {
        out << "\n  net benefit   threshold  model    treat all\n";
        for (std::size_t i = 0; i < r.decisionCurve.size(); ++i) {
            if (!onReportedGrid(i)) continue;
            const auto& p = r.decisionCurve[i];
            out << "                " << fixed(p.threshold, 2) << "       " << std::setw(8) << fixed(p.model, 4) << " "
                << fixed(p.treatAll, 4) << "\n";
        }
    }
}

void writeEvaluationPlots(const EvaluationResult& r, const std::filesystem::path& folder) {
    std::error_code error;
    std::filesystem::create_directories(folder, error);
    if (error) throw std::runtime_error("cannot create " + folder.string() + ": " + error.message());

    std::vector<std::pair<std::string, std::string>> figures{{"roc.svg", rocSvg(r)}};
    if (r.hosmerLemeshow) figures.push_back({"calibration.svg", calibrationSvg(r)});
    if (!r.decisionCurve.empty()) figures.push_back({"decision_curve.svg", decisionCurveSvg(r)});
    for (const auto& [name, svg] : figures) writeFile(folder / name, svg);

    std::ostringstream html;
    html << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>radnode evaluate: "
         << escapeXml(r.scoreColumn) << "</title>\n"
         << "<style>body{font-family:sans-serif;margin:2em;max-width:1400px}table{border-collapse:collapse}"
            "td{padding:2px 12px 2px 0;vertical-align:top}td:first-child{font-weight:bold}"
            ".figures{display:flex;flex-wrap:wrap;gap:1em}</style>\n</head>\n<body>\n"
         << "<h1>Model validation: " << escapeXml(r.scoreColumn) << "</h1>\n"
         << "<p>Outcome column <code>" << escapeXml(r.labelColumn) << "</code> in <code>" << escapeXml(r.input)
         << "</code>; " << kDirection << ". Research use only.</p>\n<table>\n";
    for (const auto& [name, value] : summaryLines(r)) {
        html << "<tr><td>" << escapeXml(name) << "</td><td>" << escapeXml(value) << "</td></tr>\n";
    }
    html << "</table>\n<div class=\"figures\">\n";
    for (const auto& [name, svg] : figures) html << "<figure>\n" << svg << "</figure>\n";
    html << "</div>\n</body>\n</html>\n";
    writeFile(folder / "report.html", html.str());
}

} // namespace radnode::node
