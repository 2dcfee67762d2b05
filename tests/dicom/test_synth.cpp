// Synthetic breast studies: reproducible bytes, the real IODs (checked by dciodvfy and by
// DCMTK's SEG reader), SEG frames that point at the right image, frame and position, and
// masks of the requested size over pixels that look like a lesion.
#include "dicom/synth.h"
#include "test_support.h"

#include <dcmtk/dcmdata/dctk.h>
#include <dcmtk/dcmseg/segdoc.h>
#include <dcmtk/dcmseg/segment.h>
#include <dcmtk/oflog/oflog.h>
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>

using radnode::dicom::SynthModality;
using radnode::dicom::SynthOptions;
using radnode::dicom::SynthStudy;
using radnode::dicom::writeSyntheticStudy;
using radnode::test::TempDir;

namespace {

std::string fileBytes(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    return bytes.str();
}

struct LoadedFile {
    DcmFileFormat file;
    DcmDataset& dataset() { return *file.getDataset(); }
};

std::unique_ptr<LoadedFile> load(const std::filesystem::path& path) {
    auto loaded = std::make_unique<LoadedFile>();
    const OFCondition status = loaded->file.loadFile(path.c_str());
    INFO(path.string());
    REQUIRE(status.good());
    return loaded;
}

std::string text(DcmItem& item, const DcmTagKey& tag, unsigned long position = 0) {
    OFString value;
    item.findAndGetOFString(tag, value, position);
    return value.c_str();
}

std::string allText(DcmItem& item, const DcmTagKey& tag) {
    OFString value;
    item.findAndGetOFStringArray(tag, value);
    return value.c_str();
}

DcmItem* child(DcmItem& item, const DcmTagKey& sequence, int index = 0) {
    DcmItem* found = nullptr;
    item.findAndGetSequenceItem(sequence, found, index);
    return found;
}

unsigned long itemCount(DcmItem& item, const DcmTagKey& sequence) {
    DcmSequenceOfItems* found = nullptr;
    if (item.findAndGetSequence(sequence, found).bad() || !found) return 0;
    return found->card();
}

Uint16 uint16(DcmItem& item, const DcmTagKey& tag) {
    Uint16 value = 0;
    item.findAndGetUint16(tag, value);
    return value;
}

// One SEG frame unpacked: 1 bit per pixel, frames back to back, LSB first.
std::vector<std::uint8_t> segFrame(DcmDataset& seg, unsigned frame) {
    const std::size_t pixels = static_cast<std::size_t>(uint16(seg, DCM_Rows)) * uint16(seg, DCM_Columns);
    const Uint8* packed = nullptr;
    unsigned long count = 0;
    seg.findAndGetUint8Array(DCM_PixelData, packed, &count);
    REQUIRE(packed);
    REQUIRE(((frame + 1) * pixels + 7) / 8 <= count);
    std::vector<std::uint8_t> mask(pixels, 0);
    for (std::size_t i = 0; i < pixels; ++i) {
        const std::size_t bit = frame * pixels + i;
        mask[i] = (packed[bit / 8] >> (bit % 8)) & 1u;
    }
    return mask;
}

// Share of mask pixels whose four neighbours are in the mask too: near 1 for a solid blob,
// low for scattered or mis-packed bits.
double interiorFraction(const std::vector<std::uint8_t>& mask, std::size_t columns) {
    std::size_t inside = 0, interior = 0;
    for (std::size_t i = 0; i < mask.size(); ++i) {
        if (!mask[i]) continue;
        ++inside;
        const std::size_t column = i % columns;
        if (i >= columns && i + columns < mask.size() && column > 0 && column + 1 < columns && mask[i - 1] &&
            mask[i + 1] && mask[i - columns] && mask[i + columns]) {
            ++interior;
        }
    }
    return inside ? static_cast<double>(interior) / inside : 0.0;
}

std::vector<std::string> dciodvfyErrors(const std::filesystem::path& file) {
    const auto result = radnode::test::runCommand("dciodvfy '" + file.string() + "' 2>&1");
    std::vector<std::string> errors;
    std::istringstream lines(result.output);
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind("Error", 0) == 0) errors.push_back(line);
    }
    return errors;
}

