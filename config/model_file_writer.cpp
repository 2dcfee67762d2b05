#include "config/model_file_writer.h"

#include "config/model_file.h"

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

void writeInput(std::ostream& out, const analysis::ModelInput& input, const std::string& indent) {
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
    out << indent << "  coefficient: " << number(input.coefficient) << "\n";
    if (input.clipLow) out << indent << "  clip_low: " << number(*input.clipLow) << "\n";
    if (input.clipHigh) out << indent << "  clip_high: " << number(*input.clipHigh) << "\n";
}

void writeLevel(std::ostream& out, const analysis::ModelLevel& level, const std::string& indent) {
    out << indent << "rad_scores:\n";
    for (const auto& score : level.radScores) {
        out << indent << "  - name: " << quoted(score.name) << "\n";
        out << indent << "    intercept: " << number(score.intercept) << "\n";
        out << indent << "    inputs:\n";
        for (const auto& input : score.inputs) writeInput(out, input, indent + "      ");
    }
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

void writeModelFile(const analysis::Model& model, const std::filesystem::path& file) {
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
