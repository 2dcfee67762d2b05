// Internal to the synthetic-study writers (dicom/synth_*.cpp): the study identity derived from
// the options, small DCMTK dataset helpers that throw with context, and the description of a
// SEG that the image writers hand to the segmentation writer.
#pragma once

#include "dicom/synth.h"

#include <dcmtk/dcmdata/dctk.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace radnode::dicom::synth {

// Fixed, clock-free dates and times of every synthetic study.
inline constexpr const char* kStudyDate = "20240301";
inline constexpr const char* kStudyTime = "093000";
inline constexpr const char* kSegmentationTime = "101500";
inline constexpr const char* kManufacturer = "radnode";
inline constexpr const char* kModelName = "radnode synth";
inline constexpr const char* kSoftwareVersion = "radnode synth 1";

// Who the patient is and which study this is. The patient follows the seed alone; the
// study follows the options except the tomosynthesis view, and series and instance UIDs
// follow all of them, so different options never reuse a UID.
struct Identity {
    std::string patientName, patientId, patientBirthDate, patientAge;
    std::string accessionNumber, studyId, studyInstanceUid, studyDescription;
    std::string uidKey;  // canonical text of the options, prefix of every series and instance UID
    std::string uid(const std::string& what) const;
};
Identity makeIdentity(const SynthOptions& options);

struct Code {
    std::string value, scheme, meaning;
};

// Dataset helpers: each throws std::runtime_error naming the tag when DCMTK refuses.
void putString(DcmItem& item, const DcmTagKey& tag, const std::string& value);
void putUint16(DcmItem& item, const DcmTagKey& tag, Uint16 value);
void putUint32(DcmItem& item, const DcmTagKey& tag, Uint32 value);
void putSint32(DcmItem& item, const DcmTagKey& tag, Sint32 value);
void putFloat64(DcmItem& item, const DcmTagKey& tag, Float64 value);
void putUint16s(DcmItem& item, const DcmTagKey& tag, const std::vector<Uint16>& values);
void putUint32s(DcmItem& item, const DcmTagKey& tag, const std::vector<Uint32>& values);
void putTagKey(DcmItem& item, const DcmTagKey& tag, const DcmTagKey& value);  // an AT attribute
void putEmpty(DcmItem& item, const DcmTagKey& tag);           // a type 2 attribute, zero length
void putEmptySequence(DcmItem& item, const DcmTagKey& tag);   // a type 2 sequence, no items
DcmItem& appendItem(DcmItem& item, const DcmTagKey& sequence); // creates the sequence if needed
void appendCode(DcmItem& item, const DcmTagKey& sequence, const Code& code);

// Decimal String text for one or several numbers ("0.2", "-25.6\0\12"), locale-free.
std::string decimalString(double value);
std::string decimalStrings(const std::vector<double>& values);

// Patient, General Study and Patient Study modules; SOP Common (class, instance, creation).
void writePatientAndStudy(DcmItem& dataset, const Identity& identity);
void writeSopCommon(DcmItem& dataset, const std::string& sopClassUid, const std::string& sopInstanceUid);
// General Equipment and Enhanced General Equipment (the same four attributes).
void writeEquipment(DcmItem& dataset);

// Saves with a fresh meta header in Explicit VR Little Endian; throws naming the file.
void saveFile(DcmFileFormat& file, const std::filesystem::path& path);

// Pixel spacing and, when the source has a patient coordinate system, the plane geometry.
struct SegGeometry {
    unsigned rows = 0, columns = 0;
    double rowSpacingMm = 0.0, columnSpacingMm = 0.0;  // PixelSpacing order: row, column
    double sliceThicknessMm = 0.0;                       // 0: not written (2D source)
    std::string frameOfReferenceUid;                     // empty: no patient coordinates
    std::array<double, 6> imageOrientation{};            // used with a Frame of Reference
};

struct SegSegment {
    Uint16 number = 1;
    std::string label;
    Code category, type;
    Code region;  // anatomic region, given the SEG's laterality as modifier
    std::string trackingId, trackingUid;
    std::array<Uint16, 3> displayCieLab{};  // RecommendedDisplayCIELabValue (scaled 0..65535)
};

// One SEG frame: the mask of one segment on one source frame.
struct SegFrame {
    std::string sourceSopClassUid, sourceSopInstanceUid;
    unsigned sourceFrameNumber = 0;  // 1-based in a multi-frame source; 0: single-frame source
    Uint16 segmentNumber = 1;
    std::vector<std::uint8_t> mask;  // rows * columns, row-major, non-zero = inside
    std::array<double, 3> imagePosition{};  // used with a Frame of Reference
};

struct SegDescription {
    std::string sourceSeriesInstanceUid, sourceSopClassUid;
    std::vector<std::string> sourceSopInstanceUids;  // every instance the frames point at
    std::string laterality;                          // "L" or "R", of the imaged side
    std::string sopInstanceUid, seriesInstanceUid, seriesNumber;
    SegGeometry geometry;
    std::vector<SegSegment> segments;
    std::vector<SegFrame> frames;
    // Written as a Label Map Segmentation (Sup 243): the frames on one source frame merge into
    // one 8-bit frame whose pixels hold segment numbers, 0 for background.
    bool labelMap = false;
};

// The two segment kinds the node recognises: SCT 108369006 Neoplasm and SCT 59441001 Lymph node.
SegSegment tumourSegment(const Identity& identity, Uint16 number);
SegSegment lymphNodeSegment(const Identity& identity, Uint16 number);

void writeSegmentation(const Identity& identity, const SegDescription& seg, const std::filesystem::path& path);

// The image writers fill `study` (files, UIDs) and describe the SEG to write.
SegDescription writeUltrasoundImages(const SynthOptions& options, const Identity& identity,
                                     const std::filesystem::path& outDir, SynthStudy& study);
SegDescription writeTomosynthesisImage(const SynthOptions& options, const Identity& identity,
                                       const std::filesystem::path& outDir, SynthStudy& study);

} // namespace radnode::dicom::synth
