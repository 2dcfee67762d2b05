#include "analysis/boosted_trees.h"

#include <xgboost/c_api.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>

namespace radnode::analysis {

namespace {

// XGBoost's logloss metric keeps probabilities this far from 0 and 1.
constexpr double kProbabilityClip = 1e-16;

void check(int status, const std::string& context) {
    if (status != 0) throw std::runtime_error("boosted trees: " + context + ": " + xgboostLastError());
}

std::string number(double value) {
    std::ostringstream text;
    text.precision(17);
    text << value;
    return text.str();
}

void checkInputs(const Eigen::MatrixXd& x, const std::vector<int>& labels, const std::vector<int>& folds,
                 const BoostedTreesParameters& parameters) {
    const auto cases = static_cast<std::size_t>(x.rows());
    if (labels.size() != cases || folds.size() != cases) {
        throw std::invalid_argument("boosted trees: " + std::to_string(cases) + " rows of features, " +
                                    std::to_string(labels.size()) + " labels and " + std::to_string(folds.size()) +
                                    " fold numbers");
    }
    if (x.cols() == 0) throw std::invalid_argument("boosted trees: no features");
    if (!x.allFinite()) throw std::invalid_argument("boosted trees: a feature value is not finite");
    for (const int label : labels) {
        if (label != 0 && label != 1) throw std::invalid_argument("boosted trees: labels must be 0 or 1");
    }
    for (const int fold : folds) {
        if (fold < 0) throw std::invalid_argument("boosted trees: negative fold number");
    }
    if (parameters.maxRounds < 1) throw std::invalid_argument("boosted trees: maxRounds must be at least 1");
    if (parameters.earlyStoppingRounds < 1) {
        throw std::invalid_argument("boosted trees: earlyStoppingRounds must be at least 1");
    }
}

// The cases of one training or validation set, as an XGBoost DMatrix with labels; freed on
// scope exit.
class LabelledMatrix {
public:
    LabelledMatrix(const Eigen::MatrixXd& x, const std::vector<int>& labels, const std::vector<std::size_t>& rows)
        : labels_(rows.size()) {
        std::vector<float> values;
        values.reserve(rows.size() * static_cast<std::size_t>(x.cols()));
        for (std::size_t i = 0; i < rows.size(); ++i) {
            const auto row = static_cast<Eigen::Index>(rows[i]);
            for (Eigen::Index j = 0; j < x.cols(); ++j) values.push_back(static_cast<float>(x(row, j)));
            labels_[i] = static_cast<float>(labels[rows[i]]);
        }
        check(XGDMatrixCreateFromMat(values.data(), rows.size(), static_cast<bst_ulong>(x.cols()),
                                     std::numeric_limits<float>::quiet_NaN(), &handle_),
              "building a matrix of " + std::to_string(rows.size()) + " cases");
        const int status = XGDMatrixSetFloatInfo(handle_, "label", labels_.data(), labels_.size());
        if (status != 0) {
            XGDMatrixFree(handle_);
            check(status, "setting labels");
        }
    }
    ~LabelledMatrix() { XGDMatrixFree(handle_); }
    LabelledMatrix(const LabelledMatrix&) = delete;
    LabelledMatrix& operator=(const LabelledMatrix&) = delete;

    DMatrixHandle get() const { return handle_; }
    const std::vector<float>& labels() const { return labels_; }

private:
    DMatrixHandle handle_ = nullptr;
    std::vector<float> labels_;
};

// A booster being trained on one matrix, with the parameters of BoostedTreesParameters.
class TrainingBooster {
public:
    TrainingBooster(const LabelledMatrix& train, const LabelledMatrix* validation, const BoostedTreesParameters& p) {
        // Both matrices cached in the booster, so each round's prediction adds only the new tree.
        DMatrixHandle cached[2] = {train.get(), validation ? validation->get() : nullptr};
        check(XGBoosterCreate(cached, validation ? 2 : 1, &handle_), "creating a booster");
        try {
            double positives = 0;
            for (const float label : train.labels()) positives += label;
            const double negatives = static_cast<double>(train.labels().size()) - positives;
            if (positives == 0 || negatives == 0) {
                throw std::invalid_argument("boosted trees: a training set (all folds but one) holds one class only");
            }
            // verbosity first: XGBoost's console messages stay off for this booster.
            set("verbosity", "0");
            set("objective", "binary:logistic");
            set("eval_metric", "logloss");
            set("max_depth", std::to_string(p.maxDepth));
            set("eta", number(p.learningRate));
            set("subsample", number(p.subsample));
            set("colsample_bytree", number(p.columnSample));
            set("min_child_weight", number(p.minChildWeight));
            set("lambda", number(p.lambda));
            set("scale_pos_weight", number(p.balancedClassWeights ? negatives / positives : 1.0));
            // XGBoost's seed is a signed integer; 31 bits of ours keep it one on every platform.
            set("seed", std::to_string(p.seed % 2147483648u));
            // Reseeded every round from (seed, round), so the row and column samples of one
            // booster do not depend on the other folds' boosters trained in turn on this thread.
            set("seed_per_iteration", "1");
            // Exact greedy splits on one thread: the same trees on every machine and every run.
            set("tree_method", "exact");
            set("nthread", "1");
        } catch (...) {
            XGBoosterFree(handle_);
            throw;
        }
    }
    ~TrainingBooster() { XGBoosterFree(handle_); }
    TrainingBooster(const TrainingBooster&) = delete;
    TrainingBooster& operator=(const TrainingBooster&) = delete;

