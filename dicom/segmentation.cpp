#include "dicom/segmentation.h"

#include "dicom/codecs.h"
#include "dicom/dataset_values.h"
#include "dicom/geometry.h"
#include "dicom/pixel_decoder.h"

#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcfcache.h>
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcxfer.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <sstream>

namespace radnode::dicom {

namespace {

using detail::firstItem;
using detail::getDouble;
using detail::getInteger;
using detail::getItems;
using detail::getString;

const char* const kSegmentationStorage = "1.2.840.10008.5.1.4.1.1.66.4";
const char* const kLabelMapSegmentationStorage = "1.2.840.10008.5.1.4.1.1.66.7";

struct SegmentDescription {
    int number = 0;
    std::string label, trackingId, trackingUid;
    RoiRole role = RoiRole::Other;
};

// A source image named by a SEG: instance, and frame (0 when the SEG gives none).
struct FrameSource {
    std::string sopClassUid, sopInstanceUid;
    int frameNumber = 0;
};

struct SegFrame {
    int number = 0;  // 1-based frame of the SEG
    int segment = 0; // ReferencedSegmentNumber; 0 in a label map, whose frames hold every segment
    std::optional<FrameSource> source;
};

struct ReferencedInstance {
    std::string sopClassUid, seriesInstanceUid;
};

// The header of a SEG: what it claims, frame by frame.
struct SegHeader {
    std::string sopInstanceUid, seriesInstanceUid, studyInstanceUid;
    bool fractional = false;
    double maximumFractionalValue = 255.0;
    // LABELMAP (DICOM Sup 243): each pixel holds the number of the segment it belongs to, or
    // the background value (PixelPaddingValue when given, otherwise 0).
    bool labelMap = false;
    long background = 0;
    std::size_t rows = 0, columns = 0, frameCount = 0;
    int bitsAllocated = 1;
    std::map<int, SegmentDescription> segments;
    std::vector<SegFrame> frames;
    std::map<std::string, ReferencedInstance> referenced; // ReferencedSeriesSequence
    std::vector<std::string> referencedOrder;            // the same, as listed
};

std::string segName(const std::filesystem::path& file, const std::string& uid) {
    return "segmentation " + uid + " (" + file.filename().string() + ")";
}

std::optional<FrameSource> sourceIn(DcmItem& holder) {
    for (DcmItem* derivation : getItems(holder, DCM_DerivationImageSequence)) {
        for (DcmItem* source : getItems(*derivation, DCM_SourceImageSequence)) {
            FrameSource found;
            found.sopClassUid = getString(*source, DCM_ReferencedSOPClassUID);
            found.sopInstanceUid = getString(*source, DCM_ReferencedSOPInstanceUID);
            found.frameNumber = static_cast<int>(getInteger(*source, DCM_ReferencedFrameNumber).value_or(0));
            if (!found.sopInstanceUid.empty()) return found;
        }
    }
    return std::nullopt;
}

RoiRole roleOfSegment(DcmItem& segment) {
    for (DcmItem* code : getItems(segment, DCM_SegmentedPropertyTypeCodeSequence)) {
        const RoiRole role = roleFromPropertyType(getString(*code, DCM_CodingSchemeDesignator), getString(*code, DCM_CodeValue));
        if (role != RoiRole::Other) return role;
    }
    return RoiRole::Other;
}

bool labelMatches(const std::string& pattern, const std::string& label) {
    if (pattern.empty()) return false;
    try {
        return std::regex_search(label, std::regex(pattern, std::regex::ECMAScript | std::regex::icase));
    } catch (const std::regex_error& error) {
        throw LoadError("segment label pattern '" + pattern + "' is not a valid regular expression: " + error.what());
    }
}

SegHeader readHeader(DcmDataset& dataset, const std::filesystem::path& file, const LoadOptions* options) {
    SegHeader seg;
    seg.sopInstanceUid = getString(dataset, DCM_SOPInstanceUID);
    seg.seriesInstanceUid = getString(dataset, DCM_SeriesInstanceUID);
    seg.studyInstanceUid = getString(dataset, DCM_StudyInstanceUID);
    const std::string sopClass = getString(dataset, DCM_SOPClassUID);
    const std::string name = segName(file, seg.sopInstanceUid);
    if (sopClass != kSegmentationStorage && sopClass != kLabelMapSegmentationStorage) {
        throw LoadError(file.string() + ": not a Segmentation (SOP Class " + sopClass + ")");
    }

    const std::string type = getString(dataset, DCM_SegmentationType);
    seg.labelMap = sopClass == kLabelMapSegmentationStorage;
    if (seg.labelMap && type != "LABELMAP") {
        throw LoadError(name + ": Label Map Segmentation Storage with SegmentationType '" + type + "' (must be LABELMAP)");
    }
    if (!seg.labelMap && type != "BINARY" && type != "FRACTIONAL") {
        throw LoadError(name + ": SegmentationType '" + type + "' is not BINARY or FRACTIONAL" +
                        (type == "LABELMAP" ? " (a LABELMAP needs the Label Map Segmentation Storage SOP Class)" : ""));
    }
    seg.fractional = type == "FRACTIONAL";
    seg.rows = static_cast<std::size_t>(std::max(0L, getInteger(dataset, DCM_Rows).value_or(0)));
    seg.columns = static_cast<std::size_t>(std::max(0L, getInteger(dataset, DCM_Columns).value_or(0)));
    seg.frameCount = static_cast<std::size_t>(std::max(0L, getInteger(dataset, DCM_NumberOfFrames).value_or(0)));
    seg.bitsAllocated = static_cast<int>(getInteger(dataset, DCM_BitsAllocated).value_or(0));
    if (seg.rows == 0 || seg.columns == 0 || seg.frameCount == 0) {
        throw LoadError(name + ": Rows, Columns or NumberOfFrames missing or zero");
    }
    detail::checkAnnouncedPixels(dataset, name, false);
    if (seg.labelMap) {
        if (seg.bitsAllocated != 8 && seg.bitsAllocated != 16) {
            throw LoadError(name + ": LABELMAP with BitsAllocated " + std::to_string(seg.bitsAllocated) + " (must be 8 or 16)");
        }
        seg.background = getInteger(dataset, DCM_PixelPaddingValue).value_or(0);
    } else if (seg.fractional) {
        seg.maximumFractionalValue = getDouble(dataset, DCM_MaximumFractionalValue).value_or(0.0);
        if (!(seg.maximumFractionalValue > 0.0) || seg.bitsAllocated != 8) {
            throw LoadError(name + ": FRACTIONAL needs 8 bits allocated and a MaximumFractionalValue");
        }
    } else if (seg.bitsAllocated != 1) {
        throw LoadError(name + ": BINARY with BitsAllocated " + std::to_string(seg.bitsAllocated) + " (must be 1)");
    }

    for (DcmItem* item : getItems(dataset, DCM_SegmentSequence)) {
        SegmentDescription segment;
        segment.number = static_cast<int>(getInteger(*item, DCM_SegmentNumber).value_or(0));
        segment.label = getString(*item, DCM_SegmentLabel);
        segment.trackingId = getString(*item, DCM_TrackingID);
        segment.trackingUid = getString(*item, DCM_TrackingUID);
        segment.role = roleOfSegment(*item);
        if (options != nullptr) {
            if (labelMatches(options->tumorLabelPattern, segment.label)) segment.role = RoiRole::Tumor;
            else if (labelMatches(options->lymphNodeLabelPattern, segment.label)) segment.role = RoiRole::LymphNode;
        }
        // A label map may number its segments from 0 (Sup 243); the other types start at 1.
        const bool numbered = getInteger(*item, DCM_SegmentNumber).has_value();
        if (!numbered || segment.number < (seg.labelMap ? 0 : 1)) {
            throw LoadError(name + ": a segment without a valid SegmentNumber");
        }
        seg.segments[segment.number] = segment;
    }
    if (seg.segments.empty()) throw LoadError(name + ": no SegmentSequence");

    for (DcmItem* series : getItems(dataset, DCM_ReferencedSeriesSequence)) {
        const std::string seriesUid = getString(*series, DCM_SeriesInstanceUID);
        for (DcmItem* instance : getItems(*series, DCM_ReferencedInstanceSequence)) {
            const std::string uid = getString(*instance, DCM_ReferencedSOPInstanceUID);
            if (uid.empty() || seg.referenced.count(uid)) continue;
            seg.referenced[uid] = ReferencedInstance{getString(*instance, DCM_ReferencedSOPClassUID), seriesUid};
            seg.referencedOrder.push_back(uid);
        }
    }

    // A SEG of one image may name its source once, outside the functional groups.
    std::optional<FrameSource> wholeSource;
    if (const auto items = getItems(dataset, DCM_SourceImageSequence); items.size() == 1) {
        FrameSource source;
        source.sopClassUid = getString(*items[0], DCM_ReferencedSOPClassUID);
        source.sopInstanceUid = getString(*items[0], DCM_ReferencedSOPInstanceUID);
        source.frameNumber = static_cast<int>(getInteger(*items[0], DCM_ReferencedFrameNumber).value_or(0));
        if (!source.sopInstanceUid.empty()) wholeSource = source;
    }
    if (!wholeSource && seg.referencedOrder.size() == 1) {
        const auto& uid = seg.referencedOrder.front();
        wholeSource = FrameSource{seg.referenced[uid].sopClassUid, uid, 0};
    }

    const auto perFrame = detail::perFrameFunctionalGroups(dataset, seg.frameCount, name);
    for (std::size_t f = 0; f < seg.frameCount; ++f) {
        SegFrame frame;
        frame.number = static_cast<int>(f + 1);
        DcmItem* identification =
            seg.labelMap ? nullptr : detail::functionalGroupMacro(dataset, f, DCM_SegmentIdentificationSequence);
        if (identification == nullptr && !seg.labelMap) {
            throw LoadError(name + ": frame " + std::to_string(f + 1) + " names no segment");
        }
        if (identification != nullptr) {
            frame.segment = static_cast<int>(getInteger(*identification, DCM_ReferencedSegmentNumber).value_or(0));
        }
        if (!seg.labelMap && !seg.segments.count(frame.segment)) {
            throw LoadError(name + ": frame " + std::to_string(f + 1) + " names segment " +
                            std::to_string(frame.segment) + ", which the SegmentSequence does not define");
        }
        frame.source = sourceIn(*perFrame[f]);
        if (!frame.source) {
            if (DcmItem* shared = firstItem(dataset, DCM_SharedFunctionalGroupsSequence)) frame.source = sourceIn(*shared);
        }
        if (!frame.source) frame.source = wholeSource;
        seg.frames.push_back(frame);
    }
    return seg;
}

// Reads SEG frames one at a time, as 0/1 bytes, from the (possibly lazily loaded) pixel data.
class SegFrameReader {
public:
    SegFrameReader(DcmDataset& dataset, const SegHeader& seg, const LoadOptions& options, const std::string& name)
        : dataset_(dataset), seg_(seg), options_(options), name_(name) {
        DcmElement* element = nullptr;
        if (dataset.findAndGetElement(DCM_PixelData, element).bad() || element == nullptr ||
            element->ident() != EVR_PixelData) {
            throw LoadError(name + ": no pixel data");
        }
        pixelData_ = static_cast<DcmPixelData*>(element);
        encapsulated_ = DcmXfer(dataset.getOriginalXfer()).isEncapsulated();
        if (encapsulated_ && !seg.fractional && !seg.labelMap) {
            throw LoadError(name + ": compressed BINARY segmentations are not supported");
        }
        const std::size_t pixels = seg.rows * seg.columns;
        const std::size_t needed = seg.labelMap     ? pixels * seg.frameCount * bytesPerLabel()
                                   : seg.fractional ? pixels * seg.frameCount
                                                    : (pixels * seg.frameCount + 7) / 8;
        if (!encapsulated_ && pixelData_->getLength() < needed) {
            throw LoadError(name + ": pixel data is truncated (" + std::to_string(pixelData_->getLength()) + " of " +
                            std::to_string(needed) + " bytes)");
        }
    }