SynthOptions ultrasound(std::uint64_t seed) {
    SynthOptions options;
    options.modality = SynthModality::Ultrasound;
    options.seed = seed;
    return options;
}

SynthOptions tomosynthesis(std::uint64_t seed) {
    SynthOptions options;
    options.modality = SynthModality::Tomosynthesis;
    options.seed = seed;
    return options;
}

std::vector<std::filesystem::path> allFiles(const SynthStudy& study) {
    std::vector<std::filesystem::path> files = study.imageFiles;
    files.insert(files.end(), study.segFiles.begin(), study.segFiles.end());
    return files;
}

} // namespace

TEST_CASE("synth: the same options give the same bytes, another seed another patient and UIDs") {
    for (const SynthOptions& options : {ultrasound(7), tomosynthesis(7)}) {
        CAPTURE(radnode::dicom::toString(options.modality));
        TempDir first, second, third;
        const SynthStudy a = writeSyntheticStudy(options, first.path());
        const SynthStudy b = writeSyntheticStudy(options, second.path());
        const auto filesA = allFiles(a), filesB = allFiles(b);
        REQUIRE(filesA.size() == filesB.size());
        for (std::size_t i = 0; i < filesA.size(); ++i) {
            CHECK(filesA[i].filename() == filesB[i].filename());
            CHECK(fileBytes(filesA[i]) == fileBytes(filesB[i]));
        }

        SynthOptions other = options;
        other.seed = 8;
        const SynthStudy c = writeSyntheticStudy(other, third.path());
        CHECK(c.patientId != a.patientId);
        CHECK(c.accessionNumber != a.accessionNumber);
        CHECK(c.studyInstanceUid != a.studyInstanceUid);
        CHECK(c.imageSeriesInstanceUid != a.imageSeriesInstanceUid);
        CHECK(c.segSopInstanceUids != a.segSopInstanceUids);
        std::set<std::string> uids(a.imageSopInstanceUids.begin(), a.imageSopInstanceUids.end());
        for (const auto& uid : c.imageSopInstanceUids) CHECK(uids.count(uid) == 0);

        // The patient follows the seed alone; a different lesion size is another study.
        SynthOptions bigger = options;
        bigger.lesionDiameterMm = 18.0;
        TempDir fourth;
        const SynthStudy d = writeSyntheticStudy(bigger, fourth.path());
        CHECK(d.patientId == a.patientId);
        CHECK(d.studyInstanceUid != a.studyInstanceUid);
    }
}

// Pixels are made with integer and IEEE-exact arithmetic only, so they must not change
// between compilers, standard libraries or machines. If the generator is changed on purpose,
// update these digests (the failure message prints the new ones).
TEST_CASE("synth: the pixels of seed 1 are the same on every platform") {
    TempDir dir;
    const auto digest = [](const std::filesystem::path& path) {
        auto loaded = load(path);
        DcmElement* pixels = nullptr;
        REQUIRE(loaded->dataset().findAndGetElement(DCM_PixelData, pixels).good());
        Uint8* bytes = nullptr;
        REQUIRE(pixels->getUint8Array(bytes).good());
        std::uint64_t hash = 14695981039346656037ULL;  // FNV-1a
        for (Uint32 i = 0; i < pixels->getLength(); ++i) {
            hash ^= bytes[i];
            hash *= 1099511628211ULL;
        }
        return hash;
    };
    const SynthStudy us = writeSyntheticStudy(ultrasound(1), dir.path());
    const SynthStudy dbt = writeSyntheticStudy(tomosynthesis(1), dir.path());
    CHECK(digest(us.imageFiles[0]) == 5292569264416121653ULL);
    CHECK(digest(us.imageFiles[1]) == 8051245076753360456ULL);
    CHECK(digest(us.segFiles[0]) == 15294914787093722652ULL);
    CHECK(digest(dbt.imageFiles[0]) == 5547231909244186813ULL);
    CHECK(digest(dbt.segFiles[0]) == 4702657577981555701ULL);
}

