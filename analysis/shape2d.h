// PyRadiomics' 2D shape feature class (radiomics/shape2D.py with src/cshape.c): a
// marching-squares contour of a single-slice ROI gives surface, perimeter and diameter; ROI
// pixel centres give the axis lengths.
#pragma once

#include "analysis/feature.h"
#include "analysis/image.h"
#include "analysis/settings.h"

#include <string>
#include <vector>

namespace radnode::analysis {

// The bare feature names, deprecated SphericalDisproportion flagged.
const std::vector<FeatureDefinition>& shape2DFeatures();

// `requested` empty = every non-deprecated feature; a deprecated one is computed only when
// named; an unknown name throws std::invalid_argument naming it. Bare names ("Perimeter").
// As in PyRadiomics, needs settings.force2D and an ROI one voxel thick along
// settings.force2Ddimension (numpy order: 0 = z, 1 = y, 2 = x); throws std::invalid_argument
// otherwise, and when the mask is empty. Remarks as for computeShape.
FeatureList computeShape2D(const Mask& mask, const Settings& settings,
                           const std::vector<std::string>& requested, DiagnosticList& diagnostics);

} // namespace radnode::analysis
