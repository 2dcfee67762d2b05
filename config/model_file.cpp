#include "config/model_file.h"

#include "analysis/model_covariates.h"
#include "analysis/model_features.h"
#include "analysis/peritumoral.h"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

namespace radnode::config {

namespace {

class ModelReader {
public:
    ModelReader(std::string source, const AnalysisConfig* analysis, std::filesystem::path baseFolder)
        : source_(std::move(source)), analysis_(analysis), baseFolder_(std::move(baseFolder)) {}

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
        return numberOf(node, path + key);
    }

    double numberOf(const YAML::Node& node, const std::string& key) const {
        try {
            const double value = node.as<double>();
            if (!std::isfinite(value)) fail(node, key, "must be a finite number");
            return value;
        } catch (const YAML::BadConversion&) {
            fail(node, key, "must be a number");
        }
    }

    bool flag(const YAML::Node& map, const std::string& key, const std::string& path, bool fallback) const {
        const YAML::Node node = map[key];
        if (!node) return fallback;
        try {
            return node.as<bool>();
        } catch (const YAML::BadConversion&) {
            fail(node, path + key, "must be true or false");
        }
    }

    // One term; `allowRadScore` says whether it may name a rad-score in this place, `weighted`
    // whether it carries a coefficient (linear rad-scores and nomograms) or must not (SVM and
    // boosted trees take the standardised values as they are).
    analysis::ModelInput input(const YAML::Node& item, const std::string& path, bool allowRadScore,
                               bool weighted = true) const {
        const std::string where = path.substr(0, path.size() - 1);
        onlyKeys(item, where, {"roi", "view", "feature", "covariate", "level", "rad_score", "mean", "sd",
                               "coefficient", "clip_low", "clip_high"});
        analysis::ModelInput input;
        const int sources = (item["feature"] ? 1 : 0) + (item["covariate"] ? 1 : 0) + (item["rad_score"] ? 1 : 0);
        if (sources != 1) {
            fail(item, where, allowRadScore ? "needs exactly one of feature (with roi), covariate, rad_score"
                                            : "needs exactly one of feature (with roi), covariate");
        }
        if (item["feature"]) {
            input.roi = text(item, "roi", path, true);
            input.view = text(item, "view", path, false);
            input.feature = text(item, "feature", path, true);
            checkRoi(item["roi"], path + "roi", input.roi);
            checkFeature(item["feature"], path + "feature", input.feature);
            if (item["level"]) fail(item["level"], path + "level", "applies to categorical covariates only");
        } else if (item["covariate"]) {
            if (item["roi"] || item["view"]) fail(item, where, "a covariate term names no roi or view");
            input.covariate = text(item, "covariate", path, true);
            input.level = text(item, "level", path, false);
            checkCovariate(item, path, input);
        } else {
            if (!allowRadScore) fail(item["rad_score"], path + "rad_score", "only nomogram terms name rad-scores");
            if (item["roi"] || item["view"] || item["level"]) fail(item, where, "a rad_score term names no roi, view or level");
            input.radScore = text(item, "rad_score", path, true);
        }
        input.mean = number(item, "mean", path, !input.radScore.empty() || !input.level.empty() ? false : true, 0.0);
        input.sd = number(item, "sd", path, !input.radScore.empty() || !input.level.empty() ? false : true, 1.0);
        if (input.sd <= 0.0) fail(item["sd"], path + "sd", "must be positive");
        if (weighted) {
            input.coefficient = number(item, "coefficient", path, true);
        } else if (item["coefficient"]) {
            fail(item["coefficient"], path + "coefficient", "applies to linear rad-scores only (this family weighs its inputs itself)");
        }
        if (item["clip_low"]) input.clipLow = number(item, "clip_low", path, true);
        if (item["clip_high"]) input.clipHigh = number(item, "clip_high", path, true);
        if (input.clipLow && input.clipHigh && *input.clipLow > *input.clipHigh) {
            fail(item["clip_low"], path + "clip_low", "is above clip_high");
        }
        return input;
    }