TEST_CASE("synth: ultrasound images are US Image Storage, 8-bit, calibrated by their tissue region") {
    TempDir dir;
    SynthOptions options = ultrasound(3);
    options.laterality = "R";
    const SynthStudy study = writeSyntheticStudy(options, dir.path());
    REQUIRE(study.imageFiles.size() == 2);
    REQUIRE(study.segFiles.size() == 1);

    for (std::size_t i = 0; i < study.imageFiles.size(); ++i) {
        auto image = load(study.imageFiles[i]);
        DcmDataset& ds = image->dataset();
        CHECK(text(ds, DCM_SOPClassUID) == "1.2.840.10008.5.1.4.1.1.6.1");
        CHECK(text(ds, DCM_SOPInstanceUID) == study.imageSopInstanceUids[i]);
        CHECK(text(ds, DCM_StudyInstanceUID) == study.studyInstanceUid);
        CHECK(text(ds, DCM_SeriesInstanceUID) == study.imageSeriesInstanceUid);
        CHECK(text(ds, DCM_PatientID) == study.patientId);
        CHECK(text(ds, DCM_Modality) == "US");
        CHECK(text(ds, DCM_ImageLaterality) == "R");
        CHECK(text(ds, DCM_PhotometricInterpretation) == "MONOCHROME2");
        CHECK(uint16(ds, DCM_Rows) == 480);
        CHECK(uint16(ds, DCM_Columns) == 640);
        CHECK(uint16(ds, DCM_BitsAllocated) == 8);
        CHECK(image->file.getMetaInfo()->tagExists(DCM_TransferSyntaxUID));
        CHECK(text(*image->file.getMetaInfo(), DCM_TransferSyntaxUID) == UID_LittleEndianExplicitTransferSyntax);

        REQUIRE(itemCount(ds, DCM_SequenceOfUltrasoundRegions) == 2);
        DcmItem& tissue = *child(ds, DCM_SequenceOfUltrasoundRegions, 0);
        CHECK(uint16(tissue, DCM_RegionDataType) == 1);
        CHECK(uint16(tissue, DCM_PhysicalUnitsXDirection) == 3);
        CHECK(uint16(tissue, DCM_PhysicalUnitsYDirection) == 3);
        Float64 deltaX = 0, deltaY = 0;
        tissue.findAndGetFloat64(DCM_PhysicalDeltaX, deltaX);
        tissue.findAndGetFloat64(DCM_PhysicalDeltaY, deltaY);
        CHECK(deltaX == doctest::Approx(0.01));
        CHECK(deltaY == doctest::Approx(0.01));
        DcmItem& greyBar = *child(ds, DCM_SequenceOfUltrasoundRegions, 1);
        CHECK(uint16(greyBar, DCM_RegionDataType) == 12);
    }

    SynthOptions tumourOnly = ultrasound(3);
    tumourOnly.includeLymphNode = false;
    TempDir other;
    const SynthStudy single = writeSyntheticStudy(tumourOnly, other.path());
    CHECK(single.imageFiles.size() == 1);
    auto seg = load(single.segFiles.front());
    CHECK(itemCount(seg->dataset(), DCM_SegmentSequence) == 1);
}

