// SVMs and SVM-RFE against scikit-learn 1.2.1 (SVC, RFE), whose libsvm is the engine radnode
// trains with; reference values from tests/data/classifiers/make_svm_reference.py (Python is
// not needed to run these tests).
#include "analysis/baseline_csv.h"
#include "analysis/lasso.h"
#include "analysis/roc.h"
#include "analysis/svm.h"
#include "analysis/svm_classifier.h"
#include "analysis/svm_rfe.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using namespace radnode::analysis;

const std::filesystem::path kClassifiers = std::filesystem::path(RADNODE_TEST_DATA_DIR) / "classifiers";

std::vector<std::vector<std::string>> readCsv(const std::filesystem::path& path) {
    std::ifstream in(path);
    REQUIRE_MESSAGE(in, "cannot open " << path);
    return radnode::testing::parseCsv(in);
}

// label, f1..fn; values written with Python's repr, so std::stod gives back the same doubles.
struct Cohort {
    Eigen::MatrixXd x;
    std::vector<int> labels;
};

Cohort readCohort(const std::string& name) {
    const auto records = readCsv(kClassifiers / name);
    const auto features = static_cast<Eigen::Index>(records.at(0).size() - 1);
    Cohort cohort;
    cohort.x.resize(static_cast<Eigen::Index>(records.size() - 1), features);
    for (std::size_t r = 1; r < records.size(); ++r) {
        cohort.labels.push_back(std::stoi(records[r].at(0)));
        for (Eigen::Index j = 0; j < features; ++j) {
            cohort.x(static_cast<Eigen::Index>(r - 1), j) = std::stod(records[r].at(static_cast<std::size_t>(j + 1)));
        }
    }
    return cohort;
}

// svm_reference.csv: config,quantity,index,value -> values[config][quantity][index].
using Reference = std::map<std::string, std::map<std::string, std::vector<double>>>;

Reference readSvmReference() {
    Reference reference;
    const auto records = readCsv(kClassifiers / "svm_reference.csv");
    for (std::size_t r = 1; r < records.size(); ++r) {
        auto& values = reference[records[r].at(0)][records[r].at(1)];
        const auto index = std::stoul(records[r].at(2));
        REQUIRE(index == values.size());
        values.push_back(std::stod(records[r].at(3)));
    }
    return reference;
}

std::vector<double> caseValues(const Eigen::MatrixXd& x, Eigen::Index row) {
    const Eigen::VectorXd values = x.row(row).transpose();
    return {values.data(), values.data() + values.size()};
}

std::vector<double> decisionValues(const SvmClassifier& svm, const Eigen::MatrixXd& x) {
    std::vector<double> decisions;
    for (Eigen::Index i = 0; i < x.rows(); ++i) decisions.push_back(svmDecisionValue(svm, caseValues(x, i)));
    return decisions;
}

struct Config {
    std::string name;
    SvmKernel kernel;
    bool balanced;
};
const std::vector<Config> kConfigs{{"linear_none", SvmKernel::linear, false},
                                   {"linear_balanced", SvmKernel::linear, true},
                                   {"rbf_none", SvmKernel::rbf, false},
                                   {"rbf_balanced", SvmKernel::rbf, true}};

SvmParameters parametersOf(const Config& config) {
    SvmParameters parameters; // C = 1, gamma "scale", tol 1e-3, shrinking: as the reference's SVC
    parameters.kernel = config.kernel;
    parameters.balancedClassWeights = config.balanced;
    return parameters;
}

} // namespace

