// `radnode train`: fits a site's own logistic radiomics model from a feature table with
// outcome labels (e.g. the output of `radnode export`): ICC, univariate and correlation
// filters, LASSO with k-fold cross-validation, optionally a nomogram of the rad-score with
// clinical covariates (backward stepwise by AIC), and writes it all as a model file. With
// --families / --roi-sets it also fits SVMs and boosted trees per ROI set on the same folds,
// prints the papers' comparison table and keeps the chosen model.
#include "analysis/classifier_comparison.h"
#include "analysis/model.h"
#include "analysis/model_covariates.h"
#include "analysis/svm_rfe.h"
#include "analysis/training.h"
#include "config/model_file_writer.h"
#include "node/command_line.h"
#include "node/commands.h"
#include "node/csv.h"

#include <boost/program_options.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <set>
#include <stdexcept>

namespace radnode::node {

namespace po = boost::program_options;

namespace {

struct TrainOptions {
    std::string features, labelColumn, idColumn, repeatFeatures, out;
    std::vector<std::string> exclude, covariates;
    std::string lambda = "1se", final = "lasso", icc = "2,1", univariate = "mann-whitney", correlationMethod = "spearman";
    std::string name, version = "1", description, modality, segmentation;
    std::string negativeClass = "N0", positiveClass = "N+";
    std::optional<double> threshold;
    bool synthetic = false;
    analysis::TrainingSettings settings;
    // The comparison of model families (any of these switches it on).
    std::string families, roiSets, redundancy = "correlation", validationColumn, comparisonCsv, choose;
    bool svmRfe = false;
    // Hyper-parameters of the SVM and boosted-tree families.
    std::string classWeights = "none", svmCosts, svmGammas;
    analysis::BoostedTreesParameters trees;

    bool comparing() const {
        return !families.empty() || !roiSets.empty() || !validationColumn.empty() || svmRfe || !comparisonCsv.empty() ||
               !choose.empty();
    }
};

std::string format(const char* pattern, double value) {
    char text[64];
    std::snprintf(text, sizeof text, pattern, value);
    return text;
}

// A feature column is named as model files name inputs: roi/view/feature (view "*" for
// any view) or roi/feature.
std::optional<analysis::ModelInput> featureInput(const std::string& column) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (std::size_t slash = column.find('/'); slash != std::string::npos; slash = column.find('/', start)) {
        parts.push_back(column.substr(start, slash - start));
        start = slash + 1;
    }
    parts.push_back(column.substr(start));
    for (const auto& part : parts) {
        if (part.empty()) return std::nullopt;
    }
    analysis::ModelInput input;
    if (parts.size() == 2) {
        input.roi = parts[0];
        input.feature = parts[1];
    } else if (parts.size() == 3) {
        input.roi = parts[0];
        input.view = parts[1] == "*" ? "" : parts[1];
        input.feature = parts[2];
    } else {
        return std::nullopt;
    }
    return input;
}

// A clinical covariate column for the nomogram, as the model will see it: a numeric value,
// or for a categorical covariate one 0/1 indicator per level present beyond the first.
struct CovariateColumn {
    std::string name;                   // "ki67" or "subtype=luminal_b"
    analysis::ModelInput term;          // covariate (and level) set
    std::vector<double> values;         // per case
};

struct FeatureTable {
    analysis::TrainingData data;
    std::vector<CovariateColumn> covariates;
    std::vector<analysis::ModelInput> inputs; // per feature column
    std::vector<std::string> ids;             // per case, when --id is given
    std::vector<bool> heldOut;                // per case, with --validation-column
    std::size_t unlabelled = 0;               // rows skipped for a blank label
};

double featureValue(const CsvTable& table, std::size_t row, std::size_t column) {
    const std::string& text = table.rows[row][column];
    if (text.empty() || text == "NA" || text == "nan" || text == "NaN") return std::numeric_limits<double>::quiet_NaN();
    const auto value = parseCsvNumber(text);
    if (!value) {
        throw std::invalid_argument(table.where(row) + ": '" + text + "' in column '" + table.header[column] +
                                    "' is not a number");
    }
    return *value;
}

FeatureTable readFeatureTable(const TrainOptions& options) {
    const CsvTable table = readCsvFile(options.features);
    const std::size_t label = table.column(options.labelColumn, "--label");
    std::optional<std::size_t> id;
    if (!options.idColumn.empty()) id = table.column(options.idColumn, "--id");
    std::set<std::size_t> skipped{label};
    if (id) skipped.insert(*id);
    for (const auto& name : options.exclude) skipped.insert(table.column(name, "--exclude"));
    std::optional<std::size_t> validation;
    if (!options.validationColumn.empty()) {
        validation = table.column(options.validationColumn, "--validation-column");
        skipped.insert(*validation);
    }
    std::vector<std::size_t> covariateColumns;
    for (const auto& key : options.covariates) {
        if (!analysis::findCovariate(key)) {
            std::string known;
            for (const auto& definition : analysis::clinicalCovariates()) known += (known.empty() ? "" : ", ") + definition.key;
            throw std::invalid_argument("--covariate '" + key + "' is not a clinical covariate the node knows (" + known + ")");
        }
        covariateColumns.push_back(table.column(key, "--covariate"));
        skipped.insert(covariateColumns.back());
    }

    FeatureTable result;
    std::vector<std::size_t> featureColumns;
    for (std::size_t c = 0; c < table.header.size(); ++c) {
        if (skipped.count(c)) continue;
        const auto input = featureInput(table.header[c]);
        if (!input) {
            throw std::invalid_argument(options.features + ": column '" + table.header[c] +
                                        "' is not a feature named roi/view/feature or roi/feature; leave it out with --exclude '" +
                                        table.header[c] + "'");
        }
        featureColumns.push_back(c);
        result.inputs.push_back(*input);
        result.data.featureNames.push_back(table.header[c]);
    }
    if (featureColumns.empty()) throw std::invalid_argument(options.features + " has no feature columns");

    std::vector<std::size_t> rows;
    std::set<std::string> seen;
    for (std::size_t row = 0; row < table.rows.size(); ++row) {
        const std::string& value = table.rows[row][label];
        if (value.empty() || value == "NA") {
            ++result.unlabelled;
            continue;
        }
        if (value != "0" && value != "1") {
            throw std::invalid_argument(table.where(row) + ": label '" + value + "' in column '" + options.labelColumn +
                                        "' is not 0 or 1 (or blank for unknown)");
        }
        if (id) {
            const std::string& key = table.rows[row][*id];
            if (key.empty()) throw std::invalid_argument(table.where(row) + ": empty id in column '" + options.idColumn + "'");
            if (!seen.insert(key).second) {
                throw std::invalid_argument(table.where(row) + ": id '" + key + "' in column '" + options.idColumn + "' appears twice");
            }
            result.ids.push_back(key);
        }
        if (validation) {
            const std::string& set = table.rows[row][*validation];
            if (set != "train" && set != "validation" && set != "0" && set != "1") {
                throw std::invalid_argument(table.where(row) + ": '" + set + "' in column '" + options.validationColumn +
                                            "' (--validation-column) is not train or validation (0 or 1)");
            }
            result.heldOut.push_back(set == "validation" || set == "1");
        }
        result.data.labels.push_back(value == "1" ? 1 : 0);
        rows.push_back(row);
    }
    for (std::size_t k = 0; k < covariateColumns.size(); ++k) {
        const std::string& key = options.covariates[k];
        const analysis::CovariateDefinition& definition = *analysis::findCovariate(key);
        std::vector<std::string> values;
        for (const std::size_t row : rows) {
            const std::string& value = table.rows[row][covariateColumns[k]];
            if (value.empty()) {
                throw std::invalid_argument(table.where(row) + ": no value in column '" + key +
                                            "' (the nomogram is fitted on complete cases; leave the row's label blank to leave it out)");
            }
            if (const std::string error = analysis::covariateValueError(key, value); !error.empty()) {
                throw std::invalid_argument(table.where(row) + ": " + error);
            }
            values.push_back(value);
        }
        if (definition.levels.empty()) {
            CovariateColumn column{key, {}, {}};
            column.term.covariate = key;
            for (const auto& value : values) column.values.push_back(*analysis::covariateNumber(value));
            result.covariates.push_back(column);
            continue;
        }
        // Categorical: the first level (in the definition's order) present is the reference.
        bool reference = true;
        for (const auto& level : definition.levels) {
            if (std::find(values.begin(), values.end(), level) == values.end()) continue;
            if (reference) {
                reference = false;
                continue;
            }
            CovariateColumn column{key + "=" + level, {}, {}};
            column.term.covariate = key;
            column.term.level = level;
            for (const auto& value : values) column.values.push_back(value == level ? 1.0 : 0.0);
            result.covariates.push_back(column);
        }
    }
    result.data.features.resize(static_cast<Eigen::Index>(rows.size()), static_cast<Eigen::Index>(featureColumns.size()));
    for (std::size_t r = 0; r < rows.size(); ++r) {
        for (std::size_t c = 0; c < featureColumns.size(); ++c) {
            result.data.features(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c)) = featureValue(table, rows[r], featureColumns[c]);
        }
    }
    const auto events = static_cast<std::size_t>(std::count(result.data.labels.begin(), result.data.labels.end(), 1));
    if (events < 2 || rows.size() - events < 2) {
        throw std::invalid_argument(options.features + ": column '" + options.labelColumn + "' needs at least 2 cases of each label; found " +
                                    std::to_string(events) + " labelled 1 and " + std::to_string(rows.size() - events) + " labelled 0");
    }
    return result;
}

