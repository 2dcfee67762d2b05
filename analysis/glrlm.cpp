#include "analysis/glrlm.h"

#include "analysis/level_size_matrix.h"
#include "analysis/texture_grid.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <stdexcept>

namespace radnode::analysis {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// One run length matrix with PyRadiomics' Nr (number of runs), NaN when it has no run.
struct Glrlm {
    LevelSizeMatrix matrix;
    double runs = 0.0;
};

double shortRunEmphasis(const Glrlm& g) { return smallSizeEmphasis(g.matrix, g.runs); }
double longRunEmphasis(const Glrlm& g) { return largeSizeEmphasis(g.matrix, g.runs); }
double grayLevelNonUniformity(const Glrlm& g) { return greyLevelNonUniformity(g.matrix, g.runs); }
double grayLevelNonUniformityNormalized(const Glrlm& g) { return greyLevelNonUniformityNormalized(g.matrix, g.runs); }
double runLengthNonUniformity(const Glrlm& g) { return sizeNonUniformity(g.matrix, g.runs); }
double runLengthNonUniformityNormalized(const Glrlm& g) { return sizeNonUniformityNormalized(g.matrix, g.runs); }
double runPercentage(const Glrlm& g) { return g.runs / coveredVoxels(g.matrix); }
double grayLevelVariance(const Glrlm& g) { return greyLevelVariance(g.matrix, g.runs); }
double runVariance(const Glrlm& g) { return sizeVariance(g.matrix, g.runs); }
double runEntropy(const Glrlm& g) { return sizeEntropy(g.matrix, g.runs); }
double lowGrayLevelRunEmphasis(const Glrlm& g) { return lowGreyLevelEmphasis(g.matrix, g.runs); }
double highGrayLevelRunEmphasis(const Glrlm& g) { return highGreyLevelEmphasis(g.matrix, g.runs); }
double shortRunLowGrayLevelEmphasis(const Glrlm& g) { return smallSizeLowGreyLevelEmphasis(g.matrix, g.runs); }
double shortRunHighGrayLevelEmphasis(const Glrlm& g) { return smallSizeHighGreyLevelEmphasis(g.matrix, g.runs); }
double longRunLowGrayLevelEmphasis(const Glrlm& g) { return largeSizeLowGreyLevelEmphasis(g.matrix, g.runs); }
double longRunHighGrayLevelEmphasis(const Glrlm& g) { return largeSizeHighGreyLevelEmphasis(g.matrix, g.runs); }

struct GlrlmFeature {
    const char* name;
    double (*compute)(const Glrlm&);
};

const std::vector<GlrlmFeature>& glrlmFeatures() {
    static const std::vector<GlrlmFeature> features{
        {"GrayLevelNonUniformity", grayLevelNonUniformity},
        {"GrayLevelNonUniformityNormalized", grayLevelNonUniformityNormalized},
        {"GrayLevelVariance", grayLevelVariance},
        {"HighGrayLevelRunEmphasis", highGrayLevelRunEmphasis},
        {"LongRunEmphasis", longRunEmphasis},
        {"LongRunHighGrayLevelEmphasis", longRunHighGrayLevelEmphasis},
        {"LongRunLowGrayLevelEmphasis", longRunLowGrayLevelEmphasis},
        {"LowGrayLevelRunEmphasis", lowGrayLevelRunEmphasis},
        {"RunEntropy", runEntropy},
        {"RunLengthNonUniformity", runLengthNonUniformity},
        {"RunLengthNonUniformityNormalized", runLengthNonUniformityNormalized},
        {"RunPercentage", runPercentage},
        {"RunVariance", runVariance},
        {"ShortRunEmphasis", shortRunEmphasis},
        {"ShortRunHighGrayLevelEmphasis", shortRunHighGrayLevelEmphasis},
        {"ShortRunLowGrayLevelEmphasis", shortRunLowGrayLevelEmphasis},
    };
    return features;
}

double (*findFeature(const std::string& name))(const Glrlm&) {
    for (const auto& feature : glrlmFeatures()) {
        if (name == feature.name) return feature.compute;
    }
    throw std::invalid_argument("feature class glrlm has no feature '" + name + "'");
}

// PyRadiomics' GLRLM weight of a direction: its length in the chosen norm (no exponential,
// unlike the GLCM).
double directionWeight(const TextureAngle& angle, const std::array<double, 3>& spacing, WeightingNorm norm) {
    const auto [infinity, manhattan, squares] = directionLengths(angle, spacing);
    switch (norm) {
    case WeightingNorm::Infinity: return infinity;
    case WeightingNorm::Euclidean: return std::sqrt(squares);
    case WeightingNorm::Manhattan: return manhattan;
    case WeightingNorm::NoWeighting:
    case WeightingNorm::None: break;
    }
    return 1.0;
}

bool inBox(const std::array<int, 3>& at, const std::array<int, 3>& size) {
    return at[0] >= 0 && at[0] < size[0] && at[1] >= 0 && at[1] < size[1] && at[2] >= 0 && at[2] < size[2];
}

// Whether some line of the bounding box along the direction holds two ROI voxels (not
// necessarily adjacent). Walks every line from the voxel whose predecessor lies outside the box.
bool lineHoldsTwoRoiVoxels(const TextureGrid& grid, const TextureAngle& angle) {
    const std::ptrdiff_t step = grid.offset(angle);
    for (int z = 0; z < grid.size[0]; ++z) {
        for (int y = 0; y < grid.size[1]; ++y) {
            for (int x = 0; x < grid.size[2]; ++x) {
                if (inBox({z - angle[0], y - angle[1], x - angle[2]}, grid.size)) continue;
                std::array<int, 3> at{z, y, x};
                const int* voxel = grid.levels.data() + grid.index(z, y, x);
                int roiVoxels = 0;
                while (inBox(at, grid.size)) {
                    if (*voxel != 0 && ++roiVoxels > 1) return true;
                    for (int axis = 0; axis < 3; ++axis) at[axis] += angle[axis];
                    voxel += step;
                }
            }
        }
    }
    return false;
}

// Run counts along one direction, ng x maxRun (column r = run length r + 1). The ROI voxels are
// walked in scan order, which visits a voxel's predecessor along a mono-directional angle (a
// positive index offset; the opposite direction has the same runs) first: a voxel continues
// its predecessor's run when both have its level (voxels outside the ROI and the zero border
// have level 0), and a run is counted at its last voxel. No branch depends on the levels, so
// short, irregular runs cost no mispredictions. `runLength` is scratch space, one per grid voxel.
// When no line holds two ROI voxels the direction sees only the ROI's thickness of one voxel,
// and PyRadiomics empties it.
std::vector<double> runCounts(const TextureGrid& grid, const TextureAngle& angle, std::size_t maxRun,
                              std::vector<std::uint32_t>& runLength) {
    const std::size_t ng = grid.presentLevels.size();
    std::vector<std::uint32_t> runs(ng * maxRun, 0);
    const std::ptrdiff_t step = std::abs(grid.offset(angle));
    const int* levels = grid.levels.data();
    for (const std::size_t voxel : grid.roiVoxels) {
        const int level = levels[voxel];
        const auto before = static_cast<std::size_t>(static_cast<std::ptrdiff_t>(voxel) - step);
        // Outside the ROI the predecessor's runLength is stale, but then its level differs.
        const std::uint32_t length = runLength[before] * (levels[before] == level) + 1;
        runLength[voxel] = length;
        const bool last = levels[voxel + static_cast<std::size_t>(step)] != level;
        runs[static_cast<std::size_t>(grid.levelIndex[static_cast<std::size_t>(level)]) * maxRun + length - 1] += last;
    }
    std::vector<double> counts(runs.begin(), runs.end());
    bool longerThanOne = false;
    for (std::size_t row = 0; row < ng; ++row) {
        for (std::size_t column = 1; column < maxRun; ++column) {
            longerThanOne = longerThanOne || runs[row * maxRun + column] != 0;
        }
    }
    if (!longerThanOne && !lineHoldsTwoRoiVoxels(grid, angle)) std::fill(counts.begin(), counts.end(), 0.0);
    return counts;
}

} // namespace

