// Model files with SVM and boosted-trees rad-scores: what they say, how the node scores them,
// what is refused at load (file:line: key: reason), and the writer's round trip with the
// booster saved beside the model file.
#include "analysis/boosted_trees.h"
#include "analysis/lasso.h"
#include "analysis/model.h"
#include "config/model_file.h"
#include "config/model_file_writer.h"
#include "test_support.h"

#include <doctest/doctest.h>

#include <cmath>
#include <utility>
#include <vector>
#include <stdexcept>
#include <string>

using namespace radnode;

namespace {

const char* const kSvmModel = R"yaml(schema: 2
model:
  name: svm-signature
  version: "1"
  intended_use: research
  rad_scores:
    - name: svm
      family: svm
      inputs:
        - {roi: tumor, feature: original_shape2D_Perimeter, mean: 170, sd: 60}
        - {roi: tumor, feature: original_firstorder_Mean, mean: 80, sd: 20, clip_low: -3, clip_high: 3}
      svm:
        kernel: rbf
        gamma: 0.5
        rho: 0.1
        platt: {a: -1.5, b: 0.2}
        support_vectors:
          - {coefficient: -1.0, x: [0.0, 0.0]}
          - {coefficient: 0.75, x: [1.0, 1.0]}
          - {coefficient: 0.25, x: [-1.0, 2.0]}
  thresholds: [{name: default, value: 0.5}]
  robustness: {enabled: false}
)yaml";

const char* const kTreesModel = R"yaml(schema: 2
model:
  name: trees
  version: "1"
  intended_use: research
  rad_scores:
    - name: trees
      family: boosted_trees
      inputs:
        - {roi: tumor, feature: original_shape2D_Perimeter, mean: 170, sd: 60}
        - {roi: tumor, feature: original_firstorder_Mean, mean: 80, sd: 20}
      booster: trees.xgboost.json
  thresholds: [{name: default, value: 0.5}]
  robustness: {enabled: false}
)yaml";

std::string replaced(std::string text, const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    REQUIRE_MESSAGE(at != std::string::npos, from);
    return text.replace(at, from.size(), to);
}

std::string errorOf(const std::string& yaml, const config::AnalysisConfig* analysis = nullptr,
                    const std::filesystem::path& folder = {}) {
    try {
        config::parseModel(yaml, "m.yaml", analysis, folder);
    } catch (const std::invalid_argument& error) {
        return error.what();
    }
    return "";
}

// Perimeter 200 mm and mean intensity 70: standardised 0.5 and -0.5.
analysis::FeatureLookup lesion(double perimeter = 200.0, double mean = 70.0) {
    return [=](const std::string& roi, const std::string&, const std::string& feature) -> std::optional<double> {
        if (roi != "tumor") return std::nullopt;
        if (feature == "original_shape2D_Perimeter") return perimeter;
        if (feature == "original_firstorder_Mean") return mean;
        return std::nullopt;
    };
}

// A small booster on two standardised features whose label is their interaction.
analysis::BoostedTrees interactionBooster() {
    Eigen::MatrixXd x(48, 2);
    std::vector<int> labels;
    for (int i = 0; i < 48; ++i) {
        x(i, 0) = -1.5 + 3.0 * ((i * 7) % 48) / 47.0;
        x(i, 1) = -1.5 + 3.0 * ((i * 13) % 48) / 47.0;
        labels.push_back(x(i, 0) * x(i, 1) > 0 ? 1 : 0);
    }
    analysis::BoostedTreesParameters parameters;
    parameters.maxRounds = 12;
    parameters.earlyStoppingRounds = 4;
    parameters.maxDepth = 2;
    parameters.learningRate = 0.3;
    return analysis::trainBoostedTrees(x, labels, analysis::stratifiedFolds(labels, 3, 7), parameters).booster;
}

} // namespace