// The repeated segmentation: rows matched to the training cases by --id, columns by name.
void readRepeatFeatures(const TrainOptions& options, FeatureTable& table) {
    const CsvTable repeat = readCsvFile(options.repeatFeatures);
    const std::size_t id = repeat.column(options.idColumn, "--id");
    std::map<std::string, std::size_t> caseOf;
    for (std::size_t i = 0; i < table.ids.size(); ++i) caseOf[table.ids[i]] = i;
    std::vector<std::size_t> columns;
    for (const auto& name : table.data.featureNames) columns.push_back(repeat.column(name, "--repeat-features"));

    std::set<std::string> seen;
    for (std::size_t row = 0; row < repeat.rows.size(); ++row) {
        const std::string& key = repeat.rows[row][id];
        const auto found = caseOf.find(key);
        if (found == caseOf.end()) {
            throw std::invalid_argument(repeat.where(row) + ": id '" + key + "' is not a labelled case of " + options.features);
        }
        if (!seen.insert(key).second) throw std::invalid_argument(repeat.where(row) + ": id '" + key + "' appears twice");
        table.data.repeatCases.push_back(found->second);
    }
    if (table.data.repeatCases.size() < 2) {
        throw std::invalid_argument(options.repeatFeatures + ": the ICC needs at least 2 repeated cases");
    }
    table.data.repeatFeatures.resize(static_cast<Eigen::Index>(repeat.rows.size()), static_cast<Eigen::Index>(columns.size()));
    for (std::size_t row = 0; row < repeat.rows.size(); ++row) {
        for (std::size_t c = 0; c < columns.size(); ++c) {
            table.data.repeatFeatures(static_cast<Eigen::Index>(row), static_cast<Eigen::Index>(c)) = featureValue(repeat, row, columns[c]);
        }
    }
}

analysis::TrainingSettings parseSettings(const TrainOptions& options) {
    analysis::TrainingSettings settings = options.settings;
    const auto choose = [](const std::string& value, const std::string& option, const std::map<std::string, int>& allowed) {
        const auto found = allowed.find(value);
        if (found == allowed.end()) {
            std::string names;
            for (const auto& [name, unused] : allowed) names += (names.empty() ? "" : ", ") + name;
            throw std::invalid_argument(option + " must be one of " + names + ", not '" + value + "'");
        }
        return found->second;
    };
    settings.lambda = choose(options.lambda, "--lambda", {{"min", 0}, {"1se", 1}}) == 0 ? analysis::LambdaChoice::min
                                                                                     : analysis::LambdaChoice::oneStandardError;
    settings.final = choose(options.final, "--final", {{"lasso", 0}, {"refit", 1}}) == 0 ? analysis::FinalCoefficients::lasso
                                                                                        : analysis::FinalCoefficients::refit;
    settings.iccForm = choose(options.icc, "--icc", {{"2,1", 0}, {"3,1", 1}}) == 0 ? analysis::IccForm::twoWayRandomAbsolute
                                                                                  : analysis::IccForm::twoWayMixedConsistency;
    settings.univariate = choose(options.univariate, "--univariate", {{"mann-whitney", 0}, {"anova", 1}}) == 0
                              ? analysis::UnivariateMethod::mannWhitney
                              : analysis::UnivariateMethod::anova;
    settings.correlationMethod = choose(options.correlationMethod, "--correlation", {{"pearson", 0}, {"spearman", 1}}) == 0
                                     ? analysis::CorrelationMethod::pearson
                                     : analysis::CorrelationMethod::spearman;
    settings.redundancy = choose(options.redundancy, "--redundancy", {{"correlation", 0}, {"mutual-information", 1}}) == 0
                              ? analysis::RedundancyMethod::correlation
                              : analysis::RedundancyMethod::mutualInformation;
    if (settings.mutualInformation.bins < 2) throw std::invalid_argument("--mi-bins must be at least 2");
    if (!(settings.mutualInformation.redundancyThreshold > 0 && settings.mutualInformation.redundancyThreshold <= 1)) {
        throw std::invalid_argument("--mi-threshold must be in (0, 1]");
    }
    if (settings.folds < 2) throw std::invalid_argument("--folds must be at least 2");
    if (!(settings.iccThreshold >= -1 && settings.iccThreshold <= 1)) throw std::invalid_argument("--icc-threshold must be in [-1, 1]");
    if (!(settings.pThreshold > 0 && settings.pThreshold <= 1)) throw std::invalid_argument("--p-threshold must be in (0, 1]");
    if (!(settings.correlationThreshold > 0 && settings.correlationThreshold <= 1)) {
        throw std::invalid_argument("--correlation-threshold must be in (0, 1]");
    }
    if (options.threshold && !(*options.threshold > 0 && *options.threshold < 1)) {
        throw std::invalid_argument("--threshold must be strictly between 0 and 1");
    }
    return settings;
}

// The nomogram: logistic regression of the label on the rad-score (per case, from the
// training fit) and the covariates, reduced by backward stepwise AIC as R's step() does.
// Numeric covariates enter standardised (per sd); the rad-score and level indicators as they are.
struct Nomogram {
    analysis::RadScore score;
    analysis::StepwiseResult stepwise;
    std::vector<std::string> names; // of the kept terms
    double threshold = 0.5;         // Youden cut-off of its (training) probabilities
    double auc = 0.0;               // on the training cases
};