    void boostRound(int round, const LabelledMatrix& train) {
        check(XGBoosterUpdateOneIter(handle_, round, train.get()), "boosting round " + std::to_string(round + 1));
    }

    // Probabilities from the first `rounds` rounds (0: all).
    std::vector<float> probabilities(const LabelledMatrix& cases, int rounds) const {
        const std::string config = "{\"type\":0,\"training\":false,\"iteration_begin\":0,\"iteration_end\":" +
                                   std::to_string(rounds) + ",\"strict_shape\":false}";
        const bst_ulong* shape = nullptr;
        bst_ulong dimensions = 0;
        const float* result = nullptr;
        check(XGBoosterPredictFromDMatrix(handle_, cases.get(), config.c_str(), &shape, &dimensions, &result),
              "predicting");
        return std::vector<float>(result, result + cases.labels().size());
    }

    std::string json() const {
        bst_ulong length = 0;
        const char* bytes = nullptr;
        check(XGBoosterSaveModelToBuffer(handle_, "{\"format\":\"json\"}", &length, &bytes), "writing the booster");
        return std::string(bytes, length);
    }

private:
    void set(const char* name, const std::string& value) {
        check(XGBoosterSetParam(handle_, name, value.c_str()), std::string("parameter ") + name + " = " + value);
    }

    BoosterHandle handle_ = nullptr;
};

double logLoss(const std::vector<float>& probabilities, const std::vector<float>& labels) {
    double sum = 0.0;
    for (std::size_t i = 0; i < labels.size(); ++i) {
        const double p = std::clamp(static_cast<double>(probabilities[i]), kProbabilityClip, 1.0 - kProbabilityClip);
        sum -= labels[i] > 0.5f ? std::log(p) : std::log(1.0 - p);
    }
    return sum / static_cast<double>(labels.size());
}

// One cross-validation fold: trained on the other folds, evaluated on its own cases.
struct Fold {
    std::vector<std::size_t> validationRows;
    std::unique_ptr<LabelledMatrix> train, validation;
    std::unique_ptr<TrainingBooster> booster;
};

} // namespace

BoostedTreesFit trainBoostedTrees(const Eigen::MatrixXd& x, const std::vector<int>& labels,
                                  const std::vector<int>& folds, const BoostedTreesParameters& parameters) {
    checkInputs(x, labels, folds, parameters);
    const std::size_t cases = labels.size();
    const int foldCount = *std::max_element(folds.begin(), folds.end()) + 1;

    std::vector<Fold> cv;
    for (int k = 0; k < foldCount; ++k) {
        std::vector<std::size_t> trainRows;
        Fold fold;
        for (std::size_t i = 0; i < cases; ++i) (folds[i] == k ? fold.validationRows : trainRows).push_back(i);
        if (fold.validationRows.empty()) continue; // fold numbers need not be contiguous
        if (trainRows.empty()) throw std::invalid_argument("boosted trees: needs at least two folds");
        fold.train = std::make_unique<LabelledMatrix>(x, labels, trainRows);
        fold.validation = std::make_unique<LabelledMatrix>(x, labels, fold.validationRows);
        fold.booster = std::make_unique<TrainingBooster>(*fold.train, fold.validation.get(), parameters);
        cv.push_back(std::move(fold));
    }

    // Rounds in lockstep over the folds, as xgb.cv runs them: the plain mean of the folds'
    // held-out log loss per round; stop once it has not improved for earlyStoppingRounds.
    BoostedTreesFit fit;
    double bestLoss = std::numeric_limits<double>::infinity();
    int bestRound = 0;
    for (int round = 0; round < parameters.maxRounds; ++round) {
        double lossSum = 0.0;
        for (Fold& fold : cv) {
            fold.booster->boostRound(round, *fold.train);
            lossSum += logLoss(fold.booster->probabilities(*fold.validation, 0), fold.validation->labels());
        }
        const double meanLoss = lossSum / static_cast<double>(cv.size());
        fit.meanValidationLogLoss.push_back(meanLoss);
        if (meanLoss < bestLoss) {
            bestLoss = meanLoss;
            bestRound = round;
        } else if (round - bestRound >= parameters.earlyStoppingRounds) {
            break;
        }
    }
    fit.chosenRounds = bestRound + 1;

    fit.outOfFoldProbabilities.assign(cases, 0.0);
    for (const Fold& fold : cv) {
        const std::vector<float> p = fold.booster->probabilities(*fold.validation, fit.chosenRounds);
        for (std::size_t i = 0; i < p.size(); ++i) fit.outOfFoldProbabilities[fold.validationRows[i]] = p[i];
    }

    std::vector<std::size_t> allRows(cases);
    for (std::size_t i = 0; i < cases; ++i) allRows[i] = i;
    const LabelledMatrix all(x, labels, allRows);
    TrainingBooster refit(all, nullptr, parameters);
    for (int round = 0; round < fit.chosenRounds; ++round) refit.boostRound(round, all);
    // Through XGBoost's JSON, so the booster returned is exactly the one a model file will load.
    fit.booster = BoostedTrees::loadJson(refit.json(), static_cast<std::size_t>(x.cols()));
    return fit;
}

} // namespace radnode::analysis
