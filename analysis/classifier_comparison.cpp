#include "analysis/classifier_comparison.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <stdexcept>

namespace radnode::analysis {

namespace {

std::string general(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.4g", value);
    return text;
}

ClassificationMetrics metricsOf(const std::vector<double>& probabilities, const std::vector<int>& labels, double threshold) {
    const ThresholdMetrics at = metricsAtThreshold(probabilities, labels, threshold);
    ClassificationMetrics metrics;
    metrics.cases = labels.size();
    metrics.events = static_cast<std::size_t>(std::count(labels.begin(), labels.end(), 1));
    metrics.sensitivity = at.sensitivity;
    metrics.specificity = at.specificity;
    metrics.accuracy = at.accuracy;
    metrics.auc = delongAuc(probabilities, labels);
    return metrics;
}

void checkData(const ComparisonData& data) {
    const auto cases = static_cast<std::size_t>(data.training.rows());
    if (data.labels.size() != cases || data.folds.size() != cases) {
        throw std::invalid_argument("classifier comparison: " + std::to_string(cases) + " training cases but " +
                                    std::to_string(data.labels.size()) + " labels and " + std::to_string(data.folds.size()) +
                                    " fold numbers");
    }
    if (data.training.cols() == 0) throw std::invalid_argument("classifier comparison: no feature columns");
    if (data.heldOut.rows() > 0 && data.heldOut.cols() != data.training.cols()) {
        throw std::invalid_argument("classifier comparison: the held-out cases have other columns than the training cases");
    }
    if (static_cast<std::size_t>(data.heldOut.rows()) != data.heldOutLabels.size()) {
        throw std::invalid_argument("classifier comparison: held-out cases and labels differ in number");
    }
    if (std::set<int>(data.folds.begin(), data.folds.end()).size() < 2) {
        throw std::invalid_argument("classifier comparison: at least 2 folds are needed");
    }
}

// Rows of x whose fold is (inFold) or is not (!inFold) the given one, with their labels.
struct Subset {
    Eigen::MatrixXd x;
    std::vector<int> labels;
    std::vector<std::size_t> rows;
};

Subset foldSubset(const ComparisonData& data, int fold, bool inFold) {
    Subset subset;
    for (std::size_t i = 0; i < data.folds.size(); ++i) {
        if ((data.folds[i] == fold) == inFold) subset.rows.push_back(i);
    }
    subset.x.resize(static_cast<Eigen::Index>(subset.rows.size()), data.training.cols());
    for (std::size_t r = 0; r < subset.rows.size(); ++r) {
        subset.x.row(static_cast<Eigen::Index>(r)) = data.training.row(static_cast<Eigen::Index>(subset.rows[r]));
        subset.labels.push_back(data.labels[subset.rows[r]]);
    }
    return subset;
}

std::vector<int> foldNumbers(const ComparisonData& data) {
    const std::set<int> folds(data.folds.begin(), data.folds.end());
    return {folds.begin(), folds.end()};
}

std::vector<double> logisticProbabilities(const LogisticFit& fit, const Eigen::MatrixXd& x) {
    std::vector<double> probabilities;
    for (Eigen::Index i = 0; i < x.rows(); ++i) {
        const double eta = fit.intercept + x.row(i).dot(fit.coefficients);
        probabilities.push_back(1.0 / (1.0 + std::exp(-eta)));
    }
    return probabilities;
}

std::vector<double> svmProbabilities(const SvmClassifier& svm, const Eigen::MatrixXd& x) {
    std::vector<double> probabilities;
    for (Eigen::Index i = 0; i < x.rows(); ++i) {
        const Eigen::VectorXd row = x.row(i).transpose();
        probabilities.push_back(svmProbability(svm, svmDecisionValue(svm, std::vector<double>(row.data(), row.data() + row.size()))));
    }
    return probabilities;
}

std::vector<double> boosterProbabilities(const BoostedTrees& booster, const Eigen::MatrixXd& x) {
    std::vector<std::vector<float>> rows;
    for (Eigen::Index i = 0; i < x.rows(); ++i) {
        std::vector<float> row;
        for (Eigen::Index j = 0; j < x.cols(); ++j) row.push_back(static_cast<float>(x(i, j)));
        rows.push_back(row);
    }
    std::vector<double> probabilities;
    if (rows.empty()) return probabilities;
    for (const float p : booster.probabilities(rows)) probabilities.push_back(p);
    return probabilities;
}

FamilyComparison fitLogisticFamily(const ComparisonData& data) {
    const LogisticFit all = fitLogistic(data.training, data.labels);
    if (!all.converged) {
        throw std::runtime_error("logistic: the fit on " + std::to_string(data.training.cols()) +
                                 " features does not converge (separated classes or collinear features)");
    }
    FamilyPredictions predictions;
    predictions.training = logisticProbabilities(all, data.training);
    predictions.outOfFold.assign(data.labels.size(), 0.0);
    for (const int fold : foldNumbers(data)) {
        const Subset train = foldSubset(data, fold, false);
        const Subset test = foldSubset(data, fold, true);
        const LogisticFit fit = fitLogistic(train.x, train.labels);
        if (!fit.converged) {
            throw std::runtime_error("logistic: the fit without fold " + std::to_string(fold + 1) + " does not converge");
        }
        const std::vector<double> p = logisticProbabilities(fit, test.x);
        for (std::size_t r = 0; r < test.rows.size(); ++r) predictions.outOfFold[test.rows[r]] = p[r];
    }
    if (data.heldOut.rows() > 0) predictions.heldOut = logisticProbabilities(all, data.heldOut);
    FamilyComparison result = evaluateFamily(ClassifierFamily::logistic, predictions, data.labels, data.heldOutLabels);
    result.fitted = "unpenalised, " + std::to_string(data.training.cols()) + " features";
    result.logistic = all;
    return result;
}

FamilyComparison fitSvmFamily(ClassifierFamily family, const ComparisonData& data, const ComparisonSettings& settings) {
    SvmParameters base = settings.svm;
    base.kernel = family == ClassifierFamily::svmLinear ? SvmKernel::linear : SvmKernel::rbf;
    base.probability = true;
    const SvmSelection selection = chooseSvmByCrossValidation(data.training, data.labels, data.folds, base, settings.svmGrid);
    // The out-of-fold probabilities come from Platt-scaled fits without each fold at the chosen
    // point (as scikit-learn's cross_val_predict of an SVC would give them), so the validation
    // metrics and the threshold are on the same probability scale as the final model's.
    FamilyPredictions predictions;
    predictions.training = svmProbabilities(selection.classifier, data.training);
    predictions.outOfFold.assign(data.labels.size(), 0.0);
    for (const int fold : foldNumbers(data)) {
        const Subset train = foldSubset(data, fold, false);
        const Subset test = foldSubset(data, fold, true);
        const std::vector<double> p = svmProbabilities(trainSvm(train.x, train.labels, selection.chosen), test.x);
        for (std::size_t r = 0; r < test.rows.size(); ++r) predictions.outOfFold[test.rows[r]] = p[r];
    }
    if (data.heldOut.rows() > 0) predictions.heldOut = svmProbabilities(selection.classifier, data.heldOut);
    FamilyComparison result = evaluateFamily(family, predictions, data.labels, data.heldOutLabels);
    result.fitted = "C " + general(selection.chosen.cost) +
                    (base.kernel == SvmKernel::rbf ? ", gamma " + general(selection.classifier.gamma) : std::string()) + ", " +
                    std::to_string(selection.classifier.supportVectors.size()) + " support vectors";
    result.svm = selection.classifier;
    return result;
}

FamilyComparison fitBoostedTreesFamily(const ComparisonData& data, const ComparisonSettings& settings) {
    const BoostedTreesFit fit = trainBoostedTrees(data.training, data.labels, data.folds, settings.boostedTrees);
    FamilyPredictions predictions;
    predictions.training = boosterProbabilities(fit.booster, data.training);
    predictions.outOfFold = fit.outOfFoldProbabilities;
    if (data.heldOut.rows() > 0) predictions.heldOut = boosterProbabilities(fit.booster, data.heldOut);
    FamilyComparison result = evaluateFamily(ClassifierFamily::boostedTrees, predictions, data.labels, data.heldOutLabels);
    result.fitted = std::to_string(fit.chosenRounds) + " rounds, depth " + std::to_string(settings.boostedTrees.maxDepth) +
                    ", eta " + general(settings.boostedTrees.learningRate);
    result.booster = fit.booster;
    return result;
}

} // namespace

std::string classifierFamilyName(ClassifierFamily family) {
    switch (family) {
    case ClassifierFamily::logistic: return "logistic";
    case ClassifierFamily::svmLinear: return "svm-linear";
    case ClassifierFamily::svmRbf: return "svm-rbf";
    case ClassifierFamily::boostedTrees: return "boosted-trees";
    }
    return "unknown";
}

std::optional<ClassifierFamily> parseClassifierFamily(const std::string& name) {
    for (const auto family : {ClassifierFamily::logistic, ClassifierFamily::svmLinear, ClassifierFamily::svmRbf,
                              ClassifierFamily::boostedTrees}) {
        if (classifierFamilyName(family) == name) return family;
    }
    return std::nullopt;
}

FamilyComparison evaluateFamily(ClassifierFamily family, FamilyPredictions predictions, const std::vector<int>& labels,
                                const std::vector<int>& heldOutLabels) {
    const std::string name = classifierFamilyName(family);
    if (predictions.training.size() != labels.size() || predictions.outOfFold.size() != labels.size()) {
        throw std::invalid_argument(name + ": " + std::to_string(labels.size()) + " training labels but " +
                                    std::to_string(predictions.training.size()) + " training and " +
                                    std::to_string(predictions.outOfFold.size()) + " out-of-fold predictions");
    }
    if (predictions.heldOut.size() != heldOutLabels.size()) {
        throw std::invalid_argument(name + ": " + std::to_string(heldOutLabels.size()) + " held-out labels but " +
                                    std::to_string(predictions.heldOut.size()) + " predictions");
    }
    FamilyComparison result;
    result.family = family;
    // Papers fix the cut-off on the training set and carry it to validation; +-inf (no cut-off
    // better than calling every case alike) is replaced by 0.5, as training does.
    const double youden = youdenCutoff(rocCurve(predictions.training, labels)).threshold;
    result.threshold = youden > 0 && youden < 1 ? youden : 0.5;
    result.training = metricsOf(predictions.training, labels, result.threshold);
    result.crossValidated = metricsOf(predictions.outOfFold, labels, result.threshold);
    if (!heldOutLabels.empty()) result.heldOut = metricsOf(predictions.heldOut, heldOutLabels, result.threshold);
    result.predictions = std::move(predictions);
    return result;
}

FamilyComparison fitFamily(ClassifierFamily family, const ComparisonData& data, const ComparisonSettings& settings) {
    try {
        checkData(data);
        switch (family) {
        case ClassifierFamily::logistic: return fitLogisticFamily(data);
        case ClassifierFamily::svmLinear:
        case ClassifierFamily::svmRbf: return fitSvmFamily(family, data, settings);
        case ClassifierFamily::boostedTrees: return fitBoostedTreesFamily(data, settings);
        }
    } catch (const std::invalid_argument& error) {
        const std::string what = error.what();
        throw std::invalid_argument(what.rfind(classifierFamilyName(family), 0) == 0 ? what
                                                                                       : classifierFamilyName(family) + ": " + what);
    } catch (const std::runtime_error& error) {
        const std::string what = error.what();
        throw std::runtime_error(what.rfind(classifierFamilyName(family), 0) == 0 ? what : classifierFamilyName(family) + ": " + what);
    }
    throw std::invalid_argument("classifier comparison: unknown family");
}

} // namespace radnode::analysis