std::optional<Nomogram> fitNomogram(const FeatureTable& table, const analysis::TrainingResult& result) {
    if (table.covariates.empty()) return std::nullopt;
    const Eigen::Index cases = table.data.features.rows();
    Eigen::MatrixXd design(cases, static_cast<Eigen::Index>(1 + table.covariates.size()));
    std::vector<std::string> names{"rad-score"};
    std::vector<analysis::ModelInput> terms(1);
    terms[0].radScore = "rad-score";
    for (Eigen::Index i = 0; i < cases; ++i) {
        double score = result.intercept;
        for (std::size_t s = 0; s < result.selected.size(); ++s) {
            score += result.coefficients[s] * (table.data.features(i, static_cast<Eigen::Index>(result.selected[s])) - result.means[s]) / result.sds[s];
        }
        design(i, 0) = score;
    }
    for (std::size_t c = 0; c < table.covariates.size(); ++c) {
        analysis::ModelInput term = table.covariates[c].term;
        const Eigen::Map<const Eigen::VectorXd> values(table.covariates[c].values.data(), cases);
        if (term.level.empty()) {
            term.mean = values.mean();
            term.sd = std::sqrt((values.array() - term.mean).square().mean());
            if (!(term.sd > 0)) throw std::invalid_argument("covariate '" + term.covariate + "' has the same value in every case");
        }
        design.col(static_cast<Eigen::Index>(c + 1)) = (values.array() - term.mean) / term.sd;
        names.push_back(table.covariates[c].name);
        terms.push_back(term);
    }
    Nomogram nomogram;
    nomogram.stepwise = analysis::backwardStepwiseAic(design, table.data.labels, names);
    if (!nomogram.stepwise.fit.converged) {
        throw std::invalid_argument("the nomogram's logistic fit does not converge (the outcome is separated by a covariate?)");
    }
    nomogram.score.name = "nomogram";
    nomogram.score.intercept = nomogram.stepwise.fit.intercept;
    for (std::size_t k = 0; k < nomogram.stepwise.kept.size(); ++k) {
        analysis::ModelInput term = terms[nomogram.stepwise.kept[k]];
        term.coefficient = nomogram.stepwise.fit.coefficients[static_cast<Eigen::Index>(k)];
        nomogram.score.inputs.push_back(term);
        nomogram.names.push_back(names[nomogram.stepwise.kept[k]]);
    }
    std::vector<double> probabilities;
    for (Eigen::Index i = 0; i < cases; ++i) {
        double eta = nomogram.score.intercept;
        for (std::size_t k = 0; k < nomogram.stepwise.kept.size(); ++k) {
            eta += nomogram.score.inputs[k].coefficient * design(i, static_cast<Eigen::Index>(nomogram.stepwise.kept[k]));
        }
        probabilities.push_back(1.0 / (1.0 + std::exp(-eta)));
    }
    nomogram.auc = analysis::delongAuc(probabilities, table.data.labels).auc;
    const double youden = analysis::youdenCutoff(analysis::rocCurve(probabilities, table.data.labels)).threshold;
    nomogram.threshold = youden > 0 && youden < 1 ? youden : 0.5;
    return nomogram;
}

analysis::Model buildModel(const TrainOptions& options, const FeatureTable& table, const analysis::TrainingResult& result,
                           const std::optional<Nomogram>& nomogram) {
    const auto cases = table.data.labels.size();
    const auto events = static_cast<std::size_t>(std::count(table.data.labels.begin(), table.data.labels.end(), 1));
    const std::string lambdaName = options.lambda == "min" ? "lambda.min" : "lambda.1se";

    analysis::Model model;
    model.name = options.name.empty() ? std::filesystem::path(options.out).stem().string() : options.name;
    model.version = options.version;
    model.intendedUse = "research";
    model.description = options.description.empty()
                            ? std::string(options.synthetic ? "Synthetic data, for demonstration only. " : "") +
                                  "LASSO logistic rad-score (" + lambdaName + " " + format("%.4g", result.lambda) + ", " +
                                  std::to_string(options.settings.folds) + "-fold CV, seed " + std::to_string(options.settings.seed) +
                                  (options.final == "refit" ? ", unpenalised refit" : "") + "), " +
                                  std::to_string(result.selected.size()) + " of " + std::to_string(table.inputs.size()) +
                                  " features" +
                                  (nomogram ? "; nomogram with " + std::to_string(nomogram->names.size()) +
                                                  " terms by backward stepwise AIC (training AUC " + format("%.3f", nomogram->auc) + ")"
                                            : std::string()) +
                                  "; trained by radnode train"
                            : options.description;
    model.trainingCohort = std::string(options.synthetic ? "synthetic cohort: " : "") + std::to_string(cases) + " cases, " +
                           std::to_string(events) + " events (" + options.labelColumn + " = 1), from " +
                           std::filesystem::path(options.features).filename().string();
    model.validation = std::to_string(options.settings.folds) + "-fold cross-validated AUC " +
                       format("%.3f", result.crossValidatedAuc.auc) + " (DeLong 95 % CI " +
                       format("%.3f", result.crossValidatedAuc.ciLower) + "-" + format("%.3f", result.crossValidatedAuc.ciUpper) +
                       "), n=" + std::to_string(cases) + "; optimistic: the filters saw every case";
    model.validationAuc = analysis::ValidationAuc{result.crossValidatedAuc.auc, result.crossValidatedAuc.ciLower,
                                                  result.crossValidatedAuc.ciUpper};
    model.modality = options.modality;
    model.segmentation = options.segmentation;

    analysis::RadScore score;
    score.intercept = result.intercept;
    for (std::size_t s = 0; s < result.selected.size(); ++s) {
        analysis::ModelInput input = table.inputs[result.selected[s]];
        input.mean = result.means[s];
        input.sd = result.sds[s];
        input.coefficient = result.coefficients[s];
        score.inputs.push_back(input);
    }
    model.first.radScores = {score};
    model.first.thresholds = {options.threshold ? analysis::ModelThreshold{"given", *options.threshold}
                                                : analysis::ModelThreshold{"youden-cv", result.youdenThreshold}};
    if (nomogram) {
        model.first.nomogram = nomogram->score;
        if (!options.threshold) model.first.thresholds = {analysis::ModelThreshold{"youden-training", nomogram->threshold}};
    }
    model.first.negativeClass = options.negativeClass;
    model.first.positiveClass = options.positiveClass;
    return model;
}

// The pipeline's report: cohort, filters, lambda, CV AUC and the LASSO rad-score.
void printTrainingSteps(std::ostream& out, const TrainOptions& options, const FeatureTable& table,
                        const analysis::TrainingResult& result) {
    const auto cases = table.data.labels.size();
    const auto events = static_cast<std::size_t>(std::count(table.data.labels.begin(), table.data.labels.end(), 1));
    out << "cases: " << cases << " (" << events << " events)";
    if (table.unlabelled) out << "; " << table.unlabelled << " rows without a label left out";
    out << "\n";
    std::map<std::string, std::size_t> droppedBy;
    for (const auto& decision : result.decisions) {
        if (decision.dropped.empty()) continue;
        const std::string reason = decision.dropped.substr(0, decision.dropped.find(' '));
        ++droppedBy[reason == "|r|" ? "correlation" : reason == "MI" || reason == "MI:" ? "mutual-information" : reason];
    }
    out << "features: " << table.inputs.size() << "; to LASSO after the filters: " << result.candidates.size() << "; dropped:";
    for (const auto& [reason, count] : droppedBy) out << " " << reason << " " << count;
    out << "\n";
    out << "lambda: " << format("%.6g", result.lambda) << " (" << (options.lambda == "min" ? "lambda.min" : "lambda.1se")
        << "; lambda.min " << format("%.6g", result.cv.lambdaMin()) << ", lambda.1se " << format("%.6g", result.cv.lambda1se())
        << ", " << options.settings.folds << " folds, seed " << options.settings.seed << ")\n";
    out << "cross-validated AUC: " << format("%.3f", result.crossValidatedAuc.auc) << " (DeLong 95 % CI "
        << format("%.3f", result.crossValidatedAuc.ciLower) << "-" << format("%.3f", result.crossValidatedAuc.ciUpper) << ")\n";
    out << "rad-score = " << format("%.6g", result.intercept) << " + sum(coefficient * (value - mean) / sd), "
        << (options.final == "refit" ? "unpenalised refit" : "LASSO coefficients") << ":\n";
    for (std::size_t s = 0; s < result.selected.size(); ++s) {
        out << "  " << format("%+.6f", result.coefficients[s]) << "  " << table.data.featureNames[result.selected[s]];
        if (result.refit) out << "  (Wald p " << format("%.3g", result.refit->pValues[static_cast<Eigen::Index>(s)]) << ")";
        out << "\n";
    }
}

