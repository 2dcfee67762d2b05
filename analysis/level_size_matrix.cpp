#include "analysis/level_size_matrix.h"

#include "analysis/texture_grid.h"

#include <cmath>
#include <stdexcept>

namespace radnode::analysis {

LevelSizeMatrix makeLevelSizeMatrix(std::vector<double> levels, std::vector<double> sizes, std::vector<double> counts) {
    if (counts.size() != levels.size() * sizes.size()) {
        throw std::invalid_argument("grey level x size matrix: counts do not match its dimensions");
    }
    LevelSizeMatrix m;
    m.levels = std::move(levels);
    m.sizes = std::move(sizes);
    m.counts = std::move(counts);
    m.levelSums.assign(m.levels.size(), 0.0);
    m.sizeSums.assign(m.sizes.size(), 0.0);
    for (std::size_t i = 0; i < m.levels.size(); ++i) {
        for (std::size_t j = 0; j < m.sizes.size(); ++j) {
            const double count = m.at(i, j);
            m.levelSums[i] += count;
            m.sizeSums[j] += count;
            m.total += count;
        }
    }
    return m;
}

namespace {

template <typename Term>
double sizeSum(const LevelSizeMatrix& m, Term term) {
    double sum = 0.0;
    for (std::size_t j = 0; j < m.sizes.size(); ++j) sum += term(m.sizeSums[j], m.sizes[j]);
    return sum;
}

template <typename Term>
double levelSum(const LevelSizeMatrix& m, Term term) {
    double sum = 0.0;
    for (std::size_t i = 0; i < m.levels.size(); ++i) sum += term(m.levelSums[i], m.levels[i]);
    return sum;
}

template <typename Term>
double cellSum(const LevelSizeMatrix& m, Term term) {
    double sum = 0.0;
    for (std::size_t i = 0; i < m.levels.size(); ++i) {
        for (std::size_t j = 0; j < m.sizes.size(); ++j) {
            const double count = m.at(i, j);
            if (count != 0.0) sum += term(count, m.levels[i], m.sizes[j]);
        }
    }
    return sum;
}

} // namespace

double smallSizeEmphasis(const LevelSizeMatrix& m, double n) {
    return sizeSum(m, [](double p, double j) { return p / (j * j); }) / n;
}

double largeSizeEmphasis(const LevelSizeMatrix& m, double n) {
    return sizeSum(m, [](double p, double j) { return p * j * j; }) / n;
}

double greyLevelNonUniformity(const LevelSizeMatrix& m, double n) {
    return levelSum(m, [](double p, double) { return p * p; }) / n;
}

double greyLevelNonUniformityNormalized(const LevelSizeMatrix& m, double n) {
    return levelSum(m, [](double p, double) { return p * p; }) / (n * n);
}

double sizeNonUniformity(const LevelSizeMatrix& m, double n) {
    return sizeSum(m, [](double p, double) { return p * p; }) / n;
}

double sizeNonUniformityNormalized(const LevelSizeMatrix& m, double n) {
    return sizeSum(m, [](double p, double) { return p * p; }) / (n * n);
}

double greyLevelVariance(const LevelSizeMatrix& m, double n) {
    const double mean = levelSum(m, [&](double p, double i) { return p / n * i; });
    return levelSum(m, [&](double p, double i) { return p / n * (i - mean) * (i - mean); });
}

double sizeVariance(const LevelSizeMatrix& m, double n) {
    const double mean = sizeSum(m, [&](double p, double j) { return p / n * j; });
    return sizeSum(m, [&](double p, double j) { return p / n * (j - mean) * (j - mean); });
}

double sizeEntropy(const LevelSizeMatrix& m, double n) {
    return -cellSum(m, [&](double count, double, double) {
        const double p = count / n;
        return p * std::log2(p + kTextureEps);
    });
}

double lowGreyLevelEmphasis(const LevelSizeMatrix& m, double n) {
    return levelSum(m, [](double p, double i) { return p / (i * i); }) / n;
}

double highGreyLevelEmphasis(const LevelSizeMatrix& m, double n) {
    return levelSum(m, [](double p, double i) { return p * i * i; }) / n;
}

double smallSizeLowGreyLevelEmphasis(const LevelSizeMatrix& m, double n) {
    return cellSum(m, [](double p, double i, double j) { return p / (i * i * j * j); }) / n;
}

double smallSizeHighGreyLevelEmphasis(const LevelSizeMatrix& m, double n) {
    return cellSum(m, [](double p, double i, double j) { return p * i * i / (j * j); }) / n;
}

double largeSizeLowGreyLevelEmphasis(const LevelSizeMatrix& m, double n) {
    return cellSum(m, [](double p, double i, double j) { return p * j * j / (i * i); }) / n;
}

double largeSizeHighGreyLevelEmphasis(const LevelSizeMatrix& m, double n) {
    return cellSum(m, [](double p, double i, double j) { return p * i * i * j * j; }) / n;
}

double coveredVoxels(const LevelSizeMatrix& m) {
    return sizeSum(m, [](double p, double j) { return p * j; });
}

} // namespace radnode::analysis
