// The SEG of a synthetic study: Segmentation Storage, BINARY, one frame per (segment, source
// frame) that the segment touches, each frame pointing at its source instance and frame; or
// Label Map Segmentation Storage (Sup 243), one 8-bit frame per source frame, pixel = segment.
#include "dicom/synth_internal.h"

#include <algorithm>
#include <map>
#include <stdexcept>

namespace radnode::dicom::synth {

namespace {
constexpr const char* kSegmentationStorage = "1.2.840.10008.5.1.4.1.1.66.4";
constexpr const char* kLabelMapSegmentationStorage = "1.2.840.10008.5.1.4.1.1.66.7";

// BINARY segmentation pixels: one bit per pixel, frames packed back to back without padding,
// first pixel in the least significant bit (PS3.5 8.1.1, PS3.3 C.8.20.2).
// PS3.3 C.10.7.1.1: L* 0..100 and a*, b* -128..127 scaled to 0..65535.
std::array<Uint16, 3> cieLab(double lightness, double a, double b) {
    return {static_cast<Uint16>(lightness / 100.0 * 65535.0 + 0.5),
            static_cast<Uint16>((a + 128.0) / 255.0 * 65535.0 + 0.5),
            static_cast<Uint16>((b + 128.0) / 255.0 * 65535.0 + 0.5)};
}

std::vector<Uint8> packFrames(const SegDescription& seg) {
    const std::size_t pixelsPerFrame = static_cast<std::size_t>(seg.geometry.rows) * seg.geometry.columns;
    const std::size_t bytes = (pixelsPerFrame * seg.frames.size() + 7) / 8;
    std::vector<Uint8> packed(bytes + bytes % 2, 0);  // even length
    std::size_t bit = 0;
    for (const SegFrame& frame : seg.frames) {
        if (frame.mask.size() != pixelsPerFrame) {
            throw std::logic_error("synthetic SEG: a frame mask has " + std::to_string(frame.mask.size()) +
                                   " pixels, expected " + std::to_string(pixelsPerFrame));
        }
        for (std::uint8_t inside : frame.mask) {
            if (inside) packed[bit / 8] |= static_cast<Uint8>(1u << (bit % 8));
            ++bit;
        }
    }
    return packed;
}

// Label map: the frames drawn on one source frame become one frame holding their segment
// numbers (the synthetic segments never overlap), in the order the source frames first appear.
std::vector<SegFrame> labelMapFrames(const SegDescription& seg) {
    std::vector<SegFrame> merged;
    for (const SegFrame& frame : seg.frames) {
        auto same = std::find_if(merged.begin(), merged.end(), [&](const SegFrame& m) {
            return m.sourceSopInstanceUid == frame.sourceSopInstanceUid && m.sourceFrameNumber == frame.sourceFrameNumber;
        });
        if (same == merged.end()) {
            SegFrame copy = frame;
            copy.segmentNumber = 0;
            copy.mask.assign(frame.mask.size(), 0);
            merged.push_back(std::move(copy));
            same = merged.end() - 1;
        }
        if (frame.segmentNumber > 255) throw std::logic_error("synthetic label map: segment number above 255");
        for (std::size_t i = 0; i < frame.mask.size(); ++i) {
            if (frame.mask[i]) same->mask[i] = static_cast<std::uint8_t>(frame.segmentNumber);
        }
    }
    return merged;
}

// LABELMAP pixels: one byte per pixel, frame after frame, even length.
std::vector<Uint8> labelMapPixels(const SegDescription& seg) {
    std::vector<Uint8> pixels;
    for (const SegFrame& frame : seg.frames) pixels.insert(pixels.end(), frame.mask.begin(), frame.mask.end());
    if (pixels.size() % 2) pixels.push_back(0);
    return pixels;
}

void writeSegmentSequence(DcmItem& dataset, const SegDescription& seg) {
    for (const SegSegment& segment : seg.segments) {
        DcmItem& item = appendItem(dataset, DCM_SegmentSequence);
        putUint16(item, DCM_SegmentNumber, segment.number);
        putString(item, DCM_SegmentLabel, segment.label);
        appendCode(item, DCM_SegmentedPropertyCategoryCodeSequence, segment.category);
        appendCode(item, DCM_SegmentedPropertyTypeCodeSequence, segment.type);
        putString(item, DCM_SegmentAlgorithmType, "MANUAL");
        putString(item, DCM_TrackingID, segment.trackingId);
        putString(item, DCM_TrackingUID, segment.trackingUid);
        putUint16s(item, DCM_RecommendedDisplayCIELabValue,
                   {segment.displayCieLab[0], segment.displayCieLab[1], segment.displayCieLab[2]});
        // Where: the region with the side as modifier (the SEG has no Image Laterality).
        DcmItem& region = appendItem(item, DCM_AnatomicRegionSequence);
        putString(region, DCM_CodeValue, segment.region.value);
        putString(region, DCM_CodingSchemeDesignator, segment.region.scheme);
        putString(region, DCM_CodeMeaning, segment.region.meaning);
        appendCode(region, DCM_AnatomicRegionModifierSequence,
                   seg.laterality == "L" ? Code{"7771000", "SCT", "Left"} : Code{"24028007", "SCT", "Right"});
    }
}

// With patient geometry the frames are indexed by segment and by stack position (the rank of
// the source frame among those the SEG covers); without it, by segment alone.
void writeDimensions(DcmItem& dataset, const SegDescription& seg, const std::string& organizationUid) {
    putString(appendItem(dataset, DCM_DimensionOrganizationSequence), DCM_DimensionOrganizationUID, organizationUid);
    if (seg.labelMap) {
        // One frame per source frame: indexed by its place in one stack.
        for (const DcmTagKey& pointer : {DCM_StackID, DCM_InStackPositionNumber}) {
            DcmItem& index = appendItem(dataset, DCM_DimensionIndexSequence);
            putString(index, DCM_DimensionOrganizationUID, organizationUid);
            putTagKey(index, DCM_DimensionIndexPointer, pointer);
            putTagKey(index, DCM_FunctionalGroupPointer, DCM_FrameContentSequence);
        }
        return;
    }
    DcmItem& bySegment = appendItem(dataset, DCM_DimensionIndexSequence);
    putString(bySegment, DCM_DimensionOrganizationUID, organizationUid);
    putTagKey(bySegment, DCM_DimensionIndexPointer, DCM_ReferencedSegmentNumber);
    putTagKey(bySegment, DCM_FunctionalGroupPointer, DCM_SegmentIdentificationSequence);
    putString(bySegment, DCM_DimensionDescriptionLabel, "ReferencedSegmentNumber");
    if (!seg.geometry.frameOfReferenceUid.empty()) {
        DcmItem& byPosition = appendItem(dataset, DCM_DimensionIndexSequence);
        putString(byPosition, DCM_DimensionOrganizationUID, organizationUid);
        putTagKey(byPosition, DCM_DimensionIndexPointer, DCM_ImagePositionPatient);
        putTagKey(byPosition, DCM_FunctionalGroupPointer, DCM_PlanePositionSequence);
        putString(byPosition, DCM_DimensionDescriptionLabel, "ImagePositionPatient");
    }
}

void writeFunctionalGroups(DcmItem& dataset, const SegDescription& seg) {
    const SegGeometry& geometry = seg.geometry;
    const bool hasPatientGeometry = !geometry.frameOfReferenceUid.empty();

    DcmItem& shared = appendItem(dataset, DCM_SharedFunctionalGroupsSequence);
    DcmItem& measures = appendItem(shared, DCM_PixelMeasuresSequence);
    putString(measures, DCM_PixelSpacing, decimalStrings({geometry.rowSpacingMm, geometry.columnSpacingMm}));
    if (geometry.sliceThicknessMm > 0.0) {
        putString(measures, DCM_SliceThickness, decimalString(geometry.sliceThicknessMm));
    }
    if (hasPatientGeometry) {
        putString(appendItem(shared, DCM_PlaneOrientationSequence), DCM_ImageOrientationPatient,
                  decimalStrings({geometry.imageOrientation.begin(), geometry.imageOrientation.end()}));
    }

    std::map<unsigned, Uint32> stackRank;  // source frame number -> 1-based rank
    for (const SegFrame& frame : seg.frames) stackRank[frame.sourceFrameNumber] = 0;
    Uint32 rank = 0;
    for (auto& entry : stackRank) entry.second = ++rank;

    Uint32 stackPosition = 0;
    for (const SegFrame& frame : seg.frames) {
        DcmItem& perFrame = appendItem(dataset, DCM_PerFrameFunctionalGroupsSequence);
        ++stackPosition;

        DcmItem& derivation = appendItem(perFrame, DCM_DerivationImageSequence);
        appendCode(derivation, DCM_DerivationCodeSequence, {"113076", "DCM", "Segmentation"});
        DcmItem& source = appendItem(derivation, DCM_SourceImageSequence);
        putString(source, DCM_ReferencedSOPClassUID, frame.sourceSopClassUid);
        putString(source, DCM_ReferencedSOPInstanceUID, frame.sourceSopInstanceUid);
        if (frame.sourceFrameNumber > 0) {
            putString(source, DCM_ReferencedFrameNumber, std::to_string(frame.sourceFrameNumber));
        }
        appendCode(source, DCM_PurposeOfReferenceCodeSequence,
                   {"121322", "DCM", "Source image for image processing operation"});
        putString(source, DCM_SpatialLocationsPreserved, "YES");

        DcmItem& content = appendItem(perFrame, DCM_FrameContentSequence);
        if (seg.labelMap) {
            putUint32s(content, DCM_DimensionIndexValues, {1u, stackPosition});
            putString(content, DCM_StackID, "1");
            putUint32(content, DCM_InStackPositionNumber, stackPosition);
            if (hasPatientGeometry) {
                putString(appendItem(perFrame, DCM_PlanePositionSequence), DCM_ImagePositionPatient,
                          decimalStrings({frame.imagePosition.begin(), frame.imagePosition.end()}));
            }
            continue; // a label map frame holds every segment: no Segment Identification
        } else if (hasPatientGeometry) {
            putUint32s(content, DCM_DimensionIndexValues, {frame.segmentNumber, stackRank[frame.sourceFrameNumber]});
            putString(appendItem(perFrame, DCM_PlanePositionSequence), DCM_ImagePositionPatient,
                      decimalStrings({frame.imagePosition.begin(), frame.imagePosition.end()}));
        } else {
            putUint32s(content, DCM_DimensionIndexValues, {frame.segmentNumber});
        }

        putUint16(appendItem(perFrame, DCM_SegmentIdentificationSequence), DCM_ReferencedSegmentNumber,
                  frame.segmentNumber);
    }
}

void writeReferencedSeries(DcmItem& dataset, const SegDescription& seg) {
    DcmItem& series = appendItem(dataset, DCM_ReferencedSeriesSequence);
    putString(series, DCM_SeriesInstanceUID, seg.sourceSeriesInstanceUid);
    for (const std::string& instance : seg.sourceSopInstanceUids) {
        DcmItem& item = appendItem(series, DCM_ReferencedInstanceSequence);
        putString(item, DCM_ReferencedSOPClassUID, seg.sourceSopClassUid);
        putString(item, DCM_ReferencedSOPInstanceUID, instance);
    }
}
} // namespace

SegSegment tumourSegment(const Identity& identity, Uint16 number) {
    return {number, "Tumour", {"49755003", "SCT", "Morphologically Altered Structure"},
            {"108369006", "SCT", "Neoplasm"}, {"76752008", "SCT", "Breast"}, "Tumour",
            identity.uid("tracking/tumour"), cieLab(53.0, 80.0, 67.0)};
}

SegSegment lymphNodeSegment(const Identity& identity, Uint16 number) {
    return {number, "Axillary lymph node", {"91723000", "SCT", "Anatomical Structure"},
            {"59441001", "SCT", "Lymph node"}, {"91470000", "SCT", "Axilla"}, "Axillary lymph node",
            identity.uid("tracking/node"), cieLab(88.0, -86.0, 83.0)};
}

void writeSegmentation(const Identity& identity, const SegDescription& description, const std::filesystem::path& path) {
    if (description.frames.empty()) throw std::logic_error("synthetic SEG: no frame to write");
    SegDescription seg = description;
    if (seg.labelMap) seg.frames = labelMapFrames(description);

    DcmFileFormat file;
    DcmDataset& dataset = *file.getDataset();
    writeSopCommon(dataset, seg.labelMap ? kLabelMapSegmentationStorage : kSegmentationStorage, seg.sopInstanceUid);
    writePatientAndStudy(dataset, identity);

    // General Series and Segmentation Series.
    putString(dataset, DCM_Modality, "SEG");
    putString(dataset, DCM_SeriesInstanceUID, seg.seriesInstanceUid);
    putString(dataset, DCM_SeriesNumber, seg.seriesNumber);
    putString(dataset, DCM_SeriesDate, kStudyDate);
    putString(dataset, DCM_SeriesTime, kSegmentationTime);
    putString(dataset, DCM_SeriesDescription, "SYNTHETIC ground truth segmentation");
    putString(dataset, DCM_BodyPartExamined, "BREAST");

    if (!seg.geometry.frameOfReferenceUid.empty()) {
        putString(dataset, DCM_FrameOfReferenceUID, seg.geometry.frameOfReferenceUid);
        putEmpty(dataset, DCM_PositionReferenceIndicator);
    }
    writeEquipment(dataset);

    // General Image, Multi-frame Functional Groups, Segmentation Image.
    putString(dataset, DCM_InstanceNumber, "1");
    putString(dataset, DCM_ContentDate, kStudyDate);
    putString(dataset, DCM_ContentTime, kSegmentationTime);
    if (seg.geometry.frameOfReferenceUid.empty()) putEmpty(dataset, DCM_PatientOrientation);
    putString(dataset, DCM_ImageType, "DERIVED\\PRIMARY");
    putString(dataset, DCM_ContentLabel, "GROUND_TRUTH");
    putString(dataset, DCM_ContentDescription, "Synthetic lesion masks");
    putString(dataset, DCM_ContentCreatorName, "RADNODE^SYNTH");
    putString(dataset, DCM_SegmentationType, seg.labelMap ? "LABELMAP" : "BINARY");
    putString(dataset, DCM_LossyImageCompression, "00");
    writeSegmentSequence(dataset, seg);

    // Image Pixel.
    putUint16(dataset, DCM_SamplesPerPixel, 1);
    putString(dataset, DCM_PhotometricInterpretation, "MONOCHROME2");
    putUint16(dataset, DCM_Rows, static_cast<Uint16>(seg.geometry.rows));
    putUint16(dataset, DCM_Columns, static_cast<Uint16>(seg.geometry.columns));
    const Uint16 bits = seg.labelMap ? 8 : 1;
    putUint16(dataset, DCM_BitsAllocated, bits);
    putUint16(dataset, DCM_BitsStored, bits);
    putUint16(dataset, DCM_HighBit, static_cast<Uint16>(bits - 1));
    putUint16(dataset, DCM_PixelRepresentation, 0);
    if (seg.labelMap) {
        // Background: pixel value 0 (Sup 243 names it through Pixel Padding Value).
        if (dataset.putAndInsertUint16(DcmTag(DCM_PixelPaddingValue, EVR_US), 0).bad()) {
            throw std::runtime_error("synthetic SEG: cannot write PixelPaddingValue");
        }
    }
    putString(dataset, DCM_NumberOfFrames, std::to_string(seg.frames.size()));

    writeDimensions(dataset, seg, identity.uid("seg/dimension-organization"));
    writeFunctionalGroups(dataset, seg);
    writeReferencedSeries(dataset, seg);

    const std::vector<Uint8> pixels = seg.labelMap ? labelMapPixels(seg) : packFrames(seg);
    const OFCondition status =
        dataset.putAndInsertUint8Array(DCM_PixelData, pixels.data(), static_cast<unsigned long>(pixels.size()));
    if (status.bad()) throw std::runtime_error("synthetic SEG: cannot store pixel data: " + std::string(status.text()));
    saveFile(file, path);
}

} // namespace radnode::dicom::synth
