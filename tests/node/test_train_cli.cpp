// `radnode train` as a research team runs it: the built binary on a feature table made from
// the R-referenced cohort of tests/data/statistics (make_training_reference.R), the model
// file it writes (read back by the node's own reader), and its errors (exit 2, naming the
// file, line, column or option).
#include "config/model_file.h"
#include "test_support.h"

#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

using radnode::test::TempDir;

const std::filesystem::path kStatistics = std::filesystem::path(RADNODE_TEST_DATA_DIR) / "statistics";

std::string quote(const std::filesystem::path& path) { return "'" + path.string() + "'"; }

radnode::test::CommandResult train(const std::string& arguments) {
    return radnode::test::runCommand(quote(RADNODE_BINARY) + " train " + arguments);
}

// The columns f1..f8 of training_cohort.csv under radiomics names, with a case id and a free-text column.
const std::vector<std::string> kFeatureNames{
    "tumor/US/original_shape2D_MaximumDiameter", "tumor/US/original_shape2D_Sphericity",
    "tumor/US/original_firstorder_Energy",       "tumor/US/original_glcm_Idn",
    "ring-5mm/US/original_firstorder_Skewness",  "ring-5mm/US/original_glrlm_RunEntropy",
    "tumor/original_ngtdm_Busyness",             "tumor+10mm/*/wavelet-HLH_glcm_Idn"};

struct Table {
    std::vector<std::vector<std::string>> rows; // label, f1..f8
};

Table readCohort() {
    std::ifstream in(kStatistics / "training_cohort.csv");
    REQUIRE(in);
    Table table;
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
        std::vector<std::string> fields;
        std::stringstream split(line);
        for (std::string field; std::getline(split, field, ',');) fields.push_back(field);
        REQUIRE(fields.size() == 9);
        table.rows.push_back(fields);
    }
    return table;
}

// With `covariates`, two clinical columns: age (unrelated to the label) and the US-reported
// node status (agreeing with the label in about 80 % of cases).
std::filesystem::path writeFeatureTable(const TempDir& dir, const Table& table, bool covariates = false) {
    const auto path = dir / "features.csv";
    std::ofstream out(path);
    out << "case,note,n_status";
    if (covariates) out << ",age,us_node_status";
    for (const auto& name : kFeatureNames) out << ',' << name;
    out << '\n';
    for (std::size_t i = 0; i < table.rows.size(); ++i) {
        out << "case-" << i << ",\"free, text\"," << table.rows[i][0];
        if (covariates) {
            const bool positive = (table.rows[i][0] == "1") != (i % 5 == 0);
            out << ',' << 40 + (i * 13) % 35 << ',' << (positive ? "positive" : "negative");
        }
        for (std::size_t j = 1; j < 9; ++j) out << ',' << table.rows[i][j];
        out << '\n';
    }
    out << "case-unlabelled,x,";
    if (covariates) out << ",50,negative";
    for (std::size_t j = 1; j < 9; ++j) out << ",1";
    out << '\n';
    return path;
}

const std::string kCommonOptions = "--label n_status --id case --exclude note --folds 5 --seed 7 --p-threshold 0.2";

} // namespace

TEST_CASE("radnode train writes a model file the node reads back, with the cohort and the CV AUC") {
    const TempDir dir;
    const auto features = writeFeatureTable(dir, readCohort());
    const auto model = dir / "site-model.yaml";
    const auto result = train("--features " + quote(features) + " " + kCommonOptions + " --version 3 --out " + quote(model));
    INFO(result.output);
    REQUIRE(result.exitCode == 0);
    CHECK(result.output.find("cases: 150 (66 events); 1 rows without a label left out") != std::string::npos);
    CHECK(result.output.find("cross-validated AUC: 0.") != std::string::npos);
    CHECK(result.output.find("lambda.1se") != std::string::npos);

    const auto read = radnode::config::readModelFile(model);
    CHECK(read.name == "site-model");
    CHECK(read.version == "3");
    CHECK(read.intendedUse == "research");
    CHECK(read.trainingCohort.find("150 cases, 66 events") != std::string::npos);
    CHECK(read.trainingCohort.find("synthetic") == std::string::npos);
    REQUIRE(read.validationAuc.has_value());
    CHECK(read.validationAuc->auc > 0.6);
    CHECK(read.validationAuc->ciLower < read.validationAuc->auc);
    REQUIRE(read.first.radScores.size() == 1);
    const auto& inputs = read.first.radScores[0].inputs;
    REQUIRE(!inputs.empty());
    // f1 (the diameter) is the strongest feature of the generating model.
    CHECK(inputs[0].roi == "tumor");
    CHECK(inputs[0].view == "US");
    CHECK(inputs[0].feature == "original_shape2D_MaximumDiameter");
    CHECK(inputs[0].coefficient > 0);
    for (const auto& input : inputs) {
        CHECK(std::isfinite(input.coefficient));
        CHECK(input.sd > 0);
    }
    const double threshold = read.first.thresholds.at(0).value;
    CHECK(threshold > 0);
    CHECK(threshold < 1);

    // The same command gives the same file, byte for byte.
    const auto again = dir / "again.yaml";
    REQUIRE(train("--features " + quote(features) + " " + kCommonOptions + " --name site-model --version 3 --out " + quote(again)).exitCode == 0);
    CHECK(radnode::test::readText(again) == radnode::test::readText(model));
}

