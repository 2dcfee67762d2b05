// Where a DICOM image's pixels lie: spacing, plane position and orientation per frame, read
// the way each modality records them (ultrasound regions, enhanced multi-frame functional
// groups, classic image plane attributes, projection X-ray spacing rules), and the 3D grid a
// stack of slices makes.
#pragma once

#include "analysis/image.h"

#include <array>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace radnode::dicom {

// One item of the Sequence of Ultrasound Regions (0018,6011), in pixels and the units stated.
struct UltrasoundRegion {
    int spatialFormat = 0;          // RegionSpatialFormat: 1 = 2D
    int dataType = 0;               // RegionDataType: 1 = tissue
    long minX = 0, minY = 0, maxX = 0, maxY = 0; // RegionLocationMin/Max (inclusive pixels)
    int unitsX = 0, unitsY = 0;     // PhysicalUnitsX/YDirection: 3 = cm
    double deltaX = 0.0, deltaY = 0.0; // PhysicalDeltaX/Y in those units

    // A 2D tissue region calibrated in cm on both axes.
    bool calibratedTissue() const;
    // Half-open pixel box [x0, x1) x [y0, y1) lies inside the region.
    bool contains(std::size_t x0, std::size_t y0, std::size_t x1, std::size_t y1) const;
};

// In-plane pixel spacing and where it came from.
struct PlaneSpacing {
    double row = 1.0, column = 1.0; // mm between rows (y) and between columns (x)
    bool calibrated = false;        // false: no physical calibration, values are 1 pixel
    std::string source;             // "PixelSpacing", "ultrasound region 2 (tissue)", ...
};

// Header facts about an image (or a SEG) needed to place its frames in space.
struct ImageGeometry {
    std::string sopClassUid, sopInstanceUid, seriesInstanceUid, studyInstanceUid, frameOfReferenceUid;
    std::string modality, manufacturer, view, laterality;
    std::size_t rows = 0, columns = 0, frames = 1;
    bool enhanced = false; // geometry from functional groups

    // Spacing attributes as found (row spacing, column spacing in mm).
    std::optional<std::array<double, 2>> pixelSpacing;         // PixelSpacing / Pixel Measures
    std::optional<std::array<double, 2>> imagerPixelSpacing;   // ImagerPixelSpacing
    std::optional<double> magnificationFactor;                 // EstimatedRadiographicMagnificationFactor
    std::optional<double> sliceThickness, spacingBetweenSlices;
    std::vector<UltrasoundRegion> ultrasoundRegions;

    // Per frame (size `frames`; classic images have one): plane position and orientation
    // (row cosines then column cosines), when the object records them.
    std::vector<std::optional<std::array<double, 3>>> framePositions;
    std::vector<std::optional<std::array<double, 6>>> frameOrientations;

    // Non-empty: why this object must not be analysed at all (a vendor Secondary Capture
    // that hides tomosynthesis slices in private elements).
    std::string unsupportedVendorObject;

    bool isUltrasound() const;
    // A source whose frames are slices of one volume: tomosynthesis, enhanced or classic CT/MR/PET.
    bool isVolumetric() const;
};

// Header pass over a file (pixel data not loaded). Throws LoadError naming the file.
ImageGeometry readImageGeometry(const std::filesystem::path& file);

// Projection radiography (MG, DX, CR, ...) per PS3.3 10.7.1 and C.8.11.4: PixelSpacing when
// present (calibrated, or equal to ImagerPixelSpacing); otherwise ImagerPixelSpacing divided
// by EstimatedRadiographicMagnificationFactor; otherwise ImagerPixelSpacing at the detector.
// Cross-sectional images: PixelSpacing / Pixel Measures. Not ultrasound (see below).
PlaneSpacing planeSpacing(const ImageGeometry& geometry);

// Ultrasound: the calibrated tissue region (RegionDataType 1) that holds the whole ROI box
// (half-open pixel bounds), cm converted to mm. Uncalibrated when no such region exists;
// PixelSpacing is taken only from an image with no region at all.
PlaneSpacing ultrasoundSpacing(const ImageGeometry& geometry, std::size_t x0, std::size_t y0, std::size_t x1,
                               std::size_t y1);

// Every spacing the header states for the plane (for checking a SEG drawn on it).
std::vector<std::array<double, 2>> declaredSpacings(const ImageGeometry& geometry);

// A single frame as a 2D grid (size z == 1): in patient space when the frame has a position
// and orientation, otherwise at the origin with identity direction.
analysis::Geometry planeGeometry(const ImageGeometry& geometry, std::size_t frameIndex, const PlaneSpacing& spacing);

// Slices of one volume ordered along the normal of their common orientation.
struct SliceStack {
    std::vector<std::size_t> order; // indices into the positions given, first slice first
    double spacing = 0.0;           // mm between consecutive slices
    analysis::Geometry geometry;    // all slices, full frames
};

// Throws LoadError (with `what` in the message) when the positions do not make an evenly
// spaced, untilted stack: duplicates, gaps, or slices shifted within their plane.
SliceStack stackSlices(const std::array<double, 6>& orientation, const std::vector<std::array<double, 3>>& positions,
                       std::size_t columns, std::size_t rows, const PlaneSpacing& spacing,
                       std::optional<double> fallbackSliceSpacing, const std::string& what);

} // namespace radnode::dicom
