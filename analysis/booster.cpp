#include "analysis/booster.h"

#include <xgboost/c_api.h>

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <system_error>

namespace radnode::analysis {

namespace {

const char* const kBinaryLogistic = "binary:logistic";

// XGBoost's prediction types (XGBoosterPredictFromDMatrix "type").
constexpr int kPredictProbability = 0;
constexpr int kPredictMargin = 1;

// Every XGBoost call returns 0 on success and -1 on failure, the reason in XGBGetLastError.
void check(int status, const std::string& context) {
    if (status != 0) throw std::runtime_error(context + ": " + xgboostLastError());
}

// The objective's name from XGBoosterSaveJsonConfig's compact JSON, which holds
// "objective":{"name":"binary:logistic",...}. The objective object's parameters hold no
// "name" key, so the first one after "objective" is the objective's own.
std::string objectiveName(const std::string& config) {
    const std::string objectiveKey = "\"objective\":{";
    const std::string nameKey = "\"name\":\"";
    const std::size_t objective = config.find(objectiveKey);
    if (objective == std::string::npos) return {};
    const std::size_t name = config.find(nameKey, objective + objectiveKey.size());
    if (name == std::string::npos) return {};
    const std::size_t begin = name + nameKey.size();
    const std::size_t end = config.find('"', begin);
    if (end == std::string::npos) return {};
    return config.substr(begin, end - begin);
}

// A DMatrix of float rows, freed on scope exit.
class DenseMatrix {
public:
    DenseMatrix(const std::vector<std::vector<float>>& x, std::size_t featureCount) {
        std::vector<float> rowMajor;
        rowMajor.reserve(x.size() * featureCount);
        for (std::size_t i = 0; i < x.size(); ++i) {
            if (x[i].size() != featureCount) {
                throw std::invalid_argument("boosted trees: case " + std::to_string(i) + " has " +
                                            std::to_string(x[i].size()) + " features, the booster takes " +
                                            std::to_string(featureCount));
            }
            rowMajor.insert(rowMajor.end(), x[i].begin(), x[i].end());
        }
        // NaN marks a missing value, as in the xgboost Python package's DMatrix default.
        check(XGDMatrixCreateFromMat(rowMajor.data(), x.size(), featureCount, std::numeric_limits<float>::quiet_NaN(),
                                     &handle_),
              "XGBoost could not build a matrix of " + std::to_string(x.size()) + " cases");
    }
    ~DenseMatrix() { XGDMatrixFree(handle_); }
    DenseMatrix(const DenseMatrix&) = delete;
    DenseMatrix& operator=(const DenseMatrix&) = delete;
    DMatrixHandle get() const { return handle_; }

private:
    DMatrixHandle handle_ = nullptr;
};

void writeAll(int fd, const std::string& bytes, const std::filesystem::path& path) {
    std::size_t written = 0;
    while (written < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw std::system_error(errno, std::generic_category(), "cannot write booster " + path.string());
        }
        written += static_cast<std::size_t>(n);
    }
}

// Loads an XGBoost model (JSON) into `booster` and checks it is a binary:logistic booster
// over `featureCount` features; `source` names the file (or "booster JSON") in errors.
void loadBooster(BoosterHandle booster, const std::string& jsonText, std::size_t featureCount,
                 const std::string& source) {
    // XGBoost reads a buffer as JSON only when it starts with '{'; anything else it would
    // take for its legacy binary format and report in those terms.
    const std::size_t first = jsonText.find_first_not_of(" \t\r\n");
    if (first == std::string::npos || jsonText[first] != '{') {
        throw std::runtime_error(source + " is not XGBoost JSON: it does not start with '{'");
    }
    // Set before loading, so that XGBoost's console messages stay off for this booster.
    check(XGBoosterSetParam(booster, "verbosity", "0"), source);
    check(XGBoosterLoadModelFromBuffer(booster, jsonText.data() + first, jsonText.size() - first),
          source + " does not load");
    // One thread: the same sums in the same order on every machine.
    check(XGBoosterSetParam(booster, "nthread", "1"), source);

    bst_ulong configLength = 0;
    const char* config = nullptr;
    check(XGBoosterSaveJsonConfig(booster, &configLength, &config), source + ": reading its configuration");
    const std::string objective = objectiveName(std::string(config, configLength));
    if (objective != kBinaryLogistic) {
        throw std::runtime_error(source + " has objective '" + objective + "', radnode scores only " + kBinaryLogistic);
    }
    bst_ulong features = 0;
    check(XGBoosterGetNumFeature(booster, &features), source + ": reading its feature count");
    if (features != featureCount) {
        throw std::runtime_error(source + " takes " + std::to_string(features) + " features, the model file lists " +
                                 std::to_string(featureCount));
    }
}

std::vector<float> predict(BoosterHandle booster, std::size_t featureCount, std::mutex& mutex,
                           const std::vector<std::vector<float>>& x, int type) {
    if (x.empty()) return {};
    const DenseMatrix matrix(x, featureCount);
    const std::string config = "{\"type\":" + std::to_string(type) +
                               ",\"training\":false,\"iteration_begin\":0,\"iteration_end\":0,\"strict_shape\":false}";
    const std::lock_guard<std::mutex> lock(mutex);
    const bst_ulong* shape = nullptr;
    bst_ulong dimensions = 0;
    const float* result = nullptr;
    check(XGBoosterPredictFromDMatrix(booster, matrix.get(), config.c_str(), &shape, &dimensions, &result),
          "XGBoost prediction");
    if (dimensions != 1 || shape[0] != x.size()) {
        throw std::runtime_error("XGBoost prediction: " + std::to_string(dimensions) + "-dimensional result for " +
                                 std::to_string(x.size()) + " cases, expected one probability per case");
    }
    // The result lives in the booster's buffer until its next call: copied while locked.
    return std::vector<float>(result, result + x.size());
}

} // namespace