// The nomogram, the threshold and the file written.
void printModelSummary(std::ostream& out, const TrainOptions& options, const std::optional<Nomogram>& nomogram,
                       const analysis::Model& model) {
    if (nomogram) {
        for (const auto& line : nomogram->stepwise.trace) out << "nomogram step: " << line << "\n";
        out << "nomogram = " << format("%.6g", nomogram->score.intercept) << " + (training AUC " << format("%.3f", nomogram->auc)
            << ", AIC " << format("%.2f", nomogram->stepwise.fit.aic) << "):\n";
        for (std::size_t k = 0; k < nomogram->names.size(); ++k) {
            out << "  " << format("%+.6f", nomogram->score.inputs[k].coefficient) << "  " << nomogram->names[k] << "  (Wald p "
                << format("%.3g", nomogram->stepwise.fit.pValues[static_cast<Eigen::Index>(k)]) << ")\n";
        }
        if (nomogram->names.empty()) out << "  (no term lowers the AIC: intercept only)\n";
    }
    out << "threshold: " << format("%.4f", model.first.thresholds.front().value) << " ("
        << model.first.thresholds.front().name << ")\n";
    out << "model file: " << options.out << " (" << model.name << " v" << model.version << ")\n";
}

// ---- Comparison of model families (--families, --roi-sets, --svm-rfe, --validation-column) ----

std::vector<std::string> split(const std::string& text, char separator) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (std::size_t at = text.find(separator); at != std::string::npos; at = text.find(separator, start)) {
        parts.push_back(text.substr(start, at - start));
        start = at + 1;
    }
    parts.push_back(text.substr(start));
    return parts;
}

// A comma-separated list of positive numbers (--svm-costs, --svm-gammas).
std::vector<double> positiveNumbers(const std::string& text, const std::string& option) {
    std::vector<double> numbers;
    for (const auto& part : split(text, ',')) {
        const auto number = parseCsvNumber(part);
        if (!number || !(*number > 0)) throw std::invalid_argument(option + ": '" + part + "' is not a positive number");
        numbers.push_back(*number);
    }
    return numbers;
}

analysis::ComparisonSettings comparisonSettings(const TrainOptions& options) {
    analysis::ComparisonSettings settings;
    settings.svm.seed = options.settings.seed;
    settings.boostedTrees = options.trees;
    settings.boostedTrees.seed = options.settings.seed;
    if (options.classWeights == "balanced") {
        settings.svm.balancedClassWeights = true;
        settings.boostedTrees.balancedClassWeights = true;
    } else if (options.classWeights != "none") {
        throw std::invalid_argument("--class-weights: '" + options.classWeights + "' is not none or balanced");
    }
    if (!options.svmCosts.empty()) settings.svmGrid.costs = positiveNumbers(options.svmCosts, "--svm-costs");
    if (!options.svmGammas.empty()) settings.svmGrid.gammas = positiveNumbers(options.svmGammas, "--svm-gammas");
    const auto& trees = settings.boostedTrees;
    if (trees.maxDepth < 1) throw std::invalid_argument("--trees-depth must be at least 1");
    if (!(trees.learningRate > 0 && trees.learningRate <= 1)) throw std::invalid_argument("--trees-eta must be in (0, 1]");
    if (trees.maxRounds < 1) throw std::invalid_argument("--trees-max-rounds must be at least 1");
    return settings;
}

std::vector<analysis::ClassifierFamily> parseFamilies(const std::string& text) {
    if (text.empty()) return {analysis::ClassifierFamily::logistic};
    std::vector<analysis::ClassifierFamily> families;
    for (const auto& name : split(text, ',')) {
        const auto family = analysis::parseClassifierFamily(name);
        if (!family) {
            throw std::invalid_argument("--families: '" + name + "' is not one of logistic, svm-linear, svm-rbf, boosted-trees");
        }
        if (std::find(families.begin(), families.end(), *family) != families.end()) {
            throw std::invalid_argument("--families names '" + name + "' twice");
        }
        families.push_back(*family);
    }
    return families;
}

// An ROI set: the feature columns whose roi is one of `rois`; named as given ("tumor,tumor+10mm").
struct RoiSet {
    std::string name;
    std::vector<std::string> rois; // empty: every column ("all")
};

std::vector<RoiSet> parseRoiSets(const std::string& text) {
    if (text.empty()) return {RoiSet{"all", {}}};
    std::vector<RoiSet> sets;
    for (const auto& name : split(text, ';')) {
        RoiSet set{name, split(name, ',')};
        for (const auto& roi : set.rois) {
            if (roi.empty() || roi.find('/') != std::string::npos) {
                throw std::invalid_argument("--roi-sets: '" + name + "' is not a comma-separated list of ROI names");
            }
        }
        for (const auto& other : sets) {
            if (other.name == name) throw std::invalid_argument("--roi-sets names '" + name + "' twice");
        }
        sets.push_back(set);
    }
    return sets;
}

// The held-out cases (--validation-column), taken out of the table, which keeps the training cases.
struct HeldOutCases {
    Eigen::MatrixXd features; // cases x the table's feature columns
    std::vector<int> labels;
};

HeldOutCases splitHeldOut(const TrainOptions& options, FeatureTable& table) {
    HeldOutCases heldOut;
    if (table.heldOut.empty()) return heldOut;
    std::vector<std::size_t> trainRows, heldOutRows, newIndex(table.heldOut.size(), 0);
    for (std::size_t i = 0; i < table.heldOut.size(); ++i) {
        newIndex[i] = trainRows.size();
        (table.heldOut[i] ? heldOutRows : trainRows).push_back(i);
    }
    const auto events = [](const std::vector<int>& labels) { return std::count(labels.begin(), labels.end(), 1); };
    const auto take = [](const Eigen::MatrixXd& x, const std::vector<std::size_t>& rows) {
        Eigen::MatrixXd taken(static_cast<Eigen::Index>(rows.size()), x.cols());
        for (std::size_t r = 0; r < rows.size(); ++r) taken.row(static_cast<Eigen::Index>(r)) = x.row(static_cast<Eigen::Index>(rows[r]));
        return taken;
    };
    heldOut.features = take(table.data.features, heldOutRows);
    for (const std::size_t i : heldOutRows) heldOut.labels.push_back(table.data.labels[i]);
    std::vector<int> trainLabels;
    for (const std::size_t i : trainRows) trainLabels.push_back(table.data.labels[i]);
    const auto heldOutEvents = events(heldOut.labels), trainEvents = events(trainLabels);
    if (heldOutEvents < 1 || heldOut.labels.size() - static_cast<std::size_t>(heldOutEvents) < 1 || trainEvents < 2 ||
        trainLabels.size() - static_cast<std::size_t>(trainEvents) < 2) {
        throw std::invalid_argument("--validation-column '" + options.validationColumn +
                                    "': the validation cases need both labels and the training cases two of each; found " +
                                    std::to_string(heldOut.labels.size()) + " validation (" + std::to_string(heldOutEvents) +
                                    " labelled 1) and " + std::to_string(trainLabels.size()) + " training (" +
                                    std::to_string(trainEvents) + " labelled 1)");
    }
    table.data.features = take(table.data.features, trainRows);
    table.data.labels = trainLabels;
    if (!table.ids.empty()) {
        std::vector<std::string> ids;
        for (const std::size_t i : trainRows) ids.push_back(table.ids[i]);
        table.ids = ids;
    }
    for (auto& covariate : table.covariates) {
        std::vector<double> values;
        for (const std::size_t i : trainRows) values.push_back(covariate.values[i]);
        covariate.values = values;
    }
    // Repeated segmentations of held-out cases are not used: the filters see training cases only.
    std::vector<std::size_t> repeatCases, repeatRows;
    for (std::size_t r = 0; r < table.data.repeatCases.size(); ++r) {
        if (table.heldOut[table.data.repeatCases[r]]) continue;
        repeatCases.push_back(newIndex[table.data.repeatCases[r]]);
        repeatRows.push_back(r);
    }
    if (!table.data.repeatCases.empty()) {
        if (repeatCases.size() < 2) throw std::invalid_argument("--repeat-features: the ICC needs at least 2 repeated training cases");
        table.data.repeatFeatures = take(table.data.repeatFeatures, repeatRows);
        table.data.repeatCases = repeatCases;
    }
    table.heldOut.assign(trainRows.size(), false);
    return heldOut;
}

