// `radnode evaluate` as a researcher runs it: the built binary on the R-referenced data sets
// of tests/data/statistics (see make_reference.R there), its errors and its plots.
#include "test_support.h"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>

namespace {

const std::filesystem::path kStatistics = std::filesystem::path(RADNODE_TEST_DATA_DIR) / "statistics";

std::string quote(const std::filesystem::path& path) { return "'" + path.string() + "'"; }

radnode::test::CommandResult evaluate(const std::string& arguments) {
    return radnode::test::runCommand(quote(RADNODE_BINARY) + " evaluate " + arguments);
}

// The value of a top-level number field in the one-line JSON output; nullopt for null.
std::optional<double> jsonNumber(const std::string& json, const std::string& key) {
    const std::string needle = "\"" + key + "\":";
    const auto at = json.find(needle);
    if (at == std::string::npos) throw std::runtime_error("no field " + key + " in " + json.substr(0, 200));
    const char* start = json.c_str() + at + needle.size();
    if (std::string(start, 4) == "null") return std::nullopt;
    char* end = nullptr;
    const double value = std::strtod(start, &end);
    if (end == start) throw std::runtime_error("field " + key + " is not a number");
    return value;
}

std::map<std::string, double> reference(const std::string& dataset) {
    std::ifstream in(kStatistics / "reference.csv");
    std::map<std::string, double> values;
    std::string line;
    while (std::getline(in, line)) {
        std::stringstream fields(line);
        std::string name, statistic, value;
        std::getline(fields, name, ',');
        std::getline(fields, statistic, ',');
        std::getline(fields, value, ',');
        if (name == dataset) values[statistic] = std::stod(value);
    }
    return values;
}

int countLines(const std::string& text) {
    int lines = 0;
    for (const char c : text) lines += c == '\n';
    return lines;
}

} // namespace

TEST_CASE("radnode evaluate prints one JSON object with pROC's AUC, DeLong test, Youden cut-off and calibration") {
    const auto run = evaluate("--input " + quote(kStatistics / "ties_cohort.csv") +
                              " --label label --score score --compare compare --risk-cutoffs 0.2,0.5 --bootstrap 200 2>&1");
    REQUIRE_MESSAGE(run.exitCode == 0, run.output);
    CHECK(countLines(run.output) == 1);
    CHECK(run.output.front() == '{');
    const auto r = reference("ties_cohort");
    const auto check = [&](const std::string& field, const std::string& statistic) {
        const auto value = jsonNumber(run.output, field);
        REQUIRE_MESSAGE(value.has_value(), field);
        CHECK_MESSAGE(std::fabs(*value - r.at(statistic)) < 1e-9, field << " " << *value << " vs R " << r.at(statistic));
    };
    check("n", "n");
    check("n_positive", "n_positive");
    check("auc", "score_auc");
    check("auc_ci_lower", "score_auc_ci_lower");
    check("auc_ci_upper", "score_auc_ci_upper");
    check("youden_threshold", "score_youden_threshold");
    check("sensitivity", "score_youden_sensitivity");
    check("specificity", "score_youden_specificity");
    check("hosmer_lemeshow_chi2", "score_hl_chi2");
    check("hosmer_lemeshow_p", "score_hl_p");
    check("calibration_intercept", "score_calibration_intercept");
    check("calibration_slope", "score_calibration_slope");
    check("auc_compare", "compare_auc");
    check("auc_compare_ci_lower", "compare_auc_ci_lower");
    check("auc_compare_ci_upper", "compare_auc_ci_upper");
    check("delong_z", "delong_z");
    check("delong_p", "delong_p");
    check("nri", "nri_continuous");
    check("nri_categorical", "nri_categorical_0.2_0.5");
    check("idi", "idi");
    CHECK(*jsonNumber(run.output, "nri_ci_lower") < *jsonNumber(run.output, "nri"));
    CHECK(*jsonNumber(run.output, "idi_ci_upper") > *jsonNumber(run.output, "idi"));
    for (const char* field : {"accuracy", "ppv", "npv"}) CHECK(jsonNumber(run.output, field).has_value());
}

TEST_CASE("radnode evaluate --threshold reports the metrics at that threshold (score >= threshold is positive)") {
    const auto run = evaluate("--input " + quote(kStatistics / "ties_small.csv") + " --label label --score compare --threshold 0.5 2>&1");
    REQUIRE_MESSAGE(run.exitCode == 0, run.output);
    const auto r = reference("ties_small");
    for (const std::string metric : {"sensitivity", "specificity", "accuracy", "ppv", "npv"}) {
        CHECK_MESSAGE(std::fabs(*jsonNumber(run.output, metric) - r.at("compare_at_0.5_" + metric)) < 1e-12, metric);
    }
    CHECK(*jsonNumber(run.output, "threshold") == 0.5);
    // The hand-made set has four tied Youden points; the lowest threshold is reported.
    CHECK(*jsonNumber(run.output, "youden_tied_points") == 4);
    CHECK(std::fabs(*jsonNumber(run.output, "youden_threshold") - r.at("compare_youden_threshold")) < 1e-12);
}

