#include "analysis/image.h"

#include <algorithm>
#include <cmath>
#include <iterator>

namespace radnode::analysis {

std::array<double, 3> Geometry::physicalPoint(double x, double y, double z) const {
    const double scaled[3] = {x * spacing[0], y * spacing[1], z * spacing[2]};
    std::array<double, 3> point = origin;
    for (int row = 0; row < 3; ++row) {
        for (int col = 0; col < 3; ++col) point[row] += direction[row * 3 + col] * scaled[col];
    }
    return point;
}

bool Geometry::sameGrid(const Geometry& other, double tolerance) const {
    if (size != other.size) return false;
    for (int i = 0; i < 3; ++i) {
        if (std::abs(spacing[i] - other.spacing[i]) > tolerance) return false;
        if (std::abs(origin[i] - other.origin[i]) > tolerance) return false;
    }
    for (int i = 0; i < 9; ++i) {
        if (std::abs(direction[i] - other.direction[i]) > tolerance) return false;
    }
    return true;
}

std::size_t Mask::count() const {
    return static_cast<std::size_t>(std::count_if(voxels.begin(), voxels.end(), [](std::uint8_t v) { return v != 0; }));
}

IndexBox boundingBox(const Mask& mask) {
    const auto& size = mask.geometry.size;
    IndexBox box{{size[0], size[1], size[2]}, {0, 0, 0}};
    const auto inRoi = [](std::uint8_t v) { return v != 0; };
    for (std::size_t z = 0; z < size[2]; ++z) {
        for (std::size_t y = 0; y < size[1]; ++y) {
            // A row widens the box by its first and last ROI voxel.
            const auto row = mask.voxels.begin() + static_cast<std::ptrdiff_t>(mask.geometry.offset(0, y, z));
            const auto rowEnd = row + static_cast<std::ptrdiff_t>(size[0]);
            const auto first = std::find_if(row, rowEnd, inRoi);
            if (first == rowEnd) continue;
            const auto last = std::find_if(std::make_reverse_iterator(rowEnd), std::make_reverse_iterator(first), inRoi);
            const auto x = static_cast<std::size_t>(first - row);
            const auto xEnd = static_cast<std::size_t>(last.base() - row);
            box.lower = {std::min(box.lower[0], x), std::min(box.lower[1], y), std::min(box.lower[2], z)};
            box.upper = {std::max(box.upper[0], xEnd), std::max(box.upper[1], y + 1), std::max(box.upper[2], z + 1)};
        }
    }
    if (box.empty()) return IndexBox{};
    return box;
}

IndexBox padded(const IndexBox& box, const Geometry& geometry, std::size_t pad) {
    IndexBox out = box;
    for (int a = 0; a < 3; ++a) {
        out.lower[a] = box.lower[a] > pad ? box.lower[a] - pad : 0;
        out.upper[a] = std::min(geometry.size[a], box.upper[a] + pad);
    }
    return out;
}

Geometry cropGeometry(const Geometry& geometry, const IndexBox& box) {
    Geometry out = geometry;
    out.size = box.extent();
    out.origin = geometry.physicalPoint(static_cast<double>(box.lower[0]), static_cast<double>(box.lower[1]),
                                        static_cast<double>(box.lower[2]));
    return out;
}

namespace {
template <typename Voxel>
std::vector<Voxel> cropVoxels(const std::vector<Voxel>& voxels, const Geometry& geometry, const IndexBox& box) {
    const auto extent = box.extent();
    std::vector<Voxel> out;
    out.reserve(extent[0] * extent[1] * extent[2]);
    for (std::size_t z = box.lower[2]; z < box.upper[2]; ++z) {
        for (std::size_t y = box.lower[1]; y < box.upper[1]; ++y) {
            const auto first = voxels.begin() + static_cast<std::ptrdiff_t>(geometry.offset(box.lower[0], y, z));
            out.insert(out.end(), first, first + static_cast<std::ptrdiff_t>(extent[0]));
        }
    }
    return out;
}
} // namespace

Image crop(const Image& image, const IndexBox& box) {
    return Image{cropGeometry(image.geometry, box), cropVoxels(image.voxels, image.geometry, box), image.storedType};
}

Mask crop(const Mask& mask, const IndexBox& box) {
    return Mask{cropGeometry(mask.geometry, box), cropVoxels(mask.voxels, mask.geometry, box)};
}

} // namespace radnode::analysis