TEST_CASE("synth: the ultrasound SEG points at both images, one segment each, masks where the lesions are") {
    TempDir dir;
    SynthOptions options = ultrasound(5);
    options.lesionDiameterMm = 15.0;
    options.metastaticNode = true;
    const SynthStudy study = writeSyntheticStudy(options, dir.path());
    auto seg = load(study.segFiles.front());
    DcmDataset& ds = seg->dataset();
    CHECK(text(ds, DCM_SOPClassUID) == "1.2.840.10008.5.1.4.1.1.66.4");
    CHECK(text(ds, DCM_SOPInstanceUID) == study.segSopInstanceUids.front());
    CHECK(text(ds, DCM_StudyInstanceUID) == study.studyInstanceUid);
    CHECK(text(ds, DCM_SegmentationType) == "BINARY");
    CHECK(text(ds, DCM_NumberOfFrames) == "2");

    REQUIRE(itemCount(ds, DCM_SegmentSequence) == 2);
    std::map<Uint16, std::string> propertyBySegment;
    for (int i = 0; i < 2; ++i) {
        DcmItem& segment = *child(ds, DCM_SegmentSequence, i);
        DcmItem* type = child(segment, DCM_SegmentedPropertyTypeCodeSequence);
        REQUIRE(type);
        CHECK(text(*type, DCM_CodingSchemeDesignator) == "SCT");
        propertyBySegment[uint16(segment, DCM_SegmentNumber)] = text(*type, DCM_CodeValue);
        CHECK_FALSE(text(segment, DCM_TrackingID).empty());
        CHECK(text(segment, DCM_TrackingUID).rfind("2.25.", 0) == 0);
    }
    CHECK(propertyBySegment[1] == "108369006");
    CHECK(propertyBySegment[2] == "59441001");

    DcmItem* series = child(ds, DCM_ReferencedSeriesSequence);
    REQUIRE(series);
    CHECK(text(*series, DCM_SeriesInstanceUID) == study.imageSeriesInstanceUid);
    CHECK(itemCount(*series, DCM_ReferencedInstanceSequence) == 2);

    REQUIRE(itemCount(ds, DCM_PerFrameFunctionalGroupsSequence) == 2);
    for (int frame = 0; frame < 2; ++frame) {
        CAPTURE(frame);
        DcmItem& perFrame = *child(ds, DCM_PerFrameFunctionalGroupsSequence, frame);
        DcmItem* derivation = child(perFrame, DCM_DerivationImageSequence);
        REQUIRE(derivation);
        DcmItem* source = child(*derivation, DCM_SourceImageSequence);
        REQUIRE(source);
        CHECK(text(*source, DCM_ReferencedSOPClassUID) == "1.2.840.10008.5.1.4.1.1.6.1");
        CHECK(text(*source, DCM_ReferencedSOPInstanceUID) == study.imageSopInstanceUids[frame]);
        DcmItem* identification = child(perFrame, DCM_SegmentIdentificationSequence);
        REQUIRE(identification);
        CHECK(uint16(*identification, DCM_ReferencedSegmentNumber) == frame + 1);

        // Both lesions are darker than the tissue around them, and the tumour's area matches
        // its nominal diameter (spicules and lobulation allowed for).
        auto image = load(study.imageFiles[frame]);
        const Uint8* pixels = nullptr;
        image->dataset().findAndGetUint8Array(DCM_PixelData, pixels);
        const auto mask = segFrame(ds, frame);
        double inside = 0, outside = 0;
        std::size_t insideCount = 0, outsideCount = 0;
        for (std::size_t i = 0; i < mask.size(); ++i) {
            const int row = static_cast<int>(i / 640), column = static_cast<int>(i % 640);
            if (mask[i]) {
                inside += pixels[i];
                ++insideCount;
            } else if (row > 100 && row < 300 && column > 100 && column < 600) {
                outside += pixels[i];
                ++outsideCount;
            }
        }
        REQUIRE(insideCount > 0);
        CHECK(interiorFraction(mask, 640) > 0.85);
        CHECK(inside / insideCount < 0.6 * (outside / outsideCount));
        if (frame == 0) {
            const double nominalAreaPixels = 3.14159265 * 75.0 * 75.0;  // 15 mm at 0.1 mm
            CHECK(insideCount > 0.75 * nominalAreaPixels);
            CHECK(insideCount < 1.5 * nominalAreaPixels);
        }
    }
}

