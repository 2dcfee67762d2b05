#include "analysis/training.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace radnode::analysis {

namespace {

std::string fixed(double value, int digits) {
    char text[64];
    std::snprintf(text, sizeof text, "%.*f", digits, value);
    return text;
}

std::string general(double value) {
    char text[64];
    std::snprintf(text, sizeof text, "%.3g", value);
    return text;
}

std::vector<double> columnValues(const Eigen::MatrixXd& x, std::size_t j) {
    const Eigen::VectorXd c = x.col(static_cast<Eigen::Index>(j));
    return {c.data(), c.data() + c.size()};
}

void checkData(const TrainingData& data, const TrainingSettings& settings) {
    const auto cases = static_cast<std::size_t>(data.features.rows());
    if (data.labels.size() != cases) {
        throw std::invalid_argument("training: " + std::to_string(cases) + " rows of features but " +
                                    std::to_string(data.labels.size()) + " labels");
    }
    if (data.featureNames.size() != static_cast<std::size_t>(data.features.cols())) {
        throw std::invalid_argument("training: feature names and columns differ in number");
    }
    if (!data.repeatCases.empty() &&
        (data.repeatFeatures.rows() != static_cast<Eigen::Index>(data.repeatCases.size()) ||
         data.repeatFeatures.cols() != data.features.cols())) {
        throw std::invalid_argument("training: the repeated segmentations need one row per repeated case and the same columns");
    }
    for (const std::size_t c : data.repeatCases) {
        if (c >= cases) throw std::invalid_argument("training: a repeated case is out of range");
    }
    if (settings.folds < 2) throw std::invalid_argument("training: at least 2 folds are needed");
    if (!(settings.iccThreshold <= 1)) throw std::invalid_argument("training: the ICC threshold must be at most 1");
    if (!(settings.pThreshold > 0 && settings.pThreshold <= 1)) throw std::invalid_argument("training: the p threshold must be in (0, 1]");
    if (!(settings.correlationThreshold > 0 && settings.correlationThreshold <= 1)) {
        throw std::invalid_argument("training: the correlation threshold must be in (0, 1]");
    }
}

// Why the MI filter dropped column k: the first kept, more relevant column it shares more
// than the threshold of the smaller entropy with ("MI 0.93 of the smaller entropy with NAME").
std::string mutualInformationReason(const Eigen::MatrixXd& x, const std::vector<int>& labels, std::size_t k,
                                    const std::vector<std::size_t>& kept, const MutualInformationSettings& settings,
                                    const std::vector<std::string>& names, const std::vector<std::size_t>& columns) {
    const auto bins = [&](std::size_t j) { return equalFrequencyBins(columnValues(x, j), settings.bins); };
    const std::vector<int> mine = bins(k);
    const double myEntropy = mutualInformation(mine, mine);
    if (!(myEntropy > 0)) return "MI: a single bin of " + std::to_string(settings.bins);
    const double myRelevance = mutualInformation(mine, labels);
    for (const std::size_t other : kept) {
        const std::vector<int> theirs = bins(other);
        const double smaller = std::min(myEntropy, mutualInformation(theirs, theirs));
        const double shared = mutualInformation(mine, theirs);
        if (mutualInformation(theirs, labels) >= myRelevance && shared > settings.redundancyThreshold * smaller) {
            return "MI " + fixed(shared / smaller, 2) + " of the smaller entropy with " + names[columns[other]];
        }
    }
    return "MI redundant";
}

} // namespace

