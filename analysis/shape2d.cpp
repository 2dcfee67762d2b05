#include "analysis/shape2d.h"

#include "analysis/shape.h"

#include <Eigen/Eigenvalues>

#include <algorithm>
#include <array>
#include <cmath>
#include <sstream>
#include <stdexcept>

namespace radnode::analysis {

namespace {

constexpr double kPi = 3.14159265358979323846;

using Point2 = std::array<double, 2>;

// Corners of a marching square as (row, column) offsets, numbered as in PyRadiomics' cshape.c.
constexpr int kSquareCorners[4][2] = {{0, 0}, {0, 1}, {1, 1}, {1, 0}};

// Midpoints of the four square edges: top, right, bottom, left.
constexpr double kEdgeMidpoints[4][2] = {{0, 0.5}, {0.5, 1}, {1, 0.5}, {0.5, 0}};

// Contour segments (edge pairs, -1 terminated) per square configuration, bit i = corner i in
// the ROI, oriented so that the summed cross products give a positive area. As in
// PyRadiomics' cshape.c (BSD-3-Clause, Copyright 2017 Harvard Medical School), whose saddle
// choices (configurations 5 and 10) decide the contour.
constexpr std::int8_t kSquareSegments[16][5] = {
    {-1, -1, -1, -1, -1}, {3, 0, -1, -1, -1}, {0, 1, -1, -1, -1}, {3, 1, -1, -1, -1},
    {1, 2, -1, -1, -1},   {1, 2, 3, 0, -1},   {0, 2, -1, -1, -1}, {3, 2, -1, -1, -1},
    {2, 3, -1, -1, -1},   {2, 0, -1, -1, -1}, {0, 1, 2, 3, -1},   {2, 1, -1, -1, -1},
    {1, 3, -1, -1, -1},   {1, 0, -1, -1, -1}, {0, 3, -1, -1, -1}, {-1, -1, -1, -1, -1}};

// The ROI slice cropped to its bounding box and padded by one empty pixel per side, indexed
// (row, column) like PyRadiomics' squeezed numpy array.
struct PaddedPlane {
    std::array<std::size_t, 2> size{};
    std::array<double, 2> spacing{}; // mm per row, per column
    std::vector<std::uint8_t> pixels;

