// Training support-vector classifiers with libsvm, oriented and packaged as SvmClassifier.
#include "analysis/svm.h"

#include "analysis/roc.h"

#include <libsvm/svm.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>

namespace radnode::analysis {

namespace {

void discardLibsvmOutput(const char*) {}

void checkTrainingData(const Eigen::MatrixXd& x, const std::vector<int>& labels, const std::string& context) {
    if (x.rows() == 0 || x.cols() == 0) throw std::invalid_argument(context + ": no cases or no features");
    if (static_cast<std::size_t>(x.rows()) != labels.size()) {
        throw std::invalid_argument(context + ": " + std::to_string(x.rows()) + " cases but " +
                                    std::to_string(labels.size()) + " labels");
    }
    std::size_t positives = 0;
    for (std::size_t i = 0; i < labels.size(); ++i) {
        if (labels[i] != 0 && labels[i] != 1) {
            throw std::invalid_argument(context + ": label of case " + std::to_string(i) + " is " +
                                        std::to_string(labels[i]) + ", expected 0 or 1");
        }
        positives += static_cast<std::size_t>(labels[i]);
    }
    if (positives == 0 || positives == labels.size()) {
        throw std::invalid_argument(context + ": needs both classes, all " + std::to_string(labels.size()) +
                                    " cases are " + (positives == 0 ? "0" : "1"));
    }
    for (Eigen::Index i = 0; i < x.rows(); ++i) {
        for (Eigen::Index j = 0; j < x.cols(); ++j) {
            if (!std::isfinite(x(i, j))) {
                throw std::invalid_argument(context + ": value of case " + std::to_string(i) + ", feature " +
                                            std::to_string(j) + " is not finite");
            }
        }
    }
}

// libsvm's svm_problem over rows of x, every feature written out (zeros included, so the
// kernel sums run over the same terms in the same order as scikit-learn's dense libsvm).
class LibsvmProblem {
public:
    LibsvmProblem(const Eigen::MatrixXd& x, const std::vector<int>& labels, const std::vector<Eigen::Index>& rows) {
        const auto features = static_cast<int>(x.cols());
        nodes_.resize(rows.size() * static_cast<std::size_t>(features + 1));
        for (std::size_t r = 0; r < rows.size(); ++r) {
            svm_node* row = &nodes_[r * static_cast<std::size_t>(features + 1)];
            for (int j = 0; j < features; ++j) row[j] = svm_node{j + 1, x(rows[r], j)};
            row[features] = svm_node{-1, 0.0};
            pointers_.push_back(row);
            targets_.push_back(labels[static_cast<std::size_t>(rows[r])]);
        }
        problem_.l = static_cast<int>(rows.size());
        problem_.y = targets_.data();
        problem_.x = pointers_.data();
    }
    LibsvmProblem(const LibsvmProblem&) = delete;
    LibsvmProblem& operator=(const LibsvmProblem&) = delete;