TEST_CASE("trainSvm finds scikit-learn SVC's solution: support-vector count and rho and decision values") {
    const Cohort cohort = readCohort("svm_cohort.csv");
    REQUIRE(cohort.labels.front() == 1); // libsvm would orient by this first label; radnode must not
    const Reference reference = readSvmReference();
    for (const Config& config : kConfigs) {
        CAPTURE(config.name);
        const auto& expected = reference.at(config.name);
        const SvmClassifier svm = trainSvm(cohort.x, cohort.labels, parametersOf(config));
        CHECK(svm.kernel == config.kernel);
        if (config.kernel == SvmKernel::rbf) CHECK(svm.gamma == doctest::Approx(expected.at("gamma")[0]).epsilon(1e-15));
        CHECK(static_cast<double>(svm.supportVectors.size()) == expected.at("support_count")[0]);
        CHECK(std::fabs(svm.rho - (-expected.at("intercept")[0])) < 1e-6);
        const std::vector<double> decisions = decisionValues(svm, cohort.x);
        double worst = 0.0;
        for (std::size_t i = 0; i < decisions.size(); ++i) {
            worst = std::max(worst, std::fabs(decisions[i] - expected.at("decision")[i]));
        }
        CHECK(worst < 1e-6);
        MESSAGE(config.name << ": largest decision-value difference from scikit-learn " << worst);
        REQUIRE(svm.plattA.has_value());
        REQUIRE(svm.plattB.has_value());
    }
}

TEST_CASE("an SvmClassifier from scikit-learn's fitted attributes scores as SVC's decision_function and predict_proba") {
    const Cohort cohort = readCohort("svm_cohort.csv");
    const Reference reference = readSvmReference();
    for (const Config& config : kConfigs) {
        CAPTURE(config.name);
        const auto& expected = reference.at(config.name);
        // scikit-learn's binary SVC: decision = dual_coef_ . K + intercept_ (positive for
        // classes_[1] = 1), and predict_proba couples libsvm's sigmoid of the opposite
        // orientation, so radnode's rho = -intercept_ and Platt B = -probB_.
        SvmClassifier svm;
        svm.kernel = config.kernel;
        svm.gamma = config.kernel == SvmKernel::rbf ? expected.at("gamma")[0] : 0.0;
        for (double index : expected.at("support_index")) svm.supportVectors.push_back(caseValues(cohort.x, static_cast<Eigen::Index>(index)));
        svm.dualCoefficients = expected.at("dual_coef");
        svm.rho = -expected.at("intercept")[0];
        svm.plattA = expected.at("probA")[0];
        svm.plattB = -expected.at("probB")[0];
        double worstDecision = 0.0, worstProbability = 0.0;
        for (Eigen::Index i = 0; i < cohort.x.rows(); ++i) {
            const double decision = svmDecisionValue(svm, caseValues(cohort.x, i));
            const auto k = static_cast<std::size_t>(i);
            worstDecision = std::max(worstDecision, std::fabs(decision - expected.at("decision")[k]));
            worstProbability = std::max(worstProbability, std::fabs(svmProbability(svm, decision) - expected.at("probability")[k]));
        }
        CHECK(worstDecision < 1e-6);
        CHECK(worstProbability < 1e-6);
        MESSAGE(config.name << ": largest differences, decision " << worstDecision << ", probability " << worstProbability);
    }
}

TEST_CASE("SVM orientation does not depend on which label comes first; the positive class scores high") {
    const Cohort cohort = readCohort("svm_cohort.csv");
    // The same cases with the first negative moved to the front: each class keeps its order.
    const auto firstNegative = static_cast<Eigen::Index>(
        std::find(cohort.labels.begin(), cohort.labels.end(), 0) - cohort.labels.begin());
    std::vector<Eigen::Index> order{firstNegative};
    for (Eigen::Index i = 0; i < cohort.x.rows(); ++i) {
        if (i != firstNegative) order.push_back(i);
    }
    const Eigen::MatrixXd moved = cohort.x(order, Eigen::all);
    std::vector<int> movedLabels;
    for (Eigen::Index i : order) movedLabels.push_back(cohort.labels[static_cast<std::size_t>(i)]);

    for (const Config& config : kConfigs) {
        CAPTURE(config.name);
        const SvmClassifier asGiven = trainSvm(cohort.x, cohort.labels, parametersOf(config));
        const SvmClassifier negativeFirst = trainSvm(moved, movedLabels, parametersOf(config));
        // The same fit up to rounding ("scale" gamma sums the values in another order).
        CHECK(negativeFirst.supportVectors.size() == asGiven.supportVectors.size());
        CHECK(negativeFirst.rho == doctest::Approx(asGiven.rho).epsilon(1e-12));
        CHECK(*negativeFirst.plattA == doctest::Approx(*asGiven.plattA).epsilon(1e-12));
        CHECK(*negativeFirst.plattB == doctest::Approx(*asGiven.plattB).epsilon(1e-12));
        const std::vector<double> decisions = decisionValues(asGiven, cohort.x);
        const std::vector<double> movedDecisions = decisionValues(negativeFirst, cohort.x);
        for (std::size_t i = 0; i < decisions.size(); ++i) CHECK(movedDecisions[i] == doctest::Approx(decisions[i]).epsilon(1e-12));
        const double auc = delongAuc(decisions, cohort.labels).auc;
        CHECK(auc > (config.kernel == SvmKernel::rbf ? 0.9 : 0.5));
    }
}