    bool inside(std::size_t row, std::size_t column) const { return pixels[row * size[1] + column] != 0; }
};

// Our axes are x, y, z; PyRadiomics numbers them z, y, x.
int ourAxis(int numpyAxis) { return 2 - numpyAxis; }

PaddedPlane padRoiSlice(const Mask& mask, const Settings& settings) {
    if (!settings.force2D) {
        throw std::invalid_argument("shape2D needs force2D (an ROI on one slice of a 3D grid), as in PyRadiomics");
    }
    if (settings.force2Ddimension < 0 || settings.force2Ddimension > 2) {
        throw std::invalid_argument("setting force2Ddimension must be 0, 1 or 2, not " +
                                    std::to_string(settings.force2Ddimension));
    }
    const IndexBox box = boundingBox(mask);
    if (box.empty()) throw std::invalid_argument("shape2D: the mask has no ROI voxel");
    const int flat = ourAxis(settings.force2Ddimension);
    const auto extent = box.extent();
    if (extent[flat] != 1) {
        throw std::invalid_argument("shape2D: the ROI spans " + std::to_string(extent[flat]) +
                                    " voxels along force2Ddimension " + std::to_string(settings.force2Ddimension) +
                                    ", it must lie in one slice");
    }
    // The two remaining axes in numpy order: the first gives rows, the second columns.
    std::array<int, 2> axes{};
    for (int numpyAxis = 0, k = 0; numpyAxis < 3; ++numpyAxis) {
        if (numpyAxis != settings.force2Ddimension) axes[k++] = ourAxis(numpyAxis);
    }
    PaddedPlane plane;
    plane.size = {extent[axes[0]] + 2, extent[axes[1]] + 2};
    plane.spacing = {mask.geometry.spacing[axes[0]], mask.geometry.spacing[axes[1]]};
    plane.pixels.assign(plane.size[0] * plane.size[1], 0);
    for (std::size_t z = box.lower[2]; z < box.upper[2]; ++z) {
        for (std::size_t y = box.lower[1]; y < box.upper[1]; ++y) {
            for (std::size_t x = box.lower[0]; x < box.upper[0]; ++x) {
                const std::array<std::size_t, 3> local{x - box.lower[0], y - box.lower[1], z - box.lower[2]};
                const std::size_t padded = (local[axes[0]] + 1) * plane.size[1] + local[axes[1]] + 1;
                plane.pixels[padded] = mask.voxels[mask.geometry.offset(x, y, z)] != 0;
            }
        }
    }
    return plane;
}

struct ContourMeasures {
    double surface = 0.0;   // mm2, enclosed area
    double perimeter = 0.0; // mm
};

// Marching squares over the padded slice, segment by segment as cshape.c sums them.
ContourMeasures marchingSquares(const PaddedPlane& plane) {
    double twiceSurface = 0.0;
    double perimeter = 0.0;
    for (std::size_t row = 0; row + 1 < plane.size[0]; ++row) {
        for (std::size_t column = 0; column + 1 < plane.size[1]; ++column) {
            int configuration = 0;
            for (int corner = 0; corner < 4; ++corner) {
                if (plane.inside(row + kSquareCorners[corner][0], column + kSquareCorners[corner][1])) {
                    configuration |= 1 << corner;
                }
            }
            const auto& edges = kSquareSegments[configuration];
            const Point2 square{static_cast<double>(row), static_cast<double>(column)};
            for (int s = 0; edges[2 * s] >= 0; ++s) {
                Point2 a{};
                Point2 b{};
                for (int d = 0; d < 2; ++d) {
                    a[d] = (square[d] + kEdgeMidpoints[edges[2 * s]][d]) * plane.spacing[d];
                    b[d] = (square[d] + kEdgeMidpoints[edges[2 * s + 1]][d]) * plane.spacing[d];
                }
                twiceSurface += a[0] * b[1] - b[0] * a[1];
                const double dr = a[0] - b[0];
                const double dc = a[1] - b[1];
                perimeter += std::sqrt(dr * dr + dc * dc);
            }
        }
    }
    return {twiceSurface / 2.0, perimeter};
}

// Largest distance between contour vertices (midpoints of pixel edges crossing the ROI
// border), searched among their convex-hull vertices: the farthest pair is always there.
double maximumDiameter(const PaddedPlane& plane) {
    std::vector<LatticePoint2D> lattice;
    std::vector<Point2> positions;
    for (std::size_t row = 0; row < plane.size[0]; ++row) {
        for (std::size_t column = 0; column < plane.size[1]; ++column) {
            const std::array<std::size_t, 2> here{row, column};
            for (int axis = 0; axis < 2; ++axis) {
                auto next = here;
                if (++next[axis] >= plane.size[axis]) continue;
                if (plane.inside(row, column) == plane.inside(next[0], next[1])) continue;
                LatticePoint2D point{};
                Point2 position{};
                for (int d = 0; d < 2; ++d) {
                    point[d] = 2 * static_cast<std::int64_t>(here[d]) + (d == axis ? 1 : 0);
                    position[d] = (static_cast<double>(here[d]) + (d == axis ? 0.5 : 0.0)) * plane.spacing[d];
                }
                lattice.push_back(point);
                positions.push_back(position);
            }
        }
    }
    const auto hull = convexHullVertices(lattice);
    double largest = 0.0;
    for (std::size_t i = 0; i < hull.size(); ++i) {
        for (std::size_t j = i + 1; j < hull.size(); ++j) {
            const double dr = positions[hull[i]][0] - positions[hull[j]][0];
            const double dc = positions[hull[i]][1] - positions[hull[j]][1];
            largest = std::max(largest, dr * dr + dc * dc);
        }
    }
    return std::sqrt(largest);
}

// Eigenvalues, ascending, of the covariance of ROI pixel centres in mm, as PyRadiomics;
// tiny negative values from rounding become 0.
std::array<double, 2> principalMoments(const PaddedPlane& plane, DiagnosticList& diagnostics) {
    double count = 0.0;
    std::array<double, 2> sum{0, 0};
    for (std::size_t row = 0; row < plane.size[0]; ++row) {
        for (std::size_t column = 0; column < plane.size[1]; ++column) {
            if (!plane.inside(row, column)) continue;
            count += 1.0;
            sum[0] += static_cast<double>(row);
            sum[1] += static_cast<double>(column);
        }
    }
    const std::array<double, 2> mean{sum[0] / count, sum[1] / count};
    Eigen::Matrix2d covariance = Eigen::Matrix2d::Zero();
    for (std::size_t row = 0; row < plane.size[0]; ++row) {
        for (std::size_t column = 0; column < plane.size[1]; ++column) {
            if (!plane.inside(row, column)) continue;
            const Eigen::Vector2d centred{(static_cast<double>(row) - mean[0]) * plane.spacing[0],
                                          (static_cast<double>(column) - mean[1]) * plane.spacing[1]};
            covariance += centred * centred.transpose();
        }
    }
    covariance /= count;
    const Eigen::SelfAdjointEigenSolver<Eigen::Matrix2d> solver(covariance, Eigen::EigenvaluesOnly);
    std::array<double, 2> eigenvalues{solver.eigenvalues()[0], solver.eigenvalues()[1]};
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

// Everything the 2D shape features read, computed once as PyRadiomics does at initialisation.
struct Shape2DMeasures {
    ContourMeasures contour;
    double diameter = 0.0;
    std::array<double, 2> eigenvalues{}; // ascending: minor, major
    double pixelCount = 0.0;
    double pixelArea = 0.0;
};

double meshSurface(const Shape2DMeasures& m) { return m.contour.surface; }
double pixelSurface(const Shape2DMeasures& m) { return m.pixelCount * m.pixelArea; }
double perimeter(const Shape2DMeasures& m) { return m.contour.perimeter; }
double perimeterSurfaceRatio(const Shape2DMeasures& m) { return m.contour.perimeter / m.contour.surface; }
double sphericity(const Shape2DMeasures& m) { return 2.0 * std::sqrt(kPi * m.contour.surface) / m.contour.perimeter; }
double sphericalDisproportion(const Shape2DMeasures& m) { return 1.0 / sphericity(m); }
double maximumDiameter(const Shape2DMeasures& m) { return m.diameter; }

// Four times the square root of an eigenvalue; NaN when it is negative, as in PyRadiomics.
double axisLength(double eigenvalue) { return eigenvalue < 0 ? std::nan("") : 4.0 * std::sqrt(eigenvalue); }
double majorAxisLength(const Shape2DMeasures& m) { return axisLength(m.eigenvalues[1]); }
double minorAxisLength(const Shape2DMeasures& m) { return axisLength(m.eigenvalues[0]); }
double elongation(const Shape2DMeasures& m) {
    if (m.eigenvalues[0] < 0 || m.eigenvalues[1] < 0) return std::nan("");
    return std::sqrt(m.eigenvalues[0] / m.eigenvalues[1]);
}

using Shape2DFunction = double (*)(const Shape2DMeasures&);

struct Shape2DEntry {
    FeatureDefinition definition;
    Shape2DFunction compute;
};

const std::vector<Shape2DEntry>& shape2DTable() {
    static const std::vector<Shape2DEntry> table{
        {{"MeshSurface"}, meshSurface},
        {{"PixelSurface"}, pixelSurface},
        {{"Perimeter"}, perimeter},
        {{"PerimeterSurfaceRatio"}, perimeterSurfaceRatio},
        {{"Sphericity"}, sphericity},
        {{"SphericalDisproportion", true}, sphericalDisproportion},
        {{"MaximumDiameter"}, maximumDiameter},
        {{"MajorAxisLength"}, majorAxisLength},
        {{"MinorAxisLength"}, minorAxisLength},
        {{"Elongation"}, elongation},
    };
    return table;
}

} // namespace

const std::vector<FeatureDefinition>& shape2DFeatures() {
    static const std::vector<FeatureDefinition> definitions = [] {
        std::vector<FeatureDefinition> names;
        for (const auto& entry : shape2DTable()) names.push_back(entry.definition);
        return names;
    }();
    return definitions;
}

FeatureList computeShape2D(const Mask& mask, const Settings& settings, const std::vector<std::string>& requested,
                           DiagnosticList& diagnostics) {
    const auto selected = selectFeatures("shape2D", shape2DFeatures(), requested);
    const PaddedPlane plane = padRoiSlice(mask, settings);

    Shape2DMeasures measures;
    measures.contour = marchingSquares(plane);
    measures.diameter = maximumDiameter(plane);
    measures.eigenvalues = principalMoments(plane, diagnostics);
    measures.pixelCount = static_cast<double>(std::count(plane.pixels.begin(), plane.pixels.end(), 1));
    measures.pixelArea = plane.spacing[1] * plane.spacing[0];

    FeatureList features;
    for (const auto& name : selected) {
        for (const auto& entry : shape2DTable()) {
            if (entry.definition.name != name) continue;
            if (entry.definition.deprecated) {
                diagnostics.push_back({name, "feature is deprecated in PyRadiomics, use with caution"});
            }
            const double value = entry.compute(measures);
            if (std::isnan(value)) {
                std::ostringstream text;
                text << "NaN because an eigenvalue is negative (covariance eigenvalues " << measures.eigenvalues[0]
                     << ", " << measures.eigenvalues[1] << ")";
                diagnostics.push_back({name, text.str()});
            }
            features.push_back({name, value});
        }
    }
    return features;
}

} // namespace radnode::analysis