TEST_CASE("synth: tomosynthesis is an enhanced multi-frame with its geometry in functional groups") {
    TempDir dir;
    SynthOptions options = tomosynthesis(11);
    options.view = "MLO";
    const SynthStudy study = writeSyntheticStudy(options, dir.path());
    REQUIRE(study.imageFiles.size() == 1);
    auto image = load(study.imageFiles.front());
    DcmDataset& ds = image->dataset();
    CHECK(text(ds, DCM_SOPClassUID) == "1.2.840.10008.5.1.4.1.1.13.1.3");
    CHECK(text(ds, DCM_Modality) == "MG");
    CHECK(text(ds, DCM_FrameOfReferenceUID) == study.frameOfReferenceUid);
    CHECK(uint16(ds, DCM_Rows) == 256);
    CHECK(uint16(ds, DCM_Columns) == 256);
    CHECK(uint16(ds, DCM_BitsAllocated) == 16);
    CHECK(uint16(ds, DCM_BitsStored) == 12);
    CHECK(text(ds, DCM_NumberOfFrames) == "30");
    DcmItem* view = child(ds, DCM_ViewCodeSequence);
    REQUIRE(view);
    CHECK(text(*view, DCM_CodeValue) == "399368009");

    DcmItem* shared = child(ds, DCM_SharedFunctionalGroupsSequence);
    REQUIRE(shared);
    DcmItem* measures = child(*shared, DCM_PixelMeasuresSequence);
    REQUIRE(measures);
    CHECK(allText(*measures, DCM_PixelSpacing) == "0.2\\0.2");
    CHECK(text(*measures, DCM_SliceThickness) == "1");
    DcmItem* orientation = child(*shared, DCM_PlaneOrientationSequence);
    REQUIRE(orientation);
    CHECK(allText(*orientation, DCM_ImageOrientationPatient) == "0\\-1\\0\\-0.707107\\0\\-0.707107");
    DcmItem* anatomy = child(*shared, DCM_FrameAnatomySequence);
    REQUIRE(anatomy);
    CHECK(text(*anatomy, DCM_FrameLaterality) == "L");

    REQUIRE(itemCount(ds, DCM_PerFrameFunctionalGroupsSequence) == 30);
    for (int frame : {0, 29}) {
        DcmItem& perFrame = *child(ds, DCM_PerFrameFunctionalGroupsSequence, frame);
        REQUIRE(child(perFrame, DCM_FrameContentSequence));
        REQUIRE(child(perFrame, DCM_PlanePositionSequence));
        REQUIRE(child(perFrame, DCM_XRay3DFrameTypeSequence));
    }
    // Frames 1 mm apart along the normal of the MLO plane.
    Float64 first[3], last[3];
    for (int i = 0; i < 3; ++i) {
        child(*child(ds, DCM_PerFrameFunctionalGroupsSequence, 0), DCM_PlanePositionSequence)
            ->findAndGetFloat64(DCM_ImagePositionPatient, first[i], i);
        child(*child(ds, DCM_PerFrameFunctionalGroupsSequence, 29), DCM_PlanePositionSequence)
            ->findAndGetFloat64(DCM_ImagePositionPatient, last[i], i);
    }
    const double dx = last[0] - first[0], dy = last[1] - first[1], dz = last[2] - first[2];
    CHECK(std::sqrt(dx * dx + dy * dy + dz * dz) == doctest::Approx(29.0).epsilon(1e-5));

    // The CC of the same seed joins the same study as another series, with its own files.
    SynthOptions cc = options;
    cc.view = "CC";
    const SynthStudy ccStudy = writeSyntheticStudy(cc, dir.path());
    CHECK(ccStudy.studyInstanceUid == study.studyInstanceUid);
    CHECK(ccStudy.accessionNumber == study.accessionNumber);
    CHECK(ccStudy.imageSeriesInstanceUid != study.imageSeriesInstanceUid);
    CHECK(ccStudy.segSeriesInstanceUid != study.segSeriesInstanceUid);
    CHECK(ccStudy.frameOfReferenceUid != study.frameOfReferenceUid);
    CHECK(ccStudy.imageFiles.front() != study.imageFiles.front());
    CHECK(ccStudy.segFiles.front() != study.segFiles.front());
    CHECK(std::filesystem::exists(study.segFiles.front()));
}