    analysis::RadScore radScore(const YAML::Node& node, const std::string& path, bool nomogram) const {
        const std::string where = path.substr(0, path.size() - 1);
        const std::string listKey = nomogram ? "terms" : "inputs";
        onlyKeys(node, where, nomogram ? std::set<std::string>{"intercept", "terms"}
                                       : std::set<std::string>{"name", "family", "intercept", "inputs", "svm", "booster"});
        analysis::RadScore score;
        if (nomogram) score.name = "nomogram";
        if (!nomogram) score.name = text(node, "name", path, true);
        if (node["family"]) {
            const auto family = analysis::parseScoreFamily(text(node, "family", path, true));
            if (!family) fail(node["family"], path + "family", "must be linear, svm or boosted_trees");
            score.family = *family;
        }
        const bool linear = score.family == analysis::ScoreFamily::linear;
        if (linear) {
            score.intercept = number(node, "intercept", path, true);
        } else if (node["intercept"]) {
            fail(node["intercept"], path + "intercept", "applies to linear rad-scores only");
        }
        const YAML::Node inputs = node[listKey];
        if (!inputs || !inputs.IsSequence() || inputs.size() == 0) fail(inputs ? inputs : node, path + listKey, "must be a non-empty list");
        for (std::size_t i = 0; i < inputs.size(); ++i) {
            score.inputs.push_back(input(inputs[i], path + listKey + "[" + std::to_string(i) + "].", nomogram, linear));
        }
        if (score.family != analysis::ScoreFamily::svm && node["svm"]) fail(node["svm"], path + "svm", "needs family: svm");
        if (score.family != analysis::ScoreFamily::boostedTrees && node["booster"]) {
            fail(node["booster"], path + "booster", "needs family: boosted_trees");
        }
        if (score.family == analysis::ScoreFamily::svm) score.svm = svm(node, path, score.inputs.size());
        if (score.family == analysis::ScoreFamily::boostedTrees) {
            score.boosterFile = text(node, "booster", path, true);
            score.booster = booster(node["booster"], path + "booster", score.boosterFile, score.inputs.size());
        }
        return score;
    }

    // family svm: kernel, gamma (RBF), rho, optional Platt coefficients, and the support
    // vectors with their dual coefficients, or for a linear kernel the weights alone.
    analysis::SvmClassifier svm(const YAML::Node& parent, const std::string& parentPath, std::size_t inputCount) const {
        const std::string path = parentPath + "svm.";
        const YAML::Node node = parent["svm"];
        if (!node) fail(parent, parentPath + "svm", "is required for family svm");
        onlyKeys(node, parentPath + "svm", {"kernel", "gamma", "rho", "platt", "support_vectors", "weights"});
        analysis::SvmClassifier svm;
        const auto kernel = analysis::parseSvmKernel(text(node, "kernel", path, true));
        if (!kernel) fail(node["kernel"], path + "kernel", "must be linear or rbf");
        svm.kernel = *kernel;
        if (svm.kernel == analysis::SvmKernel::rbf) {
            svm.gamma = number(node, "gamma", path, true);
            if (svm.gamma <= 0.0) fail(node["gamma"], path + "gamma", "must be positive");
        } else if (node["gamma"]) {
            fail(node["gamma"], path + "gamma", "applies to the rbf kernel only");
        }
        svm.rho = number(node, "rho", path, true);
        if (const YAML::Node platt = node["platt"]) {
            onlyKeys(platt, path + "platt", {"a", "b"});
            svm.plattA = number(platt, "a", path + "platt.", true);
            svm.plattB = number(platt, "b", path + "platt.", true);
        }
        const auto vector = [&](const YAML::Node& list, const std::string& key) {
            if (!list || !list.IsSequence()) fail(list ? list : node, key, "must be a list of numbers");
            if (list.size() != inputCount) {
                fail(list, key, "has " + std::to_string(list.size()) + " values but the rad-score has " +
                                    std::to_string(inputCount) + " inputs");
            }
            std::vector<double> values;
            for (std::size_t i = 0; i < list.size(); ++i) values.push_back(numberOf(list[i], key + "[" + std::to_string(i) + "]"));
            return values;
        };
        const YAML::Node vectors = node["support_vectors"];
        if (node["weights"]) {
            if (svm.kernel != analysis::SvmKernel::linear) fail(node["weights"], path + "weights", "applies to the linear kernel only");
            if (vectors) fail(node["weights"], path + "weights", "give either weights or support_vectors");
            // decision(x) = <w, x> - rho: one support vector w with dual coefficient 1.
            svm.supportVectors.push_back(vector(node["weights"], path + "weights"));
            svm.dualCoefficients.push_back(1.0);
            return svm;
        }
        if (!vectors || !vectors.IsSequence() || vectors.size() == 0) {
            fail(vectors ? vectors : node, path + "support_vectors", "must be a non-empty list");
        }
        for (std::size_t i = 0; i < vectors.size(); ++i) {
            const std::string itemPath = path + "support_vectors[" + std::to_string(i) + "].";
            onlyKeys(vectors[i], itemPath.substr(0, itemPath.size() - 1), {"coefficient", "x"});
            svm.dualCoefficients.push_back(number(vectors[i], "coefficient", itemPath, true));
            if (!vectors[i]["x"]) fail(vectors[i], itemPath + "x", "is required");
            svm.supportVectors.push_back(vector(vectors[i]["x"], itemPath + "x"));
        }
        return svm;
    }

