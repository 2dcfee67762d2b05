// PyRadiomics' 3D shape feature class (radiomics/shape.py with src/cshape.c): a marching-cubes
// mesh of the mask gives volume, surface and diameters; ROI voxel centres give the axis lengths.
#pragma once

#include "analysis/feature.h"
#include "analysis/image.h"
#include "analysis/settings.h"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace radnode::analysis {

// The bare feature names, deprecated Compactness1, Compactness2 and SphericalDisproportion flagged.
const std::vector<FeatureDefinition>& shapeFeatures();

// `requested` empty = every non-deprecated feature; a deprecated one is computed only when
// named; an unknown name throws std::invalid_argument naming it. Bare names ("Sphericity").
// Throws std::invalid_argument when the mask is empty. Remarks PyRadiomics would log go to
// `diagnostics`: NaN axis lengths under the feature's name, rounded eigenvalues under "" (the class).
FeatureList computeShape(const Mask& mask, const Settings& settings,
                         const std::vector<std::string>& requested, DiagnosticList& diagnostics);

// Building blocks shared with shape2D.

// A point of a plane on the half-voxel lattice: coordinates are twice the voxel index, so mesh
// vertices on edge midpoints stay integers.
using LatticePoint2D = std::array<std::int64_t, 2>;

// Positions in `points` of their extreme points (the convex-hull vertices, collinear points
// dropped). The farthest pair of a point set is always a pair of extreme points, which is what
// makes the maximum diameters cheap. `points` must be distinct.
std::vector<std::size_t> convexHullVertices(const std::vector<LatticePoint2D>& points);

} // namespace radnode::analysis
