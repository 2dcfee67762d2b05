// A node configured with an SVM model file and a boosted-trees model file (its XGBoost booster
// beside it) scores a synthetic US study: the SR names each model's family and carries the
// probability scoreModel gives on the extracted features. Bad booster files stop startup.
#include "analysis/boosted_trees.h"
#include "analysis/lasso.h"
#include "analysis/model.h"
#include "analysis/seeded_random.h"
#include "config/model_file.h"
#include "dicom/sr_reader.h"
#include "node/live_node.h"
#include "test_support.h"

#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <functional>
#include <thread>

using namespace radnode::test;

namespace {

const char* const kSvmModel = R"yaml(schema: 2
model:
  name: svm-signature
  version: "1"
  intended_use: research
  modality: US
  rad_scores:
    - name: svm
      family: svm
      inputs:
        - {roi: tumor, feature: original_shape2D_Perimeter, mean: 90, sd: 40}
        - {roi: tumor, feature: original_firstorder_Mean, mean: 80, sd: 30}
      svm:
        kernel: rbf
        gamma: 0.4
        rho: -0.05
        platt: {a: -1.8, b: 0.1}
        support_vectors:
          - {coefficient: 0.9, x: [0.5, 0.5]}
          - {coefficient: -0.6, x: [-1.0, 0.2]}
          - {coefficient: -0.3, x: [1.0, -1.5]}
  thresholds: [{name: default, value: 0.5}]
  robustness: {enabled: false}
)yaml";

const char* const kTreesModel = R"yaml(schema: 2
model:
  name: trees
  version: "2"
  intended_use: research
  modality: US
  rad_scores:
    - name: trees
      family: boosted_trees
      inputs:
        - {roi: tumor, feature: original_shape2D_Perimeter, mean: 90, sd: 40}
        - {roi: tumor, feature: original_firstorder_Mean, mean: 80, sd: 30}
      booster: trees.xgboost.json
  thresholds: [{name: default, value: 0.4}]
  robustness: {enabled: false}
)yaml";

void writeBooster(const std::filesystem::path& file) {
    Eigen::MatrixXd x(40, 2);
    std::vector<int> labels;
    for (int i = 0; i < 40; ++i) {
        x(i, 0) = -2.0 + 4.0 * ((i * 7) % 40) / 39.0;
        x(i, 1) = -2.0 + 4.0 * ((i * 11) % 40) / 39.0;
        labels.push_back(x(i, 0) + x(i, 1) * x(i, 1) > 1.0 ? 1 : 0);
    }
    radnode::analysis::BoostedTreesParameters parameters;
    parameters.maxRounds = 10;
    parameters.earlyStoppingRounds = 3;
    parameters.maxDepth = 2;
    parameters.learningRate = 0.3;
    radnode::analysis::trainBoostedTrees(x, labels, radnode::analysis::stratifiedFolds(labels, 3, 5), parameters)
        .booster.saveFile(file);
}

// Feature values as the SR reports them, for scoring the model files again here.
radnode::analysis::FeatureLookup lookupIn(const radnode::dicom::SrDocumentContent& sr) {
    return [&sr](const std::string& roi, const std::string& view, const std::string& feature) -> std::optional<double> {
        for (const auto& group : sr.groups) {
            if (group.roiName != roi || (!view.empty() && group.view != view)) continue;
            for (const auto& measurement : group.measurements) {
                if (measurement.featureName == feature) return measurement.value;
            }
        }
        return std::nullopt;
    };
}

// A training table over features the synthetic US study has: the label is mostly the
// interaction of two of them (no marginal association) plus a small effect of a third (which
// LASSO, the pipeline's first selection, needs to keep anything), as `radnode export` writes it.
void writeInteractionTable(const std::filesystem::path& file) {
    radnode::analysis::SeededRandom random(7);
    const auto uniform = [&random] { return (static_cast<double>(random.next() >> 11) + 0.5) / 9007199254740992.0; };
    const auto normal = [&] { return std::sqrt(-2.0 * std::log(uniform())) * std::cos(2.0 * M_PI * uniform()); };
    std::ofstream out(file);
    out << "case,n_status,tumor/original_shape2D_Perimeter,tumor/original_firstorder_Mean,tumor/original_shape2D_Sphericity\n";
    for (int i = 0; i < 200; ++i) {
        const double z1 = normal(), z2 = normal(), z3 = normal();
        const int label = uniform() < 1.0 / (1.0 + std::exp(-(4.0 * z1 * z2 + 1.5 * z3))) ? 1 : 0;
        out << "case-" << i << ',' << label << ',' << 150.0 + 50.0 * z1 << ',' << 60.0 + 20.0 * z2 << ','
            << 0.7 + 0.1 * z3 << '\n';
    }
}

} // namespace

