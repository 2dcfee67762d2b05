// Between analysis/ images and ITK images: the one place that copies a Geometry into an ITK
// image and back. Included only by the *_itk.cpp files (it includes ITK).
#pragma once

#include "analysis/image.h"

#include <itkImage.h>

#include <algorithm>
#include <vector>

namespace radnode::analysis::itkbridge {

// An ITK image on `geometry`, allocated, with `voxels` (x fastest) copied in when given.
template <typename ItkType, typename Voxel>
typename ItkType::Pointer toItk(const Geometry& geometry, const std::vector<Voxel>* voxels) {
    auto image = ItkType::New();
    typename ItkType::RegionType region;
    typename ItkType::SpacingType spacing;
    typename ItkType::PointType origin;
    typename ItkType::DirectionType direction;
    for (unsigned a = 0; a < 3; ++a) {
        region.SetSize(a, geometry.size[a]);
        spacing[a] = geometry.spacing[a];
        origin[a] = geometry.origin[a];
        for (unsigned b = 0; b < 3; ++b) direction[a][b] = geometry.direction[a * 3 + b];
    }
    image->SetRegions(region);
    image->SetSpacing(spacing);
    image->SetOrigin(origin);
    image->SetDirection(direction);
    image->Allocate();
    if (voxels) std::copy(voxels->begin(), voxels->end(), image->GetBufferPointer());
    return image;
}

template <typename ItkType>
typename ItkType::Pointer toItk(const Image& image) {
    return toItk<ItkType>(image.geometry, &image.voxels);
}

template <typename ItkType>
Geometry geometryOf(const ItkType& image) {
    Geometry geometry;
    const auto region = image.GetLargestPossibleRegion();
    for (unsigned a = 0; a < 3; ++a) {
        geometry.size[a] = region.GetSize()[a];
        geometry.spacing[a] = image.GetSpacing()[a];
        geometry.origin[a] = image.GetOrigin()[a];
        for (unsigned b = 0; b < 3; ++b) geometry.direction[a * 3 + b] = image.GetDirection()[a][b];
    }
    return geometry;
}

} // namespace radnode::analysis::itkbridge
