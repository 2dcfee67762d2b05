// `radnode train` as a research team runs it: the built binary on a feature table made from
// the R-referenced cohort of tests/data/statistics (make_training_reference.R), the model
// file it writes (read back by the node's own reader), and its errors (exit 2, naming the
// file, line, column or option).
#include "analysis/model.h"
#include "analysis/roc.h"
#include "analysis/seeded_random.h"
#include "config/model_file.h"
#include "test_support.h"

#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
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

// ---- Comparison of model families (--families, --roi-sets, --validation-column, --svm-rfe) ----

namespace {

double uniformDraw(radnode::analysis::SeededRandom& random) {
    return (static_cast<double>(random.next() >> 11) + 0.5) / 9007199254740992.0;
}

double normalDraw(radnode::analysis::SeededRandom& random) {
    const double u = uniformDraw(random), v = uniformDraw(random);
    return std::sqrt(-2.0 * std::log(u)) * std::cos(2.0 * M_PI * v);
}

// 300 seeded cases whose node status is an interaction of two tumour features, which have no
// marginal association with it: P(N+) = logistic(4 x1 x2 + 0.8 x3). Three tumour noise
// features and two features of a second ROI ("node", noise). The last 80 cases are marked
// for validation in the column "set".
const std::vector<std::string> kInteractionColumns{
    "tumor/US/original_glcm_Idn",      "tumor/US/original_glrlm_RunEntropy", "tumor/US/original_shape2D_Sphericity",
    "tumor/US/original_firstorder_Mean", "tumor/US/original_ngtdm_Busyness", "tumor/US/original_gldm_DependenceEntropy",
    "node/US/original_firstorder_Mean",  "node/US/original_glcm_Idn"};

struct InteractionCohort {
    std::vector<std::vector<double>> x;
    std::vector<int> labels;
};

InteractionCohort interactionCohort() {
    radnode::analysis::SeededRandom random(20261123);
    InteractionCohort cohort;
    for (int i = 0; i < 300; ++i) {
        std::vector<double> row;
        for (std::size_t j = 0; j < kInteractionColumns.size(); ++j) row.push_back(normalDraw(random));
        const double eta = 4.0 * row[0] * row[1] + 0.8 * row[2];
        cohort.labels.push_back(uniformDraw(random) < 1.0 / (1.0 + std::exp(-eta)) ? 1 : 0);
        cohort.x.push_back(row);
    }
    return cohort;
}

std::filesystem::path writeInteractionTable(const TempDir& dir, const InteractionCohort& cohort) {
    const auto path = dir / "interaction.csv";
    std::ofstream out(path);
    out << "case,set,n_status";
    for (const auto& name : kInteractionColumns) out << ',' << name;
    out << '\n';
    for (std::size_t i = 0; i < cohort.x.size(); ++i) {
        out << "case-" << i << ',' << (i >= 220 ? "validation" : "train") << ',' << cohort.labels[i];
        for (const double value : cohort.x[i]) out << ',' << value;
        out << '\n';
    }
    return path;
}

// The comparison CSV: AUC by "family/roi_set/cases" ("svm-rbf/all/cross-validated"), and the chosen row's family.
struct ComparisonCsv {
    std::map<std::string, double> auc;
    std::string chosen;
};

ComparisonCsv readComparisonCsv(const std::filesystem::path& file) {
    std::ifstream in(file);
    REQUIRE(in);
    std::string line;
    std::getline(in, line);
    REQUIRE(line.rfind("family,roi_set,cases,n,events,features,threshold,sensitivity,specificity,accuracy,auc,", 0) == 0);
    ComparisonCsv csv;
    while (std::getline(in, line)) {
        // The ROI set may be quoted ("tumor,node"): split on commas outside quotes.
        std::vector<std::string> fields{""};
        bool quoted = false;
        for (const char c : line) {
            if (c == '"') quoted = !quoted;
            else if (c == ',' && !quoted) fields.emplace_back();
            else fields.back() += c;
        }
        REQUIRE(fields.size() == 15);
        csv.auc[fields[0] + "/" + fields[1] + "/" + fields[2]] = std::stod(fields[10]);
        if (fields[14] == "1") csv.chosen = fields[0] + "/" + fields[1];
    }
    return csv;
}

// The model file's probabilities on the cohort's cases, as the node scores them.
double scoredAuc(const radnode::analysis::Model& model, const InteractionCohort& cohort) {
    std::vector<double> probabilities;
    for (const auto& row : cohort.x) {
        const auto lookup = [&](const std::string& roi, const std::string& view, const std::string& feature) -> std::optional<double> {
            for (std::size_t j = 0; j < kInteractionColumns.size(); ++j) {
                if (kInteractionColumns[j] == roi + "/" + (view.empty() ? "US" : view) + "/" + feature) return row[j];
            }
            return std::nullopt;
        };
        const auto score = radnode::analysis::scoreModel(model, lookup);
        REQUIRE(score.scored);
        probabilities.push_back(score.probability);
    }
    return radnode::analysis::delongAuc(probabilities, cohort.labels).auc;
}

} // namespace