TEST_CASE("an SVM rad-score is read and scored by its decision value; alone, Platt gives the probability") {
    const auto model = config::parseModel(kSvmModel, "svm.yaml");
    REQUIRE(model.first.radScores.size() == 1);
    const auto& score = model.first.radScores[0];
    CHECK(score.family == analysis::ScoreFamily::svm);
    REQUIRE(score.svm);
    CHECK(score.svm->kernel == analysis::SvmKernel::rbf);
    CHECK(score.svm->gamma == 0.5);
    CHECK(score.svm->rho == 0.1);
    CHECK(score.svm->plattA == -1.5);
    CHECK(score.svm->plattB == 0.2);
    REQUIRE(score.svm->supportVectors.size() == 3);
    CHECK(score.svm->dualCoefficients[1] == 0.75);
    CHECK(score.svm->supportVectors[2][1] == 2.0);
    CHECK(score.inputs[1].clipLow == -3.0);
    CHECK(analysis::modelFamilyDescription(model) == "SVM (RBF kernel)");

    // By hand: x = (0.5, -0.5).
    const auto kernel = [](double a, double b) {
        return std::exp(-0.5 * ((a - 0.5) * (a - 0.5) + (b + 0.5) * (b + 0.5)));
    };
    const double decision = -1.0 * kernel(0, 0) + 0.75 * kernel(1, 1) + 0.25 * kernel(-1, 2) - 0.1;
    const auto result = analysis::scoreModel(model, lesion());
    REQUIRE(result.scored);
    CHECK(result.radScore == doctest::Approx(decision).epsilon(1e-14));
    // Platt's sigmoid, as libsvm couples it for two classes (within its 0.005 stopping rule).
    CHECK(result.probability == doctest::Approx(1.0 / (1.0 + std::exp(-1.5 * decision + 0.2))).epsilon(1e-4));
    CHECK(result.probability == doctest::Approx(analysis::svmProbability(*score.svm, result.radScore)).epsilon(1e-14));
    CHECK(result.predictedClass == (result.probability >= 0.5 ? "N+" : "N0"));

    // The clip applies before the kernel: a mean of 500 counts as +3 sd.
    const auto clipped = analysis::scoreModel(model, lesion(200.0, 500.0));
    const auto atClip = analysis::scoreModel(model, lesion(200.0, 80.0 + 3 * 20.0));
    CHECK(clipped.radScore == atClip.radScore);

    // A missing input leaves it unscored with the input named, as for linear rad-scores.
    const auto missing = analysis::scoreModel(model, [](const std::string&, const std::string&, const std::string& feature) {
        return feature == "original_shape2D_Perimeter" ? std::optional<double>(200.0) : std::nullopt;
    });
    CHECK_FALSE(missing.scored);
    CHECK(missing.reason == "missing inputs: tumor/*/original_firstorder_Mean");
}

TEST_CASE("a linear-kernel SVM may be given by its weights; in a nomogram its decision value is a term") {
    std::string yaml = replaced(kSvmModel, R"(        kernel: rbf
        gamma: 0.5
)", "        kernel: linear\n");
    yaml = replaced(yaml, R"(        support_vectors:
          - {coefficient: -1.0, x: [0.0, 0.0]}
          - {coefficient: 0.75, x: [1.0, 1.0]}
          - {coefficient: 0.25, x: [-1.0, 2.0]}
)", "        weights: [0.8, -0.4]\n");
    const auto linear = config::parseModel(yaml, "linear.yaml");
    CHECK(analysis::modelFamilyDescription(linear) == "SVM (linear kernel)");
    const auto score = analysis::scoreModel(linear, lesion());
    CHECK(score.radScore == doctest::Approx(0.8 * 0.5 - 0.4 * -0.5 - 0.1).epsilon(1e-15));

    // Without Platt coefficients the SVM needs a nomogram; with one, it is scored like any term.
    std::string nomogram = replaced(yaml, "        platt: {a: -1.5, b: 0.2}\n", "");
    nomogram = replaced(nomogram, "  thresholds:", R"(  nomogram:
    intercept: -0.3
    terms:
      - {rad_score: svm, coefficient: 1.2}
      - {covariate: ki67, mean: 20, sd: 10, coefficient: 0.4}
  thresholds:)");
    const auto withNomogram = config::parseModel(nomogram, "nomogram.yaml");
    CHECK(analysis::modelFamilyDescription(withNomogram) == "logistic nomogram over SVM (linear kernel)");
    const auto combined = analysis::scoreModel(withNomogram, lesion(), {{"ki67", "30"}});
    REQUIRE(combined.scored);
    const double decision = 0.8 * 0.5 - 0.4 * -0.5 - 0.1;
    CHECK(combined.radScore == doctest::Approx(decision).epsilon(1e-15));
    CHECK(combined.probability == doctest::Approx(1.0 / (1.0 + std::exp(-(-0.3 + 1.2 * decision + 0.4)))).epsilon(1e-14));
}

