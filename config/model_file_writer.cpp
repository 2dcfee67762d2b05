#include "config/model_file_writer.h"

#include "config/model_file.h"

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace radnode::config {

namespace {

// The shortest decimal text that reads back as exactly `value`.
std::string number(double value) {
    char buffer[40];
    for (int precision = 1; precision <= 17; ++precision) {
        std::snprintf(buffer, sizeof buffer, "%.*g", precision, value);
        if (std::strtod(buffer, nullptr) == value) break;
    }
    return buffer;
}

// Every string double-quoted, so no text (a name like "yes", a colon, a newline) changes type.
std::string quoted(const std::string& text) {
    std::string out = "\"";
    for (unsigned char c : text) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\t') {
            out += "\\t";
        } else if (c < 0x20) {
            char escape[8];
            std::snprintf(escape, sizeof escape, "\\x%02x", c);
            out += escape;
        } else {
            out += static_cast<char>(c);
        }
    }
    return out + "\"";
}

// `weighted`: linear rad-scores and nomogram terms carry a coefficient; SVM and boosted-trees
// inputs do not.
void writeInput(std::ostream& out, const analysis::ModelInput& input, const std::string& indent, bool weighted = true) {
    out << indent << "- ";
    if (!input.radScore.empty()) {
        out << "rad_score: " << quoted(input.radScore) << "\n";
    } else if (!input.covariate.empty()) {
        out << "covariate: " << quoted(input.covariate) << "\n";
        if (!input.level.empty()) out << indent << "  level: " << quoted(input.level) << "\n";
    } else {
        out << "roi: " << quoted(input.roi) << "\n";
        if (!input.view.empty()) out << indent << "  view: " << quoted(input.view) << "\n";
        out << indent << "  feature: " << quoted(input.feature) << "\n";
    }
    out << indent << "  mean: " << number(input.mean) << "\n";
    out << indent << "  sd: " << number(input.sd) << "\n";
    if (weighted) out << indent << "  coefficient: " << number(input.coefficient) << "\n";
    if (input.clipLow) out << indent << "  clip_low: " << number(*input.clipLow) << "\n";
    if (input.clipHigh) out << indent << "  clip_high: " << number(*input.clipHigh) << "\n";
}

std::string numberList(const std::vector<double>& values) {
    std::string text = "[";
    for (std::size_t i = 0; i < values.size(); ++i) text += (i ? ", " : "") + number(values[i]);
    return text + "]";
}

void writeSvm(std::ostream& out, const analysis::SvmClassifier& svm, const std::string& indent) {
    out << indent << "svm:\n";
    out << indent << "  kernel: " << quoted(analysis::svmKernelName(svm.kernel)) << "\n";
    if (svm.kernel == analysis::SvmKernel::rbf) out << indent << "  gamma: " << number(svm.gamma) << "\n";
    out << indent << "  rho: " << number(svm.rho) << "\n";
    if (svm.plattA && svm.plattB) {
        out << indent << "  platt: {a: " << number(*svm.plattA) << ", b: " << number(*svm.plattB) << "}\n";
    }
    // Support vectors rather than a linear kernel's weights, so the decision values read back
    // computed in the same order, to the last bit.
    out << indent << "  support_vectors:\n";
    for (std::size_t i = 0; i < svm.supportVectors.size(); ++i) {
        const double coefficient = i < svm.dualCoefficients.size() ? svm.dualCoefficients[i] : 0.0;
        out << indent << "    - {coefficient: " << number(coefficient) << ", x: " << numberList(svm.supportVectors[i]) << "}\n";
    }
}

void writeRadScore(std::ostream& out, const analysis::RadScore& score, const std::string& indent) {
    using analysis::ScoreFamily;
    out << indent << "- name: " << quoted(score.name) << "\n";
    // Linear is the default: linear models keep the bytes they had before families existed.
    if (score.family != ScoreFamily::linear) out << indent << "  family: " << quoted(analysis::scoreFamilyName(score.family)) << "\n";
    if (score.family == ScoreFamily::linear) out << indent << "  intercept: " << number(score.intercept) << "\n";
    out << indent << "  inputs:\n";
    for (const auto& input : score.inputs) writeInput(out, input, indent + "    ", score.family == ScoreFamily::linear);
    if (score.family == ScoreFamily::svm) {
        if (!score.svm) throw std::invalid_argument("rad-score " + score.name + ": family svm without a classifier");
        writeSvm(out, *score.svm, indent + "  ");
    }
    if (score.family == ScoreFamily::boostedTrees) {
        if (score.boosterFile.empty()) {
            throw std::invalid_argument("rad-score " + score.name +
                                        ": no booster file named (writeModelFile saves the booster beside the model file)");
        }
        out << indent << "  booster: " << quoted(score.boosterFile) << "\n";
    }
}