// One ROI set through the pipeline, and every requested family on its columns.
struct RoiSetRun {
    RoiSet set;
    FeatureTable table;             // training cases, this set's columns
    Eigen::MatrixXd heldOut;        // held-out cases, this set's columns (0 rows without)
    analysis::TrainingResult training;
    std::optional<analysis::SvmRfeResult> rfe;
    // The columns the families other than LASSO-logistic get (indices into table's columns),
    // and their standardisation over the training cases.
    std::vector<std::size_t> familyColumns;
    std::vector<double> means, sds;
    std::vector<analysis::FamilyComparison> families;
};

FeatureTable roiSetTable(const FeatureTable& table, const HeldOutCases& heldOut, const RoiSet& set, Eigen::MatrixXd& heldOutColumns) {
    std::vector<std::size_t> columns;
    for (std::size_t c = 0; c < table.inputs.size(); ++c) {
        if (set.rois.empty() || std::find(set.rois.begin(), set.rois.end(), table.inputs[c].roi) != set.rois.end()) columns.push_back(c);
    }
    if (columns.empty()) throw std::invalid_argument("--roi-sets: no feature column has its roi in '" + set.name + "'");
    FeatureTable subset = table;
    subset.inputs.clear();
    subset.data.featureNames.clear();
    subset.data.features.resize(table.data.features.rows(), static_cast<Eigen::Index>(columns.size()));
    subset.data.repeatFeatures.resize(table.data.repeatFeatures.rows(), static_cast<Eigen::Index>(columns.size()));
    heldOutColumns.resize(heldOut.features.rows(), static_cast<Eigen::Index>(columns.size()));
    for (std::size_t k = 0; k < columns.size(); ++k) {
        const auto from = static_cast<Eigen::Index>(columns[k]), to = static_cast<Eigen::Index>(k);
        subset.inputs.push_back(table.inputs[columns[k]]);
        subset.data.featureNames.push_back(table.data.featureNames[columns[k]]);
        subset.data.features.col(to) = table.data.features.col(from);
        if (table.data.repeatFeatures.rows() > 0) subset.data.repeatFeatures.col(to) = table.data.repeatFeatures.col(from);
        if (heldOut.features.rows() > 0) heldOutColumns.col(to) = heldOut.features.col(from);
    }
    return subset;
}

double logistic(double eta) { return 1.0 / (1.0 + std::exp(-eta)); }

// The LASSO rad-score's probabilities on raw feature rows of the set's columns.
std::vector<double> radScoreProbabilities(const analysis::TrainingResult& result, const Eigen::MatrixXd& x) {
    std::vector<double> probabilities;
    for (Eigen::Index i = 0; i < x.rows(); ++i) {
        double eta = result.intercept;
        for (std::size_t s = 0; s < result.selected.size(); ++s) {
            eta += result.coefficients[s] * (x(i, static_cast<Eigen::Index>(result.selected[s])) - result.means[s]) / result.sds[s];
        }
        probabilities.push_back(logistic(eta));
    }
    return probabilities;
}

Eigen::MatrixXd standardisedColumns(const Eigen::MatrixXd& x, const RoiSetRun& run) {
    Eigen::MatrixXd result(x.rows(), static_cast<Eigen::Index>(run.familyColumns.size()));
    for (std::size_t k = 0; k < run.familyColumns.size(); ++k) {
        result.col(static_cast<Eigen::Index>(k)) = (x.col(static_cast<Eigen::Index>(run.familyColumns[k])).array() - run.means[k]) / run.sds[k];
    }
    return result;
}

// Which columns the families share. Without --svm-rfe the LASSO-logistic model keeps LASSO's
// features and the other families get the filters' candidates, before LASSO: LASSO is a linear
// selector and drops features that act only through interactions, which is what SVMs and trees
// can use. With --svm-rfe every family gets LASSO's features reduced by SVM-RFE (He et al.).
void chooseFamilyColumns(RoiSetRun& run, bool svmRfe, const analysis::TrainingSettings& settings) {
    const Eigen::MatrixXd& x = run.table.data.features;
    const auto standardise = [&](const std::vector<std::size_t>& columns) {
        run.familyColumns = columns;
        run.means.clear();
        run.sds.clear();
        for (const std::size_t c : columns) {
            const auto column = x.col(static_cast<Eigen::Index>(c));
            const double mean = column.mean();
            run.means.push_back(mean);
            run.sds.push_back(std::sqrt((column.array() - mean).square().mean()));
        }
    };
    if (!svmRfe) {
        standardise(run.training.candidates);
        return;
    }
    standardise(run.training.selected);
    analysis::SvmRfeSettings rfeSettings;
    rfeSettings.svm.seed = settings.seed;
    run.rfe = analysis::svmRecursiveFeatureElimination(standardisedColumns(x, run), run.table.data.labels, run.training.cv.folds,
                                                       rfeSettings);
    std::vector<std::size_t> kept;
    for (const std::size_t k : run.rfe->selected) kept.push_back(run.training.selected[k]);
    standardise(kept);
}

