// Model scoring: rad-score, nomogram with covariates, thresholds, the two-level chain, the
// missing-input policy and robustness; the covariate catalogue, feature names a settings
// object produces, and mask margins.
#include "analysis/extractor.h"
#include "analysis/mask_margin.h"
#include "analysis/model.h"
#include "analysis/model_covariates.h"
#include "analysis/model_features.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <map>

using namespace radnode::analysis;

namespace {

double logistic(double x) { return 1.0 / (1.0 + std::exp(-x)); }

ModelInput feature(const std::string& roi, const std::string& name, double mean, double sd, double coefficient) {
    ModelInput input;
    input.roi = roi;
    input.feature = name;
    input.mean = mean;
    input.sd = sd;
    input.coefficient = coefficient;
    return input;
}

ModelInput covariate(const std::string& key, const std::string& level, double mean, double sd, double coefficient) {
    ModelInput input;
    input.covariate = key;
    input.level = level;
    input.mean = mean;
    input.sd = sd;
    input.coefficient = coefficient;
    return input;
}

ModelInput radScoreTerm(const std::string& name, double coefficient) {
    ModelInput input;
    input.radScore = name;
    input.coefficient = coefficient;
    return input;
}

// Rad-score on tumour diameter (clipped) and ring mean; nomogram with Ki-67 and US node status;
// second level on sphericity and tumour size.
Model chainModel() {
    Model model;
    model.name = "chain";
    model.version = "1";
    RadScore tumour;
    tumour.name = "tumour";
    tumour.intercept = -0.2;
    tumour.inputs = {feature("tumor", "original_shape2D_MaximumDiameter", 22.0, 8.0, 0.6),
                     feature("tumor+5mm", "original_firstorder_Mean", 70.0, 20.0, -0.3)};
    tumour.inputs[0].clipHigh = 2.0;
    model.first.radScores = {tumour};
    RadScore nomogram;
    nomogram.name = "nomogram";
    nomogram.intercept = -0.5;
    nomogram.inputs = {radScoreTerm("tumour", 1.1), covariate("ki67", "", 20.0, 10.0, 0.4),
                       covariate("us_node_status", "positive", 0.0, 1.0, 0.9)};
    model.first.nomogram = nomogram;
    model.first.thresholds = {{"youden", 0.42}, {"rule-out", 0.1}};
    ModelLevel second;
    RadScore burden;
    burden.name = "burden";
    burden.intercept = -1.0;
    burden.inputs = {feature("tumor", "original_shape2D_Sphericity", 0.6, 0.15, -0.5),
                     covariate("tumour_size_mm", "", 25.0, 10.0, 0.7)};
    second.radScores = {burden};
    second.thresholds = {{"default", 0.5}};
    second.negativeClass = "low burden";
    second.positiveClass = "high burden";
    model.secondLevel = second;
    return model;
}

FeatureLookup lookupFrom(std::map<std::string, double> values) {
    return [values](const std::string& roi, const std::string&, const std::string& name) -> std::optional<double> {
        const auto found = values.find(roi + "/" + name);
        if (found == values.end()) return std::nullopt;
        return found->second;
    };
}

const std::map<std::string, double> kCase{{"tumor/original_shape2D_MaximumDiameter", 46.0}, // z = 3, clipped to 2
                                          {"tumor+5mm/original_firstorder_Mean", 50.0},        // z = -1
                                          {"tumor/original_shape2D_Sphericity", 0.45}};        // z = -1

} // namespace

TEST_CASE("nomogram: rad-score, numeric and categorical covariates, thresholds, second level") {
    const Model model = chainModel();
    const ClinicalValues clinical{{"ki67", "40"}, {"us_node_status", "positive"}, {"tumour_size_mm", "35"}};
    const auto score = scoreModel(model, lookupFrom(kCase), clinical);
    REQUIRE(score.scored);
    const double radScore = -0.2 + 0.6 * 2.0 + -0.3 * -1.0;
    CHECK(score.radScore == doctest::Approx(radScore).epsilon(1e-15));
    const double logit = -0.5 + 1.1 * radScore + 0.4 * 2.0 + 0.9 * 1.0;
    CHECK(score.probability == doctest::Approx(logistic(logit)).epsilon(1e-15));
    CHECK(score.threshold == 0.42);
    CHECK(score.predictedClass == "N+");
    REQUIRE(score.thresholds.size() == 2);
    CHECK(score.thresholds[1].name == "rule-out");
    CHECK(score.thresholds[1].positive);
    REQUIRE(score.secondLevel);
    const double burden = -1.0 + -0.5 * -1.0 + 0.7 * 1.0;
    CHECK(score.secondLevel->probability == doctest::Approx(logistic(burden)).epsilon(1e-15));
    CHECK(score.secondLevel->predictedClass == "high burden");
    CHECK(score.covariatesUsed == std::vector<std::string>{"ki67", "us_node_status", "tumour_size_mm"});
    CHECK(score.covariatesMissing.empty());
    CHECK(score.reason.empty());

    // A smaller tumour, a negative US node status (its term is 0) and a low Ki-67: N0, no second level.
    auto small = kCase;
    small["tumor/original_shape2D_MaximumDiameter"] = 14.0; // z = -1
    const auto negative = scoreModel(model, lookupFrom(small), {{"ki67", "0"}, {"us_node_status", "negative"}});
    const double negativeLogit = -0.5 + 1.1 * (-0.2 - 0.6 + 0.3) + 0.4 * -2.0;
    CHECK(negative.probability == doctest::Approx(logistic(negativeLogit)).epsilon(1e-15));
    CHECK(negative.predictedClass == "N0");
    CHECK_FALSE(negative.secondLevel);
    CHECK(negative.reason.empty()); // tumour_size_mm is not needed when the second level is not reached
}