    // The pixels of `segment` in a frame, as 0/1 (BINARY and FRACTIONAL frames hold one segment).
    std::vector<std::uint8_t> read(int frameNumber, int segment) {
        const std::size_t pixels = seg_.rows * seg_.columns;
        const std::size_t index = static_cast<std::size_t>(frameNumber - 1);
        std::vector<std::uint8_t> inside(pixels, 0);
        if (seg_.labelMap) {
            const std::vector<long> labels = readLabels(frameNumber);
            for (std::size_t i = 0; i < pixels; ++i) inside[i] = labels[i] == segment && segment != seg_.background;
            return inside;
        }
        if (seg_.fractional) {
            std::vector<std::uint8_t> values = readBytes(index * pixels, pixels, index);
            const double threshold = options_.fractionalThreshold * seg_.maximumFractionalValue;
            for (std::size_t i = 0; i < pixels; ++i) inside[i] = values[i] > 0 && values[i] >= threshold ? 1 : 0;
            return inside;
        }
        // BINARY frames are packed one bit per pixel, least significant bit first, and a frame
        // starts wherever the previous one ended, not on a byte boundary.
        const std::size_t firstBit = index * pixels;
        const std::size_t firstByte = firstBit / 8;
        const std::size_t lastByte = (firstBit + pixels + 7) / 8;
        const std::vector<std::uint8_t> packed = readBytes(firstByte, lastByte - firstByte, index);
        for (std::size_t i = 0; i < pixels; ++i) {
            const std::size_t bit = firstBit + i - firstByte * 8;
            inside[i] = (packed[bit / 8] >> (bit % 8)) & 1u;
        }
        return inside;
    }