RoiSetRun runRoiSet(const TrainOptions& options, const FeatureTable& table, const HeldOutCases& heldOut, const RoiSet& set,
                    const std::vector<analysis::ClassifierFamily>& families) {
    RoiSetRun run;
    run.set = set;
    run.table = roiSetTable(table, heldOut, set, run.heldOut);
    const std::string where = set.rois.empty() ? options.features : options.features + ", ROI set " + set.name;
    try {
        run.training = analysis::trainRadiomicsModel(run.table.data, options.settings);
    } catch (const std::runtime_error& error) {
        throw std::invalid_argument(std::string(error.what()) + " (" + where + ")");
    }
    chooseFamilyColumns(run, options.svmRfe, options.settings);
    std::vector<std::size_t> used = run.familyColumns;
    used.insert(used.end(), run.training.selected.begin(), run.training.selected.end());
    for (const std::size_t c : used) {
        if (!run.heldOut.col(static_cast<Eigen::Index>(c)).allFinite()) {
            throw std::invalid_argument("--validation-column: a validation case has no value for " + run.table.data.featureNames[c] +
                                        " (" + where + ")");
        }
    }

    analysis::ComparisonData data;
    data.training = standardisedColumns(run.table.data.features, run);
    data.labels = run.table.data.labels;
    data.folds = run.training.cv.folds; // the folds LASSO used: every family shares them
    data.heldOut = standardisedColumns(run.heldOut, run);
    data.heldOutLabels = heldOut.labels;
    const analysis::ComparisonSettings settings = comparisonSettings(options);
    for (const auto family : families) {
        try {
            if (family == analysis::ClassifierFamily::logistic && !options.svmRfe) {
                analysis::FamilyPredictions predictions;
                predictions.training = radScoreProbabilities(run.training, run.table.data.features);
                const Eigen::VectorXd outOfFold = run.training.cv.outOfFoldLinearPredictor.col(static_cast<Eigen::Index>(run.training.lambdaIndex));
                for (Eigen::Index i = 0; i < outOfFold.size(); ++i) predictions.outOfFold.push_back(logistic(outOfFold[i]));
                predictions.heldOut = radScoreProbabilities(run.training, run.heldOut);
                run.families.push_back(analysis::evaluateFamily(family, predictions, data.labels, data.heldOutLabels));
                run.families.back().fitted = std::string("LASSO at ") + (options.lambda == "min" ? "lambda.min " : "lambda.1se ") +
                                             format("%.4g", run.training.lambda);
            } else {
                run.families.push_back(analysis::fitFamily(family, data, settings));
            }
        } catch (const std::exception& error) {
            throw std::invalid_argument(std::string(error.what()) + " (" + where + ")");
        }
    }
    return run;
}

// The table the papers print: per family and ROI set, training (apparent), cross-validated
// (out of fold) and held-out rows.
struct ComparisonRow {
    const RoiSetRun* run;
    const analysis::FamilyComparison* family;
    std::string cohort;
    const analysis::ClassificationMetrics* metrics;
};

std::vector<ComparisonRow> comparisonRows(const std::vector<RoiSetRun>& runs) {
    std::vector<ComparisonRow> rows;
    for (const auto& run : runs) {
        for (const auto& family : run.families) {
            rows.push_back({&run, &family, "train", &family.training});
            rows.push_back({&run, &family, "cross-validated", &family.crossValidated});
            if (family.heldOut) rows.push_back({&run, &family, "held-out", &*family.heldOut});
        }
    }
    return rows;
}

std::size_t featureCount(const RoiSetRun& run, const analysis::FamilyComparison& family) {
    return family.family == analysis::ClassifierFamily::logistic && !run.rfe ? run.training.selected.size() : run.familyColumns.size();
}

void printComparison(std::ostream& out, const TrainOptions& options, const std::vector<RoiSetRun>& runs,
                     const RoiSetRun& chosenRun, const analysis::FamilyComparison& chosen) {
    out << "comparison (" << options.settings.folds << "-fold cross-validation on the same folds, seed " << options.settings.seed
        << "; threshold: Youden cut-off of the training predictions):\n";
    char line[256];
    std::snprintf(line, sizeof line, "  %-14s %-20s %-16s %5s %6s %6s %6s  %s\n", "family", "ROI set", "cases", "n", "sens", "spec",
                  "acc", "AUC (95 % CI)");
    out << line;
    for (const auto& row : comparisonRows(runs)) {
        const bool isChosen = row.run == &chosenRun && row.family == &chosen;
        const auto& m = *row.metrics;
        std::snprintf(line, sizeof line, "%s %-14s %-20s %-16s %5zu %6.3f %6.3f %6.3f  %.3f (%.3f-%.3f)\n", isChosen ? "*" : " ",
                      analysis::classifierFamilyName(row.family->family).c_str(), row.run->set.name.c_str(), row.cohort.c_str(), m.cases,
                      m.sensitivity, m.specificity, m.accuracy, m.auc.auc, m.auc.ciLower, m.auc.ciUpper);
        out << line;
    }
    for (const auto& run : runs) {
        for (const auto& family : run.families) {
            out << "  " << analysis::classifierFamilyName(family.family) << " / " << run.set.name << ": " << featureCount(run, family)
                << " features, " << family.fitted << ", threshold " << format("%.4f", family.threshold) << "\n";
        }
    }
}

void writeComparisonCsv(const TrainOptions& options, const std::vector<RoiSetRun>& runs, const RoiSetRun& chosenRun,
                        const analysis::FamilyComparison& chosen) {
    std::ofstream out(options.comparisonCsv);
    if (!out) throw std::invalid_argument("--comparison-csv: cannot write " + options.comparisonCsv);
    out << "family,roi_set,cases,n,events,features,threshold,sensitivity,specificity,accuracy,auc,auc_ci_lower,auc_ci_upper,fitted,chosen\n";
    for (const auto& row : comparisonRows(runs)) {
        const auto& m = *row.metrics;
        out << analysis::classifierFamilyName(row.family->family) << ',' << csvField(row.run->set.name) << ',' << row.cohort << ','
            << m.cases << ',' << m.events << ',' << featureCount(*row.run, *row.family) << ',' << format("%.6g", row.family->threshold)
            << ',' << format("%.6g", m.sensitivity) << ',' << format("%.6g", m.specificity) << ',' << format("%.6g", m.accuracy) << ','
            << format("%.6g", m.auc.auc) << ',' << format("%.6g", m.auc.ciLower) << ',' << format("%.6g", m.auc.ciUpper) << ','
            << csvField(row.family->fitted) << ',' << (row.run == &chosenRun && row.family == &chosen ? 1 : 0) << '\n';
    }
    if (!out) throw std::invalid_argument("--comparison-csv: cannot write " + options.comparisonCsv);
}

// --choose FAMILY[/ROISET], checked before anything is fitted.
struct Choice {
    std::optional<analysis::ClassifierFamily> family;
    std::string roiSet; // empty: any
};

Choice parseChoice(const std::string& text, const std::vector<analysis::ClassifierFamily>& families, const std::vector<RoiSet>& sets) {
    Choice choice;
    if (text.empty()) return choice;
    const std::size_t slash = text.find('/');
    const std::string familyName = text.substr(0, slash);
    choice.family = analysis::parseClassifierFamily(familyName);
    if (!choice.family || std::find(families.begin(), families.end(), *choice.family) == families.end()) {
        throw std::invalid_argument("--choose: '" + familyName + "' is not one of the --families fitted");
    }
    if (slash != std::string::npos) {
        choice.roiSet = text.substr(slash + 1);
        const bool known = std::any_of(sets.begin(), sets.end(), [&](const RoiSet& set) { return set.name == choice.roiSet; });
        if (!known) throw std::invalid_argument("--choose: '" + choice.roiSet + "' is not one of the --roi-sets");
    }
    return choice;
}

// The chosen family and ROI set: as --choose says, among those the best cross-validated AUC
// (the first in the given order on a tie). A held-out set never takes part in the choice, so
// its figures stay an honest check of the chosen model.
std::pair<const RoiSetRun*, const analysis::FamilyComparison*> chooseModel(const std::vector<RoiSetRun>& runs, const Choice& choice) {
    std::pair<const RoiSetRun*, const analysis::FamilyComparison*> best{nullptr, nullptr};
    for (const auto& run : runs) {
        if (!choice.roiSet.empty() && run.set.name != choice.roiSet) continue;
        for (const auto& family : run.families) {
            if (choice.family && family.family != *choice.family) continue;
            if (!best.second || family.crossValidated.auc.auc > best.second->crossValidated.auc.auc) best = {&run, &family};
        }
    }
    return best;
}