TEST_CASE("radnode train drops features that are not reproducible between segmentations, and says so") {
    const TempDir dir;
    const Table table = readCohort();
    const auto features = writeFeatureTable(dir, table);
    // A second segmentation of 40 cases: every feature within 1 %, except the energy (f3), redrawn.
    const auto repeat = dir / "repeat.csv";
    {
        std::ofstream out(repeat);
        out << "case";
        for (const auto& name : kFeatureNames) out << ',' << name;
        out << '\n';
        for (std::size_t i = 0; i < 40; ++i) {
            out << "case-" << i;
            for (std::size_t j = 1; j < 9; ++j) {
                const double value = std::stod(table.rows[i][j]);
                out << ',' << (j == 3 ? 500.0 + 37.0 * static_cast<double>((i * 7) % 23) : value * (1 + 0.01 * (i % 2 ? 1 : -1)));
            }
            out << '\n';
        }
    }
    const auto model = dir / "model.yaml";
    const auto result = train("--features " + quote(features) + " " + kCommonOptions + " --synthetic --repeat-features " +
                              quote(repeat) + " --out " + quote(model));
    INFO(result.output);
    REQUIRE(result.exitCode == 0);
    CHECK(result.output.find("ICC 1") != std::string::npos);
    const auto read = radnode::config::readModelFile(model);
    CHECK(read.trainingCohort.rfind("synthetic", 0) == 0);
    CHECK(read.description.find("Synthetic data, for demonstration only") != std::string::npos);
    for (const auto& input : read.first.radScores.at(0).inputs) CHECK(input.feature != "original_firstorder_Energy");
}

TEST_CASE("radnode train with clinical covariates adds a nomogram chosen by backward stepwise AIC") {
    const TempDir dir;
    const auto features = writeFeatureTable(dir, readCohort(), true);
    const auto model = dir / "nomogram.yaml";
    const auto result = train("--features " + quote(features) + " " + kCommonOptions + " --covariate age us_node_status --out " +
                              quote(model));
    INFO(result.output);
    REQUIRE(result.exitCode == 0);
    CHECK(result.output.find("nomogram = ") != std::string::npos);
    const auto read = radnode::config::readModelFile(model);
    REQUIRE(read.first.nomogram.has_value());
    bool radScoreTerm = false, nodeStatusTerm = false;
    for (const auto& term : read.first.nomogram->inputs) {
        if (term.radScore == "rad-score") radScoreTerm = term.coefficient > 0;
        if (term.covariate == "us_node_status") nodeStatusTerm = term.level == "positive" && term.coefficient > 1;
    }
    CHECK(radScoreTerm);
    CHECK(nodeStatusTerm);
    CHECK(read.first.thresholds.at(0).name == "youden-training");
    for (const auto& input : read.first.radScores.at(0).inputs) CHECK(input.covariate.empty()); // covariates are not features

    const auto unknown = train("--features " + quote(features) + " " + kCommonOptions + " --covariate height --out " + quote(model));
    CHECK(unknown.exitCode == 2);
    CHECK(unknown.output.find("--covariate 'height' is not a clinical covariate") != std::string::npos);
}

TEST_CASE("radnode train errors name the file, the column or the option and exit 2") {
    const TempDir dir;
    const auto features = writeFeatureTable(dir, readCohort());
    const auto model = quote(dir / "model.yaml");
    const auto fails = [&](const std::string& arguments, const std::string& expected) {
        const auto result = train(arguments);
        INFO(arguments);
        INFO(result.output);
        CHECK(result.exitCode == 2);
        CHECK(result.output.find(expected) != std::string::npos);
        CHECK(!std::filesystem::exists(dir / "model.yaml"));
    };
    const std::string table = "--features " + quote(features);
    fails(table + " --label outcome --out " + model, "no column 'outcome' (--label)");
    fails(table + " --label n_status --id case --out " + model, "column 'note' is not a feature named roi/view/feature");
    fails(table + " --label n_status --id case --exclude note --lambda smallest --out " + model, "--lambda must be one of");
    fails(table + " --label n_status --exclude note case --repeat-features x.csv --out " + model, "--repeat-features needs --id");
    fails("--features " + quote(dir / "missing.csv") + " --label n_status --out " + model, "missing.csv");
    fails(table + " --label n_status --out " + model + " --folds", "--folds");

    const auto broken = dir / "broken.csv";
    radnode::test::writeText(broken, "case,n_status,tumor/a,tumor/b\nc1,1,1.5,2\nc2,0,oops,3\nc3,1,2,2\nc4,0,1,1\n");
    fails("--features " + quote(broken) + " --label n_status --id case --out " + model,
          "broken.csv line 3: 'oops' in column 'tumor/a' is not a number");

    const auto badLabel = dir / "labels.csv";
    radnode::test::writeText(badLabel, "id,y,tumor/f\na,0,1\nb,2,2\nc,1,3\n");
    fails("--features " + quote(badLabel) + " --label y --id id --out " + model, "label '2' in column 'y'");

    const auto repeat = dir / "repeat.csv";
    radnode::test::writeText(repeat, "case," + std::string("tumor/US/original_shape2D_MaximumDiameter") + "\nnobody,1\n");
    fails(table + " --label n_status --id case --exclude note --repeat-features " + quote(repeat) + " --out " + model,
          "has no column 'tumor/US/original_shape2D_Sphericity' (--repeat-features)");
}