TEST_CASE("radnode's Platt probabilities rise with the decision value and seeded training repeats") {
    const Cohort cohort = readCohort("svm_cohort.csv");
    SvmParameters parameters;
    parameters.seed = 7;
    const SvmClassifier first = trainSvm(cohort.x, cohort.labels, parameters);
    const SvmClassifier again = trainSvm(cohort.x, cohort.labels, parameters);
    CHECK(*first.plattA == *again.plattA);
    CHECK(*first.plattB == *again.plattB);
    parameters.seed = 8; // other Platt folds: other A and B, the same decision function
    const SvmClassifier reseeded = trainSvm(cohort.x, cohort.labels, parameters);
    CHECK(*reseeded.plattA != *first.plattA);
    CHECK(reseeded.dualCoefficients == first.dualCoefficients);

    CHECK(*first.plattA < 0.0); // decision > 0 is the positive class, so A < 0
    std::vector<double> decisions = decisionValues(first, cohort.x);
    decisions.push_back(-20.0);
    decisions.push_back(20.0);
    std::sort(decisions.begin(), decisions.end());
    double previous = 0.0;
    for (double decision : decisions) {
        const double probability = svmProbability(first, decision);
        CHECK(probability >= previous);
        CHECK(probability > 0.0);
        CHECK(probability < 1.0);
        previous = probability;
    }
    CHECK(svmProbability(first, 20.0) > 0.99);
    CHECK(svmProbability(first, -20.0) < 0.01);
}

TEST_CASE("svmLinearWeights gives the hyperplane of a linear SVM") {
    const Cohort cohort = readCohort("rfe_cohort.csv");
    SvmParameters parameters;
    parameters.kernel = SvmKernel::linear;
    parameters.probability = false;
    const SvmClassifier svm = trainSvm(cohort.x, cohort.labels, parameters);
    const std::vector<double> w = svmLinearWeights(svm);
    REQUIRE(w.size() == 8);
    for (Eigen::Index i = 0; i < cohort.x.rows(); i += 17) {
        const std::vector<double> x = caseValues(cohort.x, i);
        const double linear = std::inner_product(w.begin(), w.end(), x.begin(), 0.0) - svm.rho;
        CHECK(linear == doctest::Approx(svmDecisionValue(svm, x)).epsilon(1e-12));
    }
    CHECK(w[2] > 0.5);  // f3 raises the odds of a positive
    CHECK(w[5] < -0.5); // f6 lowers them
}