std::string familyDescription(analysis::ClassifierFamily family) {
    switch (family) {
    case analysis::ClassifierFamily::logistic: return "logistic regression";
    case analysis::ClassifierFamily::svmLinear: return "SVM (linear kernel)";
    case analysis::ClassifierFamily::svmRbf: return "SVM (RBF kernel)";
    case analysis::ClassifierFamily::boostedTrees: return "gradient-boosted trees (XGBoost)";
    }
    return "";
}

// The model file of a family other than the LASSO-logistic rad-score: its fitted model over
// the family's columns with their training means and sds; the threshold is the Youden cut-off
// of its out-of-fold probabilities, as the LASSO-logistic model's is.
analysis::Model buildFamilyModel(const TrainOptions& options, const RoiSetRun& run, const analysis::FamilyComparison& chosen,
                                 const std::vector<analysis::ClassifierFamily>& families) {
    const auto cases = run.table.data.labels.size();
    const auto events = static_cast<std::size_t>(std::count(run.table.data.labels.begin(), run.table.data.labels.end(), 1));
    analysis::Model model;
    model.name = options.name.empty() ? std::filesystem::path(options.out).stem().string() : options.name;
    model.version = options.version;
    model.intendedUse = "research";
    std::string compared;
    for (const auto family : families) compared += (compared.empty() ? "" : ", ") + analysis::classifierFamilyName(family);
    model.description = options.description.empty()
                            ? std::string(options.synthetic ? "Synthetic data, for demonstration only. " : "") +
                                  familyDescription(chosen.family) + " rad-score (" + chosen.fitted + "), " +
                                  std::to_string(run.familyColumns.size()) + " of " + std::to_string(run.table.inputs.size()) +
                                  " features (" + (run.rfe ? "LASSO then SVM-RFE" : "the filters' candidates") + ", ROI set " +
                                  run.set.name + "); chosen among " + compared + " on the same " +
                                  std::to_string(options.settings.folds) + " folds (seed " + std::to_string(options.settings.seed) +
                                  "); trained by radnode train"
                            : options.description;
    model.trainingCohort = std::string(options.synthetic ? "synthetic cohort: " : "") + std::to_string(cases) + " cases, " +
                           std::to_string(events) + " events (" + options.labelColumn + " = 1), from " +
                           std::filesystem::path(options.features).filename().string();
    const auto& cv = chosen.crossValidated.auc;
    model.validation = std::to_string(options.settings.folds) + "-fold cross-validated AUC " + format("%.3f", cv.auc) +
                       " (DeLong 95 % CI " + format("%.3f", cv.ciLower) + "-" + format("%.3f", cv.ciUpper) + "), n=" +
                       std::to_string(cases) + "; optimistic: the filters saw every case";
    model.validationAuc = analysis::ValidationAuc{cv.auc, cv.ciLower, cv.ciUpper};
    model.modality = options.modality;
    model.segmentation = options.segmentation;

    analysis::RadScore score;
    for (std::size_t k = 0; k < run.familyColumns.size(); ++k) {
        analysis::ModelInput input = run.table.inputs[run.familyColumns[k]];
        input.mean = run.means[k];
        input.sd = run.sds[k];
        if (chosen.logistic) input.coefficient = chosen.logistic->coefficients[static_cast<Eigen::Index>(k)];
        score.inputs.push_back(input);
    }
    if (chosen.logistic) {
        score.intercept = chosen.logistic->intercept;
    } else if (chosen.svm) {
        score.family = analysis::ScoreFamily::svm;
        score.svm = chosen.svm;
    } else if (chosen.booster) {
        score.family = analysis::ScoreFamily::boostedTrees;
        score.booster = chosen.booster;
    }
    model.first.radScores = {score};
    const double youden = analysis::youdenCutoff(analysis::rocCurve(chosen.predictions.outOfFold, run.table.data.labels)).threshold;
    model.first.thresholds = {options.threshold ? analysis::ModelThreshold{"given", *options.threshold}
                                                : analysis::ModelThreshold{"youden-cv", youden > 0 && youden < 1 ? youden : 0.5}};
    model.first.negativeClass = options.negativeClass;
    model.first.positiveClass = options.positiveClass;
    return model;
}

int runComparison(const TrainOptions& options, FeatureTable& table) {
    comparisonSettings(options); // refuses bad hyper-parameters before anything is fitted
    const std::vector<analysis::ClassifierFamily> families = parseFamilies(options.families);
    const std::vector<RoiSet> sets = parseRoiSets(options.roiSets);
    const Choice choice = parseChoice(options.choose, families, sets);
    const bool onlyLogistic = choice.family == analysis::ClassifierFamily::logistic ||
                              families == std::vector<analysis::ClassifierFamily>{analysis::ClassifierFamily::logistic};
    const bool lassoLogisticOnly = onlyLogistic && !options.svmRfe;
    if (!table.covariates.empty() && !lassoLogisticOnly) {
        throw std::invalid_argument("--covariate: the nomogram is built on the LASSO-logistic rad-score; with --families add "
                                    "--choose logistic (and no --svm-rfe)");
    }
    const HeldOutCases heldOut = splitHeldOut(options, table);
    std::vector<RoiSetRun> runs;
    for (const auto& set : sets) runs.push_back(runRoiSet(options, table, heldOut, set, families));
    const auto [chosenRun, chosen] = chooseModel(runs, choice);

    std::optional<Nomogram> nomogram;
    analysis::Model model;
    if (chosen->family == analysis::ClassifierFamily::logistic && !options.svmRfe) {
        nomogram = fitNomogram(chosenRun->table, chosenRun->training);
        if (nomogram && nomogram->names.empty()) {
            throw std::invalid_argument("the nomogram keeps no term (neither the rad-score nor a covariate lowers the AIC)");
        }
        model = buildModel(options, chosenRun->table, chosenRun->training, nomogram);
    } else {
        model = buildFamilyModel(options, *chosenRun, *chosen, families);
    }
    if (chosen->heldOut) {
        const auto& auc = chosen->heldOut->auc;
        model.validation += "; held-out (" + options.validationColumn + ") AUC " + format("%.3f", auc.auc) + " (DeLong 95 % CI " +
                            format("%.3f", auc.ciLower) + "-" + format("%.3f", auc.ciUpper) + "), n=" + std::to_string(chosen->heldOut->cases);
        model.validationAuc = analysis::ValidationAuc{auc.auc, auc.ciLower, auc.ciUpper};
    }
    config::writeModelFile(model, options.out);
    if (!options.comparisonCsv.empty()) writeComparisonCsv(options, runs, *chosenRun, *chosen);

    if (!heldOut.labels.empty()) {
        std::cout << "held out (" << options.validationColumn << "): " << heldOut.labels.size() << " cases ("
                  << std::count(heldOut.labels.begin(), heldOut.labels.end(), 1) << " events)\n";
    }
    for (const auto& run : runs) {
        std::cout << "ROI set " << run.set.name << " (" << run.table.inputs.size() << " feature columns):\n";
        printTrainingSteps(std::cout, options, run.table, run.training);
        if (run.rfe) {
            std::cout << "SVM-RFE: " << run.familyColumns.size() << " of " << run.training.selected.size() << " LASSO features kept:";
            for (const std::size_t c : run.familyColumns) std::cout << " " << run.table.data.featureNames[c];
            std::cout << "\n";
        } else {
            std::cout << "other families: the " << run.familyColumns.size() << " candidates after the filters\n";
        }
    }
    printComparison(std::cout, options, runs, *chosenRun, *chosen);
    std::cout << "chosen: " << analysis::classifierFamilyName(chosen->family) << " / " << chosenRun->set.name << " ("
              << (options.choose.empty() ? "best cross-validated AUC" : "--choose " + options.choose) << ")\n";
    printModelSummary(std::cout, options, nomogram, model);
    return 0;
}