    // family boosted_trees: the XGBoost JSON file, relative to the model file's folder.
    analysis::BoostedTrees booster(const YAML::Node& node, const std::string& key, const std::string& name,
                                   std::size_t inputCount) const {
        if (name.empty()) fail(node, key, "must name the booster's XGBoost JSON file");
        std::filesystem::path file(name);
        if (file.is_relative()) file = baseFolder_ / file;
        std::error_code error;
        if (!std::filesystem::is_regular_file(file, error)) fail(node, key, "booster file " + file.string() + " not found");
        try {
            return analysis::BoostedTrees::loadFile(file, inputCount);
        } catch (const std::exception& loadError) {
            fail(node, key, loadError.what());
        }
    }

    void classes(const YAML::Node& node, const std::string& path, analysis::ModelLevel& level) const {
        const YAML::Node classes = node["classes"];
        if (!classes) return;
        onlyKeys(classes, path + "classes", {"negative", "positive"});
        level.negativeClass = text(classes, "negative", path + "classes.", true);
        level.positiveClass = text(classes, "positive", path + "classes.", true);
        if (level.negativeClass == level.positiveClass) fail(classes, path + "classes", "the two classes must differ");
    }

    double threshold(const YAML::Node& node, const std::string& key) const {
        const double value = numberOf(node, key);
        if (value <= 0.0 || value >= 1.0) fail(node, key, "must be a probability strictly between 0 and 1");
        return value;
    }