TEST_CASE("chooseSvmByCrossValidation tries the grid in order and chooses the best AUC and refits on all cases") {
    const Cohort cohort = readCohort("svm_cohort.csv");
    const std::vector<int> folds = stratifiedFolds(cohort.labels, 5, 20261123);
    SvmParameters base;
    base.kernel = SvmKernel::rbf;
    SvmGrid grid;
    grid.costs = {0.1, 1.0, 10.0};
    const SvmSelection rbf = chooseSvmByCrossValidation(cohort.x, cohort.labels, folds, base, grid);
    REQUIRE(rbf.grid.size() == 9);
    const double scale = svmScaleGamma(cohort.x);
    CHECK(rbf.grid[0].cost == 0.1);
    CHECK(rbf.grid[0].gamma == doctest::Approx(0.1 * scale));
    CHECK(rbf.grid[4].gamma == doctest::Approx(scale));
    CHECK(rbf.grid[8].cost == 10.0);
    CHECK(rbf.grid[8].gamma == doctest::Approx(10.0 * scale));
    const auto best = std::max_element(rbf.grid.begin(), rbf.grid.end(),
                                       [](const SvmGridPoint& a, const SvmGridPoint& b) { return a.crossValidatedAuc < b.crossValidatedAuc; });
    CHECK(rbf.chosen.cost == best->cost);
    CHECK(rbf.chosen.gamma == best->gamma);
    REQUIRE(rbf.outOfFoldDecisionValues.size() == cohort.labels.size());
    CHECK(delongAuc(rbf.outOfFoldDecisionValues, cohort.labels).auc == best->crossValidatedAuc);
    CHECK(rbf.outOfFoldDecisionValues == svmOutOfFoldDecisionValues(cohort.x, cohort.labels, folds, rbf.chosen));
    CHECK(decisionValues(rbf.classifier, cohort.x) == decisionValues(trainSvm(cohort.x, cohort.labels, rbf.chosen), cohort.x));
    CHECK(rbf.classifier.plattA.has_value());

    // Out of fold the ring is found by the RBF kernel and missed by a hyperplane.
    base.kernel = SvmKernel::linear;
    const SvmSelection linear = chooseSvmByCrossValidation(cohort.x, cohort.labels, folds, base, grid);
    REQUIRE(linear.grid.size() == 3);
    const double linearBest = delongAuc(linear.outOfFoldDecisionValues, cohort.labels).auc;
    MESSAGE("cross-validated AUC: RBF " << best->crossValidatedAuc << ", linear " << linearBest);
    CHECK(best->crossValidatedAuc > 0.85);
    CHECK(best->crossValidatedAuc > linearBest + 0.2);
}

TEST_CASE("SVM-RFE ranks as scikit-learn's RFE and keeps the two features that carry the signal") {
    const Cohort cohort = readCohort("rfe_cohort.csv");
    std::map<std::size_t, int> expectedRank;
    const auto records = readCsv(kClassifiers / "rfe_reference.csv");
    for (std::size_t r = 1; r < records.size(); ++r) {
        expectedRank[std::stoul(records[r].at(0).substr(1)) - 1] = std::stoi(records[r].at(1));
    }
    REQUIRE(expectedRank.size() == 8);

    SvmRfeSettings settings;
    settings.aucTolerance = 0.01;
    const SvmRfeResult result =
        svmRecursiveFeatureElimination(cohort.x, cohort.labels, stratifiedFolds(cohort.labels, 5, 20261123), settings);
    REQUIRE(result.ranking.size() == 8);
    for (std::size_t position = 0; position < result.ranking.size(); ++position) {
        CAPTURE(position);
        CHECK(expectedRank.at(result.ranking[position]) == static_cast<int>(position + 1));
    }
    CHECK(result.ranking[0] == 2); // f3
    CHECK(result.ranking[1] == 5); // f6
    REQUIRE(result.crossValidatedAuc.size() == 8);
    std::string aucs;
    for (double auc : result.crossValidatedAuc) aucs += " " + std::to_string(auc);
    MESSAGE("cross-validated AUC by set size:" << aucs);
    CHECK(result.crossValidatedAuc[1] > result.crossValidatedAuc[0] + 0.05);
    CHECK(result.selected == std::vector<std::size_t>{2, 5});

    // With no tolerance the set is the first size reaching the very best AUC.
    settings.aucTolerance = 0.0;
    const SvmRfeResult strict =
        svmRecursiveFeatureElimination(cohort.x, cohort.labels, stratifiedFolds(cohort.labels, 5, 20261123), settings);
    const auto bestSize = static_cast<std::size_t>(
        std::max_element(strict.crossValidatedAuc.begin(), strict.crossValidatedAuc.end()) - strict.crossValidatedAuc.begin() + 1);
    CHECK(strict.selected.size() == bestSize);
}

