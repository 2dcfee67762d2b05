// A grey level x size matrix (size = run length for GLRLM, zone size for GLSZM, dependent
// neighbours + 1 for GLDM) and the statistics those three PyRadiomics classes share: the same
// formulas, under different names, each divided by the class's own normaliser N.
#pragma once

#include <cstddef>
#include <vector>

namespace radnode::analysis {

struct LevelSizeMatrix {
    std::vector<double> levels;    // grey level of each row
    std::vector<double> sizes;     // size of each column
    std::vector<double> counts;    // levels.size() x sizes.size(), row-major
    std::vector<double> levelSums; // per row: PyRadiomics' p_g
    std::vector<double> sizeSums;  // per column: p_r, p_s or p_d
    double total = 0.0;            // sum of all counts

    double at(std::size_t row, std::size_t column) const { return counts[row * sizes.size() + column]; }
};

// Fills the marginals and total from `counts`.
LevelSizeMatrix makeLevelSizeMatrix(std::vector<double> levels, std::vector<double> sizes, std::vector<double> counts);

// The shared statistics; `n` is the normaliser (number of runs, zones or voxels).
double smallSizeEmphasis(const LevelSizeMatrix& m, double n);          // sum_j p(j) / j^2 / N
double largeSizeEmphasis(const LevelSizeMatrix& m, double n);          // sum_j p(j) j^2 / N
double greyLevelNonUniformity(const LevelSizeMatrix& m, double n);     // sum_i p(i)^2 / N
double greyLevelNonUniformityNormalized(const LevelSizeMatrix& m, double n); // ... / N^2
double sizeNonUniformity(const LevelSizeMatrix& m, double n);          // sum_j p(j)^2 / N
double sizeNonUniformityNormalized(const LevelSizeMatrix& m, double n); // ... / N^2
double greyLevelVariance(const LevelSizeMatrix& m, double n);          // variance of i under p(i) / N
double sizeVariance(const LevelSizeMatrix& m, double n);               // variance of j under p(j) / N
double sizeEntropy(const LevelSizeMatrix& m, double n);                // -sum p/N log2(p/N + eps)
double lowGreyLevelEmphasis(const LevelSizeMatrix& m, double n);       // sum_i p(i) / i^2 / N
double highGreyLevelEmphasis(const LevelSizeMatrix& m, double n);      // sum_i p(i) i^2 / N
double smallSizeLowGreyLevelEmphasis(const LevelSizeMatrix& m, double n);  // sum p / (i^2 j^2) / N
double smallSizeHighGreyLevelEmphasis(const LevelSizeMatrix& m, double n); // sum p i^2 / j^2 / N
double largeSizeLowGreyLevelEmphasis(const LevelSizeMatrix& m, double n);  // sum p j^2 / i^2 / N
double largeSizeHighGreyLevelEmphasis(const LevelSizeMatrix& m, double n); // sum p i^2 j^2 / N
// Voxels the matrix covers: sum_j p(j) j.
double coveredVoxels(const LevelSizeMatrix& m);

} // namespace radnode::analysis
