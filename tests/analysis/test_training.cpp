// Site training against R: LASSO logistic regression and cv.glmnet (glmnet 4.1), glm and
// step(), wilcox.test, aov, cor and psych::ICC, all from
// tests/data/statistics/make_training_reference.R (R is not needed to run these tests);
// then the whole pipeline on a synthetic cohort with a known generating model.
#include "analysis/baseline_csv.h"
#include "analysis/feature_selection.h"
#include "analysis/lasso.h"
#include "analysis/logistic_regression.h"
#include "analysis/roc.h"
#include "analysis/seeded_random.h"
#include "analysis/training.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace {

using namespace radnode::analysis;

const std::filesystem::path kStatistics = std::filesystem::path(RADNODE_TEST_DATA_DIR) / "statistics";

std::vector<std::vector<std::string>> readCsv(const std::filesystem::path& path) {
    std::ifstream in(path);
    REQUIRE_MESSAGE(in, "cannot open " << path);
    return radnode::testing::parseCsv(in);
}

class Reference {
public:
    Reference() {
        for (const auto& record : readCsv(kStatistics / "training_reference.csv")) {
            if (record.size() == 2 && record[0] != "statistic") values_[record[0]] = std::stod(record[1]);
        }
    }
    double operator[](const std::string& statistic) const {
        const auto found = values_.find(statistic);
        REQUIRE_MESSAGE(found != values_.end(), "no reference value " << statistic);
        return found->second;
    }

private:
    std::map<std::string, double> values_;
};

// training_cohort.csv: label, f1..f8.
struct Cohort {
    std::vector<std::string> names;
    Eigen::MatrixXd x;
    std::vector<int> labels;
};

Cohort readCohort() {
    const auto records = readCsv(kStatistics / "training_cohort.csv");
    Cohort cohort;
    cohort.names.assign(records.at(0).begin() + 1, records.at(0).end());
    cohort.x.resize(static_cast<Eigen::Index>(records.size() - 1), static_cast<Eigen::Index>(cohort.names.size()));
    for (std::size_t r = 1; r < records.size(); ++r) {
        cohort.labels.push_back(std::stoi(records[r].at(0)));
        for (std::size_t j = 0; j < cohort.names.size(); ++j) {
            cohort.x(static_cast<Eigen::Index>(r - 1), static_cast<Eigen::Index>(j)) = std::stod(records[r].at(j + 1));
        }
    }
    return cohort;
}

std::vector<double> column(const Eigen::MatrixXd& x, Eigen::Index j) {
    const Eigen::VectorXd c = x.col(j);
    return {c.data(), c.data() + c.size()};
}

Eigen::MatrixXd columns(const Eigen::MatrixXd& x, const std::vector<Eigen::Index>& indices) { return x(Eigen::all, indices); }

} // namespace

TEST_CASE("LASSO logistic coefficients at fixed lambdas agree with glmnet within 1e-5") {
    const Reference reference;
    const Cohort cohort = readCohort();
    CHECK(lassoLambdaMax(cohort.x, cohort.labels) == doctest::Approx(reference["lambda_max"]).epsilon(1e-12));

    const std::vector<double> lambdas{0.1, 0.05, 0.02, 0.005};
    const LassoPath path = fitLassoPath(cohort.x, cohort.labels, lambdas);
    REQUIRE(path.fits.size() == lambdas.size());
    for (std::size_t k = 0; k < lambdas.size(); ++k) {
        const LassoFit& fit = path.fits[k];
        char tag[32];
        std::snprintf(tag, sizeof tag, "lasso_%g_", lambdas[k]);
        CAPTURE(tag);
        CHECK(fit.converged);
        CHECK(std::abs(fit.intercept - reference[std::string(tag) + "intercept"]) < 1e-5);
        for (std::size_t j = 0; j < cohort.names.size(); ++j) {
            const double expected = reference[tag + cohort.names[j]];
            CAPTURE(cohort.names[j]);
            CHECK(std::abs(fit.coefficients[static_cast<Eigen::Index>(j)] - expected) < 1e-5);
            CHECK((fit.coefficients[static_cast<Eigen::Index>(j)] == 0) == (expected == 0)); // the same features chosen
        }
    }
}

