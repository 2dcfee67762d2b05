// Comparing model families on shared folds: the metrics of given predictions (Youden cut-off
// of the training predictions carried to validation), and on a seeded cohort whose label is
// an interaction (x1 * x2 > 0) with no marginal association, the non-linear families beat the
// logistic one out of fold and on held-out cases.
#include "analysis/classifier_comparison.h"
#include "analysis/lasso.h"
#include "analysis/seeded_random.h"

#include <doctest/doctest.h>

#include <cmath>
#include <vector>

namespace {

using namespace radnode::analysis;

double uniform(SeededRandom& random) { return (static_cast<double>(random.next() >> 11) + 0.5) / 9007199254740992.0; }

double normal(SeededRandom& random) {
    const double u = uniform(random), v = uniform(random);
    return std::sqrt(-2.0 * std::log(u)) * std::cos(2.0 * M_PI * v);
}

// Columns: x1, x2 (label = x1 * x2 > 0, 10 % flipped), then `noise` standard normal columns.
struct Cohort {
    Eigen::MatrixXd x;
    std::vector<int> labels;
};

Cohort interactionCohort(int cases, int noise, std::uint64_t seed) {
    SeededRandom random(seed);
    Cohort cohort;
    cohort.x.resize(cases, 2 + noise);
    for (int i = 0; i < cases; ++i) {
        for (int j = 0; j < 2 + noise; ++j) cohort.x(i, j) = normal(random);
        const bool positive = cohort.x(i, 0) * cohort.x(i, 1) > 0;
        cohort.labels.push_back((uniform(random) < 0.1) != positive ? 1 : 0);
    }
    return cohort;
}

Eigen::MatrixXd standardised(const Eigen::MatrixXd& x, const Eigen::MatrixXd& reference) {
    Eigen::MatrixXd result = x;
    for (Eigen::Index j = 0; j < x.cols(); ++j) {
        const double mean = reference.col(j).mean();
        const double sd = std::sqrt((reference.col(j).array() - mean).square().mean());
        result.col(j) = (x.col(j).array() - mean) / sd;
    }
    return result;
}

} // namespace

TEST_CASE("family metrics: the Youden cut-off of the training predictions is carried to validation") {
    const std::vector<int> labels{0, 0, 0, 1, 1, 1};
    FamilyPredictions predictions;
    predictions.training = {0.1, 0.2, 0.6, 0.4, 0.7, 0.9}; // Youden: >= 0.65 (sens 2/3, spec 1) ties 0.3 (1, 2/3): lower wins
    predictions.outOfFold = {0.1, 0.5, 0.2, 0.25, 0.8, 0.6};
    predictions.heldOut = {0.2, 0.9, 0.35};
    const FamilyComparison result = evaluateFamily(ClassifierFamily::svmRbf, predictions, labels, {0, 1, 1});
    CHECK(result.threshold == doctest::Approx(0.3));
    CHECK(result.training.sensitivity == doctest::Approx(1.0));
    CHECK(result.training.specificity == doctest::Approx(2.0 / 3));
    CHECK(result.training.accuracy == doctest::Approx(5.0 / 6));
    CHECK(result.training.auc.auc == doctest::Approx(8.0 / 9));
    // Out of fold at 0.3: positives 0.8, 0.6 called; 0.25 missed; negative 0.5 called.
    CHECK(result.crossValidated.sensitivity == doctest::Approx(2.0 / 3));
    CHECK(result.crossValidated.specificity == doctest::Approx(2.0 / 3));
    CHECK(result.crossValidated.auc.auc == doctest::Approx(8.0 / 9));
    REQUIRE(result.heldOut.has_value());
    CHECK(result.heldOut->cases == 3);
    CHECK(result.heldOut->events == 2);
    CHECK(result.heldOut->sensitivity == doctest::Approx(1.0));
    CHECK(result.heldOut->specificity == doctest::Approx(1.0));
    CHECK(result.heldOut->accuracy == doctest::Approx(1.0));

    predictions.heldOut.pop_back();
    CHECK_THROWS_AS(evaluateFamily(ClassifierFamily::logistic, predictions, labels, {0, 1, 1}), std::invalid_argument);
    CHECK(parseClassifierFamily("boosted-trees") == ClassifierFamily::boostedTrees);
    CHECK(classifierFamilyName(ClassifierFamily::svmLinear) == "svm-linear");
    CHECK(!parseClassifierFamily("random-forest"));
}

