#include "analysis/glszm.h"

#include "analysis/level_size_matrix.h"
#include "analysis/neighbour_offsets.h"
#include "analysis/texture_grid.h"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <utility>

namespace radnode::analysis {

namespace {

// The size zone matrix with PyRadiomics' Nz (zones) and Np (voxels in zones).
struct Glszm {
    LevelSizeMatrix matrix;
    double zones = 0.0;
    double voxels = 0.0;
};

double smallAreaEmphasis(const Glszm& g) { return smallSizeEmphasis(g.matrix, g.zones); }
double largeAreaEmphasis(const Glszm& g) { return largeSizeEmphasis(g.matrix, g.zones); }
double grayLevelNonUniformity(const Glszm& g) { return greyLevelNonUniformity(g.matrix, g.zones); }
double grayLevelNonUniformityNormalized(const Glszm& g) { return greyLevelNonUniformityNormalized(g.matrix, g.zones); }
double sizeZoneNonUniformity(const Glszm& g) { return sizeNonUniformity(g.matrix, g.zones); }
double sizeZoneNonUniformityNormalized(const Glszm& g) { return sizeNonUniformityNormalized(g.matrix, g.zones); }
double zonePercentage(const Glszm& g) { return g.zones / g.voxels; }
double grayLevelVariance(const Glszm& g) { return greyLevelVariance(g.matrix, g.zones); }
double zoneVariance(const Glszm& g) { return sizeVariance(g.matrix, g.zones); }
double zoneEntropy(const Glszm& g) { return sizeEntropy(g.matrix, g.zones); }
double lowGrayLevelZoneEmphasis(const Glszm& g) { return lowGreyLevelEmphasis(g.matrix, g.zones); }
double highGrayLevelZoneEmphasis(const Glszm& g) { return highGreyLevelEmphasis(g.matrix, g.zones); }
double smallAreaLowGrayLevelEmphasis(const Glszm& g) { return smallSizeLowGreyLevelEmphasis(g.matrix, g.zones); }
double smallAreaHighGrayLevelEmphasis(const Glszm& g) { return smallSizeHighGreyLevelEmphasis(g.matrix, g.zones); }
double largeAreaLowGrayLevelEmphasis(const Glszm& g) { return largeSizeLowGreyLevelEmphasis(g.matrix, g.zones); }
double largeAreaHighGrayLevelEmphasis(const Glszm& g) { return largeSizeHighGreyLevelEmphasis(g.matrix, g.zones); }

struct GlszmFeature {
    const char* name;
    double (*compute)(const Glszm&);
};

const std::vector<GlszmFeature>& glszmFeatures() {
    static const std::vector<GlszmFeature> features{
        {"GrayLevelNonUniformity", grayLevelNonUniformity},
        {"GrayLevelNonUniformityNormalized", grayLevelNonUniformityNormalized},
        {"GrayLevelVariance", grayLevelVariance},
        {"HighGrayLevelZoneEmphasis", highGrayLevelZoneEmphasis},
        {"LargeAreaEmphasis", largeAreaEmphasis},
        {"LargeAreaHighGrayLevelEmphasis", largeAreaHighGrayLevelEmphasis},
        {"LargeAreaLowGrayLevelEmphasis", largeAreaLowGrayLevelEmphasis},
        {"LowGrayLevelZoneEmphasis", lowGrayLevelZoneEmphasis},
        {"SizeZoneNonUniformity", sizeZoneNonUniformity},
        {"SizeZoneNonUniformityNormalized", sizeZoneNonUniformityNormalized},
        {"SmallAreaEmphasis", smallAreaEmphasis},
        {"SmallAreaHighGrayLevelEmphasis", smallAreaHighGrayLevelEmphasis},
        {"SmallAreaLowGrayLevelEmphasis", smallAreaLowGrayLevelEmphasis},
        {"ZoneEntropy", zoneEntropy},
        {"ZonePercentage", zonePercentage},
        {"ZoneVariance", zoneVariance},
    };
    return features;
}

double (*findFeature(const std::string& name))(const Glszm&) {
    for (const auto& feature : glszmFeatures()) {
        if (name == feature.name) return feature.compute;
    }
    throw std::invalid_argument("feature class glszm has no feature '" + name + "'");
}

// A zone: index of its grey level in presentLevels, and its voxel count.
using Zone = std::pair<std::size_t, std::size_t>;

// Grows every zone from its first voxel in scan order with an explicit stack; a voxel joins the
// zone when it neighbours a zone voxel in one of `angles` and has the zone's grey level.
std::vector<Zone> findZones(const TextureGrid& grid, const std::vector<TextureAngle>& angles) {
    std::vector<std::ptrdiff_t> offsets;
    for (const auto& angle : angles) offsets.push_back(grid.offset(angle));
    std::vector<int> unvisited = grid.levels; // a voxel's level until it joins a zone, then 0
    std::vector<std::size_t> stack;
    stack.reserve(grid.roiVoxels.size());
    std::vector<Zone> zones;
    withNeighbourOffsets(offsets, [&](const auto& neighbourOffsets) {
        for (const std::size_t seed : grid.roiVoxels) {
            const int level = unvisited[seed];
            if (level == 0) continue;
            unvisited[seed] = 0;
            stack.push_back(seed);
            std::size_t size = 0;
            while (!stack.empty()) {
                int* voxel = unvisited.data() + stack.back();
                stack.pop_back();
                ++size;
                for (const std::ptrdiff_t offset : neighbourOffsets) {
                    if (voxel[offset] != level) continue;
                    voxel[offset] = 0;
                    stack.push_back(static_cast<std::size_t>(voxel + offset - unvisited.data()));
                }
            }
            zones.emplace_back(static_cast<std::size_t>(grid.levelIndex[static_cast<std::size_t>(level)]), size);
        }
    });
    return zones;
}

// The zone counts by grey level and by the zone sizes that occur (PyRadiomics drops the
// sizes no zone has).
LevelSizeMatrix sizeZoneMatrix(const TextureGrid& grid, const std::vector<Zone>& zones) {
    // Zone sizes run from 1 to the ROI's voxel count: a column per size that occurs, found by
    // marking sizes in a table rather than sorting them.
    std::size_t largest = 0;
    for (const auto& zone : zones) largest = std::max(largest, zone.second);
    std::vector<std::size_t> columnOf(largest + 1, 0); // 1 where a zone has the size, then its column
    for (const auto& zone : zones) columnOf[zone.second] = 1;
    std::vector<std::size_t> sizes;
    for (std::size_t size = 1; size <= largest; ++size) {
        if (!columnOf[size]) continue;
        columnOf[size] = sizes.size();
        sizes.push_back(size);
    }
    std::vector<double> counts(grid.presentLevels.size() * sizes.size(), 0.0);
    for (const auto& zone : zones) counts[zone.first * sizes.size() + columnOf[zone.second]] += 1.0;
    return makeLevelSizeMatrix(std::vector<double>(grid.presentLevels.begin(), grid.presentLevels.end()),
                               std::vector<double>(sizes.begin(), sizes.end()), std::move(counts));
}

} // namespace

const std::vector<FeatureDefinition>& glszmFeatureDefinitions() {
    static const std::vector<FeatureDefinition> definitions = [] {
        std::vector<FeatureDefinition> list;
        for (const auto& feature : glszmFeatures()) list.push_back({feature.name, false});
        return list;
    }();
    return definitions;
}

FeatureList computeGlszm(const DiscretizedRoi& roi, const Settings& settings,
                         const std::vector<std::string>& requested, DiagnosticList& diagnostics) {
    return computeGlszmOnGrid(makeTextureGrid(roi, settings), settings, requested, diagnostics);
}

FeatureList computeGlszmOnGrid(const TextureGrid& grid, const Settings& settings,
                               const std::vector<std::string>& requested, DiagnosticList& diagnostics) {
    const auto selected = selectFeatures("glszm", glszmFeatureDefinitions(), requested);
    const int excludedAxis = excludedTextureAxis(settings);
    const auto angles = textureAngles(grid.size, {1}, true, excludedAxis);

    FeatureList features;
    if (angles.empty()) {
        for (const auto& name : selected) features.push_back({name, std::numeric_limits<double>::quiet_NaN()});
        reportNaNs(features, "the ROI's bounding box is a single voxel, so no neighbour direction exists "
                   "(PyRadiomics stops with an error here)",
                   diagnostics);
        return features;
    }

    Glszm glszm;
    glszm.matrix = sizeZoneMatrix(grid, findZones(grid, angles));
    // PyRadiomics replaces a zero Nz or Np by 1 (only an empty ROI would have one).
    glszm.zones = glszm.matrix.total == 0.0 ? 1.0 : glszm.matrix.total;
    const double voxels = coveredVoxels(glszm.matrix);
    glszm.voxels = voxels == 0.0 ? 1.0 : voxels;

    for (const auto& name : selected) features.push_back({name, findFeature(name)(glszm)});
    return features;
}

} // namespace radnode::analysis