TEST_CASE("the family radnode train chooses is what the node scores, and the SR names it") {
    REQUIRE(haveProgram("storescu"));
    TempDir dir;
    writeInteractionTable(dir / "features.csv");
    const auto train = runCommand(kRadnode + " train --features '" + (dir / "features.csv").string() +
                                  "' --label n_status --id case --folds 5 --p-threshold 1 --lambda min --synthetic" +
                                  " --families logistic,svm-rbf,boosted-trees --choose svm-rbf --name chosen --out '" +
                                  (dir / "chosen.yaml").string() + "'");
    REQUIRE_MESSAGE(train.exitCode == 0, train.output);
    writeText(dir / "node.yaml", "models:\n  - file: chosen.yaml\n");

    const auto synth = runCommand(kRadnode + " synth --modality us --no-node --seed 44 --out '" + (dir / "study").string() + "'");
    REQUIRE_MESSAGE(synth.exitCode == 0, synth.output);
    const auto database = dir / "state" / "radnode.sqlite";
    LiveNode node(dir, {"--config", (dir / "node.yaml").string()});
    REQUIRE(runCommand("storescu -aec RADNODE -R +sd 127.0.0.1 " + std::to_string(node.port) + " '" +
                       (dir / "study").string() + "'")
                .exitCode == 0);
    REQUIRE_MESSAGE(waitFor([&] { return sqlite(database, "SELECT count(*) FROM results") == "1"; }, 120),
                    readText(dir / "node.log"));
    const auto sr = radnode::dicom::readSr(sqlite(database, "SELECT sr_path FROM results"));
    REQUIRE(sr.models.size() == 1);
    const auto& result = sr.models.front();
    CHECK(result.modelName == "chosen");
    CHECK(result.family == "SVM (RBF kernel)");
    CHECK_MESSAGE(result.summaryText.find("SVM (RBF kernel), threshold ") != std::string::npos, result.summaryText);
    const auto expected = radnode::analysis::scoreModel(radnode::config::readModelFile(dir / "chosen.yaml"), lookupIn(sr));
    REQUIRE(expected.scored);
    REQUIRE(result.probabilityPercent);
    CHECK(*result.probabilityPercent == doctest::Approx(expected.probability * 100.0).epsilon(1e-12));
    CHECK(node.process->stop() == 0);
}