TEST_CASE("bad SVM rad-scores are refused with the file, the line and the key") {
    CHECK(errorOf(kSvmModel).empty());
    CHECK(errorOf(replaced(kSvmModel, "{coefficient: 0.75, x: [1.0, 1.0]}", "{coefficient: 0.75, x: [1.0, 1.0, 0.5]}")) ==
          "m.yaml:19: model.rad_scores[0].svm.support_vectors[1].x: has 3 values but the rad-score has 2 inputs");
    CHECK(errorOf(replaced(kSvmModel, "        rho: 0.1\n", "")) == "m.yaml:13: model.rad_scores[0].svm.rho: is required");
    CHECK(errorOf(replaced(kSvmModel, "kernel: rbf", "kernel: poly")) ==
          "m.yaml:13: model.rad_scores[0].svm.kernel: must be linear or rbf");
    CHECK(errorOf(replaced(kSvmModel, "        kernel: rbf\n", "")) ==
          "m.yaml:13: model.rad_scores[0].svm.kernel: is required");
    CHECK(errorOf(replaced(kSvmModel, "{coefficient: -1.0, x: [0.0, 0.0]}", "{x: [0.0, 0.0]}")) ==
          "m.yaml:18: model.rad_scores[0].svm.support_vectors[0].coefficient: is required");
    CHECK(errorOf(replaced(kSvmModel, "gamma: 0.5", "gamma: 0")) == "m.yaml:14: model.rad_scores[0].svm.gamma: must be positive");
    CHECK(errorOf(replaced(kSvmModel, "kernel: rbf", "kernel: linear")) ==
          "m.yaml:14: model.rad_scores[0].svm.gamma: applies to the rbf kernel only");
    CHECK(errorOf(replaced(kSvmModel, "        platt: {a: -1.5, b: 0.2}\n", "")) ==
          "m.yaml:13: model.rad_scores[0].svm.platt: an SVM alone in a level needs Platt coefficients for its "
          "probability (or a nomogram over it)");
    CHECK(errorOf(replaced(kSvmModel, "family: svm", "family: forest")) ==
          "m.yaml:8: model.rad_scores[0].family: must be linear, svm or boosted_trees");
    CHECK(errorOf(replaced(kSvmModel, "mean: 170, sd: 60}", "mean: 170, sd: 60, coefficient: 0.6}")) ==
          "m.yaml:10: model.rad_scores[0].inputs[0].coefficient: applies to linear rad-scores only (this family weighs "
          "its inputs itself)");
    CHECK(errorOf(replaced(kSvmModel, "      family: svm\n", "      family: svm\n      intercept: 0.2\n")) ==
          "m.yaml:9: model.rad_scores[0].intercept: applies to linear rad-scores only");
    CHECK(errorOf(replaced(kSvmModel, "      family: svm\n", "")) == "m.yaml:7: model.rad_scores[0].intercept: is required");
    // A linear rad-score carrying an SVM is a mistake, not something to ignore.
    CHECK(errorOf(replaced(kSvmModel, "      family: svm\n", "      intercept: 0.2\n")).find(
              "model.rad_scores[0].inputs[0].coefficient: is required") != std::string::npos);

    // Feature and ROI names are checked against the node's settings as for linear inputs.
    config::AnalysisConfig analysis;
    CHECK(errorOf(kSvmModel, &analysis).empty());
    CHECK(errorOf(replaced(kSvmModel, "original_firstorder_Mean", "original_firstorder_Meen"), &analysis) ==
          "m.yaml:11: model.rad_scores[0].inputs[1].feature: feature 'Meen' is not computed by class firstorder under "
          "the node's extraction settings");
    CHECK(errorOf(replaced(kSvmModel, "{roi: tumor, feature: original_shape2D_Perimeter", "{roi: ring-7mm, feature: original_shape2D_Perimeter"),
                  &analysis)
              .rfind("m.yaml:10: model.rad_scores[0].inputs[0].roi: ROI 'ring-7mm' is not analysed", 0) == 0);
}

