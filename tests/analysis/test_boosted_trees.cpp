// Gradient-boosted trees through XGBoost's C API: the committed booster scores exactly as the
// xgboost Python package scores it, training is reproducible, early stopping finds signal and
// no signal, and boosters radnode cannot score are refused with the file and the reason.
// Reference data: tests/data/classifiers/make_xgboost_reference.py.
#include "analysis/boosted_trees.h"
#include "analysis/lasso.h"
#include "analysis/roc.h"
#include "test_support.h"

#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace radnode::analysis;

namespace {

const std::filesystem::path kData = std::filesystem::path(RADNODE_TEST_DATA_DIR) / "classifiers";
constexpr std::size_t kFeatures = 5;

struct Cases {
    std::vector<int> labels, noiseLabels;
    std::vector<std::vector<float>> x;

    Eigen::MatrixXd matrix() const {
        Eigen::MatrixXd m(static_cast<Eigen::Index>(x.size()), static_cast<Eigen::Index>(kFeatures));
        for (std::size_t i = 0; i < x.size(); ++i) {
            for (std::size_t j = 0; j < kFeatures; ++j) m(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = x[i][j];
        }
        return m;
    }
};

// Splits one CSV line of numbers; the values are float32 written with 9 significant digits,
// which strtof reads back to the same float.
std::vector<float> csvFloats(const std::string& line) {
    std::vector<float> values;
    std::istringstream fields(line);
    std::string field;
    while (std::getline(fields, field, ',')) values.push_back(std::strtof(field.c_str(), nullptr));
    return values;
}

// xgboost_cases.csv: label, noise_label, f1 .. f5.
Cases readCases() {
    std::ifstream in(kData / "xgboost_cases.csv");
    REQUIRE(in);
    std::string line;
    std::getline(in, line); // header
    Cases cases;
    while (std::getline(in, line)) {
        const std::vector<float> values = csvFloats(line);
        REQUIRE(values.size() == 2 + kFeatures);
        cases.labels.push_back(static_cast<int>(values[0]));
        cases.noiseLabels.push_back(static_cast<int>(values[1]));
        cases.x.emplace_back(values.begin() + 2, values.end());
    }
    REQUIRE(cases.x.size() == 150);
    return cases;
}

// The parameters the committed booster was trained with (row and column sampling on, so the
// seed matters).
BoostedTreesParameters referenceParameters() {
    BoostedTreesParameters parameters;
    parameters.maxDepth = 3;
    parameters.learningRate = 0.1;
    parameters.subsample = 0.8;
    parameters.columnSample = 0.8;
    parameters.balancedClassWeights = true;
    parameters.maxRounds = 300;
    parameters.earlyStoppingRounds = 20;
    return parameters;
}

BoostedTreesFit trainReference(const Cases& cases, const BoostedTreesParameters& parameters = referenceParameters()) {
    const std::vector<int> folds = stratifiedFolds(cases.labels, 5, parameters.seed);
    return trainBoostedTrees(cases.matrix(), cases.labels, folds, parameters);
}

std::string refusal(const std::filesystem::path& file, std::size_t featureCount) {
    try {
        BoostedTrees::loadFile(file, featureCount);
    } catch (const std::runtime_error& error) {
        return error.what();
    }
    return "loaded";
}

} // namespace

TEST_CASE("boosted trees: the committed booster scores exactly as the xgboost Python package scores it") {
    const Cases cases = readCases();
    const BoostedTrees booster = BoostedTrees::loadFile(kData / "xgboost_booster.json", kFeatures);
    CHECK(booster.featureCount() == kFeatures);

    std::ifstream in(kData / "xgboost_predictions.csv");
    REQUIRE(in);
    std::string line;
    std::getline(in, line); // probability,margin
    std::vector<float> pythonProbabilities, pythonMargins;
    while (std::getline(in, line)) {
        const std::vector<float> values = csvFloats(line);
        REQUIRE(values.size() == 2);
        pythonProbabilities.push_back(values[0]);
        pythonMargins.push_back(values[1]);
    }
    REQUIRE(pythonProbabilities.size() == cases.x.size());

    const std::vector<float> probabilities = booster.probabilities(cases.x);
    const std::vector<float> margins = booster.margins(cases.x);
    REQUIRE(probabilities.size() == cases.x.size());
    REQUIRE(margins.size() == cases.x.size());
    int differences = 0;
    for (std::size_t i = 0; i < cases.x.size(); ++i) {
        if (probabilities[i] != pythonProbabilities[i] || margins[i] != pythonMargins[i]) {
            ++differences;
            INFO("case " << i << ": radnode " << probabilities[i] << " / " << margins[i] << ", xgboost "
                         << pythonProbabilities[i] << " / " << pythonMargins[i]);
            CHECK(probabilities[i] == pythonProbabilities[i]);
            CHECK(margins[i] == pythonMargins[i]);
        }
    }
    CHECK(differences == 0);
}

TEST_CASE("boosted trees: training on the committed cases is reproducible and gives the committed booster") {
    const Cases cases = readCases();
    const BoostedTreesFit fit = trainReference(cases);
    const std::string json = fit.booster.json();
    // Written to the build directory for make_xgboost_reference.py when the reference is remade.
    radnode::test::writeText(std::filesystem::path(RADNODE_BUILD_DIR) / "xgboost_booster.json", json);

    // Compared as a flag: doctest would print both multi-kilobyte documents.
    const bool sameAsCommitted = json == radnode::test::readText(kData / "xgboost_booster.json");
    INFO("the trained booster is in " << RADNODE_BUILD_DIR << "/xgboost_booster.json");
    CHECK(sameAsCommitted);
    CHECK(fit.booster.rounds() == fit.chosenRounds);
    CHECK(fit.booster.featureCount() == kFeatures);

    const BoostedTreesFit again = trainReference(cases);
    const bool reproduced = again.booster.json() == json;
    CHECK(reproduced);
    CHECK(again.chosenRounds == fit.chosenRounds);
    CHECK(again.outOfFoldProbabilities == fit.outOfFoldProbabilities);

    // With row and column sampling the seed decides the trees.
    BoostedTreesParameters otherSeed = referenceParameters();
    otherSeed.seed += 1;
    otherSeed.maxRounds = 10;
    BoostedTreesParameters sameSeed = referenceParameters();
    sameSeed.maxRounds = 10;
    const bool seedMatters = trainReference(cases, otherSeed).booster.json() != trainReference(cases, sameSeed).booster.json();
    CHECK(seedMatters);
}

TEST_CASE("boosted trees: save, load and predict gives exactly the in-memory predictions") {
    const Cases cases = readCases();
    const BoostedTreesFit fit = trainReference(cases);
    const radnode::test::TempDir directory;
    const std::filesystem::path file = directory / "model.booster.json";
    fit.booster.saveFile(file);
    CHECK_FALSE(std::filesystem::exists(directory / "model.booster.json.tmp"));
    const bool savedAsJson = radnode::test::readText(file) == fit.booster.json();
    CHECK(savedAsJson);

    const BoostedTrees loaded = BoostedTrees::loadFile(file, kFeatures);
    CHECK(loaded.rounds() == fit.chosenRounds);
    CHECK(loaded.probabilities(cases.x) == fit.booster.probabilities(cases.x));
    CHECK(loaded.margins(cases.x) == fit.booster.margins(cases.x));
    const bool sameJson = loaded.json() == fit.booster.json();
    CHECK(sameJson);
}

TEST_CASE("boosted trees: several threads scoring one booster get the single-thread numbers") {
    const Cases cases = readCases();
    const BoostedTrees booster = BoostedTrees::loadFile(kData / "xgboost_booster.json", kFeatures);
    const std::vector<float> expected = booster.probabilities(cases.x);
    std::vector<int> mismatches(4, 0);
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < mismatches.size(); ++t) {
        threads.emplace_back([&, t] {
            for (int repeat = 0; repeat < 20; ++repeat) {
                for (std::size_t i = 0; i < cases.x.size(); i += 7) {
                    if (booster.probabilities({cases.x[i]}).at(0) != expected[i]) ++mismatches[t];
                }
            }
        });
    }
    for (std::thread& thread : threads) thread.join();
    CHECK(mismatches == std::vector<int>(4, 0));
}

