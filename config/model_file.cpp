#include "config/model_file.h"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

namespace radnode::config {

namespace {

class ModelReader {
public:
    explicit ModelReader(std::string source) : source_(std::move(source)) {}

    [[noreturn]] void fail(const YAML::Node& node, const std::string& key, const std::string& reason) const {
        const int line = node.Mark().line >= 0 ? node.Mark().line + 1 : 0;
        throw std::invalid_argument(source_ + ":" + std::to_string(line) + ": " + key + ": " + reason);
    }

    void onlyKeys(const YAML::Node& map, const std::string& path, const std::set<std::string>& allowed) const {
        if (!map.IsMap()) fail(map, path, "must be a mapping");
        for (const auto& entry : map) {
            const auto key = entry.first.as<std::string>();
            if (!allowed.count(key)) fail(entry.first, path.empty() ? key : path + "." + key, "unknown key");
        }
    }

    std::string text(const YAML::Node& map, const std::string& key, const std::string& path, bool required,
                      const std::string& fallback = "") const {
        const YAML::Node node = map[key];
        if (!node) {
            if (required) fail(map, path + key, "is required");
            return fallback;
        }
        if (!node.IsScalar()) fail(node, path + key, "must be a string");
        return node.as<std::string>();
    }

    double number(const YAML::Node& map, const std::string& key, const std::string& path, bool required,
                  double fallback = 0.0) const {
        const YAML::Node node = map[key];
        if (!node) {
            if (required) fail(map, path + key, "is required");
            return fallback;
        }
        try {
            const double value = node.as<double>();
            if (!std::isfinite(value)) fail(node, path + key, "must be a finite number");
            return value;
        } catch (const YAML::BadConversion&) {
            fail(node, path + key, "must be a number");
        }
    }

private:
    std::string source_;
};

} // namespace

analysis::Model parseModel(const std::string& yamlText, const std::string& sourceName) {
    YAML::Node root;
    try {
        root = YAML::Load(yamlText);
    } catch (const YAML::ParserException& error) {
        throw std::invalid_argument(sourceName + ":" + std::to_string(error.mark.line + 1) + ": " + error.msg);
    }
    const ModelReader reader(sourceName);
    reader.onlyKeys(root, "", {"schema", "model"});
    const double schema = reader.number(root, "schema", "", true);
    if (schema != kModelSchemaVersion) {
        reader.fail(root["schema"], "schema", "unsupported model schema version (this radnode reads 1)");
    }
    const YAML::Node node = root["model"];
    if (!node) reader.fail(root, "model", "is required");
    reader.onlyKeys(node, "model", {"name", "version", "intended_use", "description", "training_cohort", "validation",
                                    "modality", "segmentation", "intercept", "threshold", "classes", "inputs"});
    analysis::Model model;
    model.name = reader.text(node, "name", "model.", true);
    model.version = reader.text(node, "version", "model.", true);
    model.intendedUse = reader.text(node, "intended_use", "model.", true);
    if (model.intendedUse != "research") {
        reader.fail(node["intended_use"], "model.intended_use", "radnode runs research models only: write 'research'");
    }
    model.description = reader.text(node, "description", "model.", false);
    model.trainingCohort = reader.text(node, "training_cohort", "model.", false);
    model.validation = reader.text(node, "validation", "model.", false);
    model.modality = reader.text(node, "modality", "model.", false);
    model.segmentation = reader.text(node, "segmentation", "model.", false);
    model.intercept = reader.number(node, "intercept", "model.", true);
    model.threshold = reader.number(node, "threshold", "model.", true);
    if (model.threshold <= 0.0 || model.threshold >= 1.0) {
        reader.fail(node["threshold"], "model.threshold", "must be a probability strictly between 0 and 1");
    }
    if (const YAML::Node classes = node["classes"]) {
        reader.onlyKeys(classes, "model.classes", {"negative", "positive"});
        model.negativeClass = reader.text(classes, "negative", "model.classes.", true);
        model.positiveClass = reader.text(classes, "positive", "model.classes.", true);
    }
    const YAML::Node inputs = node["inputs"];
    if (!inputs || !inputs.IsSequence() || inputs.size() == 0) {
        reader.fail(inputs ? inputs : node, "model.inputs", "must be a non-empty list");
    }
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        const YAML::Node item = inputs[i];
        const std::string path = "model.inputs[" + std::to_string(i) + "].";
        reader.onlyKeys(item, path.substr(0, path.size() - 1),
                        {"roi", "view", "feature", "mean", "sd", "coefficient", "clip_low", "clip_high"});
        analysis::ModelInput input;
        input.roi = reader.text(item, "roi", path, true);
        input.view = reader.text(item, "view", path, false);
        input.feature = reader.text(item, "feature", path, true);
        input.mean = reader.number(item, "mean", path, true);
        input.sd = reader.number(item, "sd", path, true);
        if (input.sd <= 0.0) reader.fail(item["sd"], path + "sd", "must be positive");
        input.coefficient = reader.number(item, "coefficient", path, true);
        if (item["clip_low"]) input.clipLow = reader.number(item, "clip_low", path, true);
        if (item["clip_high"]) input.clipHigh = reader.number(item, "clip_high", path, true);
        model.inputs.push_back(input);
    }
    return model;
}

analysis::Model readModelFile(const std::filesystem::path& file) {
    std::ifstream in(file);
    if (!in) throw std::invalid_argument("cannot read model file " + file.string());
    std::ostringstream text;
    text << in.rdbuf();
    return parseModel(text.str(), file.string());
}

std::vector<analysis::Model> readModelFiles(const std::vector<ModelRef>& references) {
    std::vector<analysis::Model> models;
    for (const auto& reference : references) models.push_back(readModelFile(reference.file));
    return models;
}

} // namespace radnode::config