TEST_CASE("synth: the tomosynthesis SEG frames name their source frame, position and frame of reference") {
    TempDir dir;
    SynthOptions options = tomosynthesis(12);
    options.laterality = "R";
    const SynthStudy study = writeSyntheticStudy(options, dir.path());
    auto image = load(study.imageFiles.front());
    auto seg = load(study.segFiles.front());
    DcmDataset& imageDs = image->dataset();
    DcmDataset& ds = seg->dataset();
    CHECK(text(ds, DCM_FrameOfReferenceUID) == study.frameOfReferenceUid);
    REQUIRE(itemCount(ds, DCM_SegmentSequence) == 1);
    CHECK(text(*child(*child(ds, DCM_SegmentSequence), DCM_SegmentedPropertyTypeCodeSequence), DCM_CodeValue) ==
          "108369006");
    CHECK(allText(*child(*child(ds, DCM_SharedFunctionalGroupsSequence), DCM_PlaneOrientationSequence),
                  DCM_ImageOrientationPatient) ==
          allText(*child(*child(imageDs, DCM_SharedFunctionalGroupsSequence), DCM_PlaneOrientationSequence),
                  DCM_ImageOrientationPatient));

    const unsigned long frames = itemCount(ds, DCM_PerFrameFunctionalGroupsSequence);
    CHECK(text(ds, DCM_NumberOfFrames) == std::to_string(frames));
    // A 12 mm mass spans about 12 frames of 1 mm (spicules add a few).
    CHECK(frames >= 9);
    CHECK(frames <= 22);

    const Uint16* pixels = nullptr;
    imageDs.findAndGetUint16Array(DCM_PixelData, pixels);
    double inside = 0, outside = 0;
    std::size_t insideCount = 0, outsideCount = 0;
    for (unsigned long frame = 0; frame < frames; ++frame) {
        DcmItem& perFrame = *child(ds, DCM_PerFrameFunctionalGroupsSequence, static_cast<int>(frame));
        DcmItem* source = child(*child(perFrame, DCM_DerivationImageSequence), DCM_SourceImageSequence);
        REQUIRE(source);
        CHECK(text(*source, DCM_ReferencedSOPInstanceUID) == study.imageSopInstanceUids.front());
        const int sourceFrame = std::stoi(text(*source, DCM_ReferencedFrameNumber));
        REQUIRE(sourceFrame >= 1);
        REQUIRE(sourceFrame <= 30);
        const std::string segPosition = allText(*child(perFrame, DCM_PlanePositionSequence), DCM_ImagePositionPatient);
        DcmItem& sourceGroups = *child(imageDs, DCM_PerFrameFunctionalGroupsSequence, sourceFrame - 1);
        CHECK(segPosition == allText(*child(sourceGroups, DCM_PlanePositionSequence), DCM_ImagePositionPatient));

        const auto mask = segFrame(ds, frame);
        if (frame == frames / 2) CHECK(interiorFraction(mask, 256) > 0.8);
        const Uint16* slice = pixels + static_cast<std::size_t>(sourceFrame - 1) * 256 * 256;
        for (std::size_t i = 0; i < mask.size(); ++i) {
            (mask[i] ? inside : outside) += slice[i];
            ++(mask[i] ? insideCount : outsideCount);
        }
    }
    REQUIRE(insideCount > 0);
    CHECK(inside / insideCount > 1.3 * (outside / outsideCount));  // the mass is denser
}