TEST_CASE("an SVM model file round-trips exactly through the writer") {
    auto model = config::parseModel(kSvmModel, "svm.yaml");
    auto& svm = *model.first.radScores[0].svm;
    svm.rho = 0.1 + 0.2;
    svm.gamma = 1.0 / 3.0;
    svm.supportVectors[1][0] = std::nextafter(1.0, 2.0);
    svm.dualCoefficients[2] = -2.0 / 7.0;
    svm.plattB = std::nextafter(0.2, 1.0);
    const std::string text = config::modelFileYaml(model);
    const auto back = config::parseModel(text, "back.yaml");
    const auto& read = *back.first.radScores[0].svm;
    CHECK(back.first.radScores[0].family == analysis::ScoreFamily::svm);
    CHECK(read.kernel == svm.kernel);
    CHECK(read.gamma == svm.gamma);
    CHECK(read.rho == svm.rho);
    CHECK(read.plattA == svm.plattA);
    CHECK(read.plattB == svm.plattB);
    CHECK(read.supportVectors == svm.supportVectors);
    CHECK(read.dualCoefficients == svm.dualCoefficients);
    CHECK(back.first.radScores[0].inputs[1].clipHigh == 3.0);
    CHECK(analysis::scoreModel(back, lesion()).probability == analysis::scoreModel(model, lesion()).probability);
    CHECK(config::modelFileYaml(back) == text);
    CHECK(test::countOccurrences(text, "coefficient:") == 3); // the support vectors'; inputs carry none
}

TEST_CASE("a boosted-trees rad-score loads its booster beside the model file and scores its margin") {
    test::TempDir dir;
    const auto booster = interactionBooster();
    booster.saveFile(dir / "trees.xgboost.json");
    test::writeText(dir / "trees.yaml", kTreesModel);
    const auto model = config::readModelFile(dir / "trees.yaml");
    const auto& score = model.first.radScores[0];
    CHECK(score.family == analysis::ScoreFamily::boostedTrees);
    CHECK(score.boosterFile == "trees.xgboost.json");
    REQUIRE(score.booster);
    CHECK(score.booster->featureCount() == 2);
    CHECK(analysis::modelFamilyDescription(model) == "gradient-boosted trees (XGBoost)");

    for (const auto& [perimeter, mean] : std::vector<std::pair<double, double>>{{110.0, 60.0}, {230.0, 100.0}, {230.0, 60.0}}) {
        const std::vector<float> x{static_cast<float>((perimeter - 170.0) / 60.0), static_cast<float>((mean - 80.0) / 20.0)};
        const double margin = booster.margins({x}).at(0);
        const auto result = analysis::scoreModel(model, lesion(perimeter, mean));
        REQUIRE(result.scored);
        CHECK(result.radScore == margin);
        CHECK(result.probability == doctest::Approx(1.0 / (1.0 + std::exp(-margin))).epsilon(1e-15));
        CHECK(result.probability == doctest::Approx(booster.probabilities({x}).at(0)).epsilon(1e-6));
    }
    // The interaction is learnt: same-sign inputs score higher than opposite-sign ones.
    CHECK(analysis::scoreModel(model, lesion(230.0, 100.0)).probability >
          analysis::scoreModel(model, lesion(230.0, 60.0)).probability);

    // parseModel from text finds a relative booster in the folder it is given.
    CHECK(errorOf(kTreesModel, nullptr, dir.path()).empty());
}

