#include "analysis/model.h"

#include "analysis/model_covariates.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <stdexcept>

namespace radnode::analysis {

namespace {

double logistic(double x) { return 1.0 / (1.0 + std::exp(-x)); }

void addOnce(std::vector<std::string>& list, const std::string& item) {
    if (std::find(list.begin(), list.end(), item) == list.end()) list.push_back(item);
}

std::string joined(const std::vector<std::string>& items) {
    std::string text;
    for (const auto& item : items) text += (text.empty() ? "" : ", ") + item;
    return text;
}

// What one level needs and what it found, while its terms are evaluated.
struct Evaluation {
    const FeatureLookup& lookup;
    const ClinicalValues& clinical;
    std::vector<NamedValue> radScores; // computed so far, for nomogram terms
    std::vector<std::string> inputsUsed, inputsMissing, covariatesUsed, covariatesMissing;
};

std::optional<double> rawValue(const ModelInput& input, Evaluation& evaluation) {
    if (!input.radScore.empty()) {
        for (const auto& score : evaluation.radScores) {
            if (score.name == input.radScore) return score.value;
        }
        return std::nullopt; // a rad-score that could not be computed: its inputs are named already
    }
    if (!input.covariate.empty()) {
        const auto found = evaluation.clinical.find(input.covariate);
        if (found == evaluation.clinical.end() || found->second.empty()) {
            addOnce(evaluation.covariatesMissing, input.covariate);
            return std::nullopt;
        }
        addOnce(evaluation.covariatesUsed, input.covariate);
        if (!input.level.empty()) return found->second == input.level ? 1.0 : 0.0;
        const auto number = covariateNumber(found->second);
        if (!number) addOnce(evaluation.covariatesMissing, input.covariate);
        return number;
    }
    const auto value = evaluation.lookup(input.roi, input.view, input.feature);
    if (!value || !std::isfinite(*value)) {
        addOnce(evaluation.inputsMissing, inputLabel(input));
        return std::nullopt;
    }
    addOnce(evaluation.inputsUsed, inputLabel(input));
    return value;
}

// The inputs standardised and clipped, in input order; nullopt when one is missing (every
// missing one is named in `evaluation`, not only the first).
std::optional<std::vector<double>> standardisedInputs(const RadScore& score, Evaluation& evaluation) {
    std::vector<double> values;
    bool complete = true;
    for (const auto& input : score.inputs) {
        const auto value = rawValue(input, evaluation);
        if (!value) {
            complete = false;
            continue;
        }
        double standardised = (*value - input.mean) / input.sd;
        if (input.clipLow) standardised = std::max(standardised, *input.clipLow);
        if (input.clipHigh) standardised = std::min(standardised, *input.clipHigh);
        values.push_back(standardised);
    }
    if (!complete) return std::nullopt;
    return values;
}

// The rad-score's value by its family (see ScoreFamily); nullopt when an input is missing.
std::optional<double> radScoreValue(const RadScore& score, Evaluation& evaluation) {
    const auto inputs = standardisedInputs(score, evaluation);
    if (!inputs) return std::nullopt;
    switch (score.family) {
    case ScoreFamily::linear: {
        double sum = score.intercept;
        for (std::size_t i = 0; i < inputs->size(); ++i) sum += score.inputs[i].coefficient * (*inputs)[i];
        return sum;
    }
    case ScoreFamily::svm:
        if (!score.svm) throw std::logic_error("rad-score " + score.name + ": family svm without a classifier");
        return svmDecisionValue(*score.svm, *inputs);
    case ScoreFamily::boostedTrees: {
        if (!score.booster) throw std::logic_error("rad-score " + score.name + ": family boosted_trees without a booster");
        const std::vector<float> row(inputs->begin(), inputs->end()); // XGBoost scores float inputs
        return static_cast<double>(score.booster->margins({row}).at(0));
    }
    }
    throw std::logic_error("rad-score " + score.name + ": unknown family");
}

// A rad-score alone in its level gives the logit of the level's probability: its value for
// the logit-scale families; for an SVM the logit of svmProbability, Platt's sigmoid as libsvm
// (and scikit-learn's predict_proba) clip and couple it, so the node reports what they report.
double standaloneLogit(const RadScore& score, double value) {
    if (score.family != ScoreFamily::svm) return value;
    if (!score.svm || !score.svm->plattA || !score.svm->plattB) {
        throw std::logic_error("rad-score " + score.name + ": an SVM without Platt coefficients gives no probability");
    }
    const double probability = svmProbability(*score.svm, value);
    return std::log(probability) - std::log1p(-probability);
}

// Scores one level; nullopt when an input is missing (named in `evaluation`).
std::optional<LevelScore> scoreLevel(const ModelLevel& level, Evaluation& evaluation) {
    bool complete = true;
    for (const auto& radScore : level.radScores) {
        const auto value = radScoreValue(radScore, evaluation);
        if (value) {
            evaluation.radScores.push_back({radScore.name, *value});
        } else {
            complete = false;
        }
    }
    std::optional<double> logit;
    if (level.nomogram) {
        logit = radScoreValue(*level.nomogram, evaluation);
    } else if (complete && !level.radScores.empty()) {
        logit = standaloneLogit(level.radScores.front(), evaluation.radScores.front().value);
    }
    if (!complete || !logit) return std::nullopt;
    LevelScore score;
    score.radScores = evaluation.radScores;
    score.linearPredictor = *logit;
    score.probability = logistic(*logit);
    for (const auto& threshold : level.thresholds) {
        score.thresholds.push_back({threshold.name, threshold.value, score.probability >= threshold.value});
    }
    score.threshold = level.thresholds.empty() ? 0.5 : level.thresholds.front().value;
    score.predictedClass = score.probability >= score.threshold ? level.positiveClass : level.negativeClass;
    return score;
}

std::string missingReason(const Evaluation& evaluation) {
    std::vector<std::string> parts;
    if (!evaluation.inputsMissing.empty()) parts.push_back("missing inputs: " + joined(evaluation.inputsMissing));
    if (!evaluation.covariatesMissing.empty()) {
        parts.push_back("missing clinical inputs: " + joined(evaluation.covariatesMissing));
    }
    if (parts.empty()) return "inputs incomplete";
    return parts.size() == 1 ? parts.front() : parts.front() + "; " + parts.back();
}

const Model* findModel(const std::vector<Model>& models, const std::string& name) {
    for (const auto& model : models) {
        if (model.name == name) return &model;
    }
    return nullptr;
}

ModelScore scoreWithFallbackVisited(const Model& model, const std::vector<Model>& models, const FeatureLookup& lookup,
                                    const ClinicalValues& clinical, std::set<std::string>& visited) {
    ModelScore score = scoreModel(model, lookup, clinical);
    visited.insert(model.name);
    if (score.scored || model.fallbackModel.empty()) return score;
    const Model* fallback = findModel(models, model.fallbackModel);
    if (!fallback || visited.count(fallback->name)) {
        score.reason += "; fallback model " + model.fallbackModel + " not available";
        return score;
    }
    ModelScore replacement = scoreWithFallbackVisited(*fallback, models, lookup, clinical, visited);
    const std::string why = score.reason;
    replacement.modelName = score.modelName;
    replacement.modelVersion = score.modelVersion;
    if (replacement.scoredBy.empty()) replacement.scoredBy = fallback->name + " v" + fallback->version;
    replacement.reason = "scored by fallback " + replacement.scoredBy + " (" + why + ")" +
                         (replacement.scored ? "" : ": " + replacement.reason);
    // What the primary model lacked stays visible beside what the fallback used.
    for (const auto& missing : score.inputsMissing) addOnce(replacement.inputsMissing, missing);
    for (const auto& missing : score.covariatesMissing) addOnce(replacement.covariatesMissing, missing);
    addOnce(replacement.flags, "fallback");
    return replacement;
}

std::string radScoreFamilyDescription(const RadScore& score) {
    switch (score.family) {
    case ScoreFamily::linear:
        return "logistic regression";
    case ScoreFamily::svm:
        return std::string("SVM (") + (score.svm && score.svm->kernel == SvmKernel::linear ? "linear" : "RBF") + " kernel)";
    case ScoreFamily::boostedTrees:
        return "gradient-boosted trees (XGBoost)";
    }
    return "unknown";
}

} // namespace

std::string scoreFamilyName(ScoreFamily family) {
    switch (family) {
    case ScoreFamily::linear:
        return "linear";
    case ScoreFamily::svm:
        return "svm";
    case ScoreFamily::boostedTrees:
        return "boosted_trees";
    }
    return "unknown";
}

std::optional<ScoreFamily> parseScoreFamily(const std::string& name) {
    for (ScoreFamily family : {ScoreFamily::linear, ScoreFamily::svm, ScoreFamily::boostedTrees}) {
        if (scoreFamilyName(family) == name) return family;
    }
    return std::nullopt;
}

std::string modelFamilyDescription(const Model& model) {
    const ModelLevel& level = model.first;
    if (!level.nomogram) {
        return level.radScores.empty() ? "logistic regression" : radScoreFamilyDescription(level.radScores.front());
    }
    // Inside a nomogram a linear rad-score is a term, not a regression of its own.
    std::vector<std::string> families;
    for (const auto& score : level.radScores) {
        addOnce(families, score.family == ScoreFamily::linear ? "linear rad-score" : radScoreFamilyDescription(score));
    }
    return "logistic nomogram over " + (families.empty() ? std::string("clinical covariates") : joined(families));
}

std::string inputLabel(const ModelInput& input) {
    if (!input.radScore.empty()) return "rad-score " + input.radScore;
    if (!input.covariate.empty()) return input.level.empty() ? input.covariate : input.covariate + "=" + input.level;
    return input.roi + "/" + (input.view.empty() ? "*" : input.view) + "/" + input.feature;
}

ModelScore scoreModel(const Model& model, const FeatureLookup& lookup, const ClinicalValues& clinical) {
    ModelScore score;
    score.modelName = model.name;
    score.modelVersion = model.version;
    score.threshold = model.first.thresholds.empty() ? 0.5 : model.first.thresholds.front().value;
    Evaluation first{lookup, clinical, {}, {}, {}, {}, {}};
    const auto level = scoreLevel(model.first, first);
    score.inputsUsed = first.inputsUsed;
    score.inputsMissing = first.inputsMissing;
    score.covariatesUsed = first.covariatesUsed;
    score.covariatesMissing = first.covariatesMissing;
    if (!level) {
        score.reason = missingReason(first);
        return score;
    }
    score.scored = true;
    score.radScores = level->radScores;
    score.radScore = level->radScores.empty() ? level->linearPredictor : level->radScores.front().value;
    score.probability = level->probability;
    score.threshold = level->threshold;
    score.predictedClass = level->predictedClass;
    score.thresholds = level->thresholds;
    if (model.secondLevel && score.predictedClass == model.first.positiveClass) {
        Evaluation second{lookup, clinical, {}, {}, {}, {}, {}};
        score.secondLevel = scoreLevel(*model.secondLevel, second);
        for (const auto& item : second.inputsUsed) addOnce(score.inputsUsed, item);
        for (const auto& item : second.inputsMissing) addOnce(score.inputsMissing, item);
        for (const auto& item : second.covariatesUsed) addOnce(score.covariatesUsed, item);
        for (const auto& item : second.covariatesMissing) addOnce(score.covariatesMissing, item);
        // The first level stands on its own; the second is reported as not scored.
        if (!score.secondLevel) score.reason = "second level not scored: " + missingReason(second);
    }
    return score;
}

ModelScore scoreWithFallback(const Model& model, const std::vector<Model>& models, const FeatureLookup& lookup,
                             const ClinicalValues& clinical) {
    std::set<std::string> visited;
    return scoreWithFallbackVisited(model, models, lookup, clinical, visited);
}

std::vector<const Model*> primaryModels(const std::vector<Model>& models) {
    std::set<std::string> fallbacks;
    for (const auto& model : models) {
        if (!model.fallbackModel.empty()) fallbacks.insert(model.fallbackModel);
    }
    std::vector<const Model*> primary;
    for (const auto& model : models) {
        if (!fallbacks.count(model.name)) primary.push_back(&model);
    }
    return primary;
}

double probabilitySpread(const ModelScore& score) {
    if (!score.scored || !score.probabilityEroded || !score.probabilityDilated) return 0.0;
    const double low = std::min({score.probability, *score.probabilityEroded, *score.probabilityDilated});
    const double high = std::max({score.probability, *score.probabilityEroded, *score.probabilityDilated});
    return high - low;
}

void applyRobustness(ModelScore& original, const ModelScore& eroded, const ModelScore& dilated) {
    if (!original.scored || !eroded.scored || !dilated.scored) return; // not assessed
    original.probabilityEroded = eroded.probability;
    original.probabilityDilated = dilated.probability;
    const auto secondClass = [](const ModelScore& score) {
        return score.secondLevel ? score.secondLevel->predictedClass : std::string();
    };
    bool flips = false;
    for (const ModelScore* other : {&eroded, &dilated}) {
        if (other->predictedClass != original.predictedClass || secondClass(*other) != secondClass(original)) {
            flips = true;
        }
    }
    original.unstable = flips;
    if (flips) addOnce(original.flags, "unstable");
}

std::vector<ModelInput> featureInputs(const Model& model) {
    std::vector<ModelInput> inputs;
    std::set<std::string> seen;
    const auto addLevel = [&](const ModelLevel& level) {
        std::vector<const RadScore*> scores;
        for (const auto& score : level.radScores) scores.push_back(&score);
        if (level.nomogram) scores.push_back(&*level.nomogram);
        for (const RadScore* score : scores) {
            for (const auto& input : score->inputs) {
                if (input.feature.empty() || !seen.insert(inputLabel(input)).second) continue;
                inputs.push_back(input);
            }
        }
    };
    addLevel(model.first);
    if (model.secondLevel) addLevel(*model.secondLevel);
    return inputs;
}

} // namespace radnode::analysis