    // Label map: the segment numbers a frame holds, background left out.
    std::set<long> labelsIn(int frameNumber) {
        std::set<long> present;
        for (long label : readLabels(frameNumber)) {
            if (label != seg_.background) present.insert(label);
        }
        return present;
    }

private:
    std::size_t bytesPerLabel() const { return seg_.bitsAllocated == 16 ? 2 : 1; }

    std::vector<long> readLabels(int frameNumber) {
        const std::size_t pixels = seg_.rows * seg_.columns;
        const std::size_t index = static_cast<std::size_t>(frameNumber - 1);
        const std::size_t bytes = bytesPerLabel();
        const std::vector<std::uint8_t> raw = readBytes(index * pixels * bytes, pixels * bytes, index);
        std::vector<long> labels(pixels);
        for (std::size_t i = 0; i < pixels; ++i) {
            // Little endian, as every transfer syntax the node accepts stores pixel data.
            labels[i] = bytes == 2 ? raw[2 * i] | (raw[2 * i + 1] << 8) : raw[i];
        }
        return labels;
    }

    std::vector<std::uint8_t> readBytes(std::size_t offset, std::size_t count, std::size_t frameIndex) {
        std::vector<std::uint8_t> bytes(count + 1);
        OFCondition status;
        if (encapsulated_) {
            Uint32 fragment = 0;
            OFString colourModel;
            status = pixelData_->getUncompressedFrame(&dataset_, static_cast<Uint32>(frameIndex), fragment, bytes.data(),
                                                      static_cast<Uint32>(bytes.size()), colourModel, &cache_);
        } else {
            status = pixelData_->getPartialValue(bytes.data(), static_cast<Uint32>(offset), static_cast<Uint32>(count),
                                                 &cache_);
        }
        if (status.bad()) {
            throw LoadError(name_ + ": cannot read frame " + std::to_string(frameIndex + 1) + ": " + status.text());
        }
        bytes.resize(count);
        return bytes;
    }

