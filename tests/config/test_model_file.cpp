// Model files, schema 1 and 2: parsing, refusals with file:line:key, the check against the
// node's extraction settings, fallback sets, and the writer's exact round trip.
#include "config/model_file.h"
#include "config/model_file_writer.h"
#include "test_support.h"

#include <doctest/doctest.h>

#include <cmath>
#include <stdexcept>
#include <string>

using namespace radnode;

namespace {

const char* const kChainModel = R"yaml(schema: 2
model:
  name: site-chain
  version: "3"
  intended_use: research
  description: rad-score plus Ki-67 and US node status; then nodal burden for N+
  training_cohort: 412 patients, 2019-2023, site A
  validation: {description: "temporal validation, n=140", auc: 0.81, auc_ci: [0.75, 0.87]}
  modality: US
  segmentation: tumour segment on a calibrated US image
  rad_scores:
    - name: tumour
      intercept: -0.2
      inputs:
        - {roi: tumor, feature: original_shape2D_MaximumDiameter, mean: 22.0, sd: 8.0, coefficient: 0.6}
        - {roi: tumor+5mm, view: MLO, feature: original_firstorder_Mean, mean: 70, sd: 20, coefficient: -0.3, clip_low: -3, clip_high: 3}
  nomogram:
    intercept: -0.5
    terms:
      - {rad_score: tumour, coefficient: 1.1}
      - {covariate: ki67, mean: 20, sd: 10, coefficient: 0.4}
      - {covariate: us_node_status, level: positive, coefficient: 0.9}
  thresholds:
    - {name: youden, value: 0.42}
    - {name: rule-out, value: 0.1}
  classes: {negative: N0, positive: N+}
  second_level:
    rad_scores:
      - name: burden
        intercept: -1.0
        inputs:
          - {roi: tumor, feature: original_shape2D_Sphericity, mean: 0.6, sd: 0.15, coefficient: -0.5}
          - {covariate: tumour_size_mm, mean: 25, sd: 10, coefficient: 0.7}
    thresholds: [{name: default, value: 0.5}]
    classes: {negative: low burden, positive: high burden}
  missing_inputs: {policy: fallback, fallback_model: site-radiomics-only}
  robustness: {enabled: true, margin_mm: 0.5}
)yaml";

const char* const kSchemaOne = R"yaml(schema: 1
model:
  name: old
  version: "1"
  intended_use: research
  validation: "AUC 0.8"
  intercept: -0.2
  threshold: 0.4
  classes: {negative: N0, positive: N+}
  inputs:
    - {roi: tumor, feature: original_shape2D_MaximumDiameter, mean: 22.0, sd: 8.0, coefficient: 0.6, clip_low: -3}
)yaml";

std::string errorOf(const std::string& yaml, const config::AnalysisConfig* analysis = nullptr) {
    try {
        config::parseModel(yaml, "m.yaml", analysis);
    } catch (const std::invalid_argument& error) {
        return error.what();
    }
    return "";
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    return text.replace(at, from.size(), to);
}

void checkSameInput(const analysis::ModelInput& a, const analysis::ModelInput& b) {
    CHECK(a.roi == b.roi);
    CHECK(a.view == b.view);
    CHECK(a.feature == b.feature);
    CHECK(a.covariate == b.covariate);
    CHECK(a.level == b.level);
    CHECK(a.radScore == b.radScore);
    CHECK(a.mean == b.mean);
    CHECK(a.sd == b.sd);
    CHECK(a.coefficient == b.coefficient);
    CHECK(a.clipLow == b.clipLow);
    CHECK(a.clipHigh == b.clipHigh);
}

void checkSameScore(const analysis::RadScore& a, const analysis::RadScore& b) {
    CHECK(a.name == b.name);
    CHECK(a.intercept == b.intercept);
    REQUIRE(a.inputs.size() == b.inputs.size());
    for (std::size_t i = 0; i < a.inputs.size(); ++i) checkSameInput(a.inputs[i], b.inputs[i]);
}