TEST_CASE("SVM inputs that cannot be fitted or scored are refused with the reason") {
    const Cohort cohort = readCohort("svm_cohort.csv");
    const std::vector<int> folds = stratifiedFolds(cohort.labels, 5, 1);
    const std::vector<int> oneClass(cohort.labels.size(), 1);
    CHECK_THROWS_WITH_AS(trainSvm(cohort.x, oneClass, {}), doctest::Contains("needs both classes"), std::invalid_argument);
    CHECK_THROWS_WITH_AS(chooseSvmByCrossValidation(cohort.x, oneClass, folds, {}, {}), doctest::Contains("needs both classes"),
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(svmRecursiveFeatureElimination(cohort.x, oneClass, folds, {}), doctest::Contains("needs both classes"),
                         std::invalid_argument);

    Eigen::MatrixXd withNan = cohort.x;
    withNan(3, 1) = std::numeric_limits<double>::quiet_NaN();
    CHECK_THROWS_WITH_AS(trainSvm(withNan, cohort.labels, {}), doctest::Contains("case 3, feature 1 is not finite"),
                         std::invalid_argument);
    CHECK_THROWS_AS(svmRecursiveFeatureElimination(withNan, cohort.labels, folds, {}), std::invalid_argument);

    SvmGrid empty;
    empty.costs.clear();
    CHECK_THROWS_WITH_AS(chooseSvmByCrossValidation(cohort.x, cohort.labels, folds, {}, empty), doctest::Contains("no cost"),
                         std::invalid_argument);
    SvmGrid badGamma;
    badGamma.gammas = {-1.0};
    CHECK_THROWS_AS(chooseSvmByCrossValidation(cohort.x, cohort.labels, folds, {}, badGamma), std::invalid_argument);
    CHECK_THROWS_AS(svmOutOfFoldDecisionValues(cohort.x, cohort.labels, std::vector<int>(cohort.labels.size(), 0), {}),
                    std::invalid_argument);
    CHECK_THROWS_AS(trainSvm(cohort.x, std::vector<int>(cohort.labels.begin(), cohort.labels.end() - 1), {}), std::invalid_argument);
    SvmParameters zeroCost;
    zeroCost.cost = 0.0;
    CHECK_THROWS_AS(trainSvm(cohort.x, cohort.labels, zeroCost), std::invalid_argument);
    SvmRfeSettings rbfRfe;
    rbfRfe.svm.kernel = SvmKernel::rbf;
    CHECK_THROWS_WITH_AS(svmRecursiveFeatureElimination(cohort.x, cohort.labels, folds, rbfRfe), doctest::Contains("linear"),
                         std::invalid_argument);

    SvmParameters noProbability;
    noProbability.probability = false;
    const SvmClassifier svm = trainSvm(cohort.x, cohort.labels, noProbability);
    CHECK_FALSE(svm.plattA.has_value());
    CHECK_THROWS_AS(svmProbability(svm, 0.0), std::logic_error);
    CHECK_THROWS_WITH_AS(svmDecisionValue(svm, {1.0, 2.0}), doctest::Contains("expects 5 inputs, got 2"), std::invalid_argument);
    CHECK_THROWS_AS(svmLinearWeights(svm), std::invalid_argument); // an RBF SVM has no hyperplane
    SvmClassifier ragged = svm;
    ragged.supportVectors[1].pop_back();
    CHECK_THROWS_AS(svmDecisionValue(ragged, caseValues(cohort.x, 0)), std::invalid_argument);
    SvmClassifier uneven = svm;
    uneven.dualCoefficients.pop_back();
    CHECK_THROWS_AS(svmDecisionValue(uneven, caseValues(cohort.x, 0)), std::invalid_argument);
    CHECK_THROWS_AS(svmDecisionValue(SvmClassifier{}, {}), std::invalid_argument);
}

TEST_CASE("SVM kernel names") {
    CHECK(svmKernelName(SvmKernel::linear) == "linear");
    CHECK(svmKernelName(SvmKernel::rbf) == "rbf");
    CHECK(parseSvmKernel("rbf") == SvmKernel::rbf);
    CHECK(parseSvmKernel("linear") == SvmKernel::linear);
    CHECK_FALSE(parseSvmKernel("RBF").has_value());
    CHECK_FALSE(parseSvmKernel("poly").has_value());
}
