#include "analysis/texture_grid.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <stdexcept>

namespace radnode::analysis {

std::vector<TextureAngle> textureAngles(const std::array<int, 3>& boxSize, const std::vector<int>& distances,
                                        bool bidirectional, int excludedAxis) {
    if (distances.empty()) throw std::invalid_argument("setting distances is empty");
    int maxDistance = 0;
    for (const int distance : distances) {
        if (distance < 1) {
            throw std::invalid_argument("setting distances holds " + std::to_string(distance) +
                                        "; texture distances must be at least 1");
        }
        maxDistance = std::max(maxDistance, distance);
    }
    // The enumeration order is point-symmetric (the k-th offset from the start is the negation
    // of the k-th from the end), so the first half holds exactly one of each +/- pair: the same
    // ones PyRadiomics keeps.
    std::vector<TextureAngle> angles;
    for (int dz = maxDistance; dz >= -maxDistance; --dz) {
        for (int dy = maxDistance; dy >= -maxDistance; --dy) {
            for (int dx = maxDistance; dx >= -maxDistance; --dx) {
                const TextureAngle angle{dz, dy, dx};
                bool fits = true;
                int norm = 0;
                for (int axis = 0; axis < 3; ++axis) {
                    const int step = std::abs(angle[axis]);
                    if ((axis == excludedAxis && step != 0) || step >= boxSize[axis]) fits = false;
                    norm = std::max(norm, step);
                }
                if (!fits || norm == 0) continue;
                if (std::find(distances.begin(), distances.end(), norm) != distances.end()) angles.push_back(angle);
            }
        }
    }
    if (!bidirectional) angles.resize(angles.size() / 2);
    return angles;
}

int excludedTextureAxis(const Settings& settings) {
    if (!settings.force2D) return -1;
    if (settings.force2Ddimension < 0 || settings.force2Ddimension > 2) {
        throw std::invalid_argument("setting force2Ddimension must be 0, 1 or 2, got " +
                                    std::to_string(settings.force2Ddimension));
    }
    return settings.force2Ddimension;
}

TextureGrid makeTextureGrid(const DiscretizedRoi& roi, int reach, int excludedAxis) {
    const Geometry& geometry = roi.geometry;
    if (roi.mask.size() != geometry.voxelCount() || roi.levels.size() != geometry.voxelCount()) {
        throw std::invalid_argument("discretised ROI arrays do not match its grid");
    }
    // Bounding box in (x, y, z) voxel indices; the voxel index runs along with the loops.
    std::array<std::size_t, 3> lower{geometry.size[0], geometry.size[1], geometry.size[2]};
    std::array<std::size_t, 3> upper{0, 0, 0};
    std::size_t roiVoxelCount = 0;
    const std::size_t rowLength = geometry.size[0];
    for (std::size_t z = 0; z < geometry.size[2]; ++z) {
        for (std::size_t y = 0; y < geometry.size[1]; ++y) {
            // A row widens the box by its first and last ROI voxel.
            const std::uint8_t* row = roi.mask.data() + geometry.offset(0, y, z);
            std::size_t first = 0;
            while (first < rowLength && row[first] == 0) ++first;
            if (first == rowLength) continue;
            std::size_t last = rowLength;
            while (row[last - 1] == 0) --last;
            for (std::size_t x = first; x < last; ++x) roiVoxelCount += row[x] != 0;
            const std::array<std::size_t, 3> rowLower{first, y, z};
            const std::array<std::size_t, 3> rowUpper{last, y + 1, z + 1};
            for (int axis = 0; axis < 3; ++axis) {
                lower[axis] = std::min(lower[axis], rowLower[axis]);
                upper[axis] = std::max(upper[axis], rowUpper[axis]);
            }
        }
    }
    if (roiVoxelCount == 0) throw std::invalid_argument("texture features need a non-empty ROI");

    TextureGrid grid;
    for (int axis = 0; axis < 3; ++axis) {
        const int itkAxis = 2 - axis;
        grid.size[axis] = static_cast<int>(upper[itkAxis] - lower[itkAxis]);
        grid.spacing[axis] = geometry.spacing[itkAxis];
        const bool moves = grid.size[axis] > 1 && axis != excludedAxis;
        grid.border[axis] = moves ? std::min(reach, grid.size[axis] - 1) : 0;
    }
    const std::array<std::ptrdiff_t, 3> padded{grid.size[0] + 2 * grid.border[0], grid.size[1] + 2 * grid.border[1],
                                               grid.size[2] + 2 * grid.border[2]};
    grid.stride = {padded[1] * padded[2], padded[2], 1};
    grid.levels.assign(static_cast<std::size_t>(padded[0] * padded[1] * padded[2]), 0);
    grid.roiVoxels.reserve(roiVoxelCount);

    std::vector<std::uint8_t> present;
    for (int z = 0; z < grid.size[0]; ++z) {
        for (int y = 0; y < grid.size[1]; ++y) {
            // One row of the box: consecutive in both the source grid and the texture grid.
            const std::size_t rowSource = geometry.offset(lower[0], lower[1] + static_cast<std::size_t>(y),
                                                          lower[2] + static_cast<std::size_t>(z));
            const std::size_t rowTarget = grid.index(z, y, 0);
            for (int x = 0; x < grid.size[2]; ++x) {
                const std::size_t from = rowSource + static_cast<std::size_t>(x);
                if (!roi.mask[from]) continue;
                const int level = roi.levels[from];
                if (level < 1) throw std::invalid_argument("discretised ROI has a voxel without a grey level");
                const std::size_t target = rowTarget + static_cast<std::size_t>(x);
                grid.levels[target] = level;
                grid.roiVoxels.push_back(target);
                const auto slot = static_cast<std::size_t>(level);
                if (slot >= present.size()) present.resize(slot + 1, 0);
                present[slot] = 1;
            }
        }
    }
    grid.maxLevel = static_cast<int>(present.size()) - 1;
    grid.levelIndex.assign(present.size(), -1);
    for (int level = 1; level <= grid.maxLevel; ++level) {
        if (!present[static_cast<std::size_t>(level)]) continue;
        grid.levelIndex[static_cast<std::size_t>(level)] = static_cast<int>(grid.presentLevels.size());
        grid.presentLevels.push_back(level);
    }
    return grid;
}

int textureReach(const Settings& settings) {
    int reach = 1;
    for (const int distance : settings.distances) reach = std::max(reach, distance);
    return reach;
}

TextureGrid makeTextureGrid(const DiscretizedRoi& roi, const Settings& settings) {
    return makeTextureGrid(roi, textureReach(settings), excludedTextureAxis(settings));
}

double nanMean(const std::vector<double>& values) {
    double sum = 0.0;
    std::size_t count = 0;
    for (const double value : values) {
        if (std::isnan(value)) continue;
        sum += value;
        ++count;
    }
    return count == 0 ? std::numeric_limits<double>::quiet_NaN() : sum / static_cast<double>(count);
}

void reportNaNs(const FeatureList& features, const std::string& reason, DiagnosticList& diagnostics) {
    for (const auto& feature : features) {
        if (std::isnan(feature.value)) diagnostics.push_back({feature.name, reason});
    }
}

DirectionLengths directionLengths(const TextureAngle& angle, const std::array<double, 3>& spacing) {
    DirectionLengths lengths;
    for (int axis = 0; axis < 3; ++axis) {
        const double length = std::abs(angle[axis]) * spacing[axis];
        lengths.infinity = std::max(lengths.infinity, length);
        lengths.manhattan += length;
        lengths.squares += length * length;
    }
    return lengths;
}

} // namespace radnode::analysis
