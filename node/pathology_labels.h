// Outcome labels from a pathology report, as the breast radiomics studies define them:
// level 1 N0 vs N+ (any metastasis), level 2 for N+ low burden (1-2 nodes) vs high (>= 3).
#pragma once

#include <optional>
#include <string>

namespace radnode::node {

struct NodeLabels {
    std::optional<int> status; // 0 = N0, 1 = N+; nullopt when unknown (pNX, blank)
    std::optional<int> burden; // for N+: 0 = 1-2 nodes, 1 = 3 or more; nullopt for N0 or unknown
};

// From the pN category ("pN0", "pN0(i+)", "pN1mi", "pN1a", "ypN2", "N3c", ...) and/or the
// count of metastatic nodes. pN1 covers 1-3 nodes, so its burden needs the count; pN2 and pN3
// (4 or more) are high burden. Isolated tumour cells, pN0(i+), are N0 as in the TNM rules.
// Throws std::invalid_argument for an unknown category or a count that contradicts it.
NodeLabels nodeLabels(const std::string& pnCategory, std::optional<int> positiveNodes);

} // namespace radnode::node
