// A gradient-boosted trees booster loaded through XGBoost's C API (objective binary:logistic),
// as a model file references it: scored by the library itself, so the same booster file gives
// the same numbers in radnode and in the xgboost Python package. XGBoost's headers stay in
// the .cpp. Training lives in analysis/boosted_trees.h.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace radnode::analysis {

// A loaded booster (objective binary:logistic), safe to score from several threads.
class BoostedTrees {
public:
    // Throws std::runtime_error naming the file and XGBoost's message when it does not load
    // or is not a binary:logistic booster with `featureCount` features.
    static BoostedTrees loadFile(const std::filesystem::path& jsonFile, std::size_t featureCount);
    static BoostedTrees loadJson(const std::string& jsonText, std::size_t featureCount);

    // x: cases x features, as float (XGBoost's input type; the caller converts once).
    std::vector<float> probabilities(const std::vector<std::vector<float>>& x) const;
    std::vector<float> margins(const std::vector<std::vector<float>>& x) const; // logit scale
    std::string json() const;  // XGBoost's JSON model
    void saveFile(const std::filesystem::path& jsonFile) const; // written beside, then renamed
    std::size_t featureCount() const;
    int rounds() const;        // boosting rounds in the booster

private:
    struct Handle;
    std::shared_ptr<Handle> handle_;
};

// XGBoost's reason for the last failed C API call on this thread, without the stack trace it
// appends: for the messages of code that calls XGBoost (booster.cpp, boosted_trees.cpp).
std::string xgboostLastError();

} // namespace radnode::analysis
