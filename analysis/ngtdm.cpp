#include "analysis/ngtdm.h"

#include "analysis/neighbour_offsets.h"
#include "analysis/texture_grid.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>

namespace radnode::analysis {

namespace {

// The NGTDM over the grey levels present in the ROI: p_i (share of voxels), s_i (summed
// absolute difference to the neighbourhood mean) and the level i itself.
struct Ngtdm {
    std::vector<double> level;
    std::vector<double> p;
    std::vector<double> s;
    double voxels = 0.0; // PyRadiomics' N_{v,p}
};

// Sum over all ordered pairs of present levels of f(i, j).
template <typename Term>
double pairSum(const Ngtdm& m, Term term) {
    double sum = 0.0;
    for (std::size_t i = 0; i < m.level.size(); ++i) {
        for (std::size_t j = 0; j < m.level.size(); ++j) sum += term(i, j);
    }
    return sum;
}

double coarseness(const Ngtdm& m) {
    double sum = 0.0;
    for (std::size_t i = 0; i < m.level.size(); ++i) sum += m.p[i] * m.s[i];
    // No difference anywhere (a flat region): PyRadiomics' arbitrary 10^6.
    return sum == 0.0 ? 1e6 : 1.0 / sum;
}

double contrast(const Ngtdm& m) {
    const double levels = static_cast<double>(m.level.size());
    const double divisor = levels * (levels - 1.0);
    if (divisor == 0.0) return 0.0;
    double totalDifference = 0.0;
    for (const double s : m.s) totalDifference += s;
    const double spread = pairSum(m, [&](std::size_t i, std::size_t j) {
        const double d = m.level[i] - m.level[j];
        return m.p[i] * m.p[j] * d * d;
    });
    return spread * totalDifference / m.voxels / divisor;
}

double busyness(const Ngtdm& m) {
    const double absoluteDifference = pairSum(m, [&](std::size_t i, std::size_t j) {
        return std::abs(m.level[i] * m.p[i] - m.level[j] * m.p[j]);
    });
    if (absoluteDifference == 0.0) return 0.0;
    double sum = 0.0;
    for (std::size_t i = 0; i < m.level.size(); ++i) sum += m.p[i] * m.s[i];
    return sum / absoluteDifference;
}

double complexity(const Ngtdm& m) {
    return pairSum(m,
                   [&](std::size_t i, std::size_t j) {
                       return std::abs(m.level[i] - m.level[j]) * (m.p[i] * m.s[i] + m.p[j] * m.s[j]) /
                              (m.p[i] + m.p[j]);
                   }) /
           m.voxels;
}

double strength(const Ngtdm& m) {
    double totalDifference = 0.0;
    for (const double s : m.s) totalDifference += s;
    if (totalDifference == 0.0) return 0.0;
    return pairSum(m,
                   [&](std::size_t i, std::size_t j) {
                       const double d = m.level[i] - m.level[j];
                       return (m.p[i] + m.p[j]) * d * d;
                   }) /
           totalDifference;
}

struct NgtdmFeature {
    const char* name;
    double (*compute)(const Ngtdm&);
};

const std::vector<NgtdmFeature>& ngtdmFeatures() {
    static const std::vector<NgtdmFeature> features{
        {"Busyness", busyness}, {"Coarseness", coarseness}, {"Complexity", complexity},
        {"Contrast", contrast}, {"Strength", strength},
    };
    return features;
}

double (*findFeature(const std::string& name))(const Ngtdm&) {
    for (const auto& feature : ngtdmFeatures()) {
        if (name == feature.name) return feature.compute;
    }
    throw std::invalid_argument("feature class ngtdm has no feature '" + name + "'");
}

// The axes along which `angles` are the whole 3 x 3 (x 3) neighbourhood, every offset of -1, 0
// or +1 except the centre (distances [1], PyRadiomics' default); none when they are not.
std::optional<std::array<bool, 3>> wholeNeighbourhood(const std::vector<TextureAngle>& angles) {
    std::array<bool, 3> moves{false, false, false};
    for (const auto& angle : angles) {
        for (int axis = 0; axis < 3; ++axis) {
            if (std::abs(angle[axis]) > 1) return std::nullopt;
            moves[axis] = moves[axis] || angle[axis] != 0;
        }
    }
    std::size_t whole = 1;
    for (const bool axis : moves) whole *= axis ? 3 : 1;
    // textureAngles gives each offset once, so the count decides.
    if (angles.size() != whole - 1) return std::nullopt;
    return moves;
}

// For each voxel of the padded grid, the sum of `values` over its 3 x 3 (x 3) box along `axes`,
// centre included: one pass of three-voxel sums per axis (the box is separable) instead of one
// read per neighbour. Cells whose box leaves the padded grid hold partial sums; no ROI voxel's
// box does (the border is at least one voxel wide along every axis an angle moves along).
std::vector<std::int32_t> boxSums(std::vector<std::int32_t> values, const TextureGrid& grid,
                                  const std::array<bool, 3>& axes) {
    std::vector<std::int32_t> summed(values.size(), 0);
    for (int axis = 0; axis < 3; ++axis) {
        if (!axes[static_cast<std::size_t>(axis)]) continue;
        const auto step = static_cast<std::size_t>(grid.stride[static_cast<std::size_t>(axis)]);
        const std::int32_t* in = values.data();
        std::int32_t* out = summed.data();
        for (std::size_t i = step; i + step < values.size(); ++i) out[i] = in[i - step] + in[i] + in[i + step];
        values.swap(summed);
    }
    return values;
}

// A voxel with no ROI neighbour contributes a difference of 0, as in PyRadiomics.
Ngtdm differenceMatrix(const TextureGrid& grid, const std::vector<TextureAngle>& angles) {
    std::vector<std::ptrdiff_t> offsets;
    for (const auto& angle : angles) offsets.push_back(grid.offset(angle));
    const std::size_t levels = grid.presentLevels.size();
    std::vector<double> counts(levels, 0.0);
    Ngtdm m;
    m.s.assign(levels, 0.0);
    const auto axes = wholeNeighbourhood(angles);
    // 27 levels of at most 2^26 sum to less than 2^31.
    if (axes && grid.maxLevel < (1 << 26)) {
        // Neighbour sums and counts as box sums minus the centre: integers, so exactly the
        // per-neighbour sums below.
        std::vector<std::int32_t> inRoi(grid.levels.size());
        for (std::size_t i = 0; i < inRoi.size(); ++i) inRoi[i] = grid.levels[i] != 0;
        const auto levelSums = boxSums(std::vector<std::int32_t>(grid.levels.begin(), grid.levels.end()), grid, *axes);
        const auto roiCounts = boxSums(std::move(inRoi), grid, *axes);
        for (const std::size_t voxel : grid.roiVoxels) {
            const int level = grid.levels[voxel];
            const std::int32_t neighbours = roiCounts[voxel] - 1;
            const std::int32_t sum = levelSums[voxel] - level;
            const double difference =
                neighbours == 0 ? 0.0 : std::abs(level - static_cast<double>(sum) / static_cast<double>(neighbours));
            const auto row = static_cast<std::size_t>(grid.levelIndex[static_cast<std::size_t>(level)]);
            counts[row] += 1.0;
            m.s[row] += difference;
        }
    } else {
        withNeighbourOffsets(offsets, [&](const auto& neighbourOffsets) {
            for (const std::size_t voxel : grid.roiVoxels) {
                const int* centre = grid.levels.data() + voxel;
                // Integer sums are exact, so this equals PyRadiomics' floating-point sum bit for bit;
                // a neighbour outside the ROI has level 0 and adds nothing.
                int neighbours = 0;
                std::int64_t sum = 0;
                for (const std::ptrdiff_t offset : neighbourOffsets) {
                    const int neighbour = centre[offset];
                    neighbours += neighbour != 0;
                    sum += neighbour;
                }
                const double difference =
                    neighbours == 0 ? 0.0 : std::abs(*centre - static_cast<double>(sum) / static_cast<double>(neighbours));
                const auto row = static_cast<std::size_t>(grid.levelIndex[static_cast<std::size_t>(*centre)]);
                counts[row] += 1.0;
                m.s[row] += difference;
            }
        });
    }
    for (const double count : counts) m.voxels += count;
    for (std::size_t row = 0; row < levels; ++row) {
        m.level.push_back(grid.presentLevels[row]);
        m.p.push_back(counts[row] / m.voxels);
    }
    return m;
}

} // namespace

const std::vector<FeatureDefinition>& ngtdmFeatureDefinitions() {
    static const std::vector<FeatureDefinition> definitions = [] {
        std::vector<FeatureDefinition> list;
        for (const auto& feature : ngtdmFeatures()) list.push_back({feature.name, false});
        return list;
    }();
    return definitions;
}

FeatureList computeNgtdm(const DiscretizedRoi& roi, const Settings& settings,
                         const std::vector<std::string>& requested, DiagnosticList& diagnostics) {
    return computeNgtdmOnGrid(makeTextureGrid(roi, settings), settings, requested, diagnostics);
}

FeatureList computeNgtdmOnGrid(const TextureGrid& grid, const Settings& settings,
                               const std::vector<std::string>& requested, DiagnosticList& diagnostics) {
    const auto selected = selectFeatures("ngtdm", ngtdmFeatureDefinitions(), requested);
    const int excludedAxis = excludedTextureAxis(settings);
    const auto angles = textureAngles(grid.size, settings.distances, true, excludedAxis);

    FeatureList features;
    if (angles.empty()) {
        for (const auto& name : selected) features.push_back({name, std::numeric_limits<double>::quiet_NaN()});
        reportNaNs(features, "no neighbour direction fits in the ROI's bounding box at the requested distances "
                   "(PyRadiomics stops with an error here)",
                   diagnostics);
        return features;
    }
    const Ngtdm ngtdm = differenceMatrix(grid, angles);
    for (const auto& name : selected) features.push_back({name, findFeature(name)(ngtdm)});
    return features;
}

} // namespace radnode::analysis