TEST_CASE("boosted trees: early stopping stops early on noise and finds a learnable signal") {
    const Cases cases = readCases();
    BoostedTreesParameters parameters = referenceParameters();

    const BoostedTreesFit signal = trainReference(cases, parameters);
    const AucEstimate signalAuc = delongAuc(signal.outOfFoldProbabilities, cases.labels);
    INFO("signal: " << signal.chosenRounds << " rounds, out-of-fold AUC " << signalAuc.auc);
    CHECK(signalAuc.auc > 0.7);
    CHECK(signal.chosenRounds > 10);
    // Stopped earlyStoppingRounds after the best round, and the best round is the minimum.
    REQUIRE(signal.meanValidationLogLoss.size() ==
            static_cast<std::size_t>(signal.chosenRounds + parameters.earlyStoppingRounds));
    const double best = signal.meanValidationLogLoss[static_cast<std::size_t>(signal.chosenRounds - 1)];
    for (const double loss : signal.meanValidationLogLoss) CHECK(loss >= best);
    CHECK(best < signal.meanValidationLogLoss.front());

    const std::vector<int> noiseFolds = stratifiedFolds(cases.noiseLabels, 5, parameters.seed);
    const BoostedTreesFit noise = trainBoostedTrees(cases.matrix(), cases.noiseLabels, noiseFolds, parameters);
    const AucEstimate noiseAuc = delongAuc(noise.outOfFoldProbabilities, cases.noiseLabels);
    INFO("noise: " << noise.chosenRounds << " rounds, out-of-fold AUC " << noiseAuc.auc);
    CHECK(noise.chosenRounds <= 5);
    CHECK(noise.chosenRounds < signal.chosenRounds);
    CHECK(noise.booster.rounds() == noise.chosenRounds);
}