void checkSameLevel(const analysis::ModelLevel& a, const analysis::ModelLevel& b) {
    REQUIRE(a.radScores.size() == b.radScores.size());
    for (std::size_t i = 0; i < a.radScores.size(); ++i) checkSameScore(a.radScores[i], b.radScores[i]);
    REQUIRE(a.nomogram.has_value() == b.nomogram.has_value());
    if (a.nomogram) checkSameScore(*a.nomogram, *b.nomogram);
    REQUIRE(a.thresholds.size() == b.thresholds.size());
    for (std::size_t i = 0; i < a.thresholds.size(); ++i) {
        CHECK(a.thresholds[i].name == b.thresholds[i].name);
        CHECK(a.thresholds[i].value == b.thresholds[i].value);
    }
    CHECK(a.negativeClass == b.negativeClass);
    CHECK(a.positiveClass == b.positiveClass);
}

void checkSameModel(const analysis::Model& a, const analysis::Model& b) {
    CHECK(a.name == b.name);
    CHECK(a.version == b.version);
    CHECK(a.intendedUse == b.intendedUse);
    CHECK(a.description == b.description);
    CHECK(a.trainingCohort == b.trainingCohort);
    CHECK(a.validation == b.validation);
    REQUIRE(a.validationAuc.has_value() == b.validationAuc.has_value());
    if (a.validationAuc) {
        CHECK(a.validationAuc->auc == b.validationAuc->auc);
        CHECK(a.validationAuc->ciLower == b.validationAuc->ciLower);
        CHECK(a.validationAuc->ciUpper == b.validationAuc->ciUpper);
    }
    CHECK(a.modality == b.modality);
    CHECK(a.segmentation == b.segmentation);
    checkSameLevel(a.first, b.first);
    REQUIRE(a.secondLevel.has_value() == b.secondLevel.has_value());
    if (a.secondLevel) checkSameLevel(*a.secondLevel, *b.secondLevel);
    CHECK(a.fallbackModel == b.fallbackModel);
    CHECK(a.robustness == b.robustness);
    CHECK(a.robustnessMarginMm == b.robustnessMarginMm);
}

} // namespace

TEST_CASE("model file schema 2: nomogram, thresholds, chain, policies and metadata are read") {
    const auto m = config::parseModel(kChainModel, "chain.yaml");
    CHECK(m.schema == 2);
    CHECK(m.name == "site-chain");
    REQUIRE(m.validationAuc);
    CHECK(m.validationAuc->auc == 0.81);
    CHECK(m.validationAuc->ciLower == 0.75);
    CHECK(m.validation == "temporal validation, n=140");
    REQUIRE(m.first.radScores.size() == 1);
    CHECK(m.first.radScores[0].inputs[1].view == "MLO");
    CHECK(m.first.radScores[0].inputs[1].clipHigh == 3.0);
    REQUIRE(m.first.nomogram);
    REQUIRE(m.first.nomogram->inputs.size() == 3);
    CHECK(m.first.nomogram->inputs[0].radScore == "tumour");
    CHECK(m.first.nomogram->inputs[2].level == "positive");
    REQUIRE(m.first.thresholds.size() == 2);
    CHECK(m.first.thresholds[0].name == "youden");
    REQUIRE(m.secondLevel);
    CHECK(m.secondLevel->positiveClass == "high burden");
    CHECK(m.secondLevel->radScores[0].inputs[1].covariate == "tumour_size_mm");
    CHECK(m.fallbackModel == "site-radiomics-only");
    CHECK(m.robustness);
    CHECK(m.robustnessMarginMm == 0.5);
}