TEST_CASE("synth: DCMTK's SEG reader accepts both SEGs") {
    // dcmiod warns that a SEG without Frame of Reference lacks one: the module is conditional
    // (required only without the Derivation Image group), and 2D ultrasound has none.
    OFLogger iodLogger = OFLog::getLogger("dcmtk.dcmiod");
    const auto previousLevel = iodLogger.getLogLevel();
    iodLogger.setLogLevel(OFLogger::ERROR_LOG_LEVEL);
    TempDir dir;
    for (const SynthOptions& options : {ultrasound(21), tomosynthesis(21)}) {
        const SynthStudy study = writeSyntheticStudy(options, dir.path());
        DcmSegmentation* segmentation = nullptr;
        const OFCondition status = DcmSegmentation::loadFile(study.segFiles.front().c_str(), segmentation);
        INFO(status.text());
        REQUIRE(status.good());
        std::unique_ptr<DcmSegmentation> owned(segmentation);
        CHECK(owned->getSegmentationType() == DcmSegTypes::ST_BINARY);
        CHECK(owned->getNumberOfSegments() == (options.modality == SynthModality::Ultrasound ? 2u : 1u));
        DcmSegment* tumour = owned->getSegment(1);
        REQUIRE(tumour);
        OFString code;
        tumour->getSegmentedPropertyTypeCode().getCodeValue(code);
        CHECK(code == "108369006");
        CHECK(owned->getNumberOfFrames() > 0);
    }
    iodLogger.setLogLevel(previousLevel);
}

TEST_CASE("synth: dciodvfy finds no error in any file") {
    if (!radnode::test::haveProgram("dciodvfy")) {
        MESSAGE("dciodvfy (dicom3tools) is not installed: IOD validation skipped");
        return;
    }
    TempDir dir;
    SynthOptions metastatic = ultrasound(31);
    metastatic.metastaticNode = true;
    metastatic.lesionDiameterMm = 25.0;
    SynthOptions rightCc = tomosynthesis(32);
    rightCc.laterality = "R";
    SynthOptions leftMlo = tomosynthesis(33);
    leftMlo.view = "MLO";
    leftMlo.lesionDiameterMm = 4.0;
    for (const SynthOptions& options : {metastatic, rightCc, leftMlo}) {
        for (const auto& file : allFiles(writeSyntheticStudy(options, dir.path()))) {
            CAPTURE(file.string());
            const auto errors = dciodvfyErrors(file);
            for (const auto& error : errors) MESSAGE(error);
            CHECK(errors.empty());
        }
    }
}

TEST_CASE("synth: bad options are refused with the reason") {
    TempDir dir;
    SynthOptions tooBig = ultrasound(1);
    tooBig.lesionDiameterMm = 60.0;
    CHECK_THROWS_AS(writeSyntheticStudy(tooBig, dir.path()), std::invalid_argument);
    SynthOptions badView = tomosynthesis(1);
    badView.view = "XCCL";
    CHECK_THROWS_WITH_AS(writeSyntheticStudy(badView, dir.path()), doctest::Contains("XCCL"), std::invalid_argument);
    SynthOptions badSide = ultrasound(1);
    badSide.laterality = "B";
    CHECK_THROWS_AS(writeSyntheticStudy(badSide, dir.path()), std::invalid_argument);
    CHECK(std::filesystem::is_empty(dir.path()));
}

TEST_CASE("synth: radnode synth writes the study and prints its files") {
    TempDir dir;
    const auto result = radnode::test::runCommand(std::string(RADNODE_BINARY) + " synth --modality us --seed 4 --no-node --out '" +
                                                  dir.path().string() + "' 2>&1");
    INFO(result.output);
    CHECK(result.exitCode == 0);
    std::size_t printed = 0;
    std::istringstream lines(result.output);
    for (std::string line; std::getline(lines, line);) {
        if (line.size() > 4 && line.compare(line.size() - 4, 4, ".dcm") == 0) {
            CHECK(std::filesystem::exists(line));
            ++printed;
        }
    }
    CHECK(printed == 2);  // tumour image and SEG

    const auto bad = radnode::test::runCommand(std::string(RADNODE_BINARY) + " synth --modality ct --out '" +
                                               dir.path().string() + "' 2>&1");
    CHECK(bad.exitCode == 2);
    CHECK(bad.output.find("ct") != std::string::npos);
}