TEST_CASE("boosted trees: boosters radnode cannot score are refused with the file and XGBoost's reason") {
    const std::filesystem::path booster = kData / "xgboost_booster.json";
    const std::string wrongCount = refusal(booster, 4);
    CHECK(wrongCount.find(booster.string()) != std::string::npos);
    CHECK(wrongCount.find("takes 5 features") != std::string::npos);

    const std::filesystem::path regression = kData / "xgboost_regression_booster.json";
    const std::string objective = refusal(regression, kFeatures);
    CHECK(objective.find(regression.string()) != std::string::npos);
    CHECK(objective.find("reg:squarederror") != std::string::npos);

    const radnode::test::TempDir directory;
    const std::string text = radnode::test::readText(booster);
    const std::filesystem::path truncated = directory / "truncated.json";
    radnode::test::writeText(truncated, text.substr(0, text.size() / 2));
    const std::string corrupt = refusal(truncated, kFeatures);
    INFO(corrupt);
    CHECK(corrupt.find(truncated.string() + " does not load: ") != std::string::npos);
    CHECK(corrupt.size() > corrupt.find(" does not load: ") + 20); // XGBoost's reason follows
    CHECK(corrupt.find("Stack trace") == std::string::npos);

    const std::filesystem::path notJson = directory / "binary.model";
    radnode::test::writeText(notJson, "binf\x01\x02\x03");
    CHECK(refusal(notJson, kFeatures).find(notJson.string() + " is not XGBoost JSON") != std::string::npos);

    const std::string missing = refusal(directory / "absent.json", kFeatures);
    CHECK(missing.find((directory / "absent.json").string()) != std::string::npos);

    CHECK_THROWS_AS(BoostedTrees::loadJson("{\"learner\": 1}", kFeatures), std::runtime_error);
}

TEST_CASE("boosted trees: bad training data is refused") {
    const Cases cases = readCases();
    const Eigen::MatrixXd x = cases.matrix();
    const std::vector<int> folds = stratifiedFolds(cases.labels, 5, 1);
    const BoostedTreesParameters parameters = referenceParameters();
    CHECK_THROWS_AS(trainBoostedTrees(x.topRows(10), cases.labels, folds, parameters), std::invalid_argument);
    std::vector<int> badLabels = cases.labels;
    badLabels[3] = 2;
    CHECK_THROWS_AS(trainBoostedTrees(x, badLabels, folds, parameters), std::invalid_argument);
    CHECK_THROWS_AS(trainBoostedTrees(x, std::vector<int>(cases.labels.size(), 1), folds, parameters),
                    std::invalid_argument);
    CHECK_THROWS_AS(trainBoostedTrees(x, cases.labels, std::vector<int>(cases.labels.size(), 0), parameters),
                    std::invalid_argument);
    Eigen::MatrixXd withNan = x;
    withNan(4, 2) = std::numeric_limits<double>::quiet_NaN();
    CHECK_THROWS_AS(trainBoostedTrees(withNan, cases.labels, folds, parameters), std::invalid_argument);
    BoostedTreesParameters badSubsample = parameters;
    badSubsample.subsample = 1.5;
    CHECK_THROWS_AS(trainBoostedTrees(x, cases.labels, folds, badSubsample), std::runtime_error);
}