TEST_CASE("model file schema 1 still reads, as one rad-score with one threshold") {
    const auto m = config::parseModel(kSchemaOne, "old.yaml");
    CHECK(m.schema == 1);
    REQUIRE(m.first.radScores.size() == 1);
    CHECK(m.first.radScores[0].intercept == -0.2);
    CHECK(m.first.radScores[0].inputs[0].clipLow == -3.0);
    CHECK_FALSE(m.first.nomogram);
    REQUIRE(m.first.thresholds.size() == 1);
    CHECK(m.first.thresholds[0].value == 0.4);
    CHECK(m.validation == "AUC 0.8");
    CHECK(m.fallbackModel.empty());
    CHECK_FALSE(m.robustness);
    // Schema-2 keys are not part of schema 1.
    CHECK(errorOf(replaced(kSchemaOne, "  threshold: 0.4\n", "  threshold: 0.4\n  nomogram: {}\n")) ==
          "m.yaml:9: model.nomogram: unknown key");
}

TEST_CASE("model file refusals name the file, the line and the key") {
    CHECK(errorOf(replaced(kChainModel, "schema: 2", "schema: 3")) ==
          "m.yaml:1: schema: unsupported model schema version (this radnode reads 1 and 2)");
    CHECK(errorOf(replaced(kChainModel, "{rad_score: tumour, coefficient: 1.1}", "{rad_score: tumor, coefficient: 1.1}")) ==
          "m.yaml:20: model.nomogram.terms[0].rad_score: no rad-score of this level is named 'tumor'");
    CHECK(errorOf(replaced(kChainModel, "{covariate: ki67, mean", "{covariate: ki76, mean")) ==
          "m.yaml:21: model.nomogram.terms[1].covariate: unknown clinical covariate 'ki76' (known: ki67, us_node_status, "
          "tumour_size_mm, age, subtype)");
    CHECK(errorOf(replaced(kChainModel, "level: positive", "level: yes")) ==
          "m.yaml:22: model.nomogram.terms[2].level: us_node_status: 'yes' is not one of negative|positive");
    CHECK(errorOf(replaced(kChainModel, "{name: youden, value: 0.42}", "{name: youden, value: 1.2}")) ==
          "m.yaml:24: model.thresholds[0].value: must be a probability strictly between 0 and 1");
    CHECK(errorOf(replaced(kChainModel, "policy: fallback, fallback_model: site-radiomics-only", "policy: sometimes")) ==
          "m.yaml:36: model.missing_inputs.policy: must be not_scored or fallback");
    CHECK(errorOf(replaced(kChainModel, "auc_ci: [0.75, 0.87]", "auc_ci: [0.85, 0.87]")) ==
          "m.yaml:8: model.validation: needs 0 <= auc_ci[0] <= auc <= auc_ci[1] <= 1");
    CHECK(errorOf(replaced(kChainModel, "{covariate: tumour_size_mm, mean: 25,", "{covariate: tumour_size_mm, roi: tumor, mean: 25,")) ==
          "m.yaml:33: model.second_level.rad_scores[0].inputs[1]: a covariate term names no roi or view");
    CHECK(errorOf(replaced(kChainModel, "intended_use: research", "intended_use: clinical")) ==
          "m.yaml:5: model.intended_use: radnode runs research models only: write 'research'");
}

TEST_CASE("model inputs are checked against the node's extraction settings") {
    config::AnalysisConfig analysis; // built-in PyRadiomics defaults: Original, all classes; rings 3, 5, 10 mm
    CHECK(errorOf(kChainModel, &analysis).empty());
    // A wavelet feature needs the Wavelet image type.
    CHECK(errorOf(replaced(kChainModel, "original_firstorder_Mean", "wavelet-HLH_glcm_Idn"), &analysis) ==
          "m.yaml:16: model.rad_scores[0].inputs[1].feature: image type 'wavelet-HLH' is not computed under the node's "
          "extraction settings (computed: original)");
    CHECK(errorOf(replaced(kChainModel, "original_firstorder_Mean", "original_firstorder_Meen"), &analysis) ==
          "m.yaml:16: model.rad_scores[0].inputs[1].feature: feature 'Meen' is not computed by class firstorder under "
          "the node's extraction settings");
    CHECK(errorOf(replaced(kChainModel, "roi: tumor+5mm", "roi: tumor+7mm"), &analysis) ==
          "m.yaml:16: model.rad_scores[0].inputs[1].roi: ROI 'tumor+7mm' is not analysed under the node's settings "
          "(analysed: node, ring-10mm, ring-3mm, ring-5mm, tumor, tumor+10mm, tumor+3mm, tumor+5mm)");
    analysis.params.imageTypes.push_back({"Wavelet", analysis.params.settings});
    CHECK(errorOf(replaced(kChainModel, "original_firstorder_Mean", "wavelet-HLH_glcm_Idn"), &analysis).empty());
    analysis.params.featureClasses.erase("glcm");
    CHECK(errorOf(replaced(kChainModel, "original_firstorder_Mean", "wavelet-HLH_glcm_Idn"), &analysis) ==
          "m.yaml:16: model.rad_scores[0].inputs[1].feature: feature class 'glcm' is not enabled in the node's "
          "extraction settings");
}