TEST_CASE("a missing covariate or feature leaves the model not scored, with what is missing named") {
    const Model model = chainModel();
    auto partial = kCase;
    partial.erase("tumor+5mm/original_firstorder_Mean");
    const auto score = scoreModel(model, lookupFrom(partial), {{"us_node_status", "positive"}});
    CHECK_FALSE(score.scored);
    CHECK(score.inputsMissing == std::vector<std::string>{"tumor+5mm/*/original_firstorder_Mean"});
    CHECK(score.covariatesMissing == std::vector<std::string>{"ki67"});
    CHECK(score.reason == "missing inputs: tumor+5mm/*/original_firstorder_Mean; missing clinical inputs: ki67");

    // The first level stands when only the second level lacks an input.
    const auto firstOnly = scoreModel(model, lookupFrom(kCase), {{"ki67", "40"}, {"us_node_status", "positive"}});
    CHECK(firstOnly.scored);
    CHECK(firstOnly.predictedClass == "N+");
    CHECK_FALSE(firstOnly.secondLevel);
    CHECK(firstOnly.reason == "second level not scored: missing clinical inputs: tumour_size_mm");
}

TEST_CASE("missing-input policy: the fallback model scores in the primary's place, and says so") {
    Model primary = chainModel();
    primary.fallbackModel = "radiomics-only";
    Model fallback;
    fallback.name = "radiomics-only";
    fallback.version = "2";
    RadScore score;
    score.intercept = 0.1;
    score.inputs = {feature("tumor", "original_shape2D_MaximumDiameter", 22.0, 8.0, 0.5)};
    fallback.first.radScores = {score};
    const std::vector<Model> models{primary, fallback};

    const auto result = scoreWithFallback(primary, models, lookupFrom(kCase), {});
    REQUIRE(result.scored);
    CHECK(result.modelName == "chain");
    CHECK(result.scoredBy == "radiomics-only v2");
    CHECK(result.probability == doctest::Approx(logistic(0.1 + 0.5 * 3.0)).epsilon(1e-15));
    CHECK(result.covariatesMissing == std::vector<std::string>{"ki67", "us_node_status"});
    CHECK(result.reason ==
          "scored by fallback radiomics-only v2 (missing clinical inputs: ki67, us_node_status)");
    CHECK(result.flags == std::vector<std::string>{"fallback"});

    // With every input present the primary scores itself.
    const auto own = scoreWithFallback(primary, models, lookupFrom(kCase),
                                       {{"ki67", "40"}, {"us_node_status", "positive"}, {"tumour_size_mm", "35"}});
    CHECK(own.scoredBy.empty());
    CHECK(own.flags.empty());

    // A fallback is not scored on its own.
    const auto primaries = primaryModels(models);
    REQUIRE(primaries.size() == 1);
    CHECK(primaries[0]->name == "chain");

    // "Not scored" policy: no fallback, the reason stays.
    primary.fallbackModel.clear();
    const auto notScored = scoreWithFallback(primary, {primary}, lookupFrom(kCase), {});
    CHECK_FALSE(notScored.scored);
    CHECK(notScored.reason == "missing clinical inputs: ki67, us_node_status");
}

TEST_CASE("robustness: the spread of the probability, and a class that flips flags the case unstable") {
    Model model;
    model.name = "one";
    model.version = "1";
    RadScore score;
    score.inputs = {feature("tumor", "original_shape2D_MaximumDiameter", 20.0, 10.0, 1.0)};
    model.first.radScores = {score};
    const auto at = [&model](double diameter) {
        return scoreModel(model, lookupFrom({{"tumor/original_shape2D_MaximumDiameter", diameter}}));
    };
    auto stable = at(30.0);
    applyRobustness(stable, at(28.0), at(33.0));
    CHECK_FALSE(stable.unstable);
    CHECK(stable.flags.empty());
    CHECK(probabilitySpread(stable) == doctest::Approx(logistic(1.3) - logistic(0.8)).epsilon(1e-12));

    auto flipping = at(21.0); // just above 0.5
    applyRobustness(flipping, at(19.0), at(23.0));
    CHECK(flipping.unstable);
    CHECK(flipping.flags == std::vector<std::string>{"unstable"});

    // A perturbed case that cannot be scored leaves robustness unassessed.
    auto unassessed = at(21.0);
    applyRobustness(unassessed, scoreModel(model, lookupFrom({})), at(23.0));
    CHECK_FALSE(unassessed.unstable);
    CHECK_FALSE(unassessed.probabilityEroded);
    CHECK(probabilitySpread(unassessed) == 0.0);
}

