#include "analysis/mask_margin.h"

#include "analysis/peritumoral.h"

#include <algorithm>

namespace radnode::analysis {

double onePixelMm(const Geometry& geometry, bool inPlane) {
    double spacing = std::min(geometry.spacing[0], geometry.spacing[1]);
    if (!inPlane && geometry.size[2] > 1) spacing = std::min(spacing, geometry.spacing[2]);
    return spacing;
}

Mask dilateMask(const Mask& mask, double marginMm, bool inPlane) {
    const auto distance = squaredDistanceToRoi(mask, inPlane);
    // A hair of tolerance so that a margin of exactly one spacing reaches the neighbour.
    const double limit = marginMm * marginMm * (1.0 + 1e-9);
    Mask out{mask.geometry, std::vector<std::uint8_t>(mask.voxels.size(), 0)};
    for (std::size_t i = 0; i < distance.size(); ++i) out.voxels[i] = distance[i] <= limit ? 1 : 0;
    return out;
}

Mask erodeMask(const Mask& mask, double marginMm, bool inPlane) {
    Mask outside{mask.geometry, std::vector<std::uint8_t>(mask.voxels.size(), 0)};
    for (std::size_t i = 0; i < mask.voxels.size(); ++i) outside.voxels[i] = mask.voxels[i] ? 0 : 1;
    const auto distance = squaredDistanceToRoi(outside, inPlane);
    const double limit = marginMm * marginMm * (1.0 + 1e-9);
    Mask out{mask.geometry, std::vector<std::uint8_t>(mask.voxels.size(), 0)};
    for (std::size_t i = 0; i < distance.size(); ++i) out.voxels[i] = mask.voxels[i] && distance[i] > limit ? 1 : 0;
    return out;
}

} // namespace radnode::analysis