    // Schema 2: rad_scores, nomogram, thresholds, classes.
    analysis::ModelLevel level(const YAML::Node& node, const std::string& path) const {
        analysis::ModelLevel level;
        const YAML::Node scores = node["rad_scores"];
        if (!scores || !scores.IsSequence() || scores.size() == 0) {
            fail(scores ? scores : node, path + "rad_scores", "must be a non-empty list");
        }
        std::set<std::string> names;
        for (std::size_t i = 0; i < scores.size(); ++i) {
            const std::string itemPath = path + "rad_scores[" + std::to_string(i) + "].";
            level.radScores.push_back(radScore(scores[i], itemPath, false));
            if (!names.insert(level.radScores.back().name).second) {
                fail(scores[i]["name"], itemPath + "name", "another rad-score of this level has this name");
            }
        }
        if (const YAML::Node nomogram = node["nomogram"]) {
            level.nomogram = radScore(nomogram, path + "nomogram.", true);
            const YAML::Node terms = nomogram["terms"];
            for (std::size_t i = 0; i < level.nomogram->inputs.size(); ++i) {
                const auto& term = level.nomogram->inputs[i];
                if (!term.radScore.empty() && !names.count(term.radScore)) {
                    fail(terms[i]["rad_score"], path + "nomogram.terms[" + std::to_string(i) + "].rad_score",
                         "no rad-score of this level is named '" + term.radScore + "'");
                }
            }
        } else if (level.radScores.size() != 1) {
            fail(scores, path + "rad_scores", "several rad-scores need a nomogram that combines them");
        } else if (const auto& svm = level.radScores.front().svm; svm && !(svm->plattA && svm->plattB)) {
            fail(scores[0]["svm"], path + "rad_scores[0].svm.platt",
                 "an SVM alone in a level needs Platt coefficients for its probability (or a nomogram over it)");
        }
        const YAML::Node thresholds = node["thresholds"];
        if (!thresholds || !thresholds.IsSequence() || thresholds.size() == 0) {
            fail(thresholds ? thresholds : node, path + "thresholds", "must be a non-empty list (the first decides the class)");
        }
        level.thresholds.clear();
        for (std::size_t i = 0; i < thresholds.size(); ++i) {
            const std::string itemPath = path + "thresholds[" + std::to_string(i) + "].";
            onlyKeys(thresholds[i], itemPath.substr(0, itemPath.size() - 1), {"name", "value"});
            analysis::ModelThreshold item;
            item.name = text(thresholds[i], "name", itemPath, true);
            if (!thresholds[i]["value"]) fail(thresholds[i], itemPath + "value", "is required");
            item.value = threshold(thresholds[i]["value"], itemPath + "value");
            level.thresholds.push_back(item);
        }
        classes(node, path, level);
        return level;
    }

private:
    void checkRoi(const YAML::Node& node, const std::string& key, const std::string& roi) const {
        if (roi.empty()) fail(node, key, "must not be empty");
        if (!analysis_) return;
        std::set<std::string> known{"tumor", "node"};
        for (double ring : analysis_->ringsMm) {
            known.insert("ring-" + analysis::formatDistanceMm(ring) + "mm");
            known.insert("tumor+" + analysis::formatDistanceMm(ring) + "mm");
        }
        if (known.count(roi) || roi.rfind("segment-", 0) == 0) return;
        std::string list;
        for (const auto& name : known) list += (list.empty() ? "" : ", ") + name;
        fail(node, key, "ROI '" + roi + "' is not analysed under the node's settings (analysed: " + list + ")");
    }

    void checkFeature(const YAML::Node& node, const std::string& key, const std::string& feature) const {
        if (feature.empty()) fail(node, key, "must not be empty");
        if (!analysis_) return;
        const std::string error = analysis::featureNameError(feature, analysis_->params);
        if (!error.empty()) fail(node, key, error);
    }

    void checkCovariate(const YAML::Node& item, const std::string& path, const analysis::ModelInput& input) const {
        const auto* definition = analysis::findCovariate(input.covariate);
        if (!definition) fail(item["covariate"], path + "covariate", analysis::covariateValueError(input.covariate, ""));
        if (definition->levels.empty()) {
            if (!input.level.empty()) fail(item["level"], path + "level", input.covariate + " is numeric: it has no levels");
            return;
        }
        if (input.level.empty()) fail(item, path + "level", "is required for the categorical covariate " + input.covariate);
        const std::string error = analysis::covariateValueError(input.covariate, input.level);
        if (!error.empty()) fail(item["level"], path + "level", error);
    }

    std::string source_;
    const AnalysisConfig* analysis_;
    std::filesystem::path baseFolder_; // relative booster files are found here (empty: the current directory)
};

// Schema 1: one rad-score written inline (intercept, inputs, threshold, classes).
analysis::ModelLevel schemaOneLevel(const ModelReader& reader, const YAML::Node& node) {
    analysis::ModelLevel level;
    analysis::RadScore score;
    score.intercept = reader.number(node, "intercept", "model.", true);
    const YAML::Node inputs = node["inputs"];
    if (!inputs || !inputs.IsSequence() || inputs.size() == 0) {
        reader.fail(inputs ? inputs : node, "model.inputs", "must be a non-empty list");
    }
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        const YAML::Node item = inputs[i];
        const std::string path = "model.inputs[" + std::to_string(i) + "].";
        reader.onlyKeys(item, path.substr(0, path.size() - 1),
                        {"roi", "view", "feature", "mean", "sd", "coefficient", "clip_low", "clip_high"});
        score.inputs.push_back(reader.input(item, path, false));
    }
    level.radScores.push_back(score);
    if (!node["threshold"]) reader.fail(node, "model.threshold", "is required");
    level.thresholds = {{"default", reader.threshold(node["threshold"], "model.threshold")}};
    reader.classes(node, "model.", level);
    return level;
}

