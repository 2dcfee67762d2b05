#include "dicom/geometry.h"

#include "dicom/analysis_input.h"
#include "dicom/dataset_values.h"

#include <dcmtk/dcmdata/dcdatset.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

namespace radnode::dicom {

namespace {

using detail::firstItem;
using detail::getDouble;
using detail::getDoubles;
using detail::getInteger;
using detail::getString;

constexpr int kUnitsCentimetre = 3;
constexpr int kRegionTissue = 1;
constexpr int kRegionFormat2D = 1;

std::optional<std::array<double, 2>> pair(DcmItem& item, const DcmTagKey& tag) {
    const auto values = getDoubles(item, tag);
    if (values.size() != 2 || !(values[0] > 0.0) || !(values[1] > 0.0)) return std::nullopt;
    return std::array<double, 2>{values[0], values[1]};
}

std::optional<std::array<double, 3>> position(DcmItem* item) {
    if (item == nullptr) return std::nullopt;
    const auto values = getDoubles(*item, DCM_ImagePositionPatient);
    if (values.size() != 3) return std::nullopt;
    return std::array<double, 3>{values[0], values[1], values[2]};
}

std::optional<std::array<double, 6>> orientation(DcmItem* item) {
    if (item == nullptr) return std::nullopt;
    const auto values = getDoubles(*item, DCM_ImageOrientationPatient);
    if (values.size() != 6) return std::nullopt;
    std::array<double, 6> result{};
    std::copy(values.begin(), values.end(), result.begin());
    return result;
}

std::optional<double> positive(std::optional<double> value) {
    if (value && *value > 0.0) return value;
    return std::nullopt;
}

// Mammography views from ViewCodeSequence (SCT, and the SRT codes older objects carry).
std::string viewFromCode(const std::string& value) {
    static const std::map<std::string, std::string> views{
        {"399162004", "CC"},   {"R-10242", "CC"},   {"399368009", "MLO"},  {"R-10226", "MLO"},
        {"399260004", "ML"},   {"R-10224", "ML"},   {"399352003", "LM"},   {"R-10230", "LM"},
        {"399099002", "LMO"},  {"R-10228", "LMO"},  {"399192003", "XCCL"}, {"R-1024A", "XCCL"},
        {"399101009", "XCCM"}, {"R-1024B", "XCCM"}, {"399196000", "FB"},   {"R-102C2", "FB"}};
    const auto found = views.find(value);
    return found == views.end() ? std::string{} : found->second;
}

std::string readView(DcmItem& dataset) {
    if (DcmItem* code = firstItem(dataset, DCM_ViewCodeSequence)) {
        const std::string view = viewFromCode(getString(*code, DCM_CodeValue));
        if (!view.empty()) return view;
    }
    const std::string position = getString(dataset, DCM_ViewPosition);
    if (!position.empty()) return position;
    if (DcmItem* code = firstItem(dataset, DCM_ViewCodeSequence)) return getString(*code, DCM_CodeMeaning);
    return {};
}

std::string readLaterality(DcmItem& dataset) {
    for (const auto& tag : {DCM_ImageLaterality, DCM_Laterality, DCM_FrameLaterality}) {
        const std::string value = getString(dataset, tag);
        if (!value.empty()) return value;
    }
    if (DcmItem* anatomy = detail::functionalGroupMacro(dataset, 0, DCM_FrameAnatomySequence)) {
        return getString(*anatomy, DCM_FrameLaterality);
    }
    return {};
}

std::vector<UltrasoundRegion> readUltrasoundRegions(DcmItem& dataset) {
    std::vector<UltrasoundRegion> regions;
    for (DcmItem* item : detail::getItems(dataset, DCM_SequenceOfUltrasoundRegions)) {
        UltrasoundRegion region;
        region.spatialFormat = static_cast<int>(getInteger(*item, DCM_RegionSpatialFormat).value_or(0));
        region.dataType = static_cast<int>(getInteger(*item, DCM_RegionDataType).value_or(0));
        region.minX = getInteger(*item, DCM_RegionLocationMinX0).value_or(0);
        region.minY = getInteger(*item, DCM_RegionLocationMinY0).value_or(0);
        region.maxX = getInteger(*item, DCM_RegionLocationMaxX1).value_or(-1);
        region.maxY = getInteger(*item, DCM_RegionLocationMaxY1).value_or(-1);
        region.unitsX = static_cast<int>(getInteger(*item, DCM_PhysicalUnitsXDirection).value_or(0));
        region.unitsY = static_cast<int>(getInteger(*item, DCM_PhysicalUnitsYDirection).value_or(0));
        region.deltaX = getDouble(*item, DCM_PhysicalDeltaX).value_or(0.0);
        region.deltaY = getDouble(*item, DCM_PhysicalDeltaY).value_or(0.0);
        regions.push_back(region);
    }
    return regions;
}

bool isSecondaryCapture(const std::string& sopClassUid) {
    return sopClassUid.rfind("1.2.840.10008.5.1.4.1.1.7", 0) == 0;
}

bool mentionsTomosynthesis(const std::string& text) {
    std::string upper = text;
    std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
    return upper.find("TOMO") != std::string::npos;
}

// Some vendors send DBT reconstructions as Secondary Capture with the slices in private
// elements; the public pixels are then a single thumbnail slice that must not be analysed.
std::string vendorWrappedTomosynthesis(DcmDataset& dataset, const std::string& sopClassUid) {
    if (!isSecondaryCapture(sopClassUid)) return {};
    std::string creators;
    Uint32 largestPrivate = 0;
    for (unsigned long i = 0; i < dataset.card(); ++i) {
        DcmElement* element = dataset.getElement(i);
        const DcmTag& tag = element->getTag();
        if (!tag.isPrivate()) continue;
        if (tag.isPrivateReservation()) {
            OFString creator;
            if (element->getOFString(creator, 0).good()) creators += std::string(creator.c_str()) + " ";
        } else {
            largestPrivate = std::max(largestPrivate, element->getLengthField());
        }
    }
    bool tomoText = mentionsTomosynthesis(creators);
    for (const auto& tag : {DCM_ImageType, DCM_SeriesDescription, DCM_DerivationDescription, DCM_ImageComments}) {
        OFString all;
        if (dataset.findAndGetOFStringArray(tag, all).good()) tomoText = tomoText || mentionsTomosynthesis(all.c_str());
    }
    const bool hiddenPixels = largestPrivate > 1024 * 1024; // far more than any private header
    if (!tomoText && !hiddenPixels) return {};
    std::ostringstream reason;
    reason << "Secondary Capture wrapping tomosynthesis slices in private elements";
    if (!creators.empty()) reason << " (private creators: " << creators.substr(0, creators.size() - 1) << ")";
    if (hiddenPixels) reason << ", a private element of " << largestPrivate << " bytes";
    return reason.str();
}

std::array<double, 3> cross(const std::array<double, 3>& a, const std::array<double, 3>& b) {
    return {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
}

double dot(const std::array<double, 3>& a, const std::array<double, 3>& b) {
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

std::array<double, 3> normalised(std::array<double, 3> v) {
    const double length = std::sqrt(dot(v, v));
    if (length > 0.0) {
        for (double& c : v) c /= length;
    }
    return v;
}

// Row-major direction matrix whose columns are the row, column and normal directions.
std::array<double, 9> directionOf(const std::array<double, 6>& orientation) {
    const auto row = normalised({orientation[0], orientation[1], orientation[2]});
    const auto column = normalised({orientation[3], orientation[4], orientation[5]});
    const auto normal = normalised(cross(row, column));
    return {row[0], column[0], normal[0], row[1], column[1], normal[1], row[2], column[2], normal[2]};
}

std::string formatMm(double value) {
    std::ostringstream text;
    text << value;
    return text.str();
}

} // namespace

bool UltrasoundRegion::calibratedTissue() const {
    return dataType == kRegionTissue && spatialFormat == kRegionFormat2D && unitsX == kUnitsCentimetre &&
           unitsY == kUnitsCentimetre && deltaX > 0.0 && deltaY > 0.0;
}

bool UltrasoundRegion::contains(std::size_t x0, std::size_t y0, std::size_t x1, std::size_t y1) const {
    if (x1 <= x0 || y1 <= y0) return false;
    return static_cast<long>(x0) >= minX && static_cast<long>(y0) >= minY && static_cast<long>(x1 - 1) <= maxX &&
           static_cast<long>(y1 - 1) <= maxY;
}

bool ImageGeometry::isUltrasound() const {
    return modality == "US" || sopClassUid == "1.2.840.10008.5.1.4.1.1.6.1" ||
           sopClassUid == "1.2.840.10008.5.1.4.1.1.3.1" || !ultrasoundRegions.empty();
}

bool ImageGeometry::isVolumetric() const {
    const bool placed = std::all_of(framePositions.begin(), framePositions.end(), [](const auto& p) { return p.has_value(); }) &&
                        std::all_of(frameOrientations.begin(), frameOrientations.end(),
                                    [](const auto& o) { return o.has_value(); });
    if (!placed || framePositions.empty()) return false;
    if (enhanced) return frames > 1 || modality == "CT" || modality == "MR" || modality == "PT";
    return frames == 1 && (modality == "CT" || modality == "MR" || modality == "PT");
}

ImageGeometry readImageGeometry(const std::filesystem::path& file) {
    const auto format = detail::loadDicomFile(file);
    DcmDataset& dataset = *format->getDataset();
    ImageGeometry g;
    g.sopClassUid = getString(dataset, DCM_SOPClassUID);
    g.sopInstanceUid = getString(dataset, DCM_SOPInstanceUID);
    g.seriesInstanceUid = getString(dataset, DCM_SeriesInstanceUID);
    g.studyInstanceUid = getString(dataset, DCM_StudyInstanceUID);
    g.frameOfReferenceUid = getString(dataset, DCM_FrameOfReferenceUID);
    g.modality = getString(dataset, DCM_Modality);
    g.manufacturer = getString(dataset, DCM_Manufacturer);
    g.view = readView(dataset);
    g.laterality = readLaterality(dataset);
    g.rows = static_cast<std::size_t>(std::max(0L, getInteger(dataset, DCM_Rows).value_or(0)));
    g.columns = static_cast<std::size_t>(std::max(0L, getInteger(dataset, DCM_Columns).value_or(0)));
    if (g.sopInstanceUid.empty()) throw LoadError(file.string() + ": no SOP Instance UID");
    // Frame vectors are sized from NumberOfFrames: the pixel data must be able to hold them.
    g.frames = detail::checkAnnouncedPixels(dataset, file.string() + " (" + g.sopInstanceUid + ")", false);
    if (g.rows == 0 || g.columns == 0) {
        throw LoadError(file.string() + " (" + g.sopInstanceUid + "): not an image (no Rows/Columns)");
    }
    g.enhanced = detail::hasFunctionalGroups(dataset);
    g.imagerPixelSpacing = pair(dataset, DCM_ImagerPixelSpacing);
    g.magnificationFactor = positive(getDouble(dataset, DCM_EstimatedRadiographicMagnificationFactor));
    g.ultrasoundRegions = readUltrasoundRegions(dataset);
    g.unsupportedVendorObject = vendorWrappedTomosynthesis(dataset, g.sopClassUid);

    if (g.enhanced) {
        // Frames are placed from their own groups: one item per frame, or the header is refused.
        detail::perFrameFunctionalGroups(dataset, g.frames, file.string() + " (" + g.sopInstanceUid + ")");
        for (std::size_t f = 0; f < g.frames; ++f) {
            DcmItem* measures = detail::functionalGroupMacro(dataset, f, DCM_PixelMeasuresSequence);
            const auto spacing = measures ? pair(*measures, DCM_PixelSpacing) : std::nullopt;
            if (f == 0) {
                g.pixelSpacing = spacing;
                if (measures) {
                    g.sliceThickness = positive(getDouble(*measures, DCM_SliceThickness));
                    g.spacingBetweenSlices = positive(getDouble(*measures, DCM_SpacingBetweenSlices));
                }
            } else if (spacing.has_value() != g.pixelSpacing.has_value() ||
                       (spacing && (std::abs((*spacing)[0] - (*g.pixelSpacing)[0]) > 1e-6 ||
                                    std::abs((*spacing)[1] - (*g.pixelSpacing)[1]) > 1e-6))) {
                throw LoadError(file.string() + " (" + g.sopInstanceUid + "): pixel spacing differs between frame 1 and frame " +
                                std::to_string(f + 1));
            }
            g.framePositions.push_back(position(detail::functionalGroupMacro(dataset, f, DCM_PlanePositionSequence)));
            g.frameOrientations.push_back(
                orientation(detail::functionalGroupMacro(dataset, f, DCM_PlaneOrientationSequence)));
        }
        if (!g.spacingBetweenSlices) g.spacingBetweenSlices = positive(getDouble(dataset, DCM_SpacingBetweenSlices));
    } else {
        g.pixelSpacing = pair(dataset, DCM_PixelSpacing);
        g.sliceThickness = positive(getDouble(dataset, DCM_SliceThickness));
        g.spacingBetweenSlices = positive(getDouble(dataset, DCM_SpacingBetweenSlices));
        // A classic multi-frame object has one plane for all frames: it places none of them.
        const auto plane = g.frames == 1 ? position(&dataset) : std::nullopt;
        const auto direction = g.frames == 1 ? orientation(&dataset) : std::nullopt;
        g.framePositions.assign(g.frames, plane);
        g.frameOrientations.assign(g.frames, direction);
    }
    return g;
}

PlaneSpacing planeSpacing(const ImageGeometry& g) {
    PlaneSpacing spacing;
    if (g.pixelSpacing) {
        spacing.row = (*g.pixelSpacing)[0];
        spacing.column = (*g.pixelSpacing)[1];
        spacing.calibrated = true;
        spacing.source = g.enhanced ? "Pixel Measures PixelSpacing" : "PixelSpacing";
        if (g.imagerPixelSpacing && std::abs((*g.imagerPixelSpacing)[0] - spacing.row) < 1e-9 &&
            std::abs((*g.imagerPixelSpacing)[1] - spacing.column) < 1e-9) {
            spacing.source += " (equal to ImagerPixelSpacing: not corrected for magnification)";
        }
        return spacing;
    }
    if (g.imagerPixelSpacing) {
        spacing.row = (*g.imagerPixelSpacing)[0];
        spacing.column = (*g.imagerPixelSpacing)[1];
        spacing.calibrated = true;
        if (g.magnificationFactor) {
            spacing.row /= *g.magnificationFactor;
            spacing.column /= *g.magnificationFactor;
            spacing.source = "ImagerPixelSpacing / EstimatedRadiographicMagnificationFactor " +
                             formatMm(*g.magnificationFactor);
        } else {
            spacing.source = "ImagerPixelSpacing (at the detector, not corrected for magnification)";
        }
        return spacing;
    }
    spacing.source = "no pixel spacing in the header";
    return spacing;
}

PlaneSpacing ultrasoundSpacing(const ImageGeometry& g, std::size_t x0, std::size_t y0, std::size_t x1, std::size_t y1) {
    PlaneSpacing spacing;
    for (std::size_t i = 0; i < g.ultrasoundRegions.size(); ++i) {
        const auto& region = g.ultrasoundRegions[i];
        if (!region.calibratedTissue() || !region.contains(x0, y0, x1, y1)) continue;
        spacing.column = region.deltaX * 10.0; // cm -> mm
        spacing.row = region.deltaY * 10.0;
        spacing.calibrated = true;
        spacing.source = "ultrasound region " + std::to_string(i + 1) + " (tissue)";
        return spacing;
    }
    if (!g.ultrasoundRegions.empty()) {
        spacing.source = "no calibrated tissue region of the Sequence of Ultrasound Regions holds the ROI";
        return spacing;
    }
    if (g.pixelSpacing) {
        spacing.row = (*g.pixelSpacing)[0];
        spacing.column = (*g.pixelSpacing)[1];
        spacing.calibrated = true;
        spacing.source = "PixelSpacing (no ultrasound regions)";
        return spacing;
    }
    spacing.source = "no Sequence of Ultrasound Regions and no PixelSpacing";
    return spacing;
}

std::vector<std::array<double, 2>> declaredSpacings(const ImageGeometry& g) {
    std::vector<std::array<double, 2>> spacings;
    if (g.pixelSpacing) spacings.push_back(*g.pixelSpacing);
    if (g.imagerPixelSpacing) {
        spacings.push_back(*g.imagerPixelSpacing);
        if (g.magnificationFactor) {
            spacings.push_back({(*g.imagerPixelSpacing)[0] / *g.magnificationFactor,
                                (*g.imagerPixelSpacing)[1] / *g.magnificationFactor});
        }
    }
    for (const auto& region : g.ultrasoundRegions) {
        if (region.calibratedTissue()) spacings.push_back({region.deltaY * 10.0, region.deltaX * 10.0});
    }
    return spacings;
}

analysis::Geometry planeGeometry(const ImageGeometry& g, std::size_t frameIndex, const PlaneSpacing& spacing) {
    analysis::Geometry grid;
    grid.size = {g.columns, g.rows, 1};
    grid.spacing = {spacing.column, spacing.row, 1.0};
    if (frameIndex < g.framePositions.size() && g.framePositions[frameIndex] && g.frameOrientations[frameIndex]) {
        grid.origin = *g.framePositions[frameIndex];
        grid.direction = directionOf(*g.frameOrientations[frameIndex]);
        if (g.sliceThickness) grid.spacing[2] = *g.sliceThickness;
    }
    return grid;
}

SliceStack stackSlices(const std::array<double, 6>& orientation, const std::vector<std::array<double, 3>>& positions,
                       std::size_t columns, std::size_t rows, const PlaneSpacing& spacing,
                       std::optional<double> fallbackSliceSpacing, const std::string& what) {
    if (positions.empty()) throw LoadError(what + ": no slices");
    const auto direction = directionOf(orientation);
    const std::array<double, 3> normal{direction[2], direction[5], direction[8]};
    if (std::abs(dot(normal, normal) - 1.0) > 1e-3) throw LoadError(what + ": degenerate ImageOrientationPatient");

    SliceStack stack;
    stack.order.resize(positions.size());
    for (std::size_t i = 0; i < positions.size(); ++i) stack.order[i] = i;
    std::stable_sort(stack.order.begin(), stack.order.end(),
                     [&](std::size_t a, std::size_t b) { return dot(positions[a], normal) < dot(positions[b], normal); });

    const auto& first = positions[stack.order.front()];
    const double inPlaneTolerance = 0.1 * std::min(spacing.row, spacing.column) + 1e-3;
    std::vector<double> gaps;
    for (std::size_t k = 1; k < stack.order.size(); ++k) {
        const auto& previous = positions[stack.order[k - 1]];
        const auto& current = positions[stack.order[k]];
        const double gap = dot(current, normal) - dot(previous, normal);
        if (gap < 1e-3) throw LoadError(what + ": two slices share the position " + formatMm(dot(current, normal)) + " mm");
        gaps.push_back(gap);
        // The offset from the first slice must lie along the normal: no tilt, no shift.
        const std::array<double, 3> offset{current[0] - first[0], current[1] - first[1], current[2] - first[2]};
        const double along = dot(offset, normal);
        const std::array<double, 3> across{offset[0] - along * normal[0], offset[1] - along * normal[1],
                                           offset[2] - along * normal[2]};
        if (std::sqrt(dot(across, across)) > inPlaneTolerance) {
            throw LoadError(what + ": slices are shifted within their plane (tilted or unaligned stack)");
        }
    }
    if (gaps.empty()) {
        stack.spacing = fallbackSliceSpacing.value_or(1.0);
    } else {
        std::vector<double> sorted = gaps;
        std::sort(sorted.begin(), sorted.end());
        const double median = sorted[sorted.size() / 2];
        const double tolerance = std::max(0.005, 0.02 * median);
        for (double gap : gaps) {
            if (std::abs(gap - median) > tolerance) {
                throw LoadError(what + ": slices are not evenly spaced (" + formatMm(gap) + " mm next to " +
                                formatMm(median) + " mm): a slice is missing or duplicated");
            }
        }
        double sum = 0.0;
        for (double gap : gaps) sum += gap;
        stack.spacing = sum / static_cast<double>(gaps.size());
    }
    stack.geometry.size = {columns, rows, positions.size()};
    stack.geometry.spacing = {spacing.column, spacing.row, stack.spacing};
    stack.geometry.origin = first;
    stack.geometry.direction = direction;
    return stack;
}

} // namespace radnode::dicom