    DcmDataset& dataset_;
    const SegHeader& seg_;
    const LoadOptions& options_;
    std::string name_;
    DcmPixelData* pixelData_ = nullptr;
    bool encapsulated_ = false;
    DcmFileCache cache_;
};

// A source image the SEG was drawn on, opened once.
struct SourceInstance {
    std::filesystem::path file;
    ImageGeometry geometry;
};

class SourceCatalogue {
public:
    SourceCatalogue(const InstanceFinder& find, std::string segName) : find_(find), segName_(std::move(segName)) {}

    const SourceInstance& get(const std::string& uid, const std::string& why) {
        const auto cached = instances_.find(uid);
        if (cached != instances_.end()) return cached->second;
        const auto path = find_(uid);
        if (!path) throw LoadError(segName_ + ": " + why + " references instance " + uid + ", which is not stored");
        SourceInstance source{*path, readImageGeometry(*path)};
        if (source.geometry.sopInstanceUid != uid) {
            throw LoadError(segName_ + ": the file stored for instance " + uid + " (" + path->string() +
                            ") holds instance " + source.geometry.sopInstanceUid);
        }
        if (!source.geometry.unsupportedVendorObject.empty()) {
            throw LoadError(segName_ + ": unsupported vendor object: instance " + uid + " is a " +
                            source.geometry.unsupportedVendorObject + "; it is never analysed as a 2D image");
        }
        return instances_.emplace(uid, std::move(source)).first->second;
    }

private:
    const InstanceFinder& find_;
    std::string segName_;
    std::map<std::string, SourceInstance> instances_;
};

bool spacingMatches(const std::array<double, 2>& a, const std::array<double, 2>& b) {
    for (int i = 0; i < 2; ++i) {
        if (std::abs(a[i] - b[i]) > 1e-4 + 1e-3 * std::max(a[i], b[i])) return false;
    }
    return true;
}

std::string spacingText(const std::array<double, 2>& s) {
    std::ostringstream text;
    text << s[0] << "\\" << s[1];
    return text.str();
}

double distance(const std::array<double, 3>& a, const std::array<double, 3>& b) {
    return std::sqrt((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) + (a[2] - b[2]) * (a[2] - b[2]));
}

// The SEG frame and the source frame it names must describe the same pixels.
void checkAgainstSource(const ImageGeometry& seg, const SegFrame& frame, const SourceInstance& source,
                        std::size_t sourceFrameIndex, const std::string& name) {
    const auto& g = source.geometry;
    const std::string pairText = name + " frame " + std::to_string(frame.number) + " and source " +
                                 g.sopInstanceUid + (g.frames > 1 ? " frame " + std::to_string(sourceFrameIndex + 1) : "");
    if (g.rows != seg.rows || g.columns != seg.columns) {
        throw LoadError(pairText + " differ in size: " + std::to_string(seg.columns) + " x " + std::to_string(seg.rows) +
                        " against " + std::to_string(g.columns) + " x " + std::to_string(g.rows));
    }
    if (!seg.frameOfReferenceUid.empty() && !g.frameOfReferenceUid.empty() &&
        seg.frameOfReferenceUid != g.frameOfReferenceUid) {
        throw LoadError(pairText + " lie in different frames of reference (" + seg.frameOfReferenceUid + " and " +
                        g.frameOfReferenceUid + ")");
    }
    const std::size_t segIndex = static_cast<std::size_t>(frame.number - 1);
    const auto declared = declaredSpacings(g);
    if (seg.pixelSpacing && !declared.empty() &&
        std::none_of(declared.begin(), declared.end(), [&](const auto& s) { return spacingMatches(s, *seg.pixelSpacing); })) {
        throw LoadError(pairText + " differ in pixel spacing: " + spacingText(*seg.pixelSpacing) + " against " +
                        spacingText(declared.front()));
    }
    const auto& segPosition = seg.framePositions[segIndex];
    const auto& sourcePosition = g.framePositions[sourceFrameIndex];
    if (segPosition && sourcePosition) {
        const double tolerance = 1e-3 + 0.05 * std::min(g.pixelSpacing ? (*g.pixelSpacing)[0] : 1.0,
                                                        g.pixelSpacing ? (*g.pixelSpacing)[1] : 1.0);
        if (distance(*segPosition, *sourcePosition) > tolerance) {
            throw LoadError(pairText + " lie in different planes (ImagePositionPatient " +
                            std::to_string(distance(*segPosition, *sourcePosition)) + " mm apart)");
        }
    }
}

// A SEG frame resolved to the source it lies on.
struct PlacedFrame {
    const SegFrame* frame = nullptr;
    const SourceInstance* source = nullptr;
    std::size_t sourceFrameIndex = 0; // 0-based
};

// A frame's mask, cut to its own bounding box so that a tall stack of large frames stays small.
struct MaskPatch {
    std::size_t slice = 0; // index in the stack (0 for a 2D image)
    std::size_t x0 = 0, y0 = 0, x1 = 0, y1 = 0;
    std::vector<std::uint8_t> inside; // (x1 - x0) * (y1 - y0)
};

std::optional<MaskPatch> patchOf(const std::vector<std::uint8_t>& inside, std::size_t columns, std::size_t rows,
                                 std::size_t slice) {
    MaskPatch patch;
    patch.slice = slice;
    patch.x0 = columns;
    patch.y0 = rows;
    for (std::size_t y = 0; y < rows; ++y) {
        for (std::size_t x = 0; x < columns; ++x) {
            if (!inside[y * columns + x]) continue;
            patch.x0 = std::min(patch.x0, x);
            patch.y0 = std::min(patch.y0, y);
            patch.x1 = std::max(patch.x1, x + 1);
            patch.y1 = std::max(patch.y1, y + 1);
        }
    }
    if (patch.x1 == 0) return std::nullopt;
    for (std::size_t y = patch.y0; y < patch.y1; ++y) {
        patch.inside.insert(patch.inside.end(), inside.begin() + static_cast<std::ptrdiff_t>(y * columns + patch.x0),
                            inside.begin() + static_cast<std::ptrdiff_t>(y * columns + patch.x1));
    }
    return patch;
}

void paint(analysis::Mask& mask, const MaskPatch& patch, std::size_t offsetX, std::size_t offsetY, std::size_t offsetZ) {
    const auto& g = mask.geometry;
    const std::size_t width = patch.x1 - patch.x0;
    for (std::size_t y = patch.y0; y < patch.y1; ++y) {
        for (std::size_t x = patch.x0; x < patch.x1; ++x) {
            if (!patch.inside[(y - patch.y0) * width + (x - patch.x0)]) continue;
            mask.voxels[g.offset(x - offsetX, y - offsetY, patch.slice - offsetZ)] = 1;
        }
    }
}

std::vector<SourceReference> referencesOf(const std::vector<PlacedFrame>& placed) {
    std::vector<SourceReference> references;
    for (const auto& p : placed) {
        const auto& g = p.source->geometry;
        auto found = std::find_if(references.begin(), references.end(),
                                  [&](const SourceReference& r) { return r.sopInstanceUid == g.sopInstanceUid; });
        if (found == references.end()) {
            references.push_back(SourceReference{g.sopClassUid, g.sopInstanceUid, g.seriesInstanceUid, {}});
            found = references.end() - 1;
        }
        const int frameNumber = static_cast<int>(p.sourceFrameIndex + 1);
        if (g.frames > 1 && std::find(found->frames.begin(), found->frames.end(), frameNumber) == found->frames.end()) {
            found->frames.push_back(frameNumber);
        }
    }
    for (auto& reference : references) std::sort(reference.frames.begin(), reference.frames.end());
    return references;
}

SegmentInput describe(const SegmentDescription& segment, const std::vector<PlacedFrame>& placed) {
    SegmentInput input;
    input.segmentNumber = segment.number;
    input.segmentLabel = segment.label;
    input.trackingId = segment.trackingId;
    input.trackingUid = segment.trackingUid;
    input.role = segment.role;
    const auto& g = placed.front().source->geometry;
    input.modality = g.modality;
    input.view = g.view;
    input.laterality = g.laterality;
    input.sources = referencesOf(placed);
    for (const auto& p : placed) input.segFrameNumbers.push_back(p.frame->number);
    std::sort(input.segFrameNumbers.begin(), input.segFrameNumbers.end());
    return input;
}

// One 2D image (or one frame of a cine loop) and the SEG frames drawn on it.
std::optional<SegmentInput> planarInput(const SegmentDescription& segment, const std::vector<PlacedFrame>& placed,
                                        SegFrameReader& reader) {
    const SourceInstance& source = *placed.front().source;
    const auto& g = source.geometry;
    const std::size_t frameIndex = placed.front().sourceFrameIndex;

    std::vector<std::uint8_t> inside(g.rows * g.columns, 0);
    for (const auto& p : placed) {
        const auto frame = reader.read(p.frame->number, segment.number);
        for (std::size_t i = 0; i < inside.size(); ++i) inside[i] |= frame[i];
    }
    const auto patch = patchOf(inside, g.columns, g.rows, 0);
    if (!patch) return std::nullopt;

    const PlaneSpacing spacing = g.isUltrasound() ? ultrasoundSpacing(g, patch->x0, patch->y0, patch->x1, patch->y1)
                                                  : planeSpacing(g);
    SegmentInput input = describe(segment, placed);
    input.volumetric = false;
    input.calibrated = spacing.calibrated;
    input.spacingSource = spacing.source;

    const GreyFrames grey = decodeGreyFrames(source.file, {static_cast<int>(frameIndex + 1)});
    input.image.geometry = planeGeometry(g, frameIndex, spacing);
    input.image.voxels = grey.values;
    input.image.storedType = grey.storedType;
    input.mask.geometry = input.image.geometry;
    input.mask.voxels.assign(inside.begin(), inside.end());
    return input;
}

// One slice of a volume: a frame of an enhanced object or a classic single-frame image.
struct Slice {
    const SourceInstance* source = nullptr;
    std::size_t frameIndex = 0;
};

std::size_t marginVoxels(double marginMm, double spacing) {
    return spacing > 0.0 ? static_cast<std::size_t>(std::ceil(marginMm / spacing)) : 0;
}

// A volume made of `slices`, cropped to the segment's frames plus the margin.
std::optional<SegmentInput> volumeInput(const SegmentDescription& segment, const std::vector<PlacedFrame>& placed,
                                        const std::vector<Slice>& slices, SegFrameReader& reader,
                                        const LoadOptions& options, const std::string& what) {
    const auto& first = slices.front().source->geometry;
    const auto orientation = first.frameOrientations[slices.front().frameIndex];
    const PlaneSpacing spacing = planeSpacing(first);
    if (!orientation || !spacing.calibrated) throw LoadError(what + ": the source volume has no plane orientation or spacing");

    std::vector<std::array<double, 3>> positions;
    for (const auto& slice : slices) {
        const auto& g = slice.source->geometry;
        const auto& o = g.frameOrientations[slice.frameIndex];
        if (g.rows != first.rows || g.columns != first.columns || !o || !g.framePositions[slice.frameIndex]) {
            throw LoadError(what + ": slice " + g.sopInstanceUid + " does not match the first slice's size or plane");
        }
        for (int i = 0; i < 6; ++i) {
            if (std::abs((*o)[i] - (*orientation)[i]) > 1e-4) {
                throw LoadError(what + ": slice " + g.sopInstanceUid + " has a different orientation");
            }
        }
        const PlaneSpacing sliceSpacing = planeSpacing(g);
        if (!spacingMatches({sliceSpacing.row, sliceSpacing.column}, {spacing.row, spacing.column})) {
            throw LoadError(what + ": slice " + g.sopInstanceUid + " has a different pixel spacing");
        }
        positions.push_back(*g.framePositions[slice.frameIndex]);
    }
    const SliceStack stack = stackSlices(*orientation, positions, first.columns, first.rows, spacing,
                                         first.spacingBetweenSlices ? first.spacingBetweenSlices : first.sliceThickness, what);
    std::vector<std::size_t> stackIndexOf(slices.size());
    for (std::size_t k = 0; k < stack.order.size(); ++k) stackIndexOf[stack.order[k]] = k;

    std::vector<MaskPatch> patches;
    for (const auto& p : placed) {
        const auto match = std::find_if(slices.begin(), slices.end(), [&](const Slice& s) {
            return s.source == p.source && s.frameIndex == p.sourceFrameIndex;
        });
        if (match == slices.end()) {
            throw LoadError(what + ": frame " + std::to_string(p.frame->number) + " lies on no slice of the volume");
        }
        const std::size_t k = stackIndexOf[static_cast<std::size_t>(match - slices.begin())];
        if (auto patch = patchOf(reader.read(p.frame->number, segment.number), first.columns, first.rows, k)) {
            patches.push_back(std::move(*patch));
        }
    }
    if (patches.empty()) return std::nullopt;

    analysis::IndexBox box{{first.columns, first.rows, slices.size()}, {0, 0, 0}};
    for (const auto& patch : patches) {
        box.lower = {std::min(box.lower[0], patch.x0), std::min(box.lower[1], patch.y0), std::min(box.lower[2], patch.slice)};
        box.upper = {std::max(box.upper[0], patch.x1), std::max(box.upper[1], patch.y1),
                     std::max(box.upper[2], patch.slice + 1)};
    }
    const std::array<std::size_t, 3> margin{marginVoxels(options.marginMm, spacing.column),
                                            marginVoxels(options.marginMm, spacing.row),
                                            marginVoxels(options.marginMm, stack.spacing)};
    for (int a = 0; a < 3; ++a) {
        box.lower[a] = box.lower[a] > margin[a] ? box.lower[a] - margin[a] : 0;
        box.upper[a] = std::min(stack.geometry.size[a], box.upper[a] + margin[a]);
    }

    SegmentInput input = describe(segment, placed);
    input.volumetric = true;
    input.calibrated = true;
    input.spacingSource = spacing.source;
    const auto grid = analysis::cropGeometry(stack.geometry, box);
    input.image.geometry = grid;
    input.image.voxels.resize(grid.voxelCount());
    input.mask.geometry = grid;
    input.mask.voxels.assign(grid.voxelCount(), 0);
    for (const auto& patch : patches) paint(input.mask, patch, box.lower[0], box.lower[1], box.lower[2]);

    // Decode slice by slice in stack order, one call per run of slices from the same file.
    const PixelWindow window{box.lower[0], box.lower[1], grid.size[0], grid.size[1]};
    const std::size_t sliceVoxels = grid.size[0] * grid.size[1];
    bool firstRun = true;
    for (std::size_t k = box.lower[2]; k < box.upper[2];) {
        const SourceInstance* file = slices[stack.order[k]].source;
        std::vector<int> frameNumbers;
        const std::size_t runStart = k;
        while (k < box.upper[2] && slices[stack.order[k]].source == file) {
            frameNumbers.push_back(static_cast<int>(slices[stack.order[k]].frameIndex + 1));
            ++k;
        }
        const GreyFrames grey = decodeGreyFrames(file->file, frameNumbers, window);
        std::copy(grey.values.begin(), grey.values.end(),
                  input.image.voxels.begin() + static_cast<std::ptrdiff_t>((runStart - box.lower[2]) * sliceVoxels));
        if (firstRun) input.image.storedType = grey.storedType;
        else if (grey.storedType != input.image.storedType) input.image.storedType = analysis::StoredType::Float64;
        firstRun = false;
    }
    return input;
}

// The slices of the volume a group of SEG frames lies on: every frame of an enhanced object,
// or every instance of the classic series that the SEG references plus those its frames name.
std::vector<Slice> volumeSlices(const std::vector<PlacedFrame>& group, const SegHeader& seg, SourceCatalogue& catalogue,
                                const std::string& what) {
    const SourceInstance* first = group.front().source;
    const auto& g = first->geometry;
    std::vector<Slice> slices;
    if (g.enhanced) {
        for (std::size_t f = 0; f < g.frames; ++f) slices.push_back(Slice{first, f});
        return slices;
    }
    std::vector<std::string> uids;
    for (const auto& uid : seg.referencedOrder) {
        if (seg.referenced.at(uid).seriesInstanceUid == g.seriesInstanceUid) uids.push_back(uid);
    }
    for (const auto& p : group) {
        const auto& uid = p.source->geometry.sopInstanceUid;
        if (std::find(uids.begin(), uids.end(), uid) == uids.end()) uids.push_back(uid);
    }
    for (const auto& uid : uids) {
        const SourceInstance& slice = catalogue.get(uid, "the referenced series " + g.seriesInstanceUid);
        if (slice.geometry.seriesInstanceUid != g.seriesInstanceUid ||
            slice.geometry.frameOfReferenceUid != g.frameOfReferenceUid || !slice.geometry.isVolumetric()) {
            throw LoadError(what + ": referenced instance " + uid +
                            " is not a slice of the same series and frame of reference");
        }
        slices.push_back(Slice{&slice, 0});
    }
    return slices;
}

// Finds which source and frame a SEG frame lies on, when the SEG does not say, by position
// among the referenced instances.
std::optional<PlacedFrame> placeByPosition(const ImageGeometry& segGeometry, const SegFrame& frame,
                                           const SegHeader& seg, SourceCatalogue& catalogue, const std::string& name) {
    const auto& position = segGeometry.framePositions[static_cast<std::size_t>(frame.number - 1)];
    if (!position) return std::nullopt;
    for (const auto& uid : seg.referencedOrder) {
        const SourceInstance& source = catalogue.get(uid, name + " ReferencedSeriesSequence");
        for (std::size_t f = 0; f < source.geometry.frames; ++f) {
            const auto& candidate = source.geometry.framePositions[f];
            if (candidate && distance(*candidate, *position) < 1e-2) return PlacedFrame{&frame, &source, f};
        }
    }
    return std::nullopt;
}

} // namespace

RoiRole roleFromPropertyType(const std::string& codingScheme, const std::string& codeValue) {
    if (codingScheme == "SCT") {
        if (codeValue == "108369006" || codeValue == "4147007") return RoiRole::Tumor;
        if (codeValue == "59441001") return RoiRole::LymphNode;
    } else if (codingScheme == "SRT" || codingScheme == "SNM3") {
        if (codeValue == "M-80000" || codeValue == "M-03000") return RoiRole::Tumor;
        if (codeValue == "T-C4000") return RoiRole::LymphNode;
    }
    return RoiRole::Other;
}

double contextMarginMm(const std::vector<double>& ringsMm, const analysis::ExtractionParams& params) {
    double margin = 0.0;
    for (double ring : ringsMm) margin = std::max(margin, ring);
    double filterReach = 0.0;
    for (const auto& type : params.imageTypes) {
        if (type.name == "Original") continue;
        filterReach = std::max(filterReach, 10.0);
        for (double sigma : type.settings.sigma) filterReach = std::max(filterReach, 4.0 * sigma);
    }
    // One more voxel's worth so that rounding never leaves a ring's outer voxels at the edge.
    return margin + filterReach + 1.0;
}

SegmentationInfo readSegmentationInfo(const std::filesystem::path& segFile) {
    const auto format = detail::loadDicomFile(segFile);
    const SegHeader seg = readHeader(*format->getDataset(), segFile, nullptr);
    SegmentationInfo info;
    info.sopInstanceUid = seg.sopInstanceUid;
    info.seriesInstanceUid = seg.seriesInstanceUid;
    info.studyInstanceUid = seg.studyInstanceUid;
    std::set<std::string> seen;
    for (const auto& uid : seg.referencedOrder) {
        if (seen.insert(uid).second) info.referencedInstanceUids.push_back(uid);
    }
    for (const auto& frame : seg.frames) {
        if (frame.source && seen.insert(frame.source->sopInstanceUid).second) {
            info.referencedInstanceUids.push_back(frame.source->sopInstanceUid);
        }
    }
    return info;
}

std::vector<SegmentInput> loadSegmentInputs(const std::filesystem::path& segFile, const InstanceFinder& findInstance,
                                            const LoadOptions& options) {
    registerDecoders();
    const auto format = detail::loadDicomFile(segFile);
    DcmDataset& dataset = *format->getDataset();
    const SegHeader seg = readHeader(dataset, segFile, &options);
    const std::string name = segName(segFile, seg.sopInstanceUid);
    const ImageGeometry segGeometry = readImageGeometry(segFile);
    SegFrameReader reader(dataset, seg, options, name);
    SourceCatalogue catalogue(findInstance, name);

    // Resolve every frame to its source first: a missing or mismatched source fails the whole
    // SEG before any pixel is decoded.
    std::map<int, std::vector<PlacedFrame>> framesBySegment;
    for (const auto& frame : seg.frames) {
        const std::string frameName = "frame " + std::to_string(frame.number);
        std::optional<PlacedFrame> placed;
        if (frame.source) {
            const SourceInstance& source = catalogue.get(frame.source->sopInstanceUid, frameName);
            int frameNumber = frame.source->frameNumber;
            if (frameNumber == 0) {
                if (source.geometry.frames > 1) {
                    throw LoadError(name + " " + frameName + " references multi-frame instance " +
                                    frame.source->sopInstanceUid + " without a ReferencedFrameNumber");
                }
                frameNumber = 1;
            }
            if (frameNumber < 1 || static_cast<std::size_t>(frameNumber) > source.geometry.frames) {
                throw LoadError(name + " " + frameName + " references frame " + std::to_string(frameNumber) +
                                " of instance " + frame.source->sopInstanceUid + ", which has " +
                                std::to_string(source.geometry.frames));
            }
            placed = PlacedFrame{&frame, &source, static_cast<std::size_t>(frameNumber - 1)};
        } else {
            placed = placeByPosition(segGeometry, frame, seg, catalogue, name);
            if (!placed) {
                throw LoadError(name + " " + frameName +
                                " names no source image and matches no referenced image by position");
            }
        }
        checkAgainstSource(segGeometry, frame, *placed->source, placed->sourceFrameIndex, name);
        if (!seg.labelMap) {
            framesBySegment[frame.segment].push_back(*placed);
            continue;
        }
        // A label map frame belongs to every segment whose number appears in it.
        for (long label : reader.labelsIn(frame.number)) {
            if (!seg.segments.count(static_cast<int>(label))) {
                throw LoadError(name + " " + frameName + " holds pixel value " + std::to_string(label) +
                                ", which is neither a SegmentNumber of the SegmentSequence nor the background (" +
                                std::to_string(seg.background) + ")");
            }
            framesBySegment[static_cast<int>(label)].push_back(*placed);
        }
    }

    std::vector<SegmentInput> inputs;
    for (const auto& [segmentNumber, placedFrames] : framesBySegment) {
        const SegmentDescription& segment = seg.segments.at(segmentNumber);
        // Group the segment's frames by what they were drawn on: one 2D frame, one enhanced
        // multi-frame volume, or one classic series.
        std::map<std::string, std::vector<PlacedFrame>> groups;
        for (const auto& p : placedFrames) {
            const auto& g = p.source->geometry;
            std::string key;
            if (!g.isVolumetric()) key = "plane " + g.sopInstanceUid + " " + std::to_string(p.sourceFrameIndex);
            else if (g.enhanced) key = "volume " + g.sopInstanceUid;
            else key = "series " + g.seriesInstanceUid + " " + g.frameOfReferenceUid;
            groups[key].push_back(p);
        }
        for (const auto& [key, group] : groups) {
            const auto& g = group.front().source->geometry;
            const std::string what = name + " segment " + std::to_string(segmentNumber) + " on " +
                                     (g.enhanced ? "instance " + g.sopInstanceUid : "series " + g.seriesInstanceUid);
            std::optional<SegmentInput> input;
            if (!g.isVolumetric()) {
                input = planarInput(segment, group, reader);
            } else {
                const std::vector<Slice> slices = volumeSlices(group, seg, catalogue, what);
                input = volumeInput(segment, group, slices, reader, options, what);
            }
            if (input) inputs.push_back(std::move(*input));
        }
    }
    if (inputs.empty()) throw LoadError(name + ": no segment has any pixel inside it");
    return inputs;
}

} // namespace radnode::dicom
