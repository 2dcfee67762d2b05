// Images and ROI masks in physical space: the currency of analysis/.
// DICOM decoding (dicom/) and file readers (image_io_itk) produce these; filters and
// feature classes consume them. Voxel order is x fastest, then y, then z, as in ITK and
// as in PyRadiomics' numpy arrays read back to front (z, y, x).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace radnode::analysis {

struct Geometry {
    std::array<std::size_t, 3> size{1, 1, 1};   // voxels along x, y, z
    std::array<double, 3> spacing{1.0, 1.0, 1.0}; // mm
    std::array<double, 3> origin{0.0, 0.0, 0.0};  // mm, patient coordinates (LPS)
    // Row-major 3x3; column j is the unit direction of index axis j (ITK convention).
    std::array<double, 9> direction{1, 0, 0, 0, 1, 0, 0, 0, 1};

    std::size_t voxelCount() const { return size[0] * size[1] * size[2]; }
    std::size_t offset(std::size_t x, std::size_t y, std::size_t z) const {
        return x + size[0] * (y + size[1] * z);
    }
    double voxelVolume() const { return spacing[0] * spacing[1] * spacing[2]; }
    // Physical position of a (possibly fractional) voxel index.
    std::array<double, 3> physicalPoint(double x, double y, double z) const;
    // Same size, and spacing/origin/direction equal within `tolerance` (mm or cosine).
    bool sameGrid(const Geometry& other, double tolerance = 1e-4) const;
};

// The scalar type voxels were stored in before they became doubles. PyRadiomics resamples an
// image into its stored type (SimpleITK clamps and truncates), so resampling must know it.
enum class StoredType { Float64, Float32, Int8, UInt8, Int16, UInt16, Int32, UInt32 };

// Intensities as double: PyRadiomics computes in float64, and so must we to agree to 1e-6.
struct Image {
    Geometry geometry;
    std::vector<double> voxels;
    StoredType storedType = StoredType::Float64;
};

// A binary ROI: 1 inside, 0 outside. Label selection happens when a mask is read.
struct Mask {
    Geometry geometry;
    std::vector<std::uint8_t> voxels;

    std::size_t count() const;
};

// Half-open index box [lower, upper) per axis.
struct IndexBox {
    std::array<std::size_t, 3> lower{0, 0, 0};
    std::array<std::size_t, 3> upper{0, 0, 0};

    std::array<std::size_t, 3> extent() const {
        return {upper[0] - lower[0], upper[1] - lower[1], upper[2] - lower[2]};
    }
    bool empty() const { return upper[0] <= lower[0] || upper[1] <= lower[1] || upper[2] <= lower[2]; }
};

// Smallest box holding every ROI voxel; empty when the mask is empty.
IndexBox boundingBox(const Mask& mask);
// The box grown by `pad` voxels per side, clipped to the grid.
IndexBox padded(const IndexBox& box, const Geometry& geometry, std::size_t pad);

// Sub-grid geometry of a box: origin moves to the box's first voxel.
Geometry cropGeometry(const Geometry& geometry, const IndexBox& box);
Image crop(const Image& image, const IndexBox& box);
Mask crop(const Mask& mask, const IndexBox& box);

} // namespace radnode::analysis