TEST_CASE("the default lambda path starts and ends where glmnet's does") {
    const Reference reference;
    const Cohort cohort = readCohort();
    const LassoPath path = fitLassoPath(cohort.x, cohort.labels, lassoLambdaSequence(cohort.x, cohort.labels));
    CHECK(path.fits[0].lambda == doctest::Approx(reference["default_lambda_1"]).epsilon(1e-12));
    CHECK(path.fits[1].lambda == doctest::Approx(reference["default_lambda_2"]).epsilon(1e-12));
    CHECK(path.fits[0].nonzero == 0);
    CHECK(static_cast<double>(path.fits.size()) == reference["default_lambda_count"]);
}

TEST_CASE("cross-validated deviance on fixed folds agrees with cv.glmnet along the whole path") {
    const Reference reference;
    const Cohort cohort = readCohort();
    std::vector<int> folds;
    for (std::size_t i = 0; i < cohort.labels.size(); ++i) folds.push_back(static_cast<int>(i % 5));
    const LassoCrossValidation cv = crossValidateLasso(cohort.x, cohort.labels, folds);
    REQUIRE(static_cast<double>(cv.meanDeviance.size()) == reference["cv_lambda_count"]);
    for (std::size_t k = 0; k < cv.meanDeviance.size(); ++k) {
        CAPTURE(k);
        CHECK(cv.meanDeviance[k] == doctest::Approx(reference["cv_cvm_" + std::to_string(k + 1)]).epsilon(1e-6));
        CHECK(cv.devianceStandardError[k] == doctest::Approx(reference["cv_cvsd_" + std::to_string(k + 1)]).epsilon(1e-5));
    }
    CHECK(static_cast<double>(cv.index1se + 1) == reference["cv_index_1se"]);
    CHECK(static_cast<double>(cv.indexMin + 1) == reference["cv_index_min"]);
    CHECK(cv.lambda1se() > cv.lambdaMin());
}

TEST_CASE("stratified folds are seeded, balanced and keep the class mix") {
    std::vector<int> labels(103, 0);
    for (std::size_t i = 0; i < 31; ++i) labels[i * 3] = 1;
    const std::vector<int> folds = stratifiedFolds(labels, 10, 42);
    CHECK(folds == stratifiedFolds(labels, 10, 42));
    CHECK(folds != stratifiedFolds(labels, 10, 43));
    for (int f = 0; f < 10; ++f) {
        const auto size = std::count(folds.begin(), folds.end(), f);
        long positives = 0;
        for (std::size_t i = 0; i < labels.size(); ++i) positives += folds[i] == f && labels[i] == 1;
        CHECK(size >= 10);
        CHECK(size <= 11);
        CHECK(positives >= 3);
        CHECK(positives <= 4);
    }
    CHECK_THROWS_AS(stratifiedFolds(labels, 1, 42), std::invalid_argument);
}

TEST_CASE("unpenalised logistic regression agrees with R's glm within 1e-6") {
    const Reference reference;
    const Cohort cohort = readCohort();
    const LogisticFit fit = fitLogistic(columns(cohort.x, {0, 2, 5, 7}), cohort.labels); // f1, f3, f6, f8
    REQUIRE(fit.converged);
    CHECK(fit.intercept == doctest::Approx(reference["glm_intercept_estimate"]).epsilon(1e-6));
    CHECK(fit.interceptStandardError == doctest::Approx(reference["glm_intercept_se"]).epsilon(1e-6));
    CHECK(fit.interceptPValue == doctest::Approx(reference["glm_intercept_p"]).epsilon(1e-6));
    const std::vector<std::string> names{"f1", "f3", "f6", "f8"};
    for (std::size_t j = 0; j < names.size(); ++j) {
        CAPTURE(names[j]);
        const auto e = static_cast<Eigen::Index>(j);
        CHECK(fit.coefficients[e] == doctest::Approx(reference["glm_" + names[j] + "_estimate"]).epsilon(1e-6));
        CHECK(fit.standardErrors[e] == doctest::Approx(reference["glm_" + names[j] + "_se"]).epsilon(1e-6));
        CHECK(fit.pValues[e] == doctest::Approx(reference["glm_" + names[j] + "_p"]).epsilon(1e-6));
    }
    CHECK(fit.aic == doctest::Approx(reference["glm_aic"]).epsilon(1e-9));
    CHECK(fit.deviance == doctest::Approx(reference["glm_deviance"]).epsilon(1e-9));
    CHECK(fit.nullDeviance == doctest::Approx(reference["glm_null_deviance"]).epsilon(1e-9));
}