TEST_CASE("radnode train --families: an interaction is fitted better by the RBF SVM and boosted trees than by logistic regression") {
    const TempDir dir;
    const InteractionCohort cohort = interactionCohort();
    const auto features = writeInteractionTable(dir, cohort);
    const auto model = dir / "interaction.yaml";
    const auto table = dir / "comparison.csv";
    // p-threshold 1: the interacting features have no univariate association and would be filtered out.
    const std::string common = "--features " + quote(features) + " --label n_status --id case --exclude set --folds 5 --p-threshold 1 " +
                               "--roi-sets tumor --synthetic ";
    const auto result = train(common + "--families logistic,svm-rbf,boosted-trees --comparison-csv " + quote(table) + " --out " + quote(model));
    INFO(result.output);
    REQUIRE(result.exitCode == 0);
    CHECK(result.output.find("comparison (5-fold cross-validation on the same folds") != std::string::npos);
    CHECK(result.output.find("cross-validated") != std::string::npos);
    const ComparisonCsv csv = readComparisonCsv(table);
    const double logistic = csv.auc.at("logistic/tumor/cross-validated");
    const double rbf = csv.auc.at("svm-rbf/tumor/cross-validated");
    const double trees = csv.auc.at("boosted-trees/tumor/cross-validated");
    MESSAGE("cross-validated AUC: logistic " << logistic << ", svm-rbf " << rbf << ", boosted-trees " << trees);
    CHECK(rbf > logistic + 0.1);
    CHECK(trees > logistic + 0.1);
    CHECK(csv.auc.at("svm-rbf/tumor/train") >= rbf - 0.05);

    // The best cross-validated AUC is kept, and the model file scores the cohort as well as it fitted.
    CHECK((csv.chosen == "svm-rbf/tumor" || csv.chosen == "boosted-trees/tumor"));
    const auto read = radnode::config::readModelFile(model);
    REQUIRE(read.first.radScores.size() == 1);
    const auto family = read.first.radScores[0].family;
    CHECK(family == (csv.chosen == "svm-rbf/tumor" ? radnode::analysis::ScoreFamily::svm : radnode::analysis::ScoreFamily::boostedTrees));
    CHECK(read.description.find("chosen among logistic, svm-rbf, boosted-trees") != std::string::npos);
    REQUIRE(read.validationAuc.has_value());
    CHECK(read.validationAuc->auc == doctest::Approx(std::max(rbf, trees)).epsilon(1e-5));
    CHECK(scoredAuc(read, cohort) > 0.85);

    // --choose keeps the other family; boosted trees write their booster beside the model file.
    const auto boosted = dir / "boosted.yaml";
    const auto chosen = train(common + "--families logistic,boosted-trees --choose boosted-trees --out " + quote(boosted));
    INFO(chosen.output);
    REQUIRE(chosen.exitCode == 0);
    CHECK(chosen.output.find("chosen: boosted-trees / tumor (--choose boosted-trees)") != std::string::npos);
    const auto readBoosted = radnode::config::readModelFile(boosted);
    CHECK(readBoosted.first.radScores.at(0).family == radnode::analysis::ScoreFamily::boostedTrees);
    CHECK(std::filesystem::exists(dir / readBoosted.first.radScores.at(0).boosterFile));
    CHECK(scoredAuc(readBoosted, cohort) > 0.85);
}