int run(TrainOptions& options) {
    options.settings = parseSettings(options);
    if (!options.repeatFeatures.empty() && options.idColumn.empty()) {
        throw std::invalid_argument("--repeat-features needs --id, the column that matches its rows to the cases");
    }
    FeatureTable table = readFeatureTable(options);
    if (!options.repeatFeatures.empty()) readRepeatFeatures(options, table);
    if (options.comparing()) return runComparison(options, table);
    analysis::TrainingResult result;
    try {
        result = analysis::trainRadiomicsModel(table.data, options.settings);
    } catch (const std::runtime_error& error) {
        throw std::invalid_argument(std::string(error.what()) + " (" + options.features + ")");
    }
    const std::optional<Nomogram> nomogram = fitNomogram(table, result);
    if (nomogram && nomogram->names.empty()) {
        throw std::invalid_argument("the nomogram keeps no term (neither the rad-score nor a covariate lowers the AIC)");
    }
    const analysis::Model model = buildModel(options, table, result, nomogram);
    config::writeModelFile(model, options.out);
    printTrainingSteps(std::cout, options, table, result);
    printModelSummary(std::cout, options, nomogram, model);
    return 0;
}

} // namespace

int runTrainCommand(int argc, char** argv) {
    TrainOptions options;
    double threshold = 0;
    po::options_description described(
        "radnode train: fit a radiomics model from a feature table with outcome labels\n"
        "(CSV, one row per case; feature columns named roi/view/feature or roi/feature, as\n"
        "`radnode export` writes them). Filters: ICC between repeated segmentations, univariate\n"
        "test against the label, correlation redundancy; then LASSO logistic regression with\n"
        "stratified k-fold cross-validation. With --families it also fits SVMs (libsvm) and\n"
        "gradient-boosted trees (XGBoost) on the same folds, prints the comparison table and keeps\n"
        "the chosen family. Writes a model file (docs/model-files.md).\n\noptions");
    described.add_options()
        ("help,h", "show this help")
        ("features", po::value(&options.features)->required(), "feature table (CSV)")
        ("label", po::value(&options.labelColumn)->required(), "outcome column: 1 positive, 0 negative, blank unknown (left out)")
        ("id", po::value(&options.idColumn), "case identifier column (needed with --repeat-features)")
        ("exclude", po::value(&options.exclude)->multitoken(), "other columns that are not features")
        ("covariate", po::value(&options.covariates)->multitoken(),
         "clinical covariate columns (ki67, us_node_status, tumour_size_mm, age, subtype): adds a nomogram of the rad-score "
         "and these, reduced by backward stepwise AIC")
        ("folds", po::value(&options.settings.folds), "cross-validation folds (default 10)")
        ("seed", po::value(&options.settings.seed), "fold assignment seed (default 20261123)")
        ("lambda", po::value(&options.lambda), "min or 1se (default): lambda.min or the sparser lambda.1se")
        ("final", po::value(&options.final),
         "lasso (default): the rad-score keeps LASSO's shrunken coefficients; refit: unpenalised logistic fit on LASSO's features")
        ("repeat-features", po::value(&options.repeatFeatures), "features of a repeated segmentation of some cases (same columns, matched by --id)")
        ("icc", po::value(&options.icc), "ICC form: 2,1 (default, absolute agreement) or 3,1 (consistency)")
        ("icc-threshold", po::value(&options.settings.iccThreshold), "keep features with ICC >= this (default 0.8)")
        ("univariate", po::value(&options.univariate), "mann-whitney (default) or anova")
        ("p-threshold", po::value(&options.settings.pThreshold), "keep features with univariate p < this (default 0.05; 1 keeps all)")
        ("correlation", po::value(&options.correlationMethod), "spearman (default) or pearson")
        ("correlation-threshold", po::value(&options.settings.correlationThreshold),
         "of features with |r| above this keep the one with the smaller p (default 0.9)")
        ("threshold", po::value(&threshold), "the model's probability threshold (default: Youden cut-off of the cross-validated predictions)")
        ("name", po::value(&options.name), "model name (default: the output file's stem)")
        ("version", po::value(&options.version), "model version (default 1)")
        ("description", po::value(&options.description), "model description (default: how it was trained)")
        ("modality", po::value(&options.modality), "modality the model applies to (US, MG; default any)")
        ("segmentation", po::value(&options.segmentation), "segmentation the model needs (free text)")
        ("negative-class", po::value(&options.negativeClass), "name of label 0 (default N0)")
        ("positive-class", po::value(&options.positiveClass), "name of label 1 (default N+)")
        ("synthetic", po::bool_switch(&options.synthetic), "the cohort is synthetic: the model's metadata says so")
        ("redundancy", po::value(&options.redundancy),
         "correlation (default) or mutual-information: of redundant features keep the one more associated with the label")
        ("mi-bins", po::value(&options.settings.mutualInformation.bins), "equal-frequency bins for mutual information (default 10)")
        ("mi-threshold", po::value(&options.settings.mutualInformation.redundancyThreshold),
         "redundant when MI exceeds this fraction of the smaller entropy (default 0.8)")
        ("families", po::value(&options.families),
         "comma-separated model families to compare on the same folds: logistic, svm-linear, svm-rbf, boosted-trees "
         "(default logistic only); prints the comparison table")
        ("roi-sets", po::value(&options.roiSets),
         "ROI sets, ';'-separated lists of ROIs (\"tumor;tumor,tumor+10mm\"): each set's columns go through the filters "
         "and the families separately")
        ("svm-rfe", po::bool_switch(&options.svmRfe), "SVM recursive feature elimination after LASSO; every family gets its features")
        ("validation-column", po::value(&options.validationColumn),
         "column marking held-out validation cases (train/validation or 0/1): fit on the rest, report both")
        ("comparison-csv", po::value(&options.comparisonCsv), "also write the comparison table as CSV")
        ("class-weights", po::value(&options.classWeights),
         "none (default) or balanced: SVM and boosted-tree classes weighted n / (2 n_class), as scikit-learn's \"balanced\"")
        ("svm-costs", po::value(&options.svmCosts), "SVM C values tried by cross-validation (default 0.01,0.1,1,10,100)")
        ("svm-gammas", po::value(&options.svmGammas),
         "RBF gamma values tried by cross-validation (default: scikit-learn's \"scale\" times 0.1, 1, 10)")
        ("trees-depth", po::value(&options.trees.maxDepth), "boosted trees: maximum depth (default 3)")
        ("trees-eta", po::value(&options.trees.learningRate), "boosted trees: learning rate (default 0.1)")
        ("trees-max-rounds", po::value(&options.trees.maxRounds),
         "boosted trees: most rounds; early stopping on the cross-validated log loss picks fewer (default 500)")
        ("choose", po::value(&options.choose),
         "FAMILY[/ROISET] to write as the model file (default: the best cross-validated AUC)")
        ("out", po::value(&options.out)->required(), "model file to write (YAML)");
    po::variables_map values;
    if (const auto exitCode = parseOptions("train", argc, argv, described, values)) return *exitCode;
    if (values.count("threshold")) options.threshold = threshold;
    for (const char* option : {"class-weights", "svm-costs", "svm-gammas", "trees-depth", "trees-eta", "trees-max-rounds"}) {
        if (values.count(option) && options.families.empty()) {
            std::cerr << "radnode train: --" << option << " applies to the families compared with --families "
                      << "(svm-linear, svm-rbf, boosted-trees)\n";
            return 2;
        }
    }
    try {
        return run(options);
    } catch (const std::invalid_argument& error) {
        std::cerr << "radnode train: " << error.what() << "\n";
        return 2;
    }
}

} // namespace radnode::node
