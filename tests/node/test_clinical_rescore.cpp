// Clinical covariates after a result: `radnode serve` scores a study with a nomogram model
// whose Ki-67 term is missing (its fallback scores instead), then `radnode clinical set` adds
// Ki-67 and the study is re-scored; the new SR, using the covariate, supersedes the first.
#include "node/live_node.h"
#include "test_support.h"

#include <doctest/doctest.h>

#include <chrono>
#include <functional>
#include <thread>

using namespace radnode::test;

namespace {

const char* const kNomogram = R"yaml(schema: 2
model:
  name: test-nomogram
  version: "1"
  intended_use: research
  description: test model, not for any use
  validation: {description: "none", auc: 0.7, auc_ci: [0.6, 0.8]}
  modality: US
  rad_scores:
    - name: tumour
      intercept: -0.2
      inputs:
        - {roi: tumor, feature: original_shape2D_MaximumDiameter, mean: 22.0, sd: 8.0, coefficient: 0.6}
        - {roi: tumor+5mm, feature: original_firstorder_Mean, mean: 70.0, sd: 20.0, coefficient: -0.3}
  nomogram:
    intercept: 0.0
    terms:
      - {rad_score: tumour, coefficient: 1.0}
      - {covariate: ki67, mean: 20, sd: 10, coefficient: 0.8}
  thresholds: [{name: default, value: 0.5}]
  classes: {negative: N0, positive: N+}
  second_level:
    rad_scores:
      - name: burden
        intercept: 0.3
        inputs:
          - {roi: tumor, feature: original_shape2D_Sphericity, mean: 0.6, sd: 0.15, coefficient: -0.4}
    thresholds: [{name: default, value: 0.5}]
    classes: {negative: low burden, positive: high burden}
  missing_inputs: {policy: fallback, fallback_model: test-radiomics}
  robustness: {enabled: true, margin_mm: 0}
)yaml";

const char* const kFallback = R"yaml(schema: 2
model:
  name: test-radiomics
  version: "1"
  intended_use: research
  modality: US
  rad_scores:
    - name: tumour
      intercept: -0.2
      inputs:
        - {roi: tumor, feature: original_shape2D_MaximumDiameter, mean: 22.0, sd: 8.0, coefficient: 0.6}
  thresholds: [{name: default, value: 0.5}]
)yaml";

} // namespace