TEST_CASE("radnode train compares ROI sets on held-out cases, with mutual information and SVM-RFE") {
    const TempDir dir;
    const InteractionCohort cohort = interactionCohort();
    const auto features = writeInteractionTable(dir, cohort);
    const auto model = dir / "model.yaml";
    const auto table = dir / "comparison.csv";
    const auto result = train("--features " + quote(features) + " --label n_status --id case --folds 5 --p-threshold 0.5 " +
                              "--validation-column set --roi-sets 'tumor;tumor,node' --redundancy mutual-information --svm-rfe " +
                              "--families logistic,svm-linear --comparison-csv " + quote(table) + " --out " + quote(model));
    INFO(result.output);
    REQUIRE(result.exitCode == 0);
    CHECK(result.output.find("held out (set): 80 cases") != std::string::npos);
    CHECK(result.output.find("cases: 220 (") != std::string::npos);
    CHECK(result.output.find("ROI set tumor,node (8 feature columns)") != std::string::npos);
    CHECK(result.output.find("SVM-RFE: ") != std::string::npos);
    const ComparisonCsv csv = readComparisonCsv(table);
    CHECK(csv.auc.count("logistic/tumor/held-out") == 1);
    CHECK(csv.auc.count("svm-linear/tumor,node/held-out") == 1);
    CHECK(csv.auc.count("svm-linear/tumor,node/train") == 1);
    const auto read = radnode::config::readModelFile(model);
    CHECK(read.validation.find("held-out (set) AUC") != std::string::npos);
    CHECK(read.trainingCohort.find("220 cases") != std::string::npos);
}

TEST_CASE("radnode train's comparison options are checked before anything is fitted") {
    const TempDir dir;
    const auto features = writeInteractionTable(dir, interactionCohort());
    const auto model = quote(dir / "model.yaml");
    const std::string common = "--features " + quote(features) + " --label n_status --id case --out " + model + " ";
    const auto fails = [&](const std::string& arguments, const std::string& expected) {
        const auto result = train(common + arguments);
        INFO(arguments);
        INFO(result.output);
        CHECK(result.exitCode == 2);
        CHECK(result.output.find(expected) != std::string::npos);
        CHECK(!std::filesystem::exists(dir / "model.yaml"));
    };
    fails("--exclude set --families logistic,forest", "--families: 'forest' is not one of");
    fails("--exclude set --families svm-rbf --choose logistic", "--choose: 'logistic' is not one of the --families fitted");
    fails("--exclude set --roi-sets 'tumor;lung' --choose logistic/lymph", "--choose: 'lymph' is not one of the --roi-sets");
    fails("--exclude set --roi-sets lung --p-threshold 1", "--roi-sets: no feature column has its roi in 'lung'");
    fails("--validation-column case --exclude set", "is not train or validation");
    fails("--exclude set --redundancy entropy", "--redundancy must be one of");
    fails("--exclude set --families svm-rbf --class-weights heavy", "--class-weights: 'heavy' is not none or balanced");
    fails("--exclude set --families svm-rbf --svm-costs 1,0", "--svm-costs: '0' is not a positive number");
    fails("--exclude set --families boosted-trees --trees-eta 2", "--trees-eta must be in (0, 1]");
    fails("--exclude set --class-weights balanced", "--class-weights applies to the families compared with --families");
}

TEST_CASE("radnode train passes class weights and hyper-parameter grids to the SVM and boosted-tree families") {
    const TempDir dir;
    const InteractionCohort cohort = interactionCohort();
    const auto features = writeInteractionTable(dir, cohort);
    const auto model = dir / "weighted.yaml";
    const auto result = train("--features " + quote(features) + " --label n_status --id case --exclude set --folds 5 " +
                              "--p-threshold 1 --roi-sets tumor --synthetic --families svm-rbf,boosted-trees " +
                              "--class-weights balanced --svm-costs 1,10 --svm-gammas 0.1,0.5 --trees-depth 2 --trees-eta 0.2 " +
                              "--choose svm-rbf --out " + quote(model));
    INFO(result.output);
    REQUIRE(result.exitCode == 0);
    const auto read = radnode::config::readModelFile(model);
    REQUIRE(read.first.radScores.at(0).svm.has_value());
    const double gamma = read.first.radScores.at(0).svm->gamma;
    CHECK((gamma == 0.1 || gamma == 0.5)); // chosen from the given grid, not the default one
    CHECK(scoredAuc(read, cohort) > 0.8);
}