TEST_CASE("a node scores SVM and boosted-trees model files and the SR names each family") {
    REQUIRE(haveProgram("storescu"));
    REQUIRE(haveProgram("sqlite3"));
    TempDir dir;
    writeText(dir / "svm.yaml", kSvmModel);
    writeText(dir / "trees.yaml", kTreesModel);
    writeBooster(dir / "trees.xgboost.json");
    writeText(dir / "node.yaml", "models:\n  - file: svm.yaml\n  - file: trees.yaml\n");
    const auto check = runCommand(kRadnode + " check-config '" + (dir / "node.yaml").string() + "'");
    REQUIRE_MESSAGE(check.exitCode == 0, check.output);

    const auto synth = runCommand(kRadnode + " synth --modality us --no-node --seed 43 --out '" + (dir / "study").string() + "'");
    REQUIRE_MESSAGE(synth.exitCode == 0, synth.output);
    const auto database = dir / "state" / "radnode.sqlite";
    const int httpPort = freeLoopbackPort();
    LiveNode node(dir, {"--config", (dir / "node.yaml").string(), "--http-port", std::to_string(httpPort)});
    REQUIRE(runCommand("storescu -aec RADNODE -R +sd 127.0.0.1 " + std::to_string(node.port) + " '" +
                       (dir / "study").string() + "'")
                .exitCode == 0);
    REQUIRE_MESSAGE(waitFor([&] { return sqlite(database, "SELECT count(*) FROM results") == "1"; }, 120),
                    readText(dir / "node.log"));
    const std::string summary = sqlite(database, "SELECT summary FROM results");
    CHECK(summary.find("\"family\":\"SVM (RBF kernel)\"") != std::string::npos);
    CHECK(sqlite(database, "SELECT group_concat(model_name || '|' || scored, ',') FROM result_scores") ==
          "svm-signature|1,trees|1");

    if (haveProgram("curl")) {
        const auto api = runCommand("curl -s -S --max-time 20 'http://127.0.0.1:" + std::to_string(httpPort) + "/api/v1/results'");
        CHECK_MESSAGE(api.output.find("\"family\":\"gradient-boosted trees (XGBoost)\"") != std::string::npos, api.output);
        CHECK(api.output.find("\"family\":\"SVM (RBF kernel)\"") != std::string::npos);
    }
    const std::string srPath = sqlite(database, "SELECT sr_path FROM results");
    const auto sr = radnode::dicom::readSr(srPath);
    REQUIRE(sr.models.size() == 2);
    const auto lookup = lookupIn(sr);
    for (const auto& result : sr.models) {
        const std::string file = result.modelName == "trees" ? "trees.yaml" : "svm.yaml";
        const auto model = radnode::config::readModelFile(dir / file);
        const auto expected = radnode::analysis::scoreModel(model, lookup);
        REQUIRE(expected.scored);
        REQUIRE(result.probabilityPercent);
        CHECK(*result.probabilityPercent == doctest::Approx(expected.probability * 100.0).epsilon(1e-12));
        REQUIRE(result.radScore);
        CHECK(*result.radScore == doctest::Approx(expected.radScore).epsilon(1e-12));
        CHECK(result.predictedClass == expected.predictedClass);
        const std::string family = result.modelName == "trees" ? "gradient-boosted trees (XGBoost)" : "SVM (RBF kernel)";
        CHECK(result.family == family);
        CHECK_MESSAGE(result.summaryText.find(" v" + model.version + ", " + family + ", threshold ") != std::string::npos,
                      result.summaryText);
    }
    if (haveProgram("dsrdump")) {
        const auto dump = runCommand("dsrdump '" + srPath + "'");
        CHECK(dump.output.find("Model family") != std::string::npos);
    }
    if (haveProgram("dciodvfy")) {
        const auto verify = runCommand("dciodvfy '" + srPath + "' 2>&1");
        CHECK_MESSAGE(countOccurrences(verify.output, "Error") == 0, verify.output);
    }
    CHECK(node.process->stop() == 0);
}

TEST_CASE("check-config and serve refuse a boosted-trees model whose booster does not load") {
    TempDir dir;
    writeText(dir / "trees.yaml", kTreesModel); // its booster file was never written
    writeText(dir / "node.yaml", "models:\n  - file: trees.yaml\n");
    const std::string expected = (dir / "trees.yaml").string() + ":13: model.rad_scores[0].booster: booster file " +
                                 (dir / "trees.xgboost.json").string() + " not found";
    const auto check = runCommand(kRadnode + " check-config '" + (dir / "node.yaml").string() + "'");
    CHECK(check.exitCode != 0);
    CHECK_MESSAGE(check.output.find(expected) != std::string::npos, check.output);

    writeText(dir / "trees.xgboost.json", "not json");
    const auto serve = runCommand("timeout 30 " + kRadnode + " serve --state-dir '" + (dir / "state").string() +
                                  "' --port " + std::to_string(freeLoopbackPort()) + " --config '" + (dir / "node.yaml").string() + "'");
    CHECK(serve.exitCode != 0);
    CHECK(serve.exitCode != 124); // refused at startup, not left running
    CHECK_MESSAGE(serve.output.find((dir / "trees.yaml").string() + ":13: model.rad_scores[0].booster: ") != std::string::npos,
                  serve.output);
}