TEST_CASE("backward stepwise selection by AIC keeps what R's step() keeps") {
    const Reference reference;
    const Cohort cohort = readCohort();
    const StepwiseResult result = backwardStepwiseAic(cohort.x, cohort.labels, cohort.names);
    for (std::size_t j = 0; j < cohort.names.size(); ++j) {
        CAPTURE(cohort.names[j]);
        const bool kept = std::find(result.kept.begin(), result.kept.end(), j) != result.kept.end();
        CHECK(kept == (reference["step_keeps_" + cohort.names[j]] == 1));
    }
    CHECK(result.fit.aic == doctest::Approx(reference["step_aic"]).epsilon(1e-9));
    CHECK(result.trace.size() == cohort.names.size() - result.kept.size());
}

TEST_CASE("univariate tests and correlations agree with wilcox.test, aov and cor") {
    const Reference reference;
    const Cohort cohort = readCohort();
    const std::vector<double> f1 = column(cohort.x, 0);
    for (Eigen::Index j = 0; j < cohort.x.cols(); ++j) {
        const std::string name = cohort.names[static_cast<std::size_t>(j)];
        CAPTURE(name);
        const std::vector<double> values = column(cohort.x, j);
        CHECK(mannWhitneyTest(values, cohort.labels).pValue == doctest::Approx(reference["mann_whitney_p_" + name]).epsilon(1e-9));
        const UnivariateTest anova = anovaTest(values, cohort.labels);
        CHECK(anova.statistic == doctest::Approx(reference["anova_f_" + name]).epsilon(1e-9));
        CHECK(anova.pValue == doctest::Approx(reference["anova_p_" + name]).epsilon(1e-9));
        CHECK(correlation(f1, values, CorrelationMethod::pearson) == doctest::Approx(reference["pearson_f1_" + name]).epsilon(1e-12));
        CHECK(correlation(f1, values, CorrelationMethod::spearman) == doctest::Approx(reference["spearman_f1_" + name]).epsilon(1e-12));
    }
    CHECK(averageRanks({3, 1, 3, 2, 3}) == std::vector<double>{4, 1, 4, 2, 4});
}

TEST_CASE("ICC(2,1) and ICC(3,1) agree with psych::ICC") {
    const Reference reference;
    const auto records = readCsv(kStatistics / "icc_readings.csv");
    REQUIRE(records.at(0) == std::vector<std::string>{"a1", "a2", "a3", "b1", "b2", "b3"});
    Eigen::MatrixXd readings(static_cast<Eigen::Index>(records.size() - 1), 6);
    for (std::size_t r = 1; r < records.size(); ++r) {
        for (Eigen::Index c = 0; c < 6; ++c) readings(static_cast<Eigen::Index>(r - 1), c) = std::stod(records[r].at(static_cast<std::size_t>(c)));
    }
    for (const std::string feature : {"a", "b"}) {
        const Eigen::Index first = feature == "a" ? 0 : 3;
        for (const int k : {2, 3}) {
            CAPTURE(feature);
            CAPTURE(k);
            const IntraclassCorrelation icc = intraclassCorrelation(readings.middleCols(first, k));
            const std::string suffix = "_" + feature + "_k" + std::to_string(k);
            CHECK(icc.icc21 == doctest::Approx(reference["icc2" + suffix]).epsilon(1e-9));
            CHECK(icc.icc31 == doctest::Approx(reference["icc3" + suffix]).epsilon(1e-9));
        }
    }
    CHECK_THROWS_AS(intraclassCorrelation(Eigen::MatrixXd::Ones(1, 2)), std::invalid_argument);
}

TEST_CASE("the redundancy filter keeps the better-scoring feature of a correlated pair") {
    Eigen::MatrixXd x(6, 3);
    x << 1, 1.1, 5,
         2, 2.0, 3,
         3, 3.2, 6,
         4, 3.9, 1,
         5, 5.1, 2,
         6, 6.0, 4;
    CHECK(removeRedundantFeatures(x, {0.01, 0.001, 0.2}, 0.9, CorrelationMethod::pearson) == std::vector<std::size_t>{1, 2});
    CHECK(removeRedundantFeatures(x, {0.001, 0.01, 0.2}, 0.9, CorrelationMethod::spearman) == std::vector<std::size_t>{0, 2});
    CHECK(removeRedundantFeatures(x, {0.001, 0.01, 0.2}, 1.0, CorrelationMethod::pearson) == std::vector<std::size_t>{0, 1, 2});
}