TrainingResult trainRadiomicsModel(const TrainingData& data, const TrainingSettings& settings) {
    checkData(data, settings);
    TrainingResult result;
    const auto featureCount = static_cast<std::size_t>(data.features.cols());
    for (const auto& name : data.featureNames) result.decisions.push_back(FeatureDecision{name, std::nullopt, 1.0, "", 0.0});

    // 1. Constant or non-finite features carry nothing (and break the tests below).
    std::vector<std::size_t> remaining;
    for (std::size_t j = 0; j < featureCount; ++j) {
        const auto column = data.features.col(static_cast<Eigen::Index>(j));
        if (!column.allFinite()) {
            result.decisions[j].dropped = "missing or non-finite values";
        } else if (column.maxCoeff() == column.minCoeff()) {
            result.decisions[j].dropped = "constant";
        } else {
            remaining.push_back(j);
        }
    }

    // 2. Reproducibility between repeated segmentations.
    if (!data.repeatCases.empty()) {
        std::vector<std::size_t> reproducible;
        const auto repeats = static_cast<Eigen::Index>(data.repeatCases.size());
        for (const std::size_t j : remaining) {
            Eigen::MatrixXd readings(repeats, 2);
            for (Eigen::Index r = 0; r < repeats; ++r) {
                readings(r, 0) = data.features(static_cast<Eigen::Index>(data.repeatCases[static_cast<std::size_t>(r)]),
                                               static_cast<Eigen::Index>(j));
                readings(r, 1) = data.repeatFeatures(r, static_cast<Eigen::Index>(j));
            }
            if (!readings.allFinite()) {
                result.decisions[j].dropped = "missing values in the repeated segmentation";
                continue;
            }
            const IntraclassCorrelation icc = intraclassCorrelation(readings);
            const double value = settings.iccForm == IccForm::twoWayRandomAbsolute ? icc.icc21 : icc.icc31;
            result.decisions[j].icc = value;
            if (value >= settings.iccThreshold) {
                reproducible.push_back(j);
            } else {
                result.decisions[j].dropped = "ICC " + fixed(value, 2) + " < " + fixed(settings.iccThreshold, 2);
            }
        }
        remaining = reproducible;
        if (remaining.empty()) {
            throw std::runtime_error("no feature has ICC >= " + fixed(settings.iccThreshold, 2) +
                                     " between the repeated segmentations");
        }
    }

    // 3. Univariate association with the outcome.
    std::vector<std::size_t> associated;
    std::vector<double> pValues;
    for (const std::size_t j : remaining) {
        const std::vector<double> values = columnValues(data.features, j);
        const double p = settings.univariate == UnivariateMethod::mannWhitney ? mannWhitneyTest(values, data.labels).pValue
                                                                               : anovaTest(values, data.labels).pValue;
        result.decisions[j].pValue = p;
        if (p < settings.pThreshold || settings.pThreshold >= 1) {
            associated.push_back(j);
            pValues.push_back(p);
        } else {
            result.decisions[j].dropped = "univariate p " + general(p) + " >= " + general(settings.pThreshold);
        }
    }
    if (associated.empty()) {
        throw std::runtime_error("no feature has a univariate p below " + general(settings.pThreshold) +
                                 " against the outcome");
    }

    // 4. Redundancy: of correlated features keep the one with the smaller p.
    Eigen::MatrixXd associatedValues(data.features.rows(), static_cast<Eigen::Index>(associated.size()));
    for (std::size_t k = 0; k < associated.size(); ++k) {
        associatedValues.col(static_cast<Eigen::Index>(k)) = data.features.col(static_cast<Eigen::Index>(associated[k]));
    }
    const bool byMutualInformation = settings.redundancy == RedundancyMethod::mutualInformation;
    const std::vector<std::size_t> distinct =
        byMutualInformation ? removeRedundantByMutualInformation(associatedValues, data.labels, settings.mutualInformation)
                            : removeRedundantFeatures(associatedValues, pValues, settings.correlationThreshold,
                                                      settings.correlationMethod);
    for (std::size_t k = 0; k < associated.size(); ++k) {
        if (std::find(distinct.begin(), distinct.end(), k) != distinct.end()) {
            result.candidates.push_back(associated[k]);
            continue;
        }
        if (byMutualInformation) {
            result.decisions[associated[k]].dropped = mutualInformationReason(associatedValues, data.labels, k, distinct,
                                                                              settings.mutualInformation, data.featureNames,
                                                                              associated);
            continue;
        }
        // Name the kept feature it duplicates, for the report.
        for (const std::size_t kept : distinct) {
            const double r = correlation(columnValues(associatedValues, k), columnValues(associatedValues, kept),
                                         settings.correlationMethod);
            if (std::abs(r) > settings.correlationThreshold && pValues[kept] <= pValues[k]) {
                result.decisions[associated[k]].dropped =
                    "|r| " + fixed(std::abs(r), 2) + " with " + data.featureNames[associated[kept]];
                break;
            }
        }
    }

    // 5. LASSO with cross-validation on the candidates.
    Eigen::MatrixXd candidates(data.features.rows(), static_cast<Eigen::Index>(result.candidates.size()));
    for (std::size_t k = 0; k < result.candidates.size(); ++k) {
        candidates.col(static_cast<Eigen::Index>(k)) = data.features.col(static_cast<Eigen::Index>(result.candidates[k]));
    }
    const std::vector<int> folds = stratifiedFolds(data.labels, settings.folds, settings.seed);
    result.cv = crossValidateLasso(candidates, data.labels, folds, settings.lasso);
    result.lambdaIndex = settings.lambda == LambdaChoice::min ? result.cv.indexMin : result.cv.index1se;
    const LassoFit& chosen = result.cv.path.fits[result.lambdaIndex];
    result.lambda = chosen.lambda;

    std::vector<std::size_t> kept; // indices into the candidates
    for (Eigen::Index k = 0; k < chosen.standardisedCoefficients.size(); ++k) {
        if (chosen.standardisedCoefficients[k] != 0) kept.push_back(static_cast<std::size_t>(k));
    }
    for (std::size_t k = 0; k < result.candidates.size(); ++k) {
        if (std::find(kept.begin(), kept.end(), k) == kept.end()) {
            result.decisions[result.candidates[k]].dropped = "LASSO coefficient 0 at lambda " + general(chosen.lambda);
        }
    }
    if (kept.empty()) {
        throw std::runtime_error("LASSO keeps no feature at lambda " + general(chosen.lambda) + " (" +
                                 (settings.lambda == LambdaChoice::min ? "lambda.min" : "lambda.1se") +
                                 "): the candidates do not predict the outcome in cross-validation");
    }

    result.intercept = chosen.standardisedIntercept;
    for (const std::size_t k : kept) {
        result.selected.push_back(result.candidates[k]);
        result.coefficients.push_back(chosen.standardisedCoefficients[static_cast<Eigen::Index>(k)]);
        result.means.push_back(result.cv.path.mean[static_cast<Eigen::Index>(k)]);
        result.sds.push_back(result.cv.path.sd[static_cast<Eigen::Index>(k)]);
    }
    if (settings.final == FinalCoefficients::refit) {
        Eigen::MatrixXd standardised(data.features.rows(), static_cast<Eigen::Index>(kept.size()));
        for (std::size_t s = 0; s < kept.size(); ++s) {
            standardised.col(static_cast<Eigen::Index>(s)) =
                (candidates.col(static_cast<Eigen::Index>(kept[s])).array() - result.means[s]) / result.sds[s];
        }
        LogisticFit refit = fitLogistic(standardised, data.labels);
        if (!refit.converged) {
            throw std::runtime_error("the logistic refit on the " + std::to_string(kept.size()) +
                                     " LASSO features does not converge (separated outcomes?); keep the LASSO coefficients");
        }
        result.intercept = refit.intercept;
        for (std::size_t s = 0; s < kept.size(); ++s) result.coefficients[s] = refit.coefficients[static_cast<Eigen::Index>(s)];
        result.refit = std::move(refit);
    }
    for (std::size_t s = 0; s < result.selected.size(); ++s) result.decisions[result.selected[s]].coefficient = result.coefficients[s];

    // 6. How well the LASSO at this lambda predicts cases it did not see.
    const Eigen::VectorXd outOfFold = result.cv.outOfFoldLinearPredictor.col(static_cast<Eigen::Index>(result.lambdaIndex));
    std::vector<double> probabilities(static_cast<std::size_t>(outOfFold.size()));
    for (Eigen::Index i = 0; i < outOfFold.size(); ++i) probabilities[static_cast<std::size_t>(i)] = 1.0 / (1.0 + std::exp(-outOfFold[i]));
    result.crossValidatedAuc = delongAuc(probabilities, data.labels);
    const double youden = youdenCutoff(rocCurve(probabilities, data.labels)).threshold;
    result.youdenThreshold = youden > 0 && youden < 1 ? youden : 0.5; // +-inf when no cut-off separates better than all-or-none
    return result;
}

} // namespace radnode::analysis
