// `radnode evaluate`: the validation statistics the breast radiomics papers report, computed
// from a CSV of outcomes and model scores (one row per patient): AUC with DeLong's interval,
// the Youden cut-off and the metrics there, calibration, and, against a second model,
// DeLong's test, NRI and IDI. Higher score = positive; positive when score >= threshold.
#include "analysis/calibration.h"
#include "analysis/decision_curve.h"
#include "analysis/reclassification.h"
#include "analysis/roc.h"
#include "node/command_line.h"
#include "node/commands.h"
#include "node/csv.h"
#include "node/evaluation_report.h"

#include <boost/program_options.hpp>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cmath>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <stdexcept>

namespace radnode::node {

namespace po = boost::program_options;

namespace {

struct EvaluateOptions {
    std::string input, labelColumn, scoreColumn, compareColumn;
    std::optional<double> threshold;
    std::string format = "json";
    std::string riskCutoffs;
    int bootstrapReplicates = 2000;
    std::uint64_t seed = analysis::BootstrapSettings{}.seed;
    std::string plots;
};

std::string trim(const std::string& text) {
    const auto first = text.find_first_not_of(" \t");
    if (first == std::string::npos) return "";
    return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

struct EvaluationData {
    std::vector<int> labels;
    std::vector<double> scores, compare;
};

EvaluationData readEvaluationCsv(const EvaluateOptions& options) {
    const CsvTable table = readCsvFile(options.input);
    const std::size_t labelIndex = table.column(options.labelColumn, "--label");
    const std::size_t scoreIndex = table.column(options.scoreColumn, "--score");
    const bool withCompare = !options.compareColumn.empty();
    const std::size_t compareIndex = withCompare ? table.column(options.compareColumn, "--compare") : 0;

    EvaluationData data;
    for (std::size_t row = 0; row < table.rows.size(); ++row) {
        const auto& fields = table.rows[row];
        const std::string label = fields[labelIndex];
        if (label != "0" && label != "1") {
            throw std::invalid_argument(table.where(row) + ": label '" + label + "' in column '" + options.labelColumn +
                                        "' is not 0 or 1");
        }
        data.labels.push_back(label == "1" ? 1 : 0);
        const auto number = [&](std::size_t index, const std::string& name) {
            const auto value = parseCsvNumber(fields[index]);
            if (!value) {
                throw std::invalid_argument(table.where(row) + ": '" + fields[index] + "' in column '" + name +
                                            "' is not a number");
            }
            return *value;
        };
        data.scores.push_back(number(scoreIndex, options.scoreColumn));
        if (withCompare) data.compare.push_back(number(compareIndex, options.compareColumn));
    }
    const auto cases = static_cast<std::size_t>(std::count(data.labels.begin(), data.labels.end(), 1));
    if (cases == 0 || cases == data.labels.size()) {
        throw std::invalid_argument(options.input + ": needs at least one case (label 1) and one control (label 0); found " +
                                    std::to_string(cases) + " cases and " + std::to_string(data.labels.size() - cases) +
                                    " controls");
    }
    return data;
}

std::vector<double> parseCutoffs(const std::string& text) {
    std::vector<double> cutoffs;
    if (text.empty()) return cutoffs;
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, ',')) {
        const auto value = parseCsvNumber(trim(item));
        if (!value || !(*value > 0 && *value < 1) || (!cutoffs.empty() && !(*value > cutoffs.back()))) {
            throw std::invalid_argument("--risk-cutoffs: '" + item + "' is not an increasing risk in (0, 1) (example: --risk-cutoffs 0.1,0.3)");
        }
        cutoffs.push_back(*value);
    }
    return cutoffs;
}

bool allProbabilities(const std::vector<double>& values) {
    return std::all_of(values.begin(), values.end(), [](double v) { return v >= 0 && v <= 1; });
}

bool allStrictlyInside(const std::vector<double>& values) {
    return std::all_of(values.begin(), values.end(), [](double v) { return v > 0 && v < 1; });
}

EvaluationResult evaluate(const EvaluateOptions& options, const EvaluationData& data) {
    EvaluationResult result;
    result.input = options.input;
    result.labelColumn = options.labelColumn;
    result.scoreColumn = options.scoreColumn;
    result.cases = static_cast<std::size_t>(std::count(data.labels.begin(), data.labels.end(), 1));
    result.controls = data.labels.size() - result.cases;
    result.auc = analysis::delongAuc(data.scores, data.labels);
    result.roc = analysis::rocCurve(data.scores, data.labels);
    result.youden = analysis::youdenCutoff(result.roc);
    result.thresholdGiven = options.threshold.has_value();
    result.atThreshold = analysis::metricsAtThreshold(data.scores, data.labels, options.threshold.value_or(result.youden.threshold));

    result.probabilities = allProbabilities(data.scores);
    if (result.probabilities) {
        result.hosmerLemeshow = analysis::hosmerLemeshow(data.scores, data.labels);
        if (allStrictlyInside(data.scores)) result.calibration = analysis::logisticCalibration(data.scores, data.labels);
        result.decisionCurve = analysis::decisionCurve(data.scores, data.labels, analysis::thresholdGrid(0.01, 0.99, 0.01));
    }

    if (!options.compareColumn.empty()) {
        ComparedModel compared;
        compared.column = options.compareColumn;
        compared.auc = analysis::delongAuc(data.compare, data.labels);
        compared.roc = analysis::rocCurve(data.compare, data.labels);
        compared.delong = analysis::delongPairedTest(data.scores, data.compare, data.labels);
        compared.bootstrap.replicates = options.bootstrapReplicates;
        compared.bootstrap.seed = options.seed;
        compared.riskCutoffs = parseCutoffs(options.riskCutoffs);
        if (result.probabilities && allProbabilities(data.compare)) {
            compared.reclassification =
                analysis::reclassification(data.compare, data.scores, data.labels, compared.riskCutoffs, compared.bootstrap);
        }
        result.compared = compared;
    }
    return result;
}

int run(const EvaluateOptions& options) {
    if (options.format != "json" && options.format != "text") {
        throw std::invalid_argument("--format must be json or text, not '" + options.format + "'");
    }
    if (options.threshold && !std::isfinite(*options.threshold)) throw std::invalid_argument("--threshold must be a finite number");
    if (options.bootstrapReplicates < 2) throw std::invalid_argument("--bootstrap needs at least 2 replicates");
    // The seed is echoed in the JSON, whose numbers are exact integers only up to 2^53.
    if (options.seed > (std::uint64_t{1} << 53)) throw std::invalid_argument("--seed must be at most 2^53");
    if (!options.riskCutoffs.empty() && options.compareColumn.empty()) {
        throw std::invalid_argument("--risk-cutoffs applies to the categorical NRI, which needs --compare");
    }
    parseCutoffs(options.riskCutoffs); // report a bad value before reading the data
    const EvaluationData data = readEvaluationCsv(options);
    const EvaluationResult result = evaluate(options, data);
    if (!options.plots.empty()) writeEvaluationPlots(result, options.plots);
    if (options.format == "json") {
        writeEvaluationJson(result, std::cout);
    } else {
        writeEvaluationText(result, std::cout);
    }
    return 0;
}

} // namespace

