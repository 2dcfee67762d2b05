#include "analysis/model.h"

#include <algorithm>
#include <cmath>

namespace radnode::analysis {

std::string inputLabel(const ModelInput& input) {
    return input.roi + "/" + (input.view.empty() ? "*" : input.view) + "/" + input.feature;
}

ModelScore scoreModel(const Model& model, const FeatureLookup& lookup) {
    ModelScore score;
    score.modelName = model.name;
    score.modelVersion = model.version;
    score.threshold = model.threshold;
    double radScore = model.intercept;
    for (const auto& input : model.inputs) {
        const auto value = lookup(input.roi, input.view, input.feature);
        if (!value || !std::isfinite(*value)) {
            score.inputsMissing.push_back(inputLabel(input));
            continue;
        }
        double standardised = (*value - input.mean) / input.sd;
        if (input.clipLow) standardised = std::max(standardised, *input.clipLow);
        if (input.clipHigh) standardised = std::min(standardised, *input.clipHigh);
        radScore += input.coefficient * standardised;
        score.inputsUsed.push_back(inputLabel(input));
    }
    if (!score.inputsMissing.empty()) {
        score.reason = "missing inputs: ";
        for (std::size_t i = 0; i < score.inputsMissing.size(); ++i) {
            score.reason += (i ? ", " : "") + score.inputsMissing[i];
        }
        return score;
    }
    score.scored = true;
    score.radScore = radScore;
    score.probability = 1.0 / (1.0 + std::exp(-radScore));
    score.predictedClass = score.probability >= model.threshold ? model.positiveClass : model.negativeClass;
    return score;
}

} // namespace radnode::analysis