TEST_CASE("radnode evaluate leaves calibration null for scores that are not probabilities, and writes text") {
    radnode::test::TempDir dir;
    radnode::test::writeText(dir / "scores.csv", "patient,nodal_status,rad_score\nA,1,2.5\nB,0,-1.0\nC,1,0.3\nD,0,0.3\nE,0,-2\n");
    const auto json = evaluate("--input " + quote(dir / "scores.csv") + " --label nodal_status --score rad_score 2>&1");
    REQUIRE_MESSAGE(json.exitCode == 0, json.output);
    CHECK(*jsonNumber(json.output, "auc") == doctest::Approx((3 + 2.5) / 6.0)); // A outranks all controls; C ties D
    CHECK_FALSE(jsonNumber(json.output, "hosmer_lemeshow_p").has_value());
    CHECK_FALSE(jsonNumber(json.output, "calibration_slope").has_value());
    const auto text = evaluate("--input " + quote(dir / "scores.csv") + " --label nodal_status --score rad_score --format text 2>&1");
    REQUIRE(text.exitCode == 0);
    CHECK(text.output.find("AUC") != std::string::npos);
    CHECK(text.output.find("not computed") != std::string::npos);
}

TEST_CASE("radnode evaluate rejects bad input with one line naming the problem, exit status 2") {
    radnode::test::TempDir dir;
    const auto rejects = [&](const std::string& csv, const std::string& arguments, const std::string& expected) {
        radnode::test::writeText(dir / "input.csv", csv);
        const auto run = evaluate("--input " + quote(dir / "input.csv") + " " + arguments + " 2>&1");
        CHECK_MESSAGE(run.exitCode == 2, run.output);
        CHECK_MESSAGE(countLines(run.output) == 1, run.output);
        CHECK_MESSAGE(run.output.find(expected) != std::string::npos, run.output << " should say " << expected);
    };
    rejects("y,p\n1,0.8\n0,0.2\n", "--label outcome --score p", "no column 'outcome'");
    rejects("y,p\n1,0.8\n2,0.2\n", "--label y --score p", "line 3: label '2'");
    rejects("y,p\n1,0.8\nN0,0.2\n", "--label y --score p", "line 3: label 'N0'");
    rejects("y,p\n1,0.8\n0,high\n", "--label y --score p", "line 3: 'high' in column 'p' is not a number");
    rejects("y,p\n1,0.8\n0\n", "--label y --score p", "line 3: 1 fields");
    rejects("y,p\n1,\"0.8\n0,0.2\n", "--label y --score p", "unterminated quoted field");
    rejects("y,p\n1,0.8\n1,0.2\n", "--label y --score p", "at least one case (label 1) and one control");
    rejects("", "--label y --score p", "is empty");
    rejects("y,p\n1,0.8\n0,0.2\n", "--label y --score p --format xml", "--format");
    rejects("y,p\n1,0.8\n0,0.2\n", "--label y", "score");
    const auto missing = evaluate("--input " + quote(dir / "absent.csv") + " --label y --score p 2>&1");
    CHECK(missing.exitCode == 2);
    CHECK(missing.output.find("cannot read") != std::string::npos);
}

TEST_CASE("radnode evaluate --plots writes ROC, calibration and decision-curve SVGs and an HTML report") {
    radnode::test::TempDir dir;
    const auto run = evaluate("--input " + quote(kStatistics / "ties_small.csv") + " --label label --score score --compare compare" +
                              " --bootstrap 50 --plots " + quote(dir / "plots") + " 2>&1");
    REQUIRE_MESSAGE(run.exitCode == 0, run.output);
    for (const char* name : {"roc.svg", "calibration.svg", "decision_curve.svg"}) {
        const std::string svg = radnode::test::readText(dir / "plots" / name);
        CHECK_MESSAGE(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0) == 0, name);
        CHECK_MESSAGE(svg.find("<polyline") != std::string::npos, name);
    }
    const std::string html = radnode::test::readText(dir / "plots" / "report.html");
    CHECK(html.find("<svg") != std::string::npos);
    CHECK(html.find("Decision curve") != std::string::npos);
    CHECK(html.find("src=") == std::string::npos); // everything inline
}