TEST_CASE("clinical set after a result re-scores the study with the covariate, superseding the SR") {
    REQUIRE(haveProgram("storescu"));
    REQUIRE(haveProgram("sqlite3"));
    TempDir dir;
    writeText(dir / "nomogram.yaml", kNomogram);
    writeText(dir / "fallback.yaml", kFallback);
    writeText(dir / "node.yaml", "models:\n  - file: nomogram.yaml\n  - file: fallback.yaml\n");
    const auto check = runCommand(kRadnode + " check-config '" + (dir / "node.yaml").string() + "'");
    REQUIRE_MESSAGE(check.exitCode == 0, check.output);

    const auto synth = runCommand(kRadnode + " synth --modality us --seed 41 --out '" + (dir / "study").string() + "'");
    REQUIRE(synth.exitCode == 0);
    const auto database = dir / "state" / "radnode.sqlite";
    LiveNode node(dir, {"--config", (dir / "node.yaml").string()});
    REQUIRE(runCommand("storescu -aec RADNODE -R +sd 127.0.0.1 " + std::to_string(node.port) + " '" +
                       (dir / "study").string() + "'")
                .exitCode == 0);
    REQUIRE_MESSAGE(waitFor([&] { return sqlite(database, "SELECT count(*) FROM results") == "1"; }, 120),
                    readText(dir / "node.log"));
    // Only the primary model is reported; without Ki-67 its fallback scored it.
    CHECK(sqlite(database, "SELECT model_name || '|' || scored || '|' || flags FROM result_scores") ==
          "test-nomogram|1|fallback");
    CHECK(sqlite(database, "SELECT reason FROM result_scores") ==
          "scored by fallback test-radiomics v1 (missing clinical inputs: ki67)");
    const std::string firstProbability = sqlite(database, "SELECT probability FROM result_scores");
    const std::string study = sqlite(database, "SELECT study_uid FROM results");

    // Bad input is refused and stores nothing.
    const auto refused = runCommand(kRadnode + " clinical set --state-dir '" + (dir / "state").string() + "' --study " +
                                    study + " ki67=140");
    CHECK(refused.exitCode == 2);
    CHECK(refused.output.find("ki67: '140' is outside 0-100 %") != std::string::npos);
    CHECK(sqlite(database, "SELECT count(*) FROM clinical_inputs") == "0");

    const auto set = runCommand(kRadnode + " clinical set --state-dir '" + (dir / "state").string() + "' --study " +
                                study + " ki67=45 age=52");
    REQUIRE_MESSAGE(set.exitCode == 0, set.output);
    CHECK(set.output.find("re-scoring queued") != std::string::npos);
    REQUIRE_MESSAGE(waitFor([&] { return sqlite(database, "SELECT count(*) FROM results") == "2"; }, 120),
                    readText(dir / "node.log"));
    CHECK(sqlite(database, "SELECT supersedes_result_id FROM results ORDER BY id DESC LIMIT 1") ==
          sqlite(database, "SELECT id FROM results ORDER BY id LIMIT 1"));
    const std::string latest = "(SELECT max(id) FROM results)";
    CHECK(sqlite(database, "SELECT scored || '|' || coalesce(reason, '') FROM result_scores WHERE result_id = " + latest)
              .rfind("1|", 0) == 0);
    CHECK(sqlite(database, "SELECT instr(flags, 'fallback') FROM result_scores WHERE result_id = " + latest) == "0");
    CHECK(sqlite(database, "SELECT probability FROM result_scores WHERE result_id = " + latest) != firstProbability);
    const std::string summary = sqlite(database, "SELECT summary FROM results WHERE id = " + latest);
    CHECK(summary.find("\"clinical_inputs\":\"ki67\"") != std::string::npos);
    CHECK(summary.find("probability_spread") != std::string::npos);
    CHECK(sqlite(database, "SELECT count(*) FROM audit_log WHERE event = 'clinical.set'") == "2");
    CHECK(sqlite(database, "SELECT count(*) FROM audit_log WHERE event = 'clinical.rescore'") == "1");

    const auto show = runCommand(kRadnode + " clinical show --state-dir '" + (dir / "state").string() + "' --study " + study);
    CHECK(show.exitCode == 0);
    CHECK(show.output.find("ki67") != std::string::npos);
    CHECK(show.output.find("45") != std::string::npos);

    // The new SR names the clinical input, renders, and validates.
    const std::string srPath = sqlite(database, "SELECT sr_path FROM results WHERE id = " + latest);
    if (haveProgram("dsrdump")) {
        const auto dump = runCommand("dsrdump '" + srPath + "'");
        CHECK(dump.exitCode == 0);
        CHECK(dump.output.find("Clinical model input used") != std::string::npos);
        CHECK(dump.output.find("\"ki67\"") != std::string::npos);
        CHECK(dump.output.find("Probability spread under contour perturbation") != std::string::npos);
    }
    if (haveProgram("dciodvfy")) {
        const auto verify = runCommand("dciodvfy '" + srPath + "' 2>&1");
        CHECK_MESSAGE(countOccurrences(verify.output, "Error") == 0, verify.output);
    }
    CHECK(node.process->stop() == 0);
}

TEST_CASE("with analysis.age_from_dicom the age covariate comes from the image's dates") {
    REQUIRE(haveProgram("storescu"));
    TempDir dir;
    std::string nomogram = kNomogram;
    const std::string ki67 = "{covariate: ki67, mean: 20, sd: 10, coefficient: 0.8}";
    nomogram.replace(nomogram.find(ki67), ki67.size(), "{covariate: age, mean: 55, sd: 12, coefficient: 0.3}");
    writeText(dir / "nomogram.yaml", nomogram);
    writeText(dir / "fallback.yaml", kFallback);
    writeText(dir / "node.yaml", "analysis:\n  age_from_dicom: true\nmodels:\n  - file: nomogram.yaml\n"
                                 "  - file: fallback.yaml\n");
    const auto synth = runCommand(kRadnode + " synth --modality us --seed 41 --out '" + (dir / "study").string() + "'");
    REQUIRE(synth.exitCode == 0);
    const auto database = dir / "state" / "radnode.sqlite";
    LiveNode node(dir, {"--config", (dir / "node.yaml").string()});
    REQUIRE(runCommand("storescu -aec RADNODE -R +sd 127.0.0.1 " + std::to_string(node.port) + " '" +
                       (dir / "study").string() + "'")
                .exitCode == 0);
    REQUIRE_MESSAGE(waitFor([&] { return sqlite(database, "SELECT count(*) FROM results") == "1"; }, 120),
                    readText(dir / "node.log"));
    // The nomogram itself scored it (no fallback): the age was found in the DICOM dates.
    CHECK_MESSAGE(sqlite(database, "SELECT model_name || '|' || scored || '|' || flags FROM result_scores") ==
                      "test-nomogram|1|",
                  sqlite(database, "SELECT reason FROM result_scores"));
    CHECK(sqlite(database, "SELECT summary FROM results").find("\"clinical_inputs\":\"age\"") != std::string::npos);
    CHECK(node.process->stop() == 0);
}