void readValidation(const ModelReader& reader, const YAML::Node& node, analysis::Model& model) {
    const YAML::Node validation = node["validation"];
    if (!validation) return;
    if (validation.IsScalar()) {
        model.validation = validation.as<std::string>();
        return;
    }
    reader.onlyKeys(validation, "model.validation", {"description", "auc", "auc_ci"});
    model.validation = reader.text(validation, "description", "model.validation.", false);
    if (!validation["auc"]) {
        if (validation["auc_ci"]) reader.fail(validation["auc_ci"], "model.validation.auc_ci", "needs auc");
        return;
    }
    analysis::ValidationAuc auc;
    auc.auc = reader.number(validation, "auc", "model.validation.", true);
    const YAML::Node ci = validation["auc_ci"];
    if (!ci || !ci.IsSequence() || ci.size() != 2) {
        reader.fail(ci ? ci : validation, "model.validation.auc_ci", "must be [lower, upper]");
    }
    auc.ciLower = reader.numberOf(ci[0], "model.validation.auc_ci[0]");
    auc.ciUpper = reader.numberOf(ci[1], "model.validation.auc_ci[1]");
    if (!(0.0 <= auc.ciLower && auc.ciLower <= auc.auc && auc.auc <= auc.ciUpper && auc.ciUpper <= 1.0)) {
        reader.fail(validation, "model.validation", "needs 0 <= auc_ci[0] <= auc <= auc_ci[1] <= 1");
    }
    model.validationAuc = auc;
}

void readPolicies(const ModelReader& reader, const YAML::Node& node, analysis::Model& model) {
    if (const YAML::Node missing = node["missing_inputs"]) {
        reader.onlyKeys(missing, "model.missing_inputs", {"policy", "fallback_model"});
        const std::string policy = reader.text(missing, "policy", "model.missing_inputs.", true);
        if (policy == "fallback") {
            model.fallbackModel = reader.text(missing, "fallback_model", "model.missing_inputs.", true);
            if (model.fallbackModel == model.name) {
                reader.fail(missing["fallback_model"], "model.missing_inputs.fallback_model", "a model cannot fall back on itself");
            }
        } else if (policy == "not_scored") {
            if (missing["fallback_model"]) {
                reader.fail(missing["fallback_model"], "model.missing_inputs.fallback_model", "needs policy: fallback");
            }
        } else {
            reader.fail(missing["policy"], "model.missing_inputs.policy", "must be not_scored or fallback");
        }
    }
    if (const YAML::Node robustness = node["robustness"]) {
        reader.onlyKeys(robustness, "model.robustness", {"enabled", "margin_mm"});
        model.robustness = reader.flag(robustness, "enabled", "model.robustness.", true);
        model.robustnessMarginMm = reader.number(robustness, "margin_mm", "model.robustness.", false, 0.0);
        if (model.robustnessMarginMm < 0.0) {
            reader.fail(robustness["margin_mm"], "model.robustness.margin_mm", "must not be negative (0: one pixel)");
        }
    }
}

} // namespace