TEST_CASE("clinical covariates: keys and values are validated") {
    CHECK(covariateValueError("ki67", "35").empty());
    CHECK(covariateValueError("ki67", "35.5").empty());
    CHECK(covariateValueError("ki67", "120") == "ki67: '120' is outside 0-100 %");
    CHECK(covariateValueError("ki67", "high") == "ki67: 'high' is not a number");
    CHECK(covariateValueError("age", "").find("is not a number") != std::string::npos);
    CHECK(covariateValueError("subtype", "luminal_b").empty());
    CHECK(covariateValueError("subtype", "luminal") ==
          "subtype: 'luminal' is not one of luminal_a|luminal_b|her2_enriched|triple_negative");
    CHECK(covariateValueError("ki-67", "3").rfind("unknown clinical covariate 'ki-67'", 0) == 0);
}

TEST_CASE("feature names a settings object produces: image types x classes, 2D and 3D") {
    ExtractionParams params; // Original, every class with every non-deprecated feature
    const auto flat = featureNames(params, true);
    const auto volume = featureNames(params, false);
    const auto has = [](const std::vector<std::string>& names, const std::string& name) {
        return std::find(names.begin(), names.end(), name) != names.end();
    };
    CHECK(has(flat, "original_shape2D_MaximumDiameter"));
    CHECK_FALSE(has(flat, "original_shape_Sphericity"));
    CHECK(has(volume, "original_shape_Sphericity"));
    CHECK(has(volume, "original_glcm_Idn"));
    CHECK_FALSE(has(volume, "original_firstorder_StandardDeviation")); // deprecated: only when asked for
    CHECK(featureNameError("original_glcm_Idn", params).empty());

    params.imageTypes.push_back({"Wavelet", params.settings});
    Settings log = params.settings;
    log.sigma = {1.0, 3.0};
    params.imageTypes.push_back({"LoG", log});
    const auto withFilters = featureNames(params, false);
    CHECK(has(withFilters, "wavelet-HLH_glcm_Idn"));
    CHECK(has(withFilters, "wavelet-LLL_firstorder_Mean"));
    CHECK(has(withFilters, "log-sigma-3-0-mm-3D_firstorder_Mean"));
    CHECK(has(featureNames(params, true), "wavelet-HL_glcm_Idn"));
    CHECK_FALSE(has(withFilters, "wavelet-HLH_shape_Sphericity"));
    CHECK(featureNameError("log-sigma-2-0-mm-3D_firstorder_Mean", params).rfind("image type 'log-sigma-2-0-mm-3D'", 0) == 0);
    CHECK(featureNameError("wavelet-HLH_shape_Sphericity", params) == "shape features exist only on the original image");

    // The reduced settings compute exactly what the model reads.
    const auto reduced = paramsComputing(params, {"wavelet-HLH_glcm_Idn", "original_shape_Sphericity"}, false);
    REQUIRE(reduced.imageTypes.size() == 1);
    CHECK(reduced.imageTypes[0].name == "Wavelet");
    CHECK(reduced.featureClasses.size() == 2);
    CHECK(reduced.featureClasses.at("glcm") == std::vector<std::string>{"Idn"});
    CHECK(reduced.featureClasses.at("shape") == std::vector<std::string>{"Sphericity"});
}

TEST_CASE("mask margins: one pixel in plane erodes and dilates by the 4-neighbourhood") {
    Mask mask;
    mask.geometry.size = {7, 7, 1};
    mask.geometry.spacing = {0.5, 0.5, 2.0};
    mask.voxels.assign(49, 0);
    for (int y = 2; y <= 4; ++y) {
        for (int x = 2; x <= 4; ++x) mask.voxels[static_cast<std::size_t>(y * 7 + x)] = 1;
    }
    CHECK(onePixelMm(mask.geometry, true) == 0.5);
    const auto dilated = dilateMask(mask, 0.5, true);
    CHECK(dilated.count() == 9 + 12); // a 3x3 square grows by one pixel on each side, corners excluded
    const auto eroded = erodeMask(mask, 0.5, true);
    CHECK(eroded.count() == 1);
    CHECK(eroded.voxels[3 * 7 + 3] == 1);
    CHECK(erodeMask(eroded, 0.5, true).count() == 0);
}
