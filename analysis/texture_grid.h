// What the five texture classes (glcm, glrlm, glszm, gldm, ngtdm) share: the discretised ROI
// cropped to its bounding box with a zero border, and PyRadiomics' neighbour directions.
// Axes here are in numpy order (z, y, x), as in PyRadiomics' C matrices, so that angle
// order, force2Ddimension and spacing weights read the same as there.
#pragma once

#include "analysis/discretization.h"
#include "analysis/feature.h"
#include "analysis/settings.h"

#include <array>
#include <cstddef>
#include <string>
#include <vector>

namespace radnode::analysis {

// numpy.spacing(1): PyRadiomics' eps in log2(p + eps) and in divisions.
constexpr double kTextureEps = 2.220446049250313e-16;

// A neighbour direction as index offsets (z, y, x).
using TextureAngle = std::array<int, 3>;

// PyRadiomics' angle generation: every offset whose infinity norm is one of `distances`, that
// fits in `boxSize` (|offset| < size per axis) and does not move along `excludedAxis` (numpy
// axis, -1 for none), enumerated from (+d, +d, +d) downwards with x fastest. Mono-directional
// keeps the first half (13 angles at distance 1 in 3D, 4 in 2D); bidirectional keeps all.
// Throws std::invalid_argument for a distance below 1.
std::vector<TextureAngle> textureAngles(const std::array<int, 3>& boxSize, const std::vector<int>& distances,
                                        bool bidirectional, int excludedAxis);

// The numpy axis that force2D excludes, or -1 when force2D is off. Throws std::invalid_argument
// when force2Ddimension is not 0, 1 or 2.
int excludedTextureAxis(const Settings& settings);

// A direction's physical length (offset times spacing) in each norm PyRadiomics' weightingNorm
// names; GLCM and GLRLM turn these into their own weights. `squares` is the squared Euclidean length.
struct DirectionLengths {
    double infinity = 0.0, manhattan = 0.0, squares = 0.0;
};
DirectionLengths directionLengths(const TextureAngle& angle, const std::array<double, 3>& spacing);

// The ROI cropped to its bounding box (as PyRadiomics crops before texture), surrounded by a
// border of zero voxels wide enough that no neighbour lookup needs a bounds check.
struct TextureGrid {
    std::array<int, 3> size{};                // bounding box of the ROI, z y x
    std::array<int, 3> border{};              // zero voxels on each side, z y x
    std::array<std::ptrdiff_t, 3> stride{};   // of `levels`, z y x
    std::vector<int> levels;                  // grey level, 0 outside the ROI and in the border
    std::vector<std::size_t> roiVoxels;       // indices into `levels` of the ROI, z slowest
    std::array<double, 3> spacing{};          // mm, z y x
    int maxLevel = 0;                         // PyRadiomics' Ng
    std::vector<int> presentLevels;           // sorted levels present in the ROI
    std::vector<int> levelIndex;              // level -> position in presentLevels, -1 if absent

    std::ptrdiff_t offset(const TextureAngle& angle) const {
        return angle[0] * stride[0] + angle[1] * stride[1] + angle[2] * stride[2];
    }
    // Index into `levels` of box voxel (z, y, x), 0 <= z < size[0] etc.
    std::size_t index(int z, int y, int x) const {
        return static_cast<std::size_t>((z + border[0]) * stride[0] + (y + border[1]) * stride[1] +
                                        (x + border[2]) * stride[2]);
    }
};

// `reach` is the largest offset any angle will take; the border is that wide on every axis the
// angles may move along (axes of size 1 and the excluded axis get none). Throws
// std::invalid_argument when the ROI is empty.
TextureGrid makeTextureGrid(const DiscretizedRoi& roi, int reach, int excludedAxis);

// The reach every texture class can work with under `settings`: the largest of `distances`,
// at least 1 (GLRLM and GLSZM look one voxel away whatever the distances).
int textureReach(const Settings& settings);

// The one grid all five texture classes of an extraction share (built once, not once per class).
TextureGrid makeTextureGrid(const DiscretizedRoi& roi, const Settings& settings);

// numpy.nanmean: the mean of the non-NaN values, NaN when there are none.
double nanMean(const std::vector<double>& values);

// Appends one Diagnostic per NaN value, giving `reason`.
void reportNaNs(const FeatureList& features, const std::string& reason, DiagnosticList& diagnostics);

} // namespace radnode::analysis