void writeLevel(std::ostream& out, const analysis::ModelLevel& level, const std::string& indent) {
    out << indent << "rad_scores:\n";
    for (const auto& score : level.radScores) writeRadScore(out, score, indent + "  ");
    if (level.nomogram) {
        out << indent << "nomogram:\n";
        out << indent << "  intercept: " << number(level.nomogram->intercept) << "\n";
        out << indent << "  terms:\n";
        for (const auto& term : level.nomogram->inputs) writeInput(out, term, indent + "    ");
    }
    out << indent << "thresholds:\n";
    for (const auto& threshold : level.thresholds) {
        out << indent << "  - {name: " << quoted(threshold.name) << ", value: " << number(threshold.value) << "}\n";
    }
    out << indent << "classes: {negative: " << quoted(level.negativeClass) << ", positive: " << quoted(level.positiveClass)
        << "}\n";
}

// The booster file of a boosted-trees rad-score, beside the model file:
// "<model file stem>[.second-level].<rad-score name>.xgboost.json", the name made file-safe.
std::string boosterFileName(const std::filesystem::path& modelFile, const analysis::RadScore& score, bool secondLevel) {
    std::string name;
    for (char c : score.name) name += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ? c : '-';
    return modelFile.stem().string() + (secondLevel ? ".second-level." : ".") + name + ".xgboost.json";
}

} // namespace

std::string modelFileYaml(const analysis::Model& model) {
    std::ostringstream out;
    out << "# radnode model file (docs/model-files.md). Research use only.\n";
    out << "schema: " << kModelSchemaVersion << "\n";
    out << "model:\n";
    out << "  name: " << quoted(model.name) << "\n";
    out << "  version: " << quoted(model.version) << "\n";
    out << "  intended_use: " << quoted(model.intendedUse) << "\n";
    out << "  description: " << quoted(model.description) << "\n";
    out << "  training_cohort: " << quoted(model.trainingCohort) << "\n";
    out << "  validation:\n";
    out << "    description: " << quoted(model.validation) << "\n";
    if (model.validationAuc) {
        out << "    auc: " << number(model.validationAuc->auc) << "\n";
        out << "    auc_ci: [" << number(model.validationAuc->ciLower) << ", " << number(model.validationAuc->ciUpper)
            << "]\n";
    }
    out << "  modality: " << quoted(model.modality) << "\n";
    out << "  segmentation: " << quoted(model.segmentation) << "\n";
    writeLevel(out, model.first, "  ");
    if (model.secondLevel) {
        out << "  second_level:\n";
        writeLevel(out, *model.secondLevel, "    ");
    }
    out << "  missing_inputs:\n";
    if (model.fallbackModel.empty()) {
        out << "    policy: not_scored\n";
    } else {
        out << "    policy: fallback\n";
        out << "    fallback_model: " << quoted(model.fallbackModel) << "\n";
    }
    out << "  robustness: {enabled: " << (model.robustness ? "true" : "false")
        << ", margin_mm: " << number(model.robustnessMarginMm) << "}\n";
    return out.str();
}

void writeModelFile(const analysis::Model& original, const std::filesystem::path& file) {
    // Boosters first, so the model file never names a booster that is not there yet.
    analysis::Model model = original;
    const auto saveBoosters = [&](analysis::ModelLevel& level, bool secondLevel) {
        for (auto& score : level.radScores) {
            if (score.family != analysis::ScoreFamily::boostedTrees) continue;
            if (!score.booster) throw std::invalid_argument("rad-score " + score.name + ": family boosted_trees without a booster");
            score.boosterFile = boosterFileName(file, score, secondLevel);
            score.booster->saveFile(file.parent_path() / score.boosterFile);
        }
    };
    saveBoosters(model.first, false);
    if (model.secondLevel) saveBoosters(*model.secondLevel, true);
    const std::string text = modelFileYaml(model);
    const std::filesystem::path temporary = file.string() + ".tmp";
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        if (!out) throw std::runtime_error("cannot write model file " + temporary.string());
        out << text;
        out.flush();
        if (!out) throw std::runtime_error("cannot write model file " + temporary.string());
    }
    std::error_code error;
    std::filesystem::rename(temporary, file, error);
    if (error) {
        std::filesystem::remove(temporary);
        throw std::runtime_error("cannot write model file " + file.string() + ": " + error.message());
    }
}

} // namespace radnode::config
