#include "analysis/shape.h"

#include <Eigen/Eigenvalues>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <numeric>
#include <sstream>
#include <stdexcept>

namespace radnode::analysis {

namespace {

constexpr double kPi = 3.14159265358979323846;

using Point3 = std::array<double, 3>;

// Corners of a marching cube, numbered as in PyRadiomics' cshape.c, at (dz, dy, dx) offsets:
// 0 (0,0,0), 1 (0,0,1), 2 (0,1,1), 3 (0,1,0), 4 (1,0,0), 5 (1,0,1), 6 (1,1,1), 7 (1,1,0).

// Midpoints of the twelve cube edges as (dz, dy, dx) offsets. A binary mask puts every
// iso-surface vertex halfway along its edge, so no interpolation is needed.
constexpr double kEdgeMidpoints[12][3] = {{0, 0, 0.5}, {0, 0.5, 1}, {0, 1, 0.5}, {0, 0.5, 0},
                                          {1, 0, 0.5}, {1, 0.5, 1}, {1, 1, 0.5}, {1, 0.5, 0},
                                          {0.5, 0, 0}, {0.5, 0, 1}, {0.5, 1, 1}, {0.5, 1, 0}};

// Triangles (edge triples, -1 terminated) for cube configurations 0-127, where bit i is
// corner i inside the ROI; configurations 128-255 are their complements with the opposite
// orientation. This is the table of PyRadiomics' cshape.c (BSD-3-Clause, Copyright 2017
// Harvard Medical School; a variant of P. Bourke's marching-cubes table). Its triangulation of
// the ambiguous cases moves surface and volume by up to 1e-3, so it is kept exactly:
// PyRadiomics-compatible values need PyRadiomics' mesh.
constexpr std::int8_t kCubeTriangles[128][16] = {
    {-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    { 0,  8,  3, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    { 1,  9,  0, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    { 1,  8,  3,  1,  9,  8, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    { 1,  2, 10, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    { 0,  8,  3,  1,  2, 10, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    { 9,  2, 10,  0,  2,  9, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    { 2,  8,  3,  2, 10,  8, 10,  9,  8, -1, -1, -1, -1, -1, -1, -1},
    {11,  2,  3, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    {11,  2,  0,  0,  8, 11, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    { 1,  9,  0, 11,  2,  3, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    {11,  2,  1,  1,  9, 11,  9,  8, 11, -1, -1, -1, -1, -1, -1, -1},
    { 3, 10,  1, 11, 10,  3, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    {10,  1,  0,  0,  8, 10,  8, 11, 10, -1, -1, -1, -1, -1, -1, -1},
    { 9,  0,  3,  3, 11,  9, 11, 10,  9, -1, -1, -1, -1, -1, -1, -1},
    { 9,  8, 10, 11, 10,  8, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    { 4,  7,  8, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    { 0,  4,  3,  4,  7,  3, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    { 1,  9,  0,  4,  7,  8, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    { 1,  9,  4,  1,  4,  7,  1,  7,  3, -1, -1, -1, -1, -1, -1, -1},
    { 1,  2, 10,  4,  7,  8, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    { 3,  4,  7,  3,  0,  4,  1,  2, 10, -1, -1, -1, -1, -1, -1, -1},
    { 9,  2, 10,  9,  0,  2,  4,  7,  8, -1, -1, -1, -1, -1, -1, -1},
    { 2, 10,  9,  2,  9,  7,  2,  7,  3,  4,  7,  9, -1, -1, -1, -1},
    { 4,  7,  8, 11,  2,  3, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    {11,  4,  7, 11,  2,  4,  2,  0,  4, -1, -1, -1, -1, -1, -1, -1},
    { 1,  9,  0,  4,  7,  8, 11,  2,  3, -1, -1, -1, -1, -1, -1, -1},
    { 4,  7, 11,  9,  4, 11, 11,  2,  9,  1,  9,  2, -1, -1, -1, -1},
    { 3, 10,  1, 11, 10,  3,  4,  7,  8, -1, -1, -1, -1, -1, -1, -1},
    {11, 10,  1,  1,  4, 11,  1,  0,  4,  4,  7, 11, -1, -1, -1, -1},
    { 4,  7,  8,  9,  0,  3,  3, 11,  9, 11, 10,  9, -1, -1, -1, -1},
    { 4,  7, 11,  4, 11,  9,  9, 11, 10, -1, -1, -1, -1, -1, -1, -1},
    { 9,  5,  4, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    { 9,  5,  4,  0,  8,  3, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    { 0,  5,  4,  0,  1,  5, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    { 8,  5,  4,  8,  3,  5,  3,  1,  5, -1, -1, -1, -1, -1, -1, -1},
    { 1,  2, 10,  9,  5,  4, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    { 0,  8,  3,  1,  2, 10,  9,  5,  4, -1, -1, -1, -1, -1, -1, -1},
    { 2, 10,  5,  5,  4,  2,  2,  4,  0, -1, -1, -1, -1, -1, -1, -1},
    { 2, 10,  5,  3,  2,  5,  3,  5,  4,  8,  3,  4, -1, -1, -1, -1},
    { 9,  5,  4, 11,  2,  3, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    {11,  2,  0,  0,  8, 11,  9,  5,  4, -1, -1, -1, -1, -1, -1, -1},
    { 0,  5,  4,  0,  1,  5, 11,  2,  3, -1, -1, -1, -1, -1, -1, -1},
    { 2,  1,  5,  2,  5,  8, 11,  2,  8,  5,  4,  8, -1, -1, -1, -1},
    { 3, 10,  1, 11, 10,  3,  9,  5,  4, -1, -1, -1, -1, -1, -1, -1},
    { 5,  4,  9, 10,  1,  0,  0,  8, 10,  8, 11, 10, -1, -1, -1, -1},
    { 5,  4,  0,  5,  0, 11, 10,  5, 11, 11,  0,  3, -1, -1, -1, -1},
    { 5,  4,  8, 10,  5,  8, 11, 10,  8, -1, -1, -1, -1, -1, -1, -1},
    { 7,  8,  9,  5,  7,  9, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    { 3,  0,  9,  5,  3,  9,  3,  5,  7, -1, -1, -1, -1, -1, -1, -1},
    { 7,  8,  0,  0,  1,  7,  7,  1,  5, -1, -1, -1, -1, -1, -1, -1},
    { 1,  5,  7,  1,  7,  3, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    { 7,  8,  9,  5,  7,  9,  1,  2, 10, -1, -1, -1, -1, -1, -1, -1},
    { 1,  2, 10,  3,  0,  9,  3,  9,  5,  3,  5,  7, -1, -1, -1, -1},
    { 0,  2,  8,  8,  2,  5,  8,  5,  7,  2, 10,  5, -1, -1, -1, -1},
    { 2, 10,  5,  2,  5,  3,  3,  5,  7, -1, -1, -1, -1, -1, -1, -1},
    { 5,  7,  9,  7,  8,  9, 11,  2,  3, -1, -1, -1, -1, -1, -1, -1},
    { 5,  7,  9,  9,  7,  2,  2,  0,  9, 11,  2,  7, -1, -1, -1, -1},
    {11,  2,  3,  0,  1,  8,  1,  7,  8,  1,  5,  7, -1, -1, -1, -1},
    { 2,  1, 11,  1,  7, 11,  1,  5,  7, -1, -1, -1, -1, -1, -1, -1},
    { 7,  8,  9,  5,  7,  9,  3, 10,  1, 11, 10,  3, -1, -1, -1, -1},
    { 5,  7,  0,  5,  0,  9,  7, 11,  0, 10,  1,  0, 11, 10,  0, -1},
    {11, 10,  0,  0,  3, 11, 10,  5,  0,  0,  7,  8,  5,  7,  0, -1},
    {11, 10,  5,  5,  7, 11, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    { 6,  5, 10, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    { 0,  8,  3,  6,  5, 10, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    { 1,  9,  0,  6,  5, 10, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    { 1,  8,  3,  1,  9,  8,  6,  5, 10, -1, -1, -1, -1, -1, -1, -1},
    { 1,  6,  5,  1,  2,  6, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    { 1,  6,  5,  1,  2,  6,  0,  8,  3, -1, -1, -1, -1, -1, -1, -1},
    { 9,  6,  5,  9,  0,  6,  0,  2,  6, -1, -1, -1, -1, -1, -1, -1},
    { 5,  9,  8,  5,  8,  2,  5,  2,  6,  8,  3,  2, -1, -1, -1, -1},
    {11,  2,  3,  6,  5, 10, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    {11,  2,  0,  0,  8, 11,  6,  5, 10, -1, -1, -1, -1, -1, -1, -1},
    { 1,  9,  0, 11,  2,  3,  6,  5, 10, -1, -1, -1, -1, -1, -1, -1},
    {11,  2,  1,  1,  9, 11,  9,  8, 11,  6,  5, 10, -1, -1, -1, -1},
    { 6,  3, 11,  6,  5,  3,  5,  1,  3, -1, -1, -1, -1, -1, -1, -1},
    { 0,  8, 11,  0, 11,  5,  0,  5,  1,  5, 11,  6, -1, -1, -1, -1},
    { 6,  3, 11,  0,  3,  6,  0,  6,  5,  0,  5,  9, -1, -1, -1, -1},
    { 6,  5,  9,  6,  9, 11, 11,  9,  8, -1, -1, -1, -1, -1, -1, -1},
    { 4,  7,  8,  6,  5, 10, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    { 0,  4,  3,  4,  7,  3,  6,  5, 10, -1, -1, -1, -1, -1, -1, -1},
    { 1,  9,  0,  4,  7,  8,  6,  5, 10, -1, -1, -1, -1, -1, -1, -1},
    { 1,  9,  4,  1,  4,  7,  1,  7,  3,  6,  5, 10, -1, -1, -1, -1},
    { 4,  7,  8,  1,  6,  5,  1,  2,  6, -1, -1, -1, -1, -1, -1, -1},
    { 0,  4,  3,  4,  7,  3,  1,  6,  5,  1,  2,  6, -1, -1, -1, -1},
    { 4,  7,  8,  9,  6,  5,  9,  0,  6,  0,  2,  6, -1, -1, -1, -1},
    { 7,  3,  9,  4,  7,  9,  3,  2,  9,  5,  9,  6,  2,  6,  9, -1},
    {11,  2,  3,  4,  7,  8,  6,  5, 10, -1, -1, -1, -1, -1, -1, -1},
    {11,  4,  7, 11,  2,  4,  2,  0,  4,  6,  5, 10, -1, -1, -1, -1},
    { 1,  9,  0, 11,  2,  3,  4,  7,  8,  6,  5, 10, -1, -1, -1, -1},
    { 4,  7, 11,  9,  4, 11, 11,  2,  9,  1,  9,  2,  6,  5, 10, -1},
    { 4,  7,  8,  6,  3, 11,  6,  5,  3,  5,  1,  3, -1, -1, -1, -1},
    { 5,  1, 11,  5, 11,  6,  1,  0, 11,  4,  7, 11,  0,  4, 11, -1},
    { 4,  7,  8,  6,  3, 11,  0,  3,  6,  0,  6,  5,  0,  5,  9, -1},
    { 6,  5,  9,  6,  9, 11,  4,  7,  9,  7, 11,  9, -1, -1, -1, -1},
    {10,  4,  9,  6,  4, 10, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    {10,  4,  9,  6,  4, 10,  0,  8,  3, -1, -1, -1, -1, -1, -1, -1},
    { 0,  1, 10, 10,  6,  0,  6,  4,  0, -1, -1, -1, -1, -1, -1, -1},
    { 1,  8,  3,  1,  6,  8,  8,  6,  4,  6,  1, 10, -1, -1, -1, -1},
    { 1,  4,  9,  1,  2,  4,  2,  6,  4, -1, -1, -1, -1, -1, -1, -1},
    { 1,  4,  9,  1,  2,  4,  2,  6,  4,  0,  8,  3, -1, -1, -1, -1},
    { 0,  2,  4,  4,  2,  6, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    { 8,  3,  2,  8,  2,  4,  4,  2,  6, -1, -1, -1, -1, -1, -1, -1},
    {11,  2,  3, 10,  4,  9,  6,  4, 10, -1, -1, -1, -1, -1, -1, -1},
    {11,  2,  0,  0,  8, 11, 10,  4,  9,  6,  4, 10, -1, -1, -1, -1},
    {11,  2,  3,  0,  1, 10, 10,  6,  0,  6,  4,  0, -1, -1, -1, -1},
    { 6,  4,  1,  6,  1, 10,  1,  4,  8, 11,  2,  1,  1,  8, 11, -1},
    { 9,  6,  4,  3,  6,  9,  1,  3,  9, 11,  6,  3, -1, -1, -1, -1},
    { 1,  8, 11,  0,  8,  1, 11,  6,  1,  1,  4,  9,  6,  4,  1, -1},
    { 6,  3, 11,  0,  3,  6,  6,  4,  0, -1, -1, -1, -1, -1, -1, -1},
    { 8,  6,  4,  6,  8, 11, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    { 6,  7, 10,  7,  8, 10,  8,  9, 10, -1, -1, -1, -1, -1, -1, -1},
    { 6,  7, 10,  0, 10,  7,  0,  9, 10,  0,  7,  3, -1, -1, -1, -1},
    { 6,  7, 10,  1, 10,  7,  1,  7,  8,  0,  1,  8, -1, -1, -1, -1},
    { 6,  7, 10,  1, 10,  7,  1,  7,  3, -1, -1, -1, -1, -1, -1, -1},
    { 1,  2,  6,  1,  6,  8,  1,  8,  9,  6,  7,  8, -1, -1, -1, -1},
    { 2,  6,  9,  1,  2,  9,  6,  7,  9,  3,  0,  9,  7,  3,  9, -1},
    { 0,  7,  8,  7,  0,  6,  6,  0,  2, -1, -1, -1, -1, -1, -1, -1},
    { 2,  7,  3,  2,  6,  7, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    {11,  2,  3,  6,  7, 10,  7,  8, 10,  8,  9, 10, -1, -1, -1, -1},
    { 2,  0,  7, 11,  2,  7,  0,  9,  7,  6,  7, 10,  9, 10,  7, -1},
    { 6,  7, 10,  1, 10,  7,  1,  7,  8,  0,  1,  8, 11,  2,  3, -1},
    {11,  2,  1,  1,  7, 11, 10,  6,  1,  1,  6,  7, -1, -1, -1, -1},
    { 8,  9,  6,  6,  7,  8,  1,  6,  9, 11,  6,  3,  1,  3,  6, -1},
    { 0,  9,  1,  6,  7, 11, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    { 0,  7,  8,  7,  0,  6,  0,  3, 11, 11,  6,  0, -1, -1, -1, -1},
    { 6,  7, 11, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1}
};

// The ROI cropped to its bounding box and padded by one empty voxel per side, indexed
// (z, y, x) like PyRadiomics' numpy array. Padding keeps every cube inside the grid; cropping
// first makes the result independent of how the caller cropped.
struct PaddedVolume {
    std::array<std::size_t, 3> size{}; // z, y, x
    std::array<double, 3> spacing{};   // mm, z, y, x
    std::vector<std::uint8_t> voxels;

    bool inside(std::size_t z, std::size_t y, std::size_t x) const {
        return voxels[(z * size[1] + y) * size[2] + x] != 0;
    }
};

PaddedVolume padRoi(const Mask& mask) {
    const IndexBox box = boundingBox(mask);
    if (box.empty()) throw std::invalid_argument("shape: the mask has no ROI voxel");
    const auto extent = box.extent();
    PaddedVolume volume;
    volume.size = {extent[2] + 2, extent[1] + 2, extent[0] + 2};
    volume.spacing = {mask.geometry.spacing[2], mask.geometry.spacing[1], mask.geometry.spacing[0]};
    volume.voxels.assign(volume.size[0] * volume.size[1] * volume.size[2], 0);
    for (std::size_t z = box.lower[2]; z < box.upper[2]; ++z) {
        for (std::size_t y = box.lower[1]; y < box.upper[1]; ++y) {
            for (std::size_t x = box.lower[0]; x < box.upper[0]; ++x) {
                const std::size_t padded =
                    ((z - box.lower[2] + 1) * volume.size[1] + (y - box.lower[1] + 1)) * volume.size[2] +
                    (x - box.lower[0] + 1);
                volume.voxels[padded] = mask.voxels[mask.geometry.offset(x, y, z)] != 0;
            }
        }
    }
    return volume;
}

Point3 cross(const Point3& a, const Point3& b) {
    return {a[1] * b[2] - b[1] * a[2], a[2] * b[0] - b[2] * a[0], a[0] * b[1] - b[0] * a[1]};
}

double dot(const Point3& a, const Point3& b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }

struct MeshMeasures {
    double volume = 0.0;      // mm3, sum of signed tetrahedra from the origin
    double surfaceArea = 0.0; // mm2
};

// The surface cshape.c builds in one marching cube of a configuration, with the cube's corner
// at the origin: what the cube adds to 6 x volume and to the area, wherever it lies.
struct CubeSurface {
    double sixTimesVolume = 0.0; // sum of signed tetrahedra from the cube's corner
    Point3 shift{0, 0, 0};       // how that sum changes per mm the cube moves (see below)
    double area = 0.0;           // mm2
};

// For every configuration 0-255 (bit i: corner i inside). A tetrahedron from the origin to a
// triangle (a, b, c) moved by t has 6 x volume det(a, b, c) + t . (a x b + b x c + c x a), so a
// cube at t adds sixTimesVolume + t . shift; the area does not depend on t.
std::array<CubeSurface, 256> cubeSurfaces(const std::array<double, 3>& spacing) {
    std::array<CubeSurface, 256> surfaces{};
    for (int raw = 1; raw < 255; ++raw) {
        int configuration = raw;
        double orientation = 1.0;
        if (configuration & 0x80) {
            configuration ^= 0xff;
            orientation = -1.0;
        }
        const auto& edges = kCubeTriangles[configuration];
        CubeSurface& surface = surfaces[static_cast<std::size_t>(raw)];
        for (int t = 0; edges[3 * t] >= 0; ++t) {
            Point3 corners[3];
            for (int k = 0; k < 3; ++k) {
                for (int d = 0; d < 3; ++d) corners[k][d] = kEdgeMidpoints[edges[3 * t + k]][d] * spacing[d];
            }
            const Point3& a = corners[0];
            const Point3& b = corners[1];
            const Point3& c = corners[2];
            surface.sixTimesVolume += orientation * dot(cross(a, b), c);
            const Point3 ab = cross(a, b), bc = cross(b, c), ca = cross(c, a);
            for (int d = 0; d < 3; ++d) surface.shift[d] += orientation * (ab[d] + bc[d] + ca[d]);
            const Point3 ac{a[0] - c[0], a[1] - c[1], a[2] - c[2]};
            const Point3 bcEdge{b[0] - c[0], b[1] - c[1], b[2] - c[2]};
            const Point3 normal = cross(ac, bcEdge);
            surface.area += 0.5 * std::sqrt(dot(normal, normal));
        }
    }
    return surfaces;
}

// Marching cubes over the padded mask with cshape.c's triangles (the same mesh as PyRadiomics),
// summed per configuration: each cube is only classified, and counted with its position (exact
// integers), so the cost is a few operations per cube. The sums equal cshape.c's triangle-by-
// triangle sums up to rounding (relative differences around 1e-15).
MeshMeasures marchingCubes(const PaddedVolume& volume) {
    std::array<std::int64_t, 256> cubes{};
    std::array<std::array<std::int64_t, 3>, 256> positionSums{}; // cube indices (z, y, x) summed
    const std::size_t rowLength = volume.size[2];
    const auto row = [&](std::size_t z, std::size_t y) { return volume.voxels.data() + (z * volume.size[1] + y) * rowLength; };
    for (std::size_t z = 0; z + 1 < volume.size[0]; ++z) {
        for (std::size_t y = 0; y + 1 < volume.size[1]; ++y) {
            // Corner i (numbered as above) lies on one of these four rows (named by their z and y
            // offsets), at x or x + 1; voxels are 0 or 1.
            const std::uint8_t* row00 = row(z, y);
            const std::uint8_t* row01 = row(z, y + 1);
            const std::uint8_t* row10 = row(z + 1, y);
            const std::uint8_t* row11 = row(z + 1, y + 1);
            for (std::size_t x = 0; x + 1 < rowLength; ++x) {
                const int configuration = row00[x] | row00[x + 1] << 1 | row01[x + 1] << 2 | row01[x] << 3 |
                                          row10[x] << 4 | row10[x + 1] << 5 | row11[x + 1] << 6 | row11[x] << 7;
                if (configuration == 0 || configuration == 0xff) continue; // no surface in this cube
                const auto c = static_cast<std::size_t>(configuration);
                ++cubes[c];
                positionSums[c][0] += static_cast<std::int64_t>(z);
                positionSums[c][1] += static_cast<std::int64_t>(y);
                positionSums[c][2] += static_cast<std::int64_t>(x);
            }
        }
    }
    const auto surfaces = cubeSurfaces(volume.spacing);
    double sixTimesVolume = 0.0;
    double surfaceArea = 0.0;
    for (std::size_t c = 0; c < 256; ++c) {
        if (cubes[c] == 0) continue;
        const double n = static_cast<double>(cubes[c]);
        double moved = 0.0;
        for (int d = 0; d < 3; ++d) {
            moved += surfaces[c].shift[d] * (static_cast<double>(positionSums[c][d]) * volume.spacing[d]);
        }
        sixTimesVolume += n * surfaces[c].sixTimesVolume + moved;
        surfaceArea += n * surfaces[c].area;
    }
    return {sixTimesVolume / 6.0, surfaceArea};
}

// A mesh vertex lies at the midpoint of a grid edge between an ROI voxel and a background
// voxel; its lattice coordinates are twice the (z, y, x) index, plus one along the edge.
using Lattice3 = std::array<std::int64_t, 3>;

// The vertex in mm, computed as cshape.c computes it ((index + 0.5) * spacing along the edge),
// so that equal pairs give equal bits.
Point3 vertexPosition(const Lattice3& lattice, const std::array<double, 3>& spacing) {
    Point3 position{};
    for (int d = 0; d < 3; ++d) {
        const double half = lattice[d] % 2 == 1 ? 0.5 : 0.0;
        position[d] = (static_cast<double>(lattice[d] / 2) + half) * spacing[d];
    }
    return position;
}

// Squared distance summed in cshape.c's order, so equal pairs give equal bits.
double squaredDistance(const Point3& a, const Point3& b) {
    const double dz = a[0] - b[0];
    const double dy = a[1] - b[1];
    const double dx = a[2] - b[2];
    return dz * dz + dy * dy + dx * dx;
}

double largestSquaredDistance(const std::vector<Lattice3>& among, const std::array<double, 3>& spacing) {
    std::vector<Point3> positions;
    positions.reserve(among.size());
    for (const auto& lattice : among) positions.push_back(vertexPosition(lattice, spacing));
    double largest = 0.0;
    for (std::size_t i = 0; i < positions.size(); ++i) {
        for (std::size_t j = i + 1; j < positions.size(); ++j) {
            largest = std::max(largest, squaredDistance(positions[i], positions[j]));
        }
    }
    return largest;
}

// The mesh vertices of the planes normal to one axis (vertices sharing their coordinate on it),
// kept as what a convex hull can use: per plane and per column (the plane's first coordinate u),
// the lowest and the highest second coordinate v. The others lie between them, inside the hull.
class PlaneColumns {
public:
    PlaneColumns(int axis, const std::array<std::size_t, 3>& size)
        : axis_(axis), u_(axis == 0 ? 1 : 0), v_(axis == 2 ? 1 : 2), planes_(2 * size[static_cast<std::size_t>(axis)]),
          columns_(2 * size[static_cast<std::size_t>(u_)]), low_(planes_ * columns_, kNone), high_(planes_ * columns_, -1) {}

    void add(const Lattice3& vertex) {
        const std::size_t cell = static_cast<std::size_t>(vertex[axis_]) * columns_ + static_cast<std::size_t>(vertex[u_]);
        low_[cell] = std::min(low_[cell], vertex[v_]);
        high_[cell] = std::max(high_[cell], vertex[v_]);
    }

    // Largest squared distance within a plane, found among each plane's hull vertices, which
    // are appended to `extreme`.
    double diameterSquared(const std::array<double, 3>& spacing, std::vector<Lattice3>& extreme) const {
        double largest = 0.0;
        std::vector<LatticePoint2D> points;
        std::vector<Lattice3> hull;
        for (std::size_t plane = 0; plane < planes_; ++plane) {
            points.clear();
            for (std::size_t column = 0; column < columns_; ++column) {
                const std::size_t cell = plane * columns_ + column;
                if (low_[cell] == kNone) continue;
                const auto u = static_cast<std::int64_t>(column);
                points.push_back({u, low_[cell]});
                if (high_[cell] != low_[cell]) points.push_back({u, high_[cell]});
            }
            if (points.empty()) continue;
            hull.clear();
            for (const std::size_t h : convexHullVertices(points)) {
                Lattice3 vertex{};
                vertex[axis_] = static_cast<std::int64_t>(plane);
                vertex[u_] = points[h][0];
                vertex[v_] = points[h][1];
                hull.push_back(vertex);
            }
            extreme.insert(extreme.end(), hull.begin(), hull.end());
            largest = std::max(largest, largestSquaredDistance(hull, spacing));
        }
        return largest;
    }

private:
    static constexpr std::int64_t kNone = std::numeric_limits<std::int64_t>::max();
    int axis_, u_, v_;
    std::size_t planes_, columns_;
    std::vector<std::int64_t> low_, high_; // per plane and column; kNone / -1 where no vertex
};

struct MeshDiameters {
    double slice = 0.0;  // within an axial plane (same z)
    double column = 0.0; // within a coronal plane (same y)
    double row = 0.0;    // within a sagittal plane (same x)
    double all = 0.0;
};

// PyRadiomics takes the largest vertex-to-vertex distance over all pairs, O(V^2). The farthest
// pair of a point set is a pair of extreme points (distance to a point is strictly convex
// along any line), so searching the hull vertices of each plane, and in 3D the vertices that
// are hull vertices of all three of their planes, gives the same maxima. The vertices are the
// same points, bit for bit, that cshape.c collects per cube; a maximum does not depend on the
// order they are visited in.
MeshDiameters meshDiameters(const PaddedVolume& volume) {
    std::array<PlaneColumns, 3> planes{PlaneColumns(0, volume.size), PlaneColumns(1, volume.size),
                                       PlaneColumns(2, volume.size)};
    const auto addVertex = [&](const Lattice3& vertex) {
        for (auto& axis : planes) axis.add(vertex);
    };
    const std::size_t sliceStride = volume.size[1] * volume.size[2];
    const std::size_t rowStride = volume.size[2];
    for (std::size_t z = 0; z < volume.size[0]; ++z) {
        for (std::size_t y = 0; y < volume.size[1]; ++y) {
            const std::uint8_t* row = volume.voxels.data() + z * sliceStride + y * rowStride;
            for (std::size_t x = 0; x < volume.size[2]; ++x) {
                const std::uint8_t here = row[x];
                const auto lz = 2 * static_cast<std::int64_t>(z), ly = 2 * static_cast<std::int64_t>(y),
                           lx = 2 * static_cast<std::int64_t>(x);
                if (z + 1 < volume.size[0] && here != row[x + sliceStride]) addVertex({lz + 1, ly, lx});
                if (y + 1 < volume.size[1] && here != row[x + rowStride]) addVertex({lz, ly + 1, lx});
                if (x + 1 < volume.size[2] && here != row[x + 1]) addVertex({lz, ly, lx + 1});
            }
        }
    }
    std::array<std::vector<Lattice3>, 3> extreme;
    MeshDiameters diameters;
    diameters.slice = std::sqrt(planes[0].diameterSquared(volume.spacing, extreme[0]));
    diameters.column = std::sqrt(planes[1].diameterSquared(volume.spacing, extreme[1]));
    diameters.row = std::sqrt(planes[2].diameterSquared(volume.spacing, extreme[2]));
    for (auto& list : extreme) std::sort(list.begin(), list.end());
    std::vector<Lattice3> inTwo, candidates;
    std::set_intersection(extreme[0].begin(), extreme[0].end(), extreme[1].begin(), extreme[1].end(),
                          std::back_inserter(inTwo));
    std::set_intersection(inTwo.begin(), inTwo.end(), extreme[2].begin(), extreme[2].end(),
                          std::back_inserter(candidates));
    diameters.all = std::sqrt(largestSquaredDistance(candidates, volume.spacing));
    return diameters;
}

// Eigenvalues, ascending, of the covariance of the ROI voxel centres in mm (population
// covariance, as PyRadiomics' X^T X / Np). Tiny negative values from rounding become 0.
std::array<double, 3> principalMoments(const PaddedVolume& volume, DiagnosticList& diagnostics) {
    std::vector<std::array<double, 3>> centres;
    std::array<double, 3> sum{0, 0, 0};
    for (std::size_t z = 0; z < volume.size[0]; ++z) {
        for (std::size_t y = 0; y < volume.size[1]; ++y) {
            for (std::size_t x = 0; x < volume.size[2]; ++x) {
                if (!volume.inside(z, y, x)) continue;
                const std::array<double, 3> index{static_cast<double>(z), static_cast<double>(y),
                                                  static_cast<double>(x)};
                centres.push_back(index);
                for (int d = 0; d < 3; ++d) sum[d] += index[d];
            }
        }
    }
    const double count = static_cast<double>(centres.size());
    // Centring in index space first keeps a flat axis exactly flat.
    std::array<double, 3> mean{};
    for (int d = 0; d < 3; ++d) mean[d] = sum[d] / count;
    Eigen::Matrix3d covariance = Eigen::Matrix3d::Zero();
    for (const auto& index : centres) {
        Eigen::Vector3d centred;
        for (int d = 0; d < 3; ++d) centred[d] = (index[d] - mean[d]) * volume.spacing[d];
        covariance += centred * centred.transpose();
    }
    covariance /= count;

    const Eigen::SelfAdjointEigenSolver<Eigen::Matrix3d> solver(covariance, Eigen::EigenvaluesOnly);
    std::array<double, 3> eigenvalues{solver.eigenvalues()[0], solver.eigenvalues()[1], solver.eigenvalues()[2]};
    int rounded = 0;
    for (double& value : eigenvalues) {
        if (value < 0 && value > -1e-10) {
            value = 0.0;
            ++rounded;
        }
    }
    if (rounded > 0) {
        diagnostics.push_back({"", "Encountered " + std::to_string(rounded) +
                                   " eigenvalues < 0 and > -1e-10, rounding to 0"});
    }
    std::sort(eigenvalues.begin(), eigenvalues.end());
    return eigenvalues;
}

// Everything the shape features read, computed once as PyRadiomics does at initialisation.
struct ShapeMeasures {
    MeshMeasures mesh;
    MeshDiameters diameters;
    std::array<double, 3> eigenvalues{}; // ascending: least, minor, major
    double voxelCount = 0.0;
    double voxelVolume = 0.0;
};

double meshVolume(const ShapeMeasures& m) { return m.mesh.volume; }
double voxelVolume(const ShapeMeasures& m) { return m.voxelCount * m.voxelVolume; }
double surfaceArea(const ShapeMeasures& m) { return m.mesh.surfaceArea; }
double surfaceVolumeRatio(const ShapeMeasures& m) { return m.mesh.surfaceArea / m.mesh.volume; }
double sphericity(const ShapeMeasures& m) {
    return std::cbrt(36.0 * kPi * m.mesh.volume * m.mesh.volume) / m.mesh.surfaceArea;
}
double compactness1(const ShapeMeasures& m) {
    return m.mesh.volume / (std::pow(m.mesh.surfaceArea, 1.5) * std::sqrt(kPi));
}
double compactness2(const ShapeMeasures& m) {
    return 36.0 * kPi * m.mesh.volume * m.mesh.volume / std::pow(m.mesh.surfaceArea, 3.0);
}
double sphericalDisproportion(const ShapeMeasures& m) {
    return m.mesh.surfaceArea / std::cbrt(36.0 * kPi * m.mesh.volume * m.mesh.volume);
}
double maximum3DDiameter(const ShapeMeasures& m) { return m.diameters.all; }
double maximum2DDiameterSlice(const ShapeMeasures& m) { return m.diameters.slice; }
double maximum2DDiameterColumn(const ShapeMeasures& m) { return m.diameters.column; }
double maximum2DDiameterRow(const ShapeMeasures& m) { return m.diameters.row; }

// Four times the square root of an eigenvalue; NaN when it is negative, as in PyRadiomics.
double axisLength(double eigenvalue) { return eigenvalue < 0 ? std::nan("") : 4.0 * std::sqrt(eigenvalue); }
double majorAxisLength(const ShapeMeasures& m) { return axisLength(m.eigenvalues[2]); }
double minorAxisLength(const ShapeMeasures& m) { return axisLength(m.eigenvalues[1]); }
double leastAxisLength(const ShapeMeasures& m) { return axisLength(m.eigenvalues[0]); }
double elongation(const ShapeMeasures& m) {
    if (m.eigenvalues[1] < 0 || m.eigenvalues[2] < 0) return std::nan("");
    return std::sqrt(m.eigenvalues[1] / m.eigenvalues[2]);
}
double flatness(const ShapeMeasures& m) {
    if (m.eigenvalues[0] < 0 || m.eigenvalues[2] < 0) return std::nan("");
    return std::sqrt(m.eigenvalues[0] / m.eigenvalues[2]);
}

using ShapeFunction = double (*)(const ShapeMeasures&);

struct ShapeEntry {
    FeatureDefinition definition;
    ShapeFunction compute;
};

const std::vector<ShapeEntry>& shapeTable() {
    static const std::vector<ShapeEntry> table{
        {{"MeshVolume"}, meshVolume},
        {{"VoxelVolume"}, voxelVolume},
        {{"SurfaceArea"}, surfaceArea},
        {{"SurfaceVolumeRatio"}, surfaceVolumeRatio},
        {{"Sphericity"}, sphericity},
        {{"Compactness1", true}, compactness1},
        {{"Compactness2", true}, compactness2},
        {{"SphericalDisproportion", true}, sphericalDisproportion},
        {{"Maximum3DDiameter"}, maximum3DDiameter},
        {{"Maximum2DDiameterSlice"}, maximum2DDiameterSlice},
        {{"Maximum2DDiameterColumn"}, maximum2DDiameterColumn},
        {{"Maximum2DDiameterRow"}, maximum2DDiameterRow},
        {{"MajorAxisLength"}, majorAxisLength},
        {{"MinorAxisLength"}, minorAxisLength},
        {{"LeastAxisLength"}, leastAxisLength},
        {{"Elongation"}, elongation},
        {{"Flatness"}, flatness},
    };
    return table;
}

std::string eigenvalueText(const std::array<double, 3>& eigenvalues) {
    std::ostringstream text;
    text << "covariance eigenvalues " << eigenvalues[0] << ", " << eigenvalues[1] << ", " << eigenvalues[2];
    return text.str();
}

std::int64_t cross(const LatticePoint2D& o, const LatticePoint2D& a, const LatticePoint2D& b) {
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
}

// Positions of the lowest and the highest point (second coordinate) of every column (first
// coordinate), columns ascending, the lowest first; one position for a column of one point.
// Columns are bucketed when they span a range comparable to the point count (mesh lattices
// always do), sorted otherwise.
std::vector<std::size_t> columnExtremes(const std::vector<LatticePoint2D>& points) {
    constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();
    std::int64_t first = points.front()[0], last = points.front()[0];
    for (const auto& point : points) {
        first = std::min(first, point[0]);
        last = std::max(last, point[0]);
    }
    const auto columns = static_cast<std::uint64_t>(last - first) + 1;
    std::vector<std::size_t> low, high;
    if (columns <= 4 * points.size() + 64) {
        low.assign(columns, kNone);
        high.assign(columns, kNone);
        for (std::size_t i = 0; i < points.size(); ++i) {
            const auto column = static_cast<std::size_t>(points[i][0] - first);
            if (low[column] == kNone || points[i][1] < points[low[column]][1]) low[column] = i;
            if (high[column] == kNone || points[i][1] > points[high[column]][1]) high[column] = i;
        }
    } else {
        std::vector<std::size_t> sorted(points.size());
        std::iota(sorted.begin(), sorted.end(), std::size_t{0});
        std::sort(sorted.begin(), sorted.end(), [&](std::size_t a, std::size_t b) { return points[a] < points[b]; });
        for (std::size_t i = 0; i < sorted.size(); ++i) {
            const bool opens = i == 0 || points[sorted[i - 1]][0] != points[sorted[i]][0];
            const bool closes = i + 1 == sorted.size() || points[sorted[i + 1]][0] != points[sorted[i]][0];
            if (opens) low.push_back(sorted[i]);
            if (closes) high.push_back(sorted[i]);
        }
    }
    std::vector<std::size_t> extremes;
    for (std::size_t c = 0; c < low.size(); ++c) {
        if (low[c] == kNone) continue;
        extremes.push_back(low[c]);
        if (high[c] != low[c]) extremes.push_back(high[c]);
    }
    return extremes;
}

} // namespace

std::vector<std::size_t> convexHullVertices(const std::vector<LatticePoint2D>& points) {
    std::vector<std::size_t> order(points.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    if (points.size() < 3) return order;
    // Only the lowest and the highest point of a column (same first coordinate) can be a hull
    // vertex: the others lie on the segment between them. A mesh plane holds tens of thousands
    // of points but only a few hundred columns, so the chain below runs on these candidates,
    // listed column by column, low before high: the (u, v) order it needs.
    order = columnExtremes(points);
    // Andrew's monotone chain: lower hull left to right, then upper hull right to left, each
    // dropping points that do not turn left (so collinear points are not kept).
    std::vector<std::size_t> hull(2 * order.size());
    std::size_t k = 0;
    for (const std::size_t i : order) {
        while (k >= 2 && cross(points[hull[k - 2]], points[hull[k - 1]], points[i]) <= 0) --k;
        hull[k++] = i;
    }
    const std::size_t lowerSize = k + 1;
    for (auto it = order.rbegin() + 1; it != order.rend(); ++it) {
        while (k >= lowerSize && cross(points[hull[k - 2]], points[hull[k - 1]], points[*it]) <= 0) --k;
        hull[k++] = *it;
    }
    hull.resize(k - 1); // the last point repeats the first
    return hull;
}

const std::vector<FeatureDefinition>& shapeFeatures() {
    static const std::vector<FeatureDefinition> definitions = [] {
        std::vector<FeatureDefinition> names;
        for (const auto& entry : shapeTable()) names.push_back(entry.definition);
        return names;
    }();
    return definitions;
}

FeatureList computeShape(const Mask& mask, const Settings& /*settings*/, const std::vector<std::string>& requested,
                         DiagnosticList& diagnostics) {
    const auto selected = selectFeatures("shape", shapeFeatures(), requested);
    const PaddedVolume volume = padRoi(mask);

    ShapeMeasures measures;
    measures.mesh = marchingCubes(volume);
    measures.diameters = meshDiameters(volume);
    measures.eigenvalues = principalMoments(volume, diagnostics);
    measures.voxelCount = static_cast<double>(std::count(volume.voxels.begin(), volume.voxels.end(), 1));
    measures.voxelVolume = volume.spacing[0] * volume.spacing[2] * volume.spacing[1];

    FeatureList features;
    for (const auto& name : selected) {
        for (const auto& entry : shapeTable()) {
            if (entry.definition.name != name) continue;
            if (entry.definition.deprecated) {
                diagnostics.push_back({name, "feature is deprecated in PyRadiomics, use with caution"});
            }
            const double value = entry.compute(measures);
            if (std::isnan(value)) {
                diagnostics.push_back(
                    {name, "NaN because an eigenvalue is negative (" + eigenvalueText(measures.eigenvalues) + ")"});
            }
            features.push_back({name, value});
        }
    }
    return features;
}

} // namespace radnode::analysis