TEST_CASE("a boosted-trees model file is refused when its booster is missing, broken, of another kind or size") {
    test::TempDir dir;
    const auto booster = interactionBooster();
    booster.saveFile(dir / "trees.xgboost.json");
    const auto refusal = [&](const std::string& yaml) { return errorOf(yaml, nullptr, dir.path()); };

    CHECK(refusal(replaced(kTreesModel, "booster: trees.xgboost.json", "booster: missing.json")) ==
          "m.yaml:12: model.rad_scores[0].booster: booster file " + (dir / "missing.json").string() + " not found");
    CHECK(refusal(replaced(kTreesModel, "      booster: trees.xgboost.json\n", "")) ==
          "m.yaml:7: model.rad_scores[0].booster: is required");

    test::writeText(dir / "broken.json", "{\"learner\": ");
    const std::string broken = refusal(replaced(kTreesModel, "booster: trees.xgboost.json", "booster: broken.json"));
    CHECK(broken.rfind("m.yaml:12: model.rad_scores[0].booster: ", 0) == 0);
    CHECK(broken.find("broken.json") != std::string::npos);

    // The same trees with a regression objective: not a binary:logistic booster.
    std::string regression = booster.json();
    for (auto at = regression.find("binary:logistic"); at != std::string::npos; at = regression.find("binary:logistic")) {
        regression.replace(at, 15, "reg:squarederror");
    }
    test::writeText(dir / "regression.json", regression);
    const std::string notLogistic = refusal(replaced(kTreesModel, "booster: trees.xgboost.json", "booster: regression.json"));
    CHECK(notLogistic.rfind("m.yaml:12: model.rad_scores[0].booster: ", 0) == 0);
    CHECK(notLogistic.find("binary:logistic") != std::string::npos);

    // Three inputs for a two-feature booster.
    const std::string threeInputs = refusal(replaced(kTreesModel, "        - {roi: tumor, feature: original_firstorder_Mean, mean: 80, sd: 20}\n",
                                                     "        - {roi: tumor, feature: original_firstorder_Mean, mean: 80, sd: 20}\n"
                                                     "        - {roi: tumor, feature: original_firstorder_Median, mean: 80, sd: 20}\n"));
    CHECK(threeInputs.rfind("m.yaml:13: model.rad_scores[0].booster: ", 0) == 0);
    CHECK(threeInputs.find("3") != std::string::npos);

    CHECK(refusal(replaced(kTreesModel, "      booster: trees.xgboost.json\n",
                           "      booster: trees.xgboost.json\n      svm: {kernel: linear, rho: 0, weights: [1, 1]}\n")) ==
          "m.yaml:13: model.rad_scores[0].svm: needs family: svm");
}

TEST_CASE("writeModelFile saves each booster beside the model file and names it relatively") {
    test::TempDir dir;
    const auto booster = interactionBooster();
    booster.saveFile(dir / "trees.xgboost.json");
    test::writeText(dir / "trees.yaml", kTreesModel);
    const auto model = config::readModelFile(dir / "trees.yaml");
    // modelFileYaml alone cannot name a booster that has no file yet.
    auto unnamed = model;
    unnamed.first.radScores[0].boosterFile.clear();
    CHECK_THROWS_AS(config::modelFileYaml(unnamed), std::invalid_argument);

    std::filesystem::create_directories(dir / "out");
    config::writeModelFile(unnamed, dir / "out" / "site model.yaml");
    const auto saved = dir / "out" / "site model.trees.xgboost.json";
    REQUIRE(std::filesystem::exists(saved));
    const std::string text = test::readText(dir / "out" / "site model.yaml");
    CHECK(text.find("      family: \"boosted_trees\"\n") != std::string::npos);
    CHECK(text.find("      booster: \"site model.trees.xgboost.json\"\n") != std::string::npos);
    const auto back = config::readModelFile(dir / "out" / "site model.yaml");
    REQUIRE(back.first.radScores[0].booster);
    CHECK(back.first.radScores[0].booster->json() == booster.json());
    for (double mean : {55.0, 75.0, 95.0}) {
        CHECK(analysis::scoreModel(back, lesion(210.0, mean)).radScore == analysis::scoreModel(model, lesion(210.0, mean)).radScore);
    }
    CHECK(config::modelFileYaml(back) == text);
}