int runEvaluateCommand(int argc, char** argv) {
    EvaluateOptions options;
    double threshold = 0;
    po::options_description described(
        "radnode evaluate: validation statistics of a model's scores against outcomes\n"
        "(CSV with a header row, one row per patient). A higher score means positive; a patient\n"
        "is called positive when score >= threshold. AUC intervals are DeLong's (as R's pROC);\n"
        "calibration and decision curves need scores that are probabilities in [0, 1].\n\noptions");
    described.add_options()
        ("help,h", "show this help")
        ("input", po::value(&options.input)->required(), "CSV file")
        ("label", po::value(&options.labelColumn)->required(), "outcome column: 1 positive (e.g. N+), 0 negative")
        ("score", po::value(&options.scoreColumn)->required(), "the model's score or predicted probability column")
        ("compare", po::value(&options.compareColumn),
         "a second model's column on the same patients: DeLong's paired test; NRI and IDI of --score over it")
        ("threshold", po::value(&threshold), "report sensitivity etc. at this threshold (default: the Youden cut-off)")
        ("risk-cutoffs", po::value(&options.riskCutoffs), "risk categories for the categorical NRI, e.g. 0.1,0.3")
        ("bootstrap", po::value(&options.bootstrapReplicates), "bootstrap replicates for the NRI and IDI intervals (default 2000)")
        ("seed", po::value(&options.seed), "bootstrap seed (default 20240611); the same seed gives the same intervals")
        ("format", po::value(&options.format), "json (default) or text")
        ("plots", po::value(&options.plots), "folder for roc.svg, calibration.svg, decision_curve.svg and report.html");
    po::variables_map values;
    if (const auto exitCode = parseOptions("evaluate", argc, argv, described, values)) return *exitCode;
    if (values.count("threshold")) options.threshold = threshold;
    try {
        return run(options);
    } catch (const std::invalid_argument& error) {
        std::cerr << "radnode evaluate: " << error.what() << "\n";
        return 2;
    }
}

} // namespace radnode::node