analysis::Model parseModel(const std::string& yamlText, const std::string& sourceName, const AnalysisConfig* analysis,
                           const std::filesystem::path& baseFolder) {
    YAML::Node root;
    try {
        root = YAML::Load(yamlText);
    } catch (const YAML::ParserException& error) {
        throw std::invalid_argument(sourceName + ":" + std::to_string(error.mark.line + 1) + ": " + error.msg);
    }
    const ModelReader reader(sourceName, analysis, baseFolder);
    reader.onlyKeys(root, "", {"schema", "model"});
    const double schema = reader.number(root, "schema", "", true);
    if (schema != 1 && schema != 2) {
        reader.fail(root["schema"], "schema", "unsupported model schema version (this radnode reads 1 and 2)");
    }
    const YAML::Node node = root["model"];
    if (!node) reader.fail(root, "model", "is required");
    const std::set<std::string> common{"name",       "version",  "intended_use", "description", "training_cohort",
                                       "validation", "modality", "segmentation"};
    std::set<std::string> allowed = common;
    if (schema == 1) {
        allowed.insert({"intercept", "threshold", "classes", "inputs"});
    } else {
        allowed.insert({"rad_scores", "nomogram", "thresholds", "classes", "second_level", "missing_inputs", "robustness"});
    }
    reader.onlyKeys(node, "model", allowed);
    analysis::Model model;
    model.schema = static_cast<int>(schema);
    model.name = reader.text(node, "name", "model.", true);
    model.version = reader.text(node, "version", "model.", true);
    model.intendedUse = reader.text(node, "intended_use", "model.", true);
    if (model.intendedUse != "research") {
        reader.fail(node["intended_use"], "model.intended_use", "radnode runs research models only: write 'research'");
    }
    model.description = reader.text(node, "description", "model.", false);
    model.trainingCohort = reader.text(node, "training_cohort", "model.", false);
    readValidation(reader, node, model);
    model.modality = reader.text(node, "modality", "model.", false);
    model.segmentation = reader.text(node, "segmentation", "model.", false);
    if (schema == 1) {
        model.first = schemaOneLevel(reader, node);
        model.robustness = false; // schema 1 predates robustness: such files keep their behaviour
        return model;
    }
    model.first = reader.level(node, "model.");
    if (const YAML::Node second = node["second_level"]) {
        reader.onlyKeys(second, "model.second_level", {"rad_scores", "nomogram", "thresholds", "classes"});
        model.secondLevel = reader.level(second, "model.second_level.");
    }
    readPolicies(reader, node, model);
    return model;
}

analysis::Model readModelFile(const std::filesystem::path& file, const AnalysisConfig* analysis) {
    std::ifstream in(file);
    if (!in) throw std::invalid_argument("cannot read model file " + file.string());
    std::ostringstream text;
    text << in.rdbuf();
    return parseModel(text.str(), file.string(), analysis, file.parent_path());
}

namespace {

std::vector<analysis::Model> readAndCheck(const std::vector<ModelRef>& references, const AnalysisConfig* analysis) {
    std::vector<analysis::Model> models;
    std::map<std::string, std::string> fileOf; // model name -> file
    for (const auto& reference : references) {
        models.push_back(readModelFile(reference.file, analysis));
        const auto [at, inserted] = fileOf.emplace(models.back().name, reference.file.string());
        if (!inserted) {
            throw std::invalid_argument(reference.file.string() + ": model.name: '" + models.back().name +
                                        "' is also the name of the model in " + at->second);
        }
    }
    for (const auto& model : models) {
        // Follow the fallback chain: each link must exist, and the chain must end.
        std::set<std::string> seen{model.name};
        const analysis::Model* current = &model;
        while (!current->fallbackModel.empty()) {
            const std::string& next = current->fallbackModel;
            if (!fileOf.count(next)) {
                throw std::invalid_argument(fileOf[current->name] + ": model.missing_inputs.fallback_model: no loaded model is named '" +
                                            next + "'");
            }
            if (!seen.insert(next).second) {
                throw std::invalid_argument(fileOf[current->name] + ": model.missing_inputs.fallback_model: '" + next +
                                            "' leads back to " + current->name + " (a cycle of fallbacks)");
            }
            for (const auto& candidate : models) {
                if (candidate.name == next) current = &candidate;
            }
        }
    }
    return models;
}

} // namespace

std::vector<analysis::Model> readModelFiles(const std::vector<ModelRef>& references, const AnalysisConfig& analysis) {
    return readAndCheck(references, &analysis);
}

std::vector<analysis::Model> readModelFiles(const std::vector<ModelRef>& references) {
    return readAndCheck(references, nullptr);
}

} // namespace radnode::config
