#include "analysis/gldm.h"

#include "analysis/level_size_matrix.h"
#include "analysis/neighbour_offsets.h"
#include "analysis/texture_grid.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <stdexcept>

namespace radnode::analysis {

namespace {

// The dependence matrix (columns: dependent neighbours + 1) with PyRadiomics' Nz, which for
// this class is the number of ROI voxels.
struct Gldm {
    LevelSizeMatrix matrix;
    double voxels = 0.0;
};

double smallDependenceEmphasis(const Gldm& g) { return smallSizeEmphasis(g.matrix, g.voxels); }
double largeDependenceEmphasis(const Gldm& g) { return largeSizeEmphasis(g.matrix, g.voxels); }
double grayLevelNonUniformity(const Gldm& g) { return greyLevelNonUniformity(g.matrix, g.voxels); }
double dependenceNonUniformity(const Gldm& g) { return sizeNonUniformity(g.matrix, g.voxels); }
double dependenceNonUniformityNormalized(const Gldm& g) { return sizeNonUniformityNormalized(g.matrix, g.voxels); }
double grayLevelVariance(const Gldm& g) { return greyLevelVariance(g.matrix, g.voxels); }
double dependenceVariance(const Gldm& g) { return sizeVariance(g.matrix, g.voxels); }
double dependenceEntropy(const Gldm& g) { return sizeEntropy(g.matrix, g.voxels); }
double lowGrayLevelEmphasis(const Gldm& g) { return lowGreyLevelEmphasis(g.matrix, g.voxels); }
double highGrayLevelEmphasis(const Gldm& g) { return highGreyLevelEmphasis(g.matrix, g.voxels); }
double smallDependenceLowGrayLevelEmphasis(const Gldm& g) { return smallSizeLowGreyLevelEmphasis(g.matrix, g.voxels); }
double smallDependenceHighGrayLevelEmphasis(const Gldm& g) {
    return smallSizeHighGreyLevelEmphasis(g.matrix, g.voxels);
}
double largeDependenceLowGrayLevelEmphasis(const Gldm& g) { return largeSizeLowGreyLevelEmphasis(g.matrix, g.voxels); }
double largeDependenceHighGrayLevelEmphasis(const Gldm& g) {
    return largeSizeHighGreyLevelEmphasis(g.matrix, g.voxels);
}

struct GldmFeature {
    const char* name;
    double (*compute)(const Gldm&); // null for deprecated features
    const char* deprecation;        // why PyRadiomics no longer computes it
};

const std::vector<GldmFeature>& gldmFeatures() {
    static const std::vector<GldmFeature> features{
        {"DependenceEntropy", dependenceEntropy, nullptr},
        {"DependenceNonUniformity", dependenceNonUniformity, nullptr},
        {"DependenceNonUniformityNormalized", dependenceNonUniformityNormalized, nullptr},
        {"DependencePercentage", nullptr, "deprecated: always 1; PyRadiomics gives no value"},
        {"DependenceVariance", dependenceVariance, nullptr},
        {"GrayLevelNonUniformity", grayLevelNonUniformity, nullptr},
        {"GrayLevelNonUniformityNormalized", nullptr,
         "deprecated: mathematically equal to firstorder Uniformity; PyRadiomics gives no value"},
        {"GrayLevelVariance", grayLevelVariance, nullptr},
        {"HighGrayLevelEmphasis", highGrayLevelEmphasis, nullptr},
        {"LargeDependenceEmphasis", largeDependenceEmphasis, nullptr},
        {"LargeDependenceHighGrayLevelEmphasis", largeDependenceHighGrayLevelEmphasis, nullptr},
        {"LargeDependenceLowGrayLevelEmphasis", largeDependenceLowGrayLevelEmphasis, nullptr},
        {"LowGrayLevelEmphasis", lowGrayLevelEmphasis, nullptr},
        {"SmallDependenceEmphasis", smallDependenceEmphasis, nullptr},
        {"SmallDependenceHighGrayLevelEmphasis", smallDependenceHighGrayLevelEmphasis, nullptr},
        {"SmallDependenceLowGrayLevelEmphasis", smallDependenceLowGrayLevelEmphasis, nullptr},
    };
    return features;
}

const GldmFeature& findFeature(const std::string& name) {
    for (const auto& feature : gldmFeatures()) {
        if (name == feature.name) return feature;
    }
    throw std::invalid_argument("feature class gldm has no feature '" + name + "'");
}

// Voxel counts by grey level and number of dependent neighbours (0 .. number of directions);
// PyRadiomics drops the dependence counts no voxel has.
LevelSizeMatrix dependenceMatrix(const TextureGrid& grid, const std::vector<TextureAngle>& angles, double alpha) {
    std::vector<std::ptrdiff_t> offsets;
    for (const auto& angle : angles) offsets.push_back(grid.offset(angle));
    const std::size_t columns = angles.size() + 1;
    // Level differences are integers: |d| <= alpha exactly when |d| <= floor(alpha). A NaN
    // alpha makes no neighbour dependent, as the comparison with NaN would.
    // No two levels differ by more than maxLevel, so a larger limit acts as maxLevel.
    int limit = -1;
    if (alpha >= static_cast<double>(grid.maxLevel)) limit = grid.maxLevel;
    else if (alpha >= 0.0) limit = static_cast<int>(std::floor(alpha));
    const auto window = static_cast<unsigned>(2 * limit); // |d| <= limit: d + limit in [0, 2 limit]
    std::vector<double> counts(grid.presentLevels.size() * columns, 0.0);
    withNeighbourOffsets(offsets, [&](const auto& neighbourOffsets) {
        if (limit == 0) {
            // gldm_a below 1 (PyRadiomics' default 0): dependent means the same level, which a
            // neighbour outside the ROI (level 0) never has. The common case, in its own loop.
            for (const std::size_t voxel : grid.roiVoxels) {
                const int* centre = grid.levels.data() + voxel;
                const int level = *centre;
                std::size_t dependent = 0;
                for (const std::ptrdiff_t offset : neighbourOffsets) dependent += centre[offset] == level;
                const auto row = static_cast<std::size_t>(grid.levelIndex[static_cast<std::size_t>(level)]);
                counts[row * columns + dependent] += 1.0;
            }
            return;
        }
        for (const std::size_t voxel : grid.roiVoxels) {
            const int* centre = grid.levels.data() + voxel;
            const int level = *centre;
            std::size_t dependent = 0;
            if (limit < 0) {
                // no neighbour is dependent
            } else if (level > limit) {
                // A neighbour outside the ROI (level 0) is more than `limit` away from this level
                // already, so the test needs no separate check for it.
                for (const std::ptrdiff_t offset : neighbourOffsets) {
                    dependent += static_cast<unsigned>(centre[offset] - level + limit) <= window;
                }
            } else {
                for (const std::ptrdiff_t offset : neighbourOffsets) {
                    const int neighbour = centre[offset];
                    dependent += static_cast<std::size_t>((neighbour != 0) & (std::abs(level - neighbour) <= limit));
                }
            }
            counts[static_cast<std::size_t>(grid.levelIndex[static_cast<std::size_t>(level)]) * columns + dependent] += 1.0;
        }
    });
    std::vector<double> levels(grid.presentLevels.begin(), grid.presentLevels.end());
    const LevelSizeMatrix full = makeLevelSizeMatrix(levels, std::vector<double>(columns, 0.0), counts);
    std::vector<double> sizes;
    std::vector<std::size_t> kept;
    for (std::size_t column = 0; column < columns; ++column) {
        if (full.sizeSums[column] == 0.0) continue;
        sizes.push_back(static_cast<double>(column + 1));
        kept.push_back(column);
    }
    std::vector<double> compact;
    compact.reserve(levels.size() * kept.size());
    for (std::size_t row = 0; row < levels.size(); ++row) {
        for (const std::size_t column : kept) compact.push_back(full.at(row, column));
    }
    return makeLevelSizeMatrix(std::move(levels), std::move(sizes), std::move(compact));
}

} // namespace

const std::vector<FeatureDefinition>& gldmFeatureDefinitions() {
    static const std::vector<FeatureDefinition> definitions = [] {
        std::vector<FeatureDefinition> list;
        for (const auto& feature : gldmFeatures()) list.push_back({feature.name, feature.compute == nullptr});
        return list;
    }();
    return definitions;
}

FeatureList computeGldm(const DiscretizedRoi& roi, const Settings& settings,
                        const std::vector<std::string>& requested, DiagnosticList& diagnostics) {
    return computeGldmOnGrid(makeTextureGrid(roi, settings), settings, requested, diagnostics);
}

FeatureList computeGldmOnGrid(const TextureGrid& grid, const Settings& settings,
                              const std::vector<std::string>& requested, DiagnosticList& diagnostics) {
    const auto selected = selectFeatures("gldm", gldmFeatureDefinitions(), requested);
    const int excludedAxis = excludedTextureAxis(settings);
    const auto angles = textureAngles(grid.size, settings.distances, true, excludedAxis);

    Gldm gldm;
    if (!angles.empty()) {
        gldm.matrix = dependenceMatrix(grid, angles, settings.gldm_a);
        gldm.voxels = gldm.matrix.total == 0.0 ? 1.0 : gldm.matrix.total;
    }

    FeatureList features;
    for (const auto& name : selected) {
        const GldmFeature& feature = findFeature(name);
        if (!feature.compute) {
            diagnostics.push_back({name, feature.deprecation});
            continue;
        }
        features.push_back({name, angles.empty() ? std::numeric_limits<double>::quiet_NaN() : feature.compute(gldm)});
    }
    reportNaNs(features, "no neighbour direction fits in the ROI's bounding box at the requested distances "
               "(PyRadiomics stops with an error here)",
               diagnostics);
    return features;
}

} // namespace radnode::analysis
