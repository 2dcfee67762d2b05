#include "node/pathology_labels.h"

#include <cctype>
#include <stdexcept>

namespace radnode::node {

namespace {

// "ypN1a" -> "N1A": the prefix says how the stage was obtained, not what it is.
std::string normalisedCategory(const std::string& text) {
    std::string upper;
    for (const char c : text) {
        if (!std::isspace(static_cast<unsigned char>(c))) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    for (const char* prefix : {"YP", "P", "C"}) {
        const std::string p(prefix);
        if (upper.rfind(p + "N", 0) == 0) return upper.substr(p.size());
    }
    return upper;
}

} // namespace

NodeLabels nodeLabels(const std::string& pnCategory, std::optional<int> positiveNodes) {
    if (positiveNodes && *positiveNodes < 0) {
        throw std::invalid_argument("negative count of metastatic nodes (" + std::to_string(*positiveNodes) + ")");
    }
    NodeLabels labels;
    const std::string category = normalisedCategory(pnCategory);
    if (!category.empty() && category != "NX") {
        if (category.rfind("N0", 0) == 0) {
            labels.status = 0;
        } else if (category.rfind("N1", 0) == 0) {
            labels.status = 1;
        } else if (category.rfind("N2", 0) == 0 || category.rfind("N3", 0) == 0) {
            labels.status = 1;
            labels.burden = 1;
        } else {
            throw std::invalid_argument("unknown pN category '" + pnCategory + "' (expected pN0, pN1mi, pN1a-c, pN2a-b, pN3a-c or pNX)");
        }
    }
    if (positiveNodes) {
        const int fromCount = *positiveNodes == 0 ? 0 : 1;
        if (labels.status && *labels.status != fromCount) {
            throw std::invalid_argument("pN category '" + pnCategory + "' contradicts " + std::to_string(*positiveNodes) +
                                        " metastatic node(s)");
        }
        if (normalisedCategory(pnCategory).rfind("N1", 0) == 0 && *positiveNodes > 3) {
            throw std::invalid_argument("pN category '" + pnCategory + "' means 1-3 nodes, the count says " +
                                        std::to_string(*positiveNodes));
        }
        if (labels.burden && *positiveNodes < 4) {
            throw std::invalid_argument("pN category '" + pnCategory + "' means 4 or more nodes, the count says " +
                                        std::to_string(*positiveNodes));
        }
        labels.status = fromCount;
        if (fromCount == 1) labels.burden = *positiveNodes >= 3 ? 1 : 0;
    }
    return labels;
}

} // namespace radnode::node