const std::vector<FeatureDefinition>& glrlmFeatureDefinitions() {
    static const std::vector<FeatureDefinition> definitions = [] {
        std::vector<FeatureDefinition> list;
        for (const auto& feature : glrlmFeatures()) list.push_back({feature.name, false});
        return list;
    }();
    return definitions;
}

FeatureList computeGlrlm(const DiscretizedRoi& roi, const Settings& settings,
                         const std::vector<std::string>& requested, DiagnosticList& diagnostics) {
    return computeGlrlmOnGrid(makeTextureGrid(roi, settings), settings, requested, diagnostics);
}

FeatureList computeGlrlmOnGrid(const TextureGrid& grid, const Settings& settings,
                               const std::vector<std::string>& requested, DiagnosticList& diagnostics) {
    const auto selected = selectFeatures("glrlm", glrlmFeatureDefinitions(), requested);
    const int excludedAxis = excludedTextureAxis(settings);
    const auto angles = textureAngles(grid.size, {1}, false, excludedAxis);
    // PyRadiomics sizes the run length axis by the longest side of the cropped array.
    const std::size_t maxRun = static_cast<std::size_t>(*std::max_element(grid.size.begin(), grid.size.end()));
    const std::size_t cells = grid.presentLevels.size() * maxRun;

    std::vector<std::vector<double>> matrices;
    std::vector<std::uint32_t> runLength(grid.levels.size(), 0);
    for (const auto& angle : angles) matrices.push_back(runCounts(grid, angle, maxRun, runLength));
    if (settings.weightingNorm != WeightingNorm::None) {
        std::vector<double> merged(cells, 0.0);
        for (std::size_t a = 0; a < angles.size(); ++a) {
            const double weight = directionWeight(angles[a], grid.spacing, settings.weightingNorm);
            for (std::size_t c = 0; c < cells; ++c) merged[c] += matrices[a][c] * weight;
        }
        matrices = {merged};
    } else if (matrices.size() > 1) {
        matrices.erase(std::remove_if(matrices.begin(), matrices.end(),
                                      [](const std::vector<double>& counts) {
                                          return std::all_of(counts.begin(), counts.end(),
                                                             [](double value) { return value == 0.0; });
                                      }),
                       matrices.end());
    }

    std::vector<double> levels(grid.presentLevels.begin(), grid.presentLevels.end());
    std::vector<double> runLengths;
    for (std::size_t length = 1; length <= maxRun; ++length) runLengths.push_back(static_cast<double>(length));
    std::vector<Glrlm> directions;
    for (auto& counts : matrices) {
        Glrlm direction;
        direction.matrix = makeLevelSizeMatrix(levels, runLengths, std::move(counts));
        direction.runs = direction.matrix.total == 0.0 ? kNaN : direction.matrix.total;
        directions.push_back(std::move(direction));
    }

    FeatureList features;
    for (const auto& name : selected) {
        const auto compute = findFeature(name);
        std::vector<double> perDirection;
        for (const auto& direction : directions) {
            perDirection.push_back(std::isnan(direction.runs) ? kNaN : compute(direction));
        }
        features.push_back({name, nanMean(perDirection)});
    }
    reportNaNs(features, angles.empty() ? "no direction fits in the ROI's bounding box (PyRadiomics stops with an error here)"
                              : "the ROI has no run in any direction",
               diagnostics);
    return features;
}

} // namespace radnode::analysis