    const svm_problem* get() const { return &problem_; }

private:
    std::vector<svm_node> nodes_;
    std::vector<svm_node*> pointers_;
    std::vector<double> targets_;
    svm_problem problem_{};
};

struct ModelDeleter {
    void operator()(svm_model* model) const { svm_free_and_destroy_model(&model); }
};

// The training rows, negatives first, each class in case order. libsvm groups classes in the
// order their labels first appear; scikit-learn's copy of libsvm sorts them. Presenting the
// negatives first makes both solvers walk the same path to the same solution.
std::vector<Eigen::Index> negativesFirst(const std::vector<int>& labels, const std::vector<Eigen::Index>& rows) {
    std::vector<Eigen::Index> ordered;
    for (int label : {0, 1}) {
        for (Eigen::Index r : rows) {
            if (labels[static_cast<std::size_t>(r)] == label) ordered.push_back(r);
        }
    }
    return ordered;
}

double resolvedGamma(const Eigen::MatrixXd& x, const SvmParameters& parameters) {
    if (parameters.kernel != SvmKernel::rbf) return 0.0;
    return parameters.gamma > 0.0 ? parameters.gamma : svmScaleGamma(x);
}

SvmClassifier trainRows(const Eigen::MatrixXd& x, const std::vector<int>& labels, const std::vector<Eigen::Index>& rows,
                        const SvmParameters& parameters) {
    if (!(parameters.cost > 0.0)) throw std::invalid_argument("SVM cost C must be > 0, is " + std::to_string(parameters.cost));
    if (!(parameters.gamma >= 0.0)) throw std::invalid_argument("SVM gamma must be >= 0, is " + std::to_string(parameters.gamma));
    std::size_t positives = 0;
    for (Eigen::Index r : rows) positives += static_cast<std::size_t>(labels[static_cast<std::size_t>(r)]);
    const std::size_t negatives = rows.size() - positives;

    double negativeWeight = parameters.negativeWeight;
    double positiveWeight = parameters.positiveWeight;
    if (parameters.balancedClassWeights) { // scikit-learn: n_samples / (n_classes * bincount(y))
        negativeWeight = static_cast<double>(rows.size()) / (2.0 * static_cast<double>(negatives));
        positiveWeight = static_cast<double>(rows.size()) / (2.0 * static_cast<double>(positives));
    }
    if (!(negativeWeight > 0.0) || !(positiveWeight > 0.0)) {
        throw std::invalid_argument("SVM class weights must be > 0, are " + std::to_string(negativeWeight) +
                                    " (label 0) and " + std::to_string(positiveWeight) + " (label 1)");
    }
    int weightLabels[2] = {0, 1};
    double weights[2] = {negativeWeight, positiveWeight};

    const LibsvmProblem problem(x, labels, negativesFirst(labels, rows));
    const double gamma = resolvedGamma(x(rows, Eigen::all), parameters); // "scale" over the training rows

    svm_parameter param{};
    param.svm_type = C_SVC;
    param.kernel_type = parameters.kernel == SvmKernel::linear ? LINEAR : RBF;
    param.degree = 3;
    param.gamma = gamma;
    param.coef0 = 0.0;
    param.cache_size = 200.0; // MB, scikit-learn's default; affects speed only
    param.eps = parameters.tolerance;
    param.C = parameters.cost;
    param.nr_weight = 2;
    param.weight_label = weightLabels;
    param.weight = weights;
    param.nu = 0.5;
    param.p = 0.1;
    param.shrinking = parameters.shrinking ? 1 : 0;
    param.probability = parameters.probability ? 1 : 0;
    if (const char* refusal = svm_check_parameter(problem.get(), &param)) {
        throw std::runtime_error(std::string("libsvm refused the SVM parameters: ") + refusal);
    }

    svm_set_print_string_function(&discardLibsvmOutput);
    // libsvm draws the folds of its Platt cross-validation from the C library's rand(), so
    // seeding it right here makes training reproducible (as long as no other thread calls
    // rand() meanwhile). srand takes an unsigned int: the seed's low 32 bits.
    std::srand(static_cast<unsigned>(parameters.seed));
    const std::unique_ptr<svm_model, ModelDeleter> model(svm_train(problem.get(), &param));
    if (!model || model->nr_class != 2 || model->l <= 0) {
        throw std::runtime_error("libsvm returned no two-class model with support vectors");
    }

    // libsvm's decision value is positive for model->label[0]; ours for label 1. With the
    // negatives first, label[0] is 0 and the signs of the coefficients, rho and Platt's B flip:
    // P(1) = 1 - 1/(1 + exp(A d + B)) = 1/(1 + exp(A (-d) - B)).
    const double sign = model->label[0] == 1 ? 1.0 : -1.0;
    SvmClassifier svm;
    svm.kernel = parameters.kernel;
    svm.gamma = gamma;
    svm.rho = sign * model->rho[0];
    for (int i = 0; i < model->l; ++i) {
        std::vector<double> vector(static_cast<std::size_t>(x.cols()), 0.0);
        for (const svm_node* node = model->SV[i]; node->index != -1; ++node) {
            vector[static_cast<std::size_t>(node->index - 1)] = node->value;
        }
        svm.supportVectors.push_back(std::move(vector));
        svm.dualCoefficients.push_back(sign * model->sv_coef[0][i]);
    }
    if (parameters.probability) {
        if (model->probA == nullptr || model->probB == nullptr) throw std::runtime_error("libsvm returned no Platt coefficients");
        svm.plattA = model->probA[0];
        svm.plattB = sign * model->probB[0];
    }
    return svm;
}

std::vector<Eigen::Index> allRows(Eigen::Index count) {
    std::vector<Eigen::Index> rows(static_cast<std::size_t>(count));
    for (Eigen::Index i = 0; i < count; ++i) rows[static_cast<std::size_t>(i)] = i;
    return rows;
}

std::vector<double> caseValues(const Eigen::MatrixXd& x, Eigen::Index row) {
    std::vector<double> values(static_cast<std::size_t>(x.cols()));
    for (Eigen::Index j = 0; j < x.cols(); ++j) values[static_cast<std::size_t>(j)] = x(row, j);
    return values;
}

} // namespace

double svmScaleGamma(const Eigen::MatrixXd& x) {
    if (x.size() == 0) throw std::invalid_argument("SVM gamma \"scale\" of an empty matrix");
    const double mean = x.mean();
    const double variance = (x.array() - mean).square().mean();
    if (variance == 0.0) return 1.0;
    return 1.0 / (static_cast<double>(x.cols()) * variance);
}

SvmClassifier trainSvm(const Eigen::MatrixXd& x, const std::vector<int>& labels, const SvmParameters& parameters) {
    checkTrainingData(x, labels, "SVM training");
    return trainRows(x, labels, allRows(x.rows()), parameters);
}

std::vector<double> svmOutOfFoldDecisionValues(const Eigen::MatrixXd& x, const std::vector<int>& labels,
                                               const std::vector<int>& folds, SvmParameters parameters) {
    checkTrainingData(x, labels, "SVM cross-validation");
    if (folds.size() != labels.size()) {
        throw std::invalid_argument("SVM cross-validation: " + std::to_string(labels.size()) + " cases but " +
                                    std::to_string(folds.size()) + " fold indices");
    }
    const std::set<int> foldIds(folds.begin(), folds.end());
    if (foldIds.size() < 2) throw std::invalid_argument("SVM cross-validation needs at least two folds");
    // The gamma of "scale" comes from all cases, so every fold fits the same kernel.
    parameters.gamma = resolvedGamma(x, parameters);
    parameters.probability = false;

    std::vector<double> decisions(labels.size(), 0.0);
    for (int fold : foldIds) {
        std::vector<Eigen::Index> training, held;
        for (std::size_t i = 0; i < folds.size(); ++i) (folds[i] == fold ? held : training).push_back(static_cast<Eigen::Index>(i));
        std::size_t positives = 0;
        for (Eigen::Index r : training) positives += static_cast<std::size_t>(labels[static_cast<std::size_t>(r)]);
        if (positives == 0 || positives == training.size()) {
            throw std::invalid_argument("SVM cross-validation: the cases outside fold " + std::to_string(fold) +
                                        " hold only one class");
        }
        const SvmClassifier svm = trainRows(x, labels, training, parameters);
        for (Eigen::Index r : held) decisions[static_cast<std::size_t>(r)] = svmDecisionValue(svm, caseValues(x, r));
    }
    return decisions;
}

SvmSelection chooseSvmByCrossValidation(const Eigen::MatrixXd& x, const std::vector<int>& labels,
                                        const std::vector<int>& folds, SvmParameters base, const SvmGrid& grid) {
    checkTrainingData(x, labels, "SVM grid search");
    if (grid.costs.empty()) throw std::invalid_argument("SVM grid search: the grid has no cost (C) values");
    for (double cost : grid.costs) {
        if (!(cost > 0.0)) throw std::invalid_argument("SVM grid search: cost " + std::to_string(cost) + " is not > 0");
    }
    std::vector<double> gammas{0.0}; // linear: one point per cost
    if (base.kernel == SvmKernel::rbf) {
        gammas = grid.gammas;
        if (gammas.empty()) {
            const double scale = resolvedGamma(x, base);
            gammas = {0.1 * scale, scale, 10.0 * scale};
        }
        for (double gamma : gammas) {
            if (!(gamma > 0.0)) throw std::invalid_argument("SVM grid search: gamma " + std::to_string(gamma) + " is not > 0");
        }
    }

    SvmSelection selection;
    std::size_t best = 0;
    for (double cost : grid.costs) {
        for (double gamma : gammas) {
            SvmParameters point = base;
            point.cost = cost;
            if (base.kernel == SvmKernel::rbf) point.gamma = gamma;
            std::vector<double> decisions = svmOutOfFoldDecisionValues(x, labels, folds, point);
            selection.grid.push_back(SvmGridPoint{cost, gamma, delongAuc(decisions, labels).auc});
            const SvmGridPoint& tried = selection.grid.back();
            const SvmGridPoint& leader = selection.grid[best];
            // Best AUC; among equals the smaller C, then the smaller gamma (the simpler model).
            const bool better = selection.grid.size() == 1 || tried.crossValidatedAuc > leader.crossValidatedAuc ||
                                (tried.crossValidatedAuc == leader.crossValidatedAuc &&
                                 (tried.cost < leader.cost || (tried.cost == leader.cost && tried.gamma < leader.gamma)));
            if (better) {
                best = selection.grid.size() - 1;
                selection.chosen = point;
                selection.outOfFoldDecisionValues = std::move(decisions);
            }
        }
    }
    selection.classifier = trainSvm(x, labels, selection.chosen);
    return selection;
}

} // namespace radnode::analysis