TEST_CASE("an interaction the logistic model cannot see is fitted by the RBF SVM and boosted trees on the same folds") {
    const Cohort all = interactionCohort(300, 3, 20261123);
    // The first 220 cases train, the last 80 are held out.
    ComparisonData data;
    const Eigen::MatrixXd train = all.x.topRows(220);
    data.training = standardised(train, train);
    data.labels.assign(all.labels.begin(), all.labels.begin() + 220);
    data.folds = stratifiedFolds(data.labels, 5, 7);
    data.heldOut = standardised(all.x.bottomRows(80), train);
    data.heldOutLabels.assign(all.labels.begin() + 220, all.labels.end());

    ComparisonSettings settings;
    settings.svmGrid.costs = {0.1, 1.0, 10.0};
    const FamilyComparison logistic = fitFamily(ClassifierFamily::logistic, data, settings);
    const FamilyComparison rbf = fitFamily(ClassifierFamily::svmRbf, data, settings);
    const FamilyComparison trees = fitFamily(ClassifierFamily::boostedTrees, data, settings);
    const FamilyComparison linear = fitFamily(ClassifierFamily::svmLinear, data, settings);
    MESSAGE("out-of-fold AUC: logistic " << logistic.crossValidated.auc.auc << ", svm-linear " << linear.crossValidated.auc.auc
                                          << ", svm-rbf " << rbf.crossValidated.auc.auc << ", boosted-trees "
                                          << trees.crossValidated.auc.auc);
    MESSAGE("held-out AUC: logistic " << logistic.heldOut->auc.auc << ", svm-linear " << linear.heldOut->auc.auc << ", svm-rbf "
                                      << rbf.heldOut->auc.auc << ", boosted-trees " << trees.heldOut->auc.auc);
    CHECK(logistic.crossValidated.auc.auc < 0.65);
    CHECK(linear.crossValidated.auc.auc < 0.65);
    CHECK(rbf.crossValidated.auc.auc > logistic.crossValidated.auc.auc + 0.15);
    CHECK(trees.crossValidated.auc.auc > logistic.crossValidated.auc.auc + 0.15);
    REQUIRE(rbf.heldOut.has_value());
    REQUIRE(trees.heldOut.has_value());
    CHECK(rbf.heldOut->auc.auc > logistic.heldOut->auc.auc + 0.15);
    CHECK(trees.heldOut->auc.auc > logistic.heldOut->auc.auc + 0.15);
    // DeLong intervals bracket their AUC; the fitted model is the one whose predictions are reported.
    CHECK(rbf.crossValidated.auc.ciLower < rbf.crossValidated.auc.auc);
    CHECK(rbf.crossValidated.auc.ciUpper > rbf.crossValidated.auc.auc);
    REQUIRE(rbf.svm.has_value());
    CHECK(rbf.svm->kernel == SvmKernel::rbf);
    REQUIRE(trees.booster.has_value());
    CHECK(trees.booster->featureCount() == 5);
    REQUIRE(logistic.logistic.has_value());
    CHECK(logistic.logistic->coefficients.size() == 5);
    CHECK(rbf.predictions.training.size() == 220);
    CHECK(rbf.predictions.heldOut.size() == 80);
}

TEST_CASE("fitFamily refuses inconsistent data, naming the family") {
    const Cohort cohort = interactionCohort(40, 1, 3);
    ComparisonData data;
    data.training = cohort.x;
    data.labels = cohort.labels;
    data.folds = std::vector<int>(40, 0);
    CHECK_THROWS_WITH_AS(fitFamily(ClassifierFamily::logistic, data, {}), doctest::Contains("logistic: classifier comparison: at least 2 folds"), std::invalid_argument);
    data.folds = stratifiedFolds(cohort.labels, 4, 1);
    data.labels.pop_back();
    CHECK_THROWS_WITH_AS(fitFamily(ClassifierFamily::svmRbf, data, {}), doctest::Contains("svm-rbf: classifier comparison: 40 training cases but 39 labels"),
                         std::invalid_argument);
}