TEST_CASE("a model set needs unique names and fallbacks that exist without a cycle") {
    test::TempDir dir;
    test::writeText(dir / "chain.yaml", kChainModel);
    const std::string fallback = replaced(replaced(kSchemaOne, "name: old", "name: site-radiomics-only"),
                                          "schema: 1", "schema: 1");
    test::writeText(dir / "fallback.yaml", fallback);
    const auto models = config::readModelFiles({{dir / "chain.yaml"}, {dir / "fallback.yaml"}});
    CHECK(models.size() == 2);
    try {
        config::readModelFiles({{dir / "chain.yaml"}});
        FAIL("a fallback that is not loaded was accepted");
    } catch (const std::invalid_argument& error) {
        CHECK(std::string(error.what()) == (dir / "chain.yaml").string() +
                                               ": model.missing_inputs.fallback_model: no loaded model is named "
                                               "'site-radiomics-only'");
    }
    try {
        config::readModelFiles({{dir / "fallback.yaml"}, {dir / "fallback.yaml"}});
        FAIL("two models of one name were accepted");
    } catch (const std::invalid_argument& error) {
        CHECK(std::string(error.what()).find("'site-radiomics-only' is also the name of the model in") != std::string::npos);
    }
    // A -> B -> A
    std::string a = replaced(kChainModel, "name: site-chain", "name: a");
    a = replaced(a, "fallback_model: site-radiomics-only", "fallback_model: b");
    std::string b = replaced(kChainModel, "name: site-chain", "name: b");
    b = replaced(b, "fallback_model: site-radiomics-only", "fallback_model: a");
    test::writeText(dir / "a.yaml", a);
    test::writeText(dir / "b.yaml", b);
    try {
        config::readModelFiles({{dir / "a.yaml"}, {dir / "b.yaml"}});
        FAIL("a cycle of fallbacks was accepted");
    } catch (const std::invalid_argument& error) {
        CHECK(std::string(error.what()).find("(a cycle of fallbacks)") != std::string::npos);
    }
}

TEST_CASE("writeModelFile round-trips every field exactly") {
    test::TempDir dir;
    auto model = config::parseModel(kChainModel, "chain.yaml");
    // Values without a short decimal form, and text YAML would otherwise retype.
    model.first.radScores[0].inputs[0].coefficient = 0.1 + 0.2;
    model.first.radScores[0].inputs[0].mean = std::nextafter(22.0, 23.0);
    model.first.nomogram->intercept = -1.0 / 3.0;
    model.description = "yes: \"quoted\" \\ and a\nnew line";
    model.version = "1.10";
    config::writeModelFile(model, dir / "out.yaml");
    const auto back = config::readModelFile(dir / "out.yaml");
    checkSameModel(model, back);
    // Written as schema 2, a schema-1 model keeps its meaning.
    const auto old = config::parseModel(kSchemaOne, "old.yaml");
    const auto oldBack = config::parseModel(config::modelFileYaml(old), "old2.yaml");
    checkSameModel(old, oldBack);
    CHECK(oldBack.schema == 2);
    // The text is stable: writing what was read gives the same bytes.
    CHECK(config::modelFileYaml(back) == test::readText(dir / "out.yaml"));
}