namespace {

// A synthetic cohort drawn from a known logistic model on standardised features.
struct SyntheticCohort {
    std::vector<std::string> names;
    Eigen::MatrixXd x;
    std::vector<int> labels;
    std::vector<double> trueLinearPredictor;
};

double uniform(SeededRandom& random) { return (static_cast<double>(random.next() >> 11) + 0.5) * 0x1.0p-53; }

double gaussian(SeededRandom& random) {
    return std::sqrt(-2 * std::log(uniform(random))) * std::cos(6.283185307179586 * uniform(random));
}

// 5 informative features (each with a near-duplicate, r about 0.95), 30 pure noise features
// and 5 correlated noise pairs. Features are put on radiomics-like scales (offset, spread).
constexpr double kTrueIntercept = -0.4;
const std::vector<double> kTrueCoefficients{1.0, -0.8, 0.7, 0.6, -0.5};

SyntheticCohort makeCohort(std::size_t cases, std::uint64_t seed) {
    SeededRandom random(seed);
    SyntheticCohort cohort;
    const std::size_t informative = kTrueCoefficients.size(), noise = 30, noisePairs = 5;
    for (std::size_t j = 0; j < informative; ++j) cohort.names.push_back("tumor/signal_" + std::to_string(j));
    for (std::size_t j = 0; j < informative; ++j) cohort.names.push_back("tumor/signal_" + std::to_string(j) + "_twin");
    for (std::size_t j = 0; j < noise; ++j) cohort.names.push_back("tumor/noise_" + std::to_string(j));
    for (std::size_t j = 0; j < noisePairs; ++j) {
        cohort.names.push_back("ring-5mm/pair_" + std::to_string(j) + "a");
        cohort.names.push_back("ring-5mm/pair_" + std::to_string(j) + "b");
    }
    const auto columnCount = static_cast<Eigen::Index>(cohort.names.size());
    cohort.x.resize(static_cast<Eigen::Index>(cases), columnCount);
    for (std::size_t i = 0; i < cases; ++i) {
        const auto row = static_cast<Eigen::Index>(i);
        double eta = kTrueIntercept;
        Eigen::Index c = 0;
        std::vector<double> signal(informative);
        for (std::size_t j = 0; j < informative; ++j) {
            signal[j] = gaussian(random);
            eta += kTrueCoefficients[j] * signal[j];
            cohort.x(row, c++) = 10.0 * (j + 1) + (j + 1) * signal[j];
        }
        for (std::size_t j = 0; j < informative; ++j) cohort.x(row, c++) = 100 + 5 * (0.95 * signal[j] + 0.31 * gaussian(random));
        for (std::size_t j = 0; j < noise; ++j) cohort.x(row, c++) = std::exp(0.3 * gaussian(random)) * (j + 1);
        for (std::size_t j = 0; j < noisePairs; ++j) {
            const double shared = gaussian(random);
            cohort.x(row, c++) = shared;
            cohort.x(row, c++) = 0.9 * shared + 0.44 * gaussian(random);
        }
        cohort.trueLinearPredictor.push_back(eta);
        cohort.labels.push_back(uniform(random) < 1.0 / (1.0 + std::exp(-eta)) ? 1 : 0);
    }
    return cohort;
}

} // namespace

