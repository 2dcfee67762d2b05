// `radnode train`: fits a site's own logistic radiomics model from a feature table with
// outcome labels (e.g. the output of `radnode export`): ICC, univariate and correlation
// filters, LASSO with k-fold cross-validation, optionally a nomogram of the rad-score with
// clinical covariates (backward stepwise by AIC), and writes it all as a model file.
#include "analysis/model.h"
#include "analysis/model_covariates.h"
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

void printReport(std::ostream& out, const TrainOptions& options, const FeatureTable& table, const analysis::TrainingResult& result,
                 const std::optional<Nomogram>& nomogram, const analysis::Model& model) {
    const auto cases = table.data.labels.size();
    const auto events = static_cast<std::size_t>(std::count(table.data.labels.begin(), table.data.labels.end(), 1));
    out << "cases: " << cases << " (" << events << " events)";
    if (table.unlabelled) out << "; " << table.unlabelled << " rows without a label left out";
    out << "\n";
    std::map<std::string, std::size_t> droppedBy;
    for (const auto& decision : result.decisions) {
        if (decision.dropped.empty()) continue;
        const std::string reason = decision.dropped.substr(0, decision.dropped.find(' '));
        ++droppedBy[reason == "|r|" ? "correlation" : reason];
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

int run(TrainOptions& options) {
    options.settings = parseSettings(options);
    if (!options.repeatFeatures.empty() && options.idColumn.empty()) {
        throw std::invalid_argument("--repeat-features needs --id, the column that matches its rows to the cases");
    }
    FeatureTable table = readFeatureTable(options);
    if (!options.repeatFeatures.empty()) readRepeatFeatures(options, table);
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
    printReport(std::cout, options, table, result, nomogram, model);
    return 0;
}

} // namespace

int runTrainCommand(int argc, char** argv) {
    TrainOptions options;
    double threshold = 0;
    po::options_description described(
        "radnode train: fit a logistic radiomics model from a feature table with outcome labels\n"
        "(CSV, one row per case; feature columns named roi/view/feature or roi/feature, as\n"
        "`radnode export` writes them). Filters: ICC between repeated segmentations, univariate\n"
        "test against the label, correlation redundancy; then LASSO logistic regression with\n"
        "stratified k-fold cross-validation. Writes a model file (docs/model-files.md).\n\noptions");
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
        ("out", po::value(&options.out)->required(), "model file to write (YAML)");
    po::variables_map values;
    if (const auto exitCode = parseOptions("train", argc, argv, described, values)) return *exitCode;
    if (values.count("threshold")) options.threshold = threshold;
    try {
        return run(options);
    } catch (const std::invalid_argument& error) {
        std::cerr << "radnode train: " << error.what() << "\n";
        return 2;
    }
}

} // namespace radnode::node