std::string xgboostLastError() {
    std::string text = XGBGetLastError();
    const std::size_t trace = text.find("Stack trace:");
    if (trace != std::string::npos) text.erase(trace);
    // The "[hh:mm:ss] " prefix would make the same refusal read differently in every log.
    if (text.size() > 11 && text[0] == '[' && text[9] == ']' && text[10] == ' ') text.erase(0, 11);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
    return text;
}

struct BoostedTrees::Handle {
    BoosterHandle booster = nullptr;
    std::size_t featureCount = 0;
    // The C API does not document a booster as safe to predict from several threads at
    // once (prediction configures the learner lazily and fills a shared output buffer), so
    // calls on one booster are serialised; a prediction for one case takes microseconds.
    std::mutex mutex;

    Handle() { check(XGBoosterCreate(nullptr, 0, &booster), "XGBoost could not create a booster"); }
    ~Handle() { XGBoosterFree(booster); }
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
};

BoostedTrees BoostedTrees::loadFile(const std::filesystem::path& jsonFile, std::size_t featureCount) {
    std::ifstream in(jsonFile, std::ios::binary);
    if (!in) {
        throw std::runtime_error("cannot open booster " + jsonFile.string() + ": " + std::strerror(errno));
    }
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) throw std::runtime_error("cannot read booster " + jsonFile.string());
    BoostedTrees trees;
    trees.handle_ = std::make_shared<Handle>();
    loadBooster(trees.handle_->booster, text.str(), featureCount, "booster " + jsonFile.string());
    trees.handle_->featureCount = featureCount;
    return trees;
}

BoostedTrees BoostedTrees::loadJson(const std::string& jsonText, std::size_t featureCount) {
    BoostedTrees trees;
    trees.handle_ = std::make_shared<Handle>();
    loadBooster(trees.handle_->booster, jsonText, featureCount, "booster JSON");
    trees.handle_->featureCount = featureCount;
    return trees;
}

std::vector<float> BoostedTrees::probabilities(const std::vector<std::vector<float>>& x) const {
    if (!handle_) throw std::logic_error("boosted trees: no booster loaded");
    return predict(handle_->booster, handle_->featureCount, handle_->mutex, x, kPredictProbability);
}

std::vector<float> BoostedTrees::margins(const std::vector<std::vector<float>>& x) const {
    if (!handle_) throw std::logic_error("boosted trees: no booster loaded");
    return predict(handle_->booster, handle_->featureCount, handle_->mutex, x, kPredictMargin);
}

std::string BoostedTrees::json() const {
    if (!handle_) throw std::logic_error("boosted trees: no booster loaded");
    const std::lock_guard<std::mutex> lock(handle_->mutex);
    bst_ulong length = 0;
    const char* bytes = nullptr;
    check(XGBoosterSaveModelToBuffer(handle_->booster, "{\"format\":\"json\"}", &length, &bytes),
          "XGBoost could not write the booster as JSON");
    return std::string(bytes, length);
}

void BoostedTrees::saveFile(const std::filesystem::path& jsonFile) const {
    const std::string text = json();
    // Written beside, fsynced, then renamed: a reader sees the old booster or the new one.
    std::filesystem::path temporary = jsonFile;
    temporary += ".tmp";
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) throw std::system_error(errno, std::generic_category(), "cannot create booster " + temporary.string());
    try {
        writeAll(fd, text, temporary);
        if (::fsync(fd) != 0) throw std::system_error(errno, std::generic_category(), "cannot fsync " + temporary.string());
    } catch (...) {
        ::close(fd);
        std::filesystem::remove(temporary);
        throw;
    }
    if (::close(fd) != 0) {
        const int error = errno;
        std::filesystem::remove(temporary);
        throw std::system_error(error, std::generic_category(), "cannot close " + temporary.string());
    }
    std::error_code renameError;
    std::filesystem::rename(temporary, jsonFile, renameError);
    if (renameError) {
        std::filesystem::remove(temporary);
        throw std::system_error(renameError, "cannot rename " + temporary.string() + " to " + jsonFile.string());
    }
}

std::size_t BoostedTrees::featureCount() const {
    if (!handle_) throw std::logic_error("boosted trees: no booster loaded");
    return handle_->featureCount;
}

int BoostedTrees::rounds() const {
    if (!handle_) throw std::logic_error("boosted trees: no booster loaded");
    const std::lock_guard<std::mutex> lock(handle_->mutex);
    int rounds = 0;
    check(XGBoosterBoostedRounds(handle_->booster, &rounds), "XGBoost could not count the booster's rounds");
    return rounds;
}

} // namespace radnode::analysis