TEST_CASE("training on 600 synthetic cases recovers the informative features and the generating model's AUC") {
    const SyntheticCohort training = makeCohort(600, 20261123);
    const SyntheticCohort heldOut = makeCohort(2000, 77);

    TrainingData data;
    data.featureNames = training.names;
    data.features = training.x;
    data.labels = training.labels;
    // A repeated segmentation of the first 60 cases: signal features re-measured with small
    // error, and one feature (noise_0) that is not reproducible at all.
    data.repeatCases.resize(60);
    data.repeatFeatures = training.x.topRows(60);
    SeededRandom random(5);
    for (std::size_t r = 0; r < 60; ++r) {
        data.repeatCases[r] = r;
        for (Eigen::Index j = 0; j < data.repeatFeatures.cols(); ++j) data.repeatFeatures(static_cast<Eigen::Index>(r), j) *= 1 + 0.01 * gaussian(random);
        data.repeatFeatures(static_cast<Eigen::Index>(r), 10) = 10 * uniform(random);
    }

    for (const LambdaChoice choice : {LambdaChoice::oneStandardError, LambdaChoice::min}) {
        TrainingSettings settings;
        settings.lambda = choice;
        const TrainingResult result = trainRadiomicsModel(data, settings);
        CAPTURE(choice == LambdaChoice::min ? "lambda.min" : "lambda.1se");

        // Every informative feature (or its twin) is in the rad-score, with the right sign;
        // the twin of each is dropped as redundant.
        for (std::size_t j = 0; j < kTrueCoefficients.size(); ++j) {
            CAPTURE(j);
            const auto selected = [&](std::size_t index) {
                return std::find(result.selected.begin(), result.selected.end(), index) != result.selected.end();
            };
            CHECK((selected(j) || selected(j + 5)));
            const std::size_t chosen = selected(j) ? j : j + 5;
            CHECK(result.decisions[chosen].coefficient * kTrueCoefficients[j] > 0);
            CHECK(result.decisions[selected(j) ? j + 5 : j].dropped.rfind("|r| ", 0) == 0);
        }
        CHECK(result.decisions[10].icc.has_value());
        CHECK(result.decisions[10].dropped.rfind("ICC ", 0) == 0);
        std::size_t noiseSelected = 0;
        for (const std::size_t index : result.selected) noiseSelected += index >= 10;
        CHECK(noiseSelected <= 3);

        // On held-out cases the rad-score ranks as well as the generating model, within 0.02.
        std::vector<double> radScores(heldOut.labels.size());
        for (std::size_t i = 0; i < heldOut.labels.size(); ++i) {
            double score = result.intercept;
            for (std::size_t s = 0; s < result.selected.size(); ++s) {
                score += result.coefficients[s] *
                         (heldOut.x(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(result.selected[s])) - result.means[s]) /
                         result.sds[s];
            }
            radScores[i] = score;
        }
        const double fittedAuc = delongAuc(radScores, heldOut.labels).auc;
        const double trueAuc = delongAuc(heldOut.trueLinearPredictor, heldOut.labels).auc;
        MESSAGE("held-out AUC " << fittedAuc << " vs generating model " << trueAuc << ", CV AUC "
                                << result.crossValidatedAuc.auc << ", " << result.selected.size() << " features");
        CHECK(std::abs(fittedAuc - trueAuc) < 0.02);
        CHECK(std::abs(result.crossValidatedAuc.auc - trueAuc) < 0.05);
        CHECK(result.youdenThreshold > 0);
        CHECK(result.youdenThreshold < 1);
    }
}

TEST_CASE("the refit option replaces LASSO's shrunken coefficients by an unpenalised fit on its features") {
    const SyntheticCohort cohort = makeCohort(600, 20261123);
    TrainingData data;
    data.featureNames = cohort.names;
    data.features = cohort.x;
    data.labels = cohort.labels;
    TrainingSettings settings;
    const TrainingResult lasso = trainRadiomicsModel(data, settings);
    settings.final = FinalCoefficients::refit;
    const TrainingResult refit = trainRadiomicsModel(data, settings);
    REQUIRE(refit.refit.has_value());
    CHECK(!lasso.refit.has_value());
    REQUIRE(refit.selected == lasso.selected);
    for (std::size_t s = 0; s < refit.selected.size(); ++s) {
        CAPTURE(s);
        CHECK(std::abs(refit.coefficients[s]) > std::abs(lasso.coefficients[s])); // the shrinkage undone
        CHECK(refit.coefficients[s] == doctest::Approx(refit.refit->coefficients[static_cast<Eigen::Index>(s)]));
    }
    CHECK(refit.crossValidatedAuc.auc == lasso.crossValidatedAuc.auc); // the CV judges the LASSO either way
}

TEST_CASE("training explains which filter left nothing to fit") {
    const SyntheticCohort cohort = makeCohort(200, 3);
    TrainingData data;
    data.featureNames = cohort.names;
    data.features = cohort.x.rightCols(40); // noise only
    data.featureNames.erase(data.featureNames.begin(), data.featureNames.begin() + 10);
    data.labels = cohort.labels;
    TrainingSettings settings;
    settings.pThreshold = 1e-6;
    CHECK_THROWS_WITH_AS(trainRadiomicsModel(data, settings), doctest::Contains("univariate p below"), std::runtime_error);
    data.labels.pop_back();
    CHECK_THROWS_AS(trainRadiomicsModel(data, settings), std::invalid_argument);
}
