// SEG -> source matching and analysis input: the real CT liver SEG, SEGs written here around
// the real ultrasound, X-ray and MR files (bit packing across byte boundaries, FRACTIONAL,
// roles, cine frames, enhanced volumes), every refusal with the UIDs at fault, and the
// project's synthetic breast ultrasound and tomosynthesis studies.
#include "dicom/segmentation.h"
#include "analysis/extractor.h"
#include "analysis/peritumoral.h"
#include "dicom/geometry.h"
#include "dicom/pixel_decoder.h"
#include "dicom/synth.h"
#include "dicom/uid.h"
#include "test_support.h"

#include <dcmtk/dcmdata/dctk.h>
#include <doctest/doctest.h>

#include <bitset>
#include <cmath>
#include <fstream>
#include <map>
#include <set>

using namespace radnode::dicom;
using radnode::test::TempDir;

namespace {

std::filesystem::path dataFile(const std::string& relative) {
    return std::filesystem::path(RADNODE_TEST_DATA_DIR) / "dicom" / relative;
}

// A finder over a fixed set of files, keyed by the UID each file holds.
InstanceFinder finderOf(const std::vector<std::filesystem::path>& files) {
    std::map<std::string, std::filesystem::path> byUid;
    for (const auto& file : files) byUid[readImageGeometry(file).sopInstanceUid] = file;
    return [byUid](const std::string& uid) -> std::optional<std::filesystem::path> {
        const auto found = byUid.find(uid);
        if (found == byUid.end()) return std::nullopt;
        return found->second;
    };
}

std::vector<std::filesystem::path> ctSlices() {
    return {dataFile("seg/ct-3slice/01.dcm"), dataFile("seg/ct-3slice/02.dcm"), dataFile("seg/ct-3slice/03.dcm")};
}

std::size_t popcount(const std::filesystem::path& seg) {
    DcmFileFormat file;
    REQUIRE(file.loadFile(seg.c_str()).good());
    const Uint8* bytes = nullptr;
    unsigned long count = 0;
    REQUIRE(file.getDataset()->findAndGetUint8Array(DCM_PixelData, bytes, &count).good());
    std::size_t ones = 0;
    for (unsigned long i = 0; i < count; ++i) ones += std::bitset<8>(bytes[i]).count();
    return ones;
}

// --- A small SEG writer, enough to put masks on the real test images. ---

struct TestSegment {
    int number = 1;
    std::string label = "lesion";
    std::string scheme = "SCT", code = "108369006", meaning = "Neoplasm";
};

struct TestFrame {
    int segment = 1;
    std::string sourceClassUid, sourceUid; // empty: no derivation reference
    int sourceFrame = 0;                   // 0: no ReferencedFrameNumber
    std::vector<std::uint8_t> values;      // rows * columns: 0/1, or 0..max for FRACTIONAL, or 8-bit labels
    std::optional<std::string> position;   // ImagePositionPatient
};

struct TestSeg {
    std::size_t rows = 0, columns = 0;
    bool fractional = false;
    // LABELMAP (Label Map Segmentation Storage): frame values are segment numbers, stored in
    // `labelBits` bits; `padding` is written as PixelPaddingValue. Frames name no segment.
    bool labelMap = false;
    int labelBits = 8;
    std::optional<int> padding;
    std::vector<std::vector<std::uint16_t>> wideLabels; // per frame, when labelBits is 16
    std::string pixelSpacing;     // empty: no Pixel Measures
    std::string orientation;      // empty: no Plane Orientation
    std::string frameOfReference; // empty: none
    std::vector<TestSegment> segments{TestSegment{}};
    std::vector<TestFrame> frames;
    std::vector<std::pair<std::string, std::string>> referenced; // SOP class, SOP instance
    std::string referencedSeries = "1.2.3.5";
};

void putCode(DcmItem& parent, const DcmTagKey& sequence, const std::string& scheme, const std::string& value,
             const std::string& meaning) {
    DcmItem* code = nullptr;
    REQUIRE(parent.findOrCreateSequenceItem(sequence, code, 0).good());
    code->putAndInsertString(DCM_CodeValue, value.c_str());
    code->putAndInsertString(DCM_CodingSchemeDesignator, scheme.c_str());
    code->putAndInsertString(DCM_CodeMeaning, meaning.c_str());
}

std::string writeSeg(const TestSeg& spec, const std::filesystem::path& path) {
    DcmFileFormat file;
    DcmDataset& ds = *file.getDataset();
    const std::string uid = newUid();
    ds.putAndInsertString(DCM_SOPClassUID, spec.labelMap ? "1.2.840.10008.5.1.4.1.1.66.7" : "1.2.840.10008.5.1.4.1.1.66.4");
    ds.putAndInsertString(DCM_SOPInstanceUID, uid.c_str());
    ds.putAndInsertString(DCM_StudyInstanceUID, "1.2.3.4");
    ds.putAndInsertString(DCM_SeriesInstanceUID, newUid().c_str());
    ds.putAndInsertString(DCM_Modality, "SEG");
    if (!spec.frameOfReference.empty()) ds.putAndInsertString(DCM_FrameOfReferenceUID, spec.frameOfReference.c_str());
    ds.putAndInsertString(DCM_SegmentationType, spec.labelMap ? "LABELMAP" : spec.fractional ? "FRACTIONAL" : "BINARY");
    if (spec.padding) ds.putAndInsertUint16(DcmTag(DCM_PixelPaddingValue, EVR_US), static_cast<Uint16>(*spec.padding));
    if (spec.fractional) {
        ds.putAndInsertString(DCM_SegmentationFractionalType, "PROBABILITY");
        ds.putAndInsertUint16(DCM_MaximumFractionalValue, 200);
    }
    ds.putAndInsertUint16(DCM_Rows, static_cast<Uint16>(spec.rows));
    ds.putAndInsertUint16(DCM_Columns, static_cast<Uint16>(spec.columns));
    ds.putAndInsertString(DCM_NumberOfFrames, std::to_string(spec.frames.size()).c_str());
    ds.putAndInsertUint16(DCM_SamplesPerPixel, 1);
    ds.putAndInsertString(DCM_PhotometricInterpretation, "MONOCHROME2");
    const Uint16 bits = spec.labelMap ? static_cast<Uint16>(spec.labelBits) : spec.fractional ? 8 : 1;
    ds.putAndInsertUint16(DCM_BitsAllocated, bits);
    ds.putAndInsertUint16(DCM_BitsStored, bits);
    ds.putAndInsertUint16(DCM_HighBit, static_cast<Uint16>(bits - 1));
    ds.putAndInsertUint16(DCM_PixelRepresentation, 0);
    for (std::size_t i = 0; i < spec.segments.size(); ++i) {
        DcmItem* item = nullptr;
        REQUIRE(ds.findOrCreateSequenceItem(DCM_SegmentSequence, item, static_cast<signed long>(i)).good());
        item->putAndInsertUint16(DCM_SegmentNumber, static_cast<Uint16>(spec.segments[i].number));
        item->putAndInsertString(DCM_SegmentLabel, spec.segments[i].label.c_str());
        item->putAndInsertString(DCM_TrackingID, ("lesion " + std::to_string(spec.segments[i].number)).c_str());
        item->putAndInsertString(DCM_TrackingUID, ("1.2.3.9." + std::to_string(spec.segments[i].number)).c_str());
        putCode(*item, DCM_SegmentedPropertyCategoryCodeSequence, "SCT", "49755003", "Morphologically abnormal structure");
        putCode(*item, DCM_SegmentedPropertyTypeCodeSequence, spec.segments[i].scheme, spec.segments[i].code,
                spec.segments[i].meaning);
    }
    if (!spec.referenced.empty()) {
        DcmItem* series = nullptr;
        REQUIRE(ds.findOrCreateSequenceItem(DCM_ReferencedSeriesSequence, series, 0).good());
        series->putAndInsertString(DCM_SeriesInstanceUID, spec.referencedSeries.c_str());
        for (std::size_t i = 0; i < spec.referenced.size(); ++i) {
            DcmItem* instance = nullptr;
            REQUIRE(series->findOrCreateSequenceItem(DCM_ReferencedInstanceSequence, instance, static_cast<signed long>(i))
                        .good());
            instance->putAndInsertString(DCM_ReferencedSOPClassUID, spec.referenced[i].first.c_str());
            instance->putAndInsertString(DCM_ReferencedSOPInstanceUID, spec.referenced[i].second.c_str());
        }
    }
    DcmItem* shared = nullptr;
    REQUIRE(ds.findOrCreateSequenceItem(DCM_SharedFunctionalGroupsSequence, shared, 0).good());
    if (!spec.pixelSpacing.empty()) {
        DcmItem* measures = nullptr;
        REQUIRE(shared->findOrCreateSequenceItem(DCM_PixelMeasuresSequence, measures, 0).good());
        measures->putAndInsertString(DCM_PixelSpacing, spec.pixelSpacing.c_str());
        measures->putAndInsertString(DCM_SliceThickness, "1");
    }
    if (!spec.orientation.empty()) {
        DcmItem* plane = nullptr;
        REQUIRE(shared->findOrCreateSequenceItem(DCM_PlaneOrientationSequence, plane, 0).good());
        plane->putAndInsertString(DCM_ImageOrientationPatient, spec.orientation.c_str());
    }
    std::vector<std::uint8_t> pixels;
    std::size_t bit = 0;
    for (std::size_t f = 0; f < spec.frames.size(); ++f) {
        const auto& frame = spec.frames[f];
        DcmItem* item = nullptr;
        REQUIRE(ds.findOrCreateSequenceItem(DCM_PerFrameFunctionalGroupsSequence, item, static_cast<signed long>(f)).good());
        if (!spec.labelMap) {
            DcmItem* identification = nullptr;
            REQUIRE(item->findOrCreateSequenceItem(DCM_SegmentIdentificationSequence, identification, 0).good());
            identification->putAndInsertUint16(DCM_ReferencedSegmentNumber, static_cast<Uint16>(frame.segment));
        } else {
            DcmItem* content = nullptr; // a label map frame is indexed by position, not segment
            REQUIRE(item->findOrCreateSequenceItem(DCM_FrameContentSequence, content, 0).good());
        }
        if (!frame.sourceUid.empty()) {
            DcmItem* derivation = nullptr;
            REQUIRE(item->findOrCreateSequenceItem(DCM_DerivationImageSequence, derivation, 0).good());
            DcmItem* source = nullptr;
            REQUIRE(derivation->findOrCreateSequenceItem(DCM_SourceImageSequence, source, 0).good());
            source->putAndInsertString(DCM_ReferencedSOPClassUID, frame.sourceClassUid.c_str());
            source->putAndInsertString(DCM_ReferencedSOPInstanceUID, frame.sourceUid.c_str());
            if (frame.sourceFrame > 0) {
                source->putAndInsertString(DCM_ReferencedFrameNumber, std::to_string(frame.sourceFrame).c_str());
            }
        }
        if (frame.position) {
            DcmItem* position = nullptr;
            REQUIRE(item->findOrCreateSequenceItem(DCM_PlanePositionSequence, position, 0).good());
            position->putAndInsertString(DCM_ImagePositionPatient, frame.position->c_str());
        }
        REQUIRE((spec.labelBits == 16 && spec.labelMap ? spec.wideLabels.at(f).size() : frame.values.size()) ==
                spec.rows * spec.columns);
        if (spec.labelMap && spec.labelBits == 16) {
            for (std::uint16_t value : spec.wideLabels.at(f)) { // little endian
                pixels.push_back(static_cast<std::uint8_t>(value & 0xFF));
                pixels.push_back(static_cast<std::uint8_t>(value >> 8));
            }
        } else if (spec.fractional || spec.labelMap) {
            pixels.insert(pixels.end(), frame.values.begin(), frame.values.end());
        } else {
            for (std::uint8_t value : frame.values) { // packed across frames, LSB first
                if (bit % 8 == 0) pixels.push_back(0);
                if (value) pixels.back() |= static_cast<std::uint8_t>(1u << (bit % 8));
                ++bit;
            }
        }
    }
    if (pixels.size() % 2) pixels.push_back(0);
    ds.putAndInsertUint8Array(DCM_PixelData, pixels.data(), static_cast<unsigned long>(pixels.size()));
    REQUIRE(file.saveFile(path.c_str(), EXS_LittleEndianExplicit).good());
    return uid;
}

// A filled disc (or rectangle) of ones on a rows x columns frame.
std::vector<std::uint8_t> disc(std::size_t columns, std::size_t rows, double cx, double cy, double radius) {
    std::vector<std::uint8_t> values(rows * columns, 0);
    for (std::size_t y = 0; y < rows; ++y) {
        for (std::size_t x = 0; x < columns; ++x) {
            const double dx = static_cast<double>(x) - cx, dy = static_cast<double>(y) - cy;
            values[y * columns + x] = dx * dx + dy * dy <= radius * radius ? 1 : 0;
        }
    }
    return values;
}

std::vector<std::uint8_t> rectangle(std::size_t columns, std::size_t rows, std::size_t x0, std::size_t y0,
                                    std::size_t x1, std::size_t y1) {
    std::vector<std::uint8_t> values(rows * columns, 0);
    for (std::size_t y = y0; y < y1; ++y) {
        for (std::size_t x = x0; x < x1; ++x) values[y * columns + x] = 1;
    }
    return values;
}

std::size_t ones(const std::vector<std::uint8_t>& values) {
    return static_cast<std::size_t>(std::count_if(values.begin(), values.end(), [](std::uint8_t v) { return v != 0; }));
}

// The message of the LoadError `call` throws (a test failure when it throws none).
template <typename Call>
std::string loadErrorOf(Call call) {
    try {
        call();
    } catch (const LoadError& error) {
        return error.what();
    }
    FAIL("no LoadError thrown");
    return {};
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

struct Source {
    std::filesystem::path file;
    ImageGeometry geometry;
};

Source source(const std::filesystem::path& file) { return Source{file, readImageGeometry(file)}; }

// emri_small with the functional groups it lacks: 10 axial frames 1.2 mm apart, 0.5 mm pixels.
std::filesystem::path enhancedMr(const std::filesystem::path& dir) {
    DcmFileFormat file;
    REQUIRE(file.loadFile(dataFile("enhanced/emri_small.dcm").c_str()).good());
    REQUIRE(file.loadAllDataIntoMemory().good());
    DcmDataset& ds = *file.getDataset();
    DcmItem* shared = nullptr;
    REQUIRE(ds.findOrCreateSequenceItem(DCM_SharedFunctionalGroupsSequence, shared, 0).good());
    DcmItem* measures = nullptr;
    REQUIRE(shared->findOrCreateSequenceItem(DCM_PixelMeasuresSequence, measures, 0).good());
    measures->putAndInsertString(DCM_PixelSpacing, "0.5\\0.5");
    measures->putAndInsertString(DCM_SliceThickness, "1.2");
    DcmItem* plane = nullptr;
    REQUIRE(shared->findOrCreateSequenceItem(DCM_PlaneOrientationSequence, plane, 0).good());
    plane->putAndInsertString(DCM_ImageOrientationPatient, "1\\0\\0\\0\\1\\0");
    for (int f = 0; f < 10; ++f) {
        DcmItem* frame = nullptr;
        REQUIRE(ds.findOrCreateSequenceItem(DCM_PerFrameFunctionalGroupsSequence, frame, f).good());
        DcmItem* position = nullptr;
        REQUIRE(frame->findOrCreateSequenceItem(DCM_PlanePositionSequence, position, 0).good());
        position->putAndInsertString(DCM_ImagePositionPatient, ("-16\\-16\\" + std::to_string(1.2 * f)).c_str());
    }
    const auto path = dir / "emri_fg.dcm";
    REQUIRE(file.saveFile(path.c_str(), EXS_LittleEndianExplicit).good());
    return path;
}

} // namespace

TEST_CASE("the CT liver SEG becomes a 3D image and mask on the CT grid") {
    const auto seg = dataFile("seg/liver.dcm");
    const auto expectedVoxels = popcount(seg); // one segment, three frames, no padding bits
    REQUIRE(expectedVoxels > 1000);

    LoadOptions whole;
    whole.marginMm = 1000.0;
    const auto inputs = loadSegmentInputs(seg, finderOf(ctSlices()), whole);
    REQUIRE(inputs.size() == 1);
    const auto& input = inputs.front();
    CHECK(input.segmentNumber == 1);
    CHECK(input.segmentLabel == "Liver");
    CHECK(input.role == RoiRole::Other); // SRT T-62000 Liver
    CHECK(input.volumetric);
    CHECK(input.calibrated);
    CHECK(input.modality == "CT");
    CHECK(input.segFrameNumbers == std::vector<int>{1, 2, 3});
    REQUIRE(input.sources.size() == 3);
    for (const auto& s : input.sources) {
        CHECK(s.sopClassUid == "1.2.840.10008.5.1.4.1.1.2");
        CHECK(s.seriesInstanceUid == "1.2.392.200103.20080913.113635.1.2009.6.22.21.43.10.23430.1");
        CHECK(s.frames.empty());
    }

    const auto& g = input.image.geometry;
    CHECK(g.size == std::array<std::size_t, 3>{512, 512, 3});
    CHECK(g.spacing[0] == doctest::Approx(0.810547));
    CHECK(g.spacing[1] == doctest::Approx(0.810547));
    CHECK(g.spacing[2] == doctest::Approx(1.0));
    CHECK(g.origin[0] == doctest::Approx(-235.2));
    CHECK(g.origin[1] == doctest::Approx(-226.8));
    CHECK(g.origin[2] == doctest::Approx(-128.69)); // 03.dcm, the lowest slice, comes first
    CHECK(g.direction == std::array<double, 9>{1, 0, 0, 0, 1, 0, 0, 0, 1});
    CHECK(input.mask.geometry.sameGrid(g));
    CHECK(input.mask.count() == expectedVoxels);
    CHECK(input.image.storedType == radnode::analysis::StoredType::Int32);

    // Slice z = 0 is 03.dcm's pixels, in HU.
    const auto lowest = decodeGreyFrames(dataFile("seg/ct-3slice/03.dcm"));
    CHECK(std::equal(lowest.values.begin(), lowest.values.end(), input.image.voxels.begin()));
    // Mask voxels lie on soft tissue, not air.
    double sum = 0.0;
    for (std::size_t i = 0; i < input.mask.voxels.size(); ++i) {
        if (input.mask.voxels[i]) sum += input.image.voxels[i];
    }
    CHECK(sum / static_cast<double>(expectedVoxels) > 0.0);

    // With the default margin the grid is cropped around the liver, the mask intact.
    const auto cropped = loadSegmentInputs(seg, finderOf(ctSlices())).front();
    CHECK(cropped.mask.count() == expectedVoxels);
    CHECK(cropped.image.geometry.size[0] < 512);
    CHECK(cropped.image.geometry.size[2] == 3);
    const auto box = radnode::analysis::boundingBox(cropped.mask);
    CHECK(box.lower[0] >= 37); // 30 mm / 0.81 mm = 37 voxels of context
    const auto corner = cropped.image.geometry.physicalPoint(0, 0, 0);
    const auto fullIndex = (corner[0] - g.origin[0]) / g.spacing[0];
    CHECK(fullIndex == doctest::Approx(std::round(fullIndex)));
}

TEST_CASE("SEG frames without source references are placed by position among the referenced slices") {
    TempDir dir;
    TestSeg spec;
    spec.rows = spec.columns = 512;
    spec.pixelSpacing = "0.810547\\0.810547";
    spec.orientation = "1\\0\\0\\0\\1\\0";
    const auto ct = source(dataFile("seg/ct-3slice/02.dcm"));
    spec.frameOfReference = ct.geometry.frameOfReferenceUid;
    spec.referencedSeries = ct.geometry.seriesInstanceUid;
    for (const auto& file : ctSlices()) {
        const auto g = readImageGeometry(file);
        spec.referenced.emplace_back(g.sopClassUid, g.sopInstanceUid);
    }
    const auto blob = disc(512, 512, 250, 260, 12);
    spec.frames = {TestFrame{1, "", "", 0, blob, "-235.199997\\-226.800003\\-127.690002"}};
    writeSeg(spec, dir / "seg.dcm");
    const auto inputs = loadSegmentInputs(dir / "seg.dcm", finderOf(ctSlices()));
    REQUIRE(inputs.size() == 1);
    CHECK(inputs[0].volumetric);
    CHECK(inputs[0].mask.count() == ones(blob));
    REQUIRE(inputs[0].sources.size() == 1);
    CHECK(inputs[0].sources[0].sopInstanceUid == ct.geometry.sopInstanceUid); // 02.dcm lies at -127.69
    CHECK(inputs[0].image.geometry.size[2] == 3); // the other referenced slices give context

    spec.frames[0].position = "-235.199997\\-226.800003\\-140";
    writeSeg(spec, dir / "nowhere.dcm");
    CHECK_THROWS_WITH_AS(loadSegmentInputs(dir / "nowhere.dcm", finderOf(ctSlices())),
                         doctest::Contains("matches no referenced image"), LoadError);
}

TEST_CASE("readSegmentationInfo lists the instances a SEG was drawn on") {
    const auto info = readSegmentationInfo(dataFile("seg/liver.dcm"));
    CHECK(info.sopInstanceUid == "1.2.276.0.7230010.3.1.4.0.42154.1458337731.665796");
    CHECK(info.studyInstanceUid == "1.2.392.200103.20080913.113635.0.2009.6.22.21.43.10.22941.1");
    REQUIRE(info.referencedInstanceUids.size() == 3);
    const std::set<std::string> uids(info.referencedInstanceUids.begin(), info.referencedInstanceUids.end());
    CHECK(uids.count("1.2.392.200103.20080913.113635.2.2009.6.22.21.43.10.23432.1") == 1);
}

TEST_CASE("a SEG referencing a missing instance fails naming its UID") {
    auto finder = finderOf({dataFile("seg/ct-3slice/01.dcm"), dataFile("seg/ct-3slice/03.dcm")});
    CHECK_THROWS_WITH_AS(loadSegmentInputs(dataFile("seg/liver.dcm"), finder),
                         doctest::Contains("1.2.392.200103.20080913.113635.2.2009.6.22.21.43.10.23432.1"), LoadError);
}

TEST_CASE("ultrasound SEG: tumour and node segments, each calibrated by its own tissue region") {
    TempDir dir;
    const auto us = source(dataFile("us/gdcm-US-ALOKA-16.dcm"));
    TestSeg spec;
    spec.rows = 480;
    spec.columns = 640;
    spec.pixelSpacing = "0.382653065\\0.382653065";
    spec.segments = {TestSegment{1, "Mass", "SCT", "4147007", "Mass"},
                     TestSegment{2, "Axillary node", "SCT", "59441001", "Lymph node"},
                     TestSegment{3, "Cyst", "SCT", "367643001", "Cyst"}};
    const auto tumour = disc(640, 480, 150, 200, 20);
    const auto node = disc(640, 480, 480, 220, 15);
    spec.frames = {TestFrame{1, us.geometry.sopClassUid, us.geometry.sopInstanceUid, 0, tumour, {}},
                   TestFrame{2, us.geometry.sopClassUid, us.geometry.sopInstanceUid, 0, node, {}},
                   TestFrame{3, us.geometry.sopClassUid, us.geometry.sopInstanceUid, 0,
                             std::vector<std::uint8_t>(640 * 480, 0), {}}};
    const auto segUid = writeSeg(spec, dir / "us-seg.dcm");

    const auto inputs = loadSegmentInputs(dir / "us-seg.dcm", finderOf({us.file}));
    REQUIRE(inputs.size() == 2); // segment 3 has nothing drawn
    const auto grey = decodeGreyFrames(us.file).values;
    for (const auto& input : inputs) {
        CAPTURE(input.segmentNumber);
        CHECK_FALSE(input.volumetric);
        CHECK(input.calibrated);
        CHECK(input.modality == "US");
        CHECK(input.laterality == "R");
        CHECK(input.image.geometry.size == std::array<std::size_t, 3>{640, 480, 1});
        CHECK(input.image.geometry.spacing[0] == doctest::Approx(0.382653).epsilon(1e-6));
        CHECK(input.mask.geometry.sameGrid(input.image.geometry));
        CHECK(input.image.voxels == grey);
        REQUIRE(input.sources.size() == 1);
        CHECK(input.sources[0].sopInstanceUid == us.geometry.sopInstanceUid);
        CHECK(input.trackingUid == "1.2.3.9." + std::to_string(input.segmentNumber));
    }
    CHECK(inputs[0].role == RoiRole::Tumor);
    CHECK(inputs[0].spacingSource == "ultrasound region 1 (tissue)");
    CHECK(inputs[0].mask.voxels == tumour);
    CHECK(inputs[0].segFrameNumbers == std::vector<int>{1});
    CHECK(inputs[1].role == RoiRole::LymphNode);
    CHECK(inputs[1].spacingSource == "ultrasound region 2 (tissue)");
    CHECK(inputs[1].mask.count() == ones(node));

    // A label pattern overrides the code.
    LoadOptions options;
    options.lymphNodeLabelPattern = "axill";
    options.tumorLabelPattern = "^cyst$";
    spec.frames[2].values = disc(640, 480, 100, 100, 5);
    writeSeg(spec, dir / "us-seg-2.dcm");
    const auto relabelled = loadSegmentInputs(dir / "us-seg-2.dcm", finderOf({us.file}), options);
    REQUIRE(relabelled.size() == 3);
    CHECK(relabelled[2].role == RoiRole::Tumor);
    CHECK(relabelled[1].role == RoiRole::LymphNode);
    (void)segUid;
}

TEST_CASE("an ultrasound image without calibration gives an uncalibrated input in pixels") {
    TempDir dir;
    const auto us = source(dataFile("us/US1_UNCR.dcm"));
    TestSeg spec;
    spec.rows = 480;
    spec.columns = 640;
    spec.pixelSpacing = "1\\1"; // what many tools write when they know nothing better
    spec.frames = {TestFrame{1, us.geometry.sopClassUid, us.geometry.sopInstanceUid, 0, disc(640, 480, 300, 250, 30), {}}};
    writeSeg(spec, dir / "seg.dcm");
    const auto inputs = loadSegmentInputs(dir / "seg.dcm", finderOf({us.file}));
    REQUIRE(inputs.size() == 1);
    CHECK_FALSE(inputs[0].calibrated);
    CHECK(inputs[0].image.geometry.spacing == std::array<double, 3>{1.0, 1.0, 1.0});
    CHECK(inputs[0].spacingSource.find("no Sequence of Ultrasound Regions") != std::string::npos);
}

TEST_CASE("BINARY frames packed across byte boundaries: DX 211 x 169, two frames for one segment") {
    TempDir dir;
    const auto dx = source(dataFile("dx/dx_image.dcm"));
    TestSeg spec;
    spec.rows = 169;
    spec.columns = 211; // 35,659 pixels: frames 2 and 3 start in the middle of a byte
    spec.pixelSpacing = "1.2\\1.201199999999";
    spec.segments = {TestSegment{1, "a"}, TestSegment{2, "b"}};
    const auto a = rectangle(211, 169, 3, 5, 50, 40);
    const auto b1 = rectangle(211, 169, 100, 100, 131, 121);
    const auto b2 = rectangle(211, 169, 120, 110, 210, 168);
    spec.frames = {TestFrame{1, dx.geometry.sopClassUid, dx.geometry.sopInstanceUid, 0, a, {}},
                   TestFrame{2, dx.geometry.sopClassUid, dx.geometry.sopInstanceUid, 0, b1, {}},
                   TestFrame{2, dx.geometry.sopClassUid, dx.geometry.sopInstanceUid, 0, b2, {}}};
    writeSeg(spec, dir / "seg.dcm");
    const auto inputs = loadSegmentInputs(dir / "seg.dcm", finderOf({dx.file}));
    REQUIRE(inputs.size() == 2);
    CHECK(inputs[0].mask.voxels == a);
    std::vector<std::uint8_t> both(b1.size());
    for (std::size_t i = 0; i < both.size(); ++i) both[i] = b1[i] | b2[i];
    CHECK(inputs[1].mask.voxels == both);
    CHECK(inputs[1].segFrameNumbers == std::vector<int>{2, 3});
    CHECK(inputs[1].image.geometry.spacing[0] == doctest::Approx(1.2012));
    CHECK(inputs[1].image.geometry.spacing[1] == doctest::Approx(1.2));
    CHECK(inputs[1].laterality == "L");
}

TEST_CASE("FRACTIONAL masks are thresholded against MaximumFractionalValue") {
    TempDir dir;
    const auto mg = source(dataFile("mg/MG_Explicit_Little.dcm"));
    TestSeg spec;
    spec.rows = spec.columns = 512;
    spec.fractional = true;
    spec.pixelSpacing = "0.25\\0.25";
    std::vector<std::uint8_t> probability(512 * 512, 0);
    for (std::size_t x = 0; x < 200; ++x) probability[300 * 512 + x] = static_cast<std::uint8_t>(x); // 0..199 of 200
    spec.frames = {TestFrame{1, mg.geometry.sopClassUid, mg.geometry.sopInstanceUid, 0, probability, {}}};
    writeSeg(spec, dir / "seg.dcm");
    const auto half = loadSegmentInputs(dir / "seg.dcm", finderOf({mg.file}));
    REQUIRE(half.size() == 1);
    CHECK(half[0].mask.count() == 100); // 100..199 reach 0.5 x 200
    CHECK(half[0].view == "CC");
    CHECK(half[0].laterality == "R");
    CHECK(half[0].image.geometry.spacing[0] == 0.25);
    LoadOptions strict;
    strict.fractionalThreshold = 0.9;
    CHECK(loadSegmentInputs(dir / "seg.dcm", finderOf({mg.file}), strict)[0].mask.count() == 20);
}

TEST_CASE("a frame of a cine loop is analysed alone, named by its frame number") {
    TempDir dir;
    const auto cine = source(dataFile("us/us-multiframe-rle-0020.dcm"));
    TestSeg spec;
    spec.rows = 430;
    spec.columns = 600;
    spec.frames = {TestFrame{1, cine.geometry.sopClassUid, cine.geometry.sopInstanceUid, 5, disc(600, 430, 300, 200, 25), {}}};
    writeSeg(spec, dir / "seg.dcm");
    const auto inputs = loadSegmentInputs(dir / "seg.dcm", finderOf({cine.file}));
    REQUIRE(inputs.size() == 1);
    CHECK(inputs[0].image.voxels == decodeGreyFrames(cine.file, {5}).values);
    REQUIRE(inputs[0].sources.size() == 1);
    CHECK(inputs[0].sources[0].frames == std::vector<int>{5});
    CHECK_FALSE(inputs[0].calibrated); // no ultrasound regions in this old file

    spec.frames[0].sourceFrame = 0;
    writeSeg(spec, dir / "no-frame.dcm");
    CHECK_THROWS_WITH_AS(loadSegmentInputs(dir / "no-frame.dcm", finderOf({cine.file})),
                         doctest::Contains("without a ReferencedFrameNumber"), LoadError);
}

TEST_CASE("enhanced multi-frame source: the mask's frames and a margin become a 3D input") {
    TempDir dir;
    const auto mr = source(enhancedMr(dir.path()));
    TestSeg spec;
    spec.rows = spec.columns = 64;
    spec.pixelSpacing = "0.5\\0.5";
    spec.orientation = "1\\0\\0\\0\\1\\0";
    const auto slab = rectangle(64, 64, 20, 24, 30, 40);
    spec.frames = {TestFrame{1, mr.geometry.sopClassUid, mr.geometry.sopInstanceUid, 5, slab, "-16\\-16\\4.8"},
                   TestFrame{1, mr.geometry.sopClassUid, mr.geometry.sopInstanceUid, 6, slab, "-16\\-16\\6.0"}};
    writeSeg(spec, dir / "seg.dcm");
    LoadOptions options;
    options.marginMm = 2.0; // 4 pixels in-plane, 2 slices
    const auto inputs = loadSegmentInputs(dir / "seg.dcm", finderOf({mr.file}), options);
    REQUIRE(inputs.size() == 1);
    const auto& input = inputs[0];
    CHECK(input.volumetric);
    const auto& g = input.image.geometry;
    CHECK(g.size == std::array<std::size_t, 3>{18, 24, 6}); // x 16..34, y 20..44, frames 3..8
    CHECK(g.spacing[2] == doctest::Approx(1.2));
    CHECK(g.origin[0] == doctest::Approx(-16.0 + 16 * 0.5));
    CHECK(g.origin[2] == doctest::Approx(2.4));
    CHECK(input.mask.count() == 2 * ones(slab));
    REQUIRE(input.sources.size() == 1);
    CHECK(input.sources[0].frames == std::vector<int>{5, 6});
    const auto frame3 = decodeGreyFrames(mr.file, {3}, PixelWindow{16, 20, 18, 24}).values;
    CHECK(std::equal(frame3.begin(), frame3.end(), input.image.voxels.begin()));

    // The SEG frame says it lies 1.2 mm away from the frame it names: refused.
    spec.frames[1].position = "-16\\-16\\7.2";
    writeSeg(spec, dir / "shifted.dcm");
    CHECK_THROWS_WITH_AS(loadSegmentInputs(dir / "shifted.dcm", finderOf({mr.file})),
                         doctest::Contains("different planes"), LoadError);
}

TEST_CASE("mismatches between a SEG and its source are refused naming both UIDs") {
    TempDir dir;
    const auto us = source(dataFile("us/gdcm-US-ALOKA-16.dcm"));
    TestSeg spec;
    spec.rows = 240;
    spec.columns = 640;
    spec.frames = {TestFrame{1, us.geometry.sopClassUid, us.geometry.sopInstanceUid, 0, disc(640, 240, 100, 100, 10), {}}};
    const auto segUid = writeSeg(spec, dir / "rows.dcm");
    const auto sizeError = loadErrorOf([&] { loadSegmentInputs(dir / "rows.dcm", finderOf({us.file})); });
    CHECK(contains(sizeError, segUid));
    CHECK(contains(sizeError, us.geometry.sopInstanceUid));
    CHECK(contains(sizeError, "differ in size"));

    spec.rows = 480;
    spec.frames[0].values = disc(640, 480, 100, 100, 10);
    spec.pixelSpacing = "0.5\\0.5";
    writeSeg(spec, dir / "spacing.dcm");
    CHECK_THROWS_WITH_AS(loadSegmentInputs(dir / "spacing.dcm", finderOf({us.file})),
                         doctest::Contains("pixel spacing"), LoadError);

    const auto ct = source(dataFile("seg/ct-3slice/01.dcm"));
    TestSeg other;
    other.rows = other.columns = 512;
    other.pixelSpacing = "0.810547\\0.810547";
    other.frameOfReference = "1.2.3.4.5.6.7";
    other.frames = {TestFrame{1, ct.geometry.sopClassUid, ct.geometry.sopInstanceUid, 0, disc(512, 512, 200, 200, 20), {}}};
    writeSeg(other, dir / "for.dcm");
    CHECK_THROWS_WITH_AS(loadSegmentInputs(dir / "for.dcm", finderOf({ct.file})),
                         doctest::Contains("frames of reference"), LoadError);
}

TEST_CASE("a vendor Secondary Capture hiding tomosynthesis slices is refused, never analysed as 2D") {
    TempDir dir;
    DcmFileFormat file;
    REQUIRE(file.loadFile(dataFile("us/US1_UNCR.dcm").c_str()).good());
    REQUIRE(file.loadAllDataIntoMemory().good());
    DcmDataset& ds = *file.getDataset();
    const std::string uid = newUid();
    ds.putAndInsertString(DCM_SOPClassUID, "1.2.840.10008.5.1.4.1.1.7");
    ds.putAndInsertString(DCM_SOPInstanceUID, uid.c_str());
    ds.putAndInsertString(DCM_Modality, "MG");
    ds.putAndInsertString(DcmTag(0x0029, 0x0010, EVR_LO), "HOLOGIC, Inc.");
    const std::vector<Uint8> slices(3 * 1024 * 1024, 7);
    ds.putAndInsertUint8Array(DcmTag(0x0029, 0x1010, EVR_OB), slices.data(), static_cast<unsigned long>(slices.size()));
    REQUIRE(file.saveFile((dir / "sc.dcm").c_str(), EXS_LittleEndianExplicit).good());

    TestSeg spec;
    spec.rows = 480;
    spec.columns = 640;
    spec.frames = {TestFrame{1, "1.2.840.10008.5.1.4.1.1.7", uid, 0, disc(640, 480, 300, 200, 20), {}}};
    writeSeg(spec, dir / "seg.dcm");
    const auto error = loadErrorOf([&] { loadSegmentInputs(dir / "seg.dcm", finderOf({dir / "sc.dcm"})); });
    CHECK(contains(error, "unsupported vendor object"));
    CHECK(contains(error, uid));
    CHECK(contains(error, "HOLOGIC"));
}

TEST_CASE("broken SEGs fail cleanly") {
    TempDir dir;
    const auto finder = finderOf(ctSlices());
    // Truncated inside the pixel data.
    {
        std::ifstream in(dataFile("seg/liver.dcm"), std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        radnode::test::writeText(dir / "cut.dcm", bytes.substr(0, bytes.size() - 20000));
        radnode::test::writeText(dir / "header.dcm", bytes.substr(0, 1500));
    }
    CHECK_THROWS_AS(loadSegmentInputs(dir / "cut.dcm", finder), LoadError);
    CHECK_THROWS_AS(loadSegmentInputs(dir / "header.dcm", finder), LoadError);
    CHECK_THROWS_AS(readSegmentationInfo(dir / "header.dcm"), LoadError);
    // Not a SEG at all.
    CHECK_THROWS_WITH_AS(loadSegmentInputs(dataFile("seg/ct-3slice/01.dcm"), finder),
                         doctest::Contains("not a Segmentation"), LoadError);
    // A frame naming a segment the SEG does not define.
    const auto dx = source(dataFile("dx/dx_image.dcm"));
    TestSeg spec;
    spec.rows = 169;
    spec.columns = 211;
    spec.frames = {TestFrame{4, dx.geometry.sopClassUid, dx.geometry.sopInstanceUid, 0, rectangle(211, 169, 0, 0, 5, 5), {}}};
    writeSeg(spec, dir / "segment.dcm");
    CHECK_THROWS_WITH_AS(loadSegmentInputs(dir / "segment.dcm", finderOf({dx.file})),
                         doctest::Contains("segment 4"), LoadError);
    // Nothing drawn anywhere.
    spec.frames[0].segment = 1;
    spec.frames[0].values.assign(211 * 169, 0);
    writeSeg(spec, dir / "empty.dcm");
    CHECK_THROWS_WITH_AS(loadSegmentInputs(dir / "empty.dcm", finderOf({dx.file})), doctest::Contains("no segment"),
                         LoadError);
}

TEST_CASE("synthetic breast ultrasound and tomosynthesis studies load with their spacing and lesions") {
    TempDir dir;
    SynthOptions us;
    us.modality = SynthModality::Ultrasound;
    us.seed = 3;
    us.lesionDiameterMm = 12.0;
    const auto usStudy = writeSyntheticStudy(us, dir / "us");
    const auto usInputs = loadSegmentInputs(usStudy.segFiles.front(), finderOf(usStudy.imageFiles));
    REQUIRE(usInputs.size() == 2);
    std::size_t usVoxels = 0;
    for (const auto& input : usInputs) {
        CHECK_FALSE(input.volumetric);
        CHECK(input.calibrated);
        CHECK(input.image.geometry.spacing[0] == doctest::Approx(0.1));
        CHECK(input.image.geometry.spacing[1] == doctest::Approx(0.1));
        CHECK(input.image.geometry.size[2] == 1);
        usVoxels += input.mask.count();
    }
    CHECK(usInputs[0].role == RoiRole::Tumor);
    CHECK(usInputs[1].role == RoiRole::LymphNode);
    CHECK(usInputs[0].sources[0].sopInstanceUid == usStudy.imageSopInstanceUids[0]);
    CHECK(usInputs[1].sources[0].sopInstanceUid == usStudy.imageSopInstanceUids[1]);
    CHECK(usVoxels == popcount(usStudy.segFiles.front()));
    const double nominalArea = 3.14159265 * 60.0 * 60.0; // 12 mm at 0.1 mm
    CHECK(usInputs[0].mask.count() > 0.75 * nominalArea);
    CHECK(usInputs[0].mask.count() < 1.5 * nominalArea);

    SynthOptions dbt;
    dbt.modality = SynthModality::Tomosynthesis;
    dbt.seed = 4;
    dbt.lesionDiameterMm = 10.0;
    dbt.view = "MLO";
    const auto dbtStudy = writeSyntheticStudy(dbt, dir / "dbt");
    const auto dbtInputs = loadSegmentInputs(dbtStudy.segFiles.front(), finderOf(dbtStudy.imageFiles));
    REQUIRE(dbtInputs.size() == 1);
    const auto& volume = dbtInputs.front();
    CHECK(volume.volumetric);
    CHECK(volume.calibrated);
    CHECK(volume.role == RoiRole::Tumor);
    CHECK(volume.view == "MLO");
    CHECK(volume.laterality == "L");
    CHECK(volume.image.geometry.spacing[0] == doctest::Approx(0.2));
    CHECK(volume.image.geometry.spacing[1] == doctest::Approx(0.2));
    CHECK(volume.image.geometry.spacing[2] == doctest::Approx(1.0));
    CHECK(volume.mask.count() == popcount(dbtStudy.segFiles.front()));
    const double nominalVolume = 4.0 / 3.0 * 3.14159265 * 5.0 * 5.0 * 5.0 / (0.2 * 0.2 * 1.0);
    CHECK(volume.mask.count() > 0.5 * nominalVolume);
    CHECK(volume.mask.count() < 2.0 * nominalVolume);
    REQUIRE(volume.sources.size() == 1);
    CHECK(volume.sources[0].sopInstanceUid == dbtStudy.imageSopInstanceUids.front());
    CHECK(volume.sources[0].frames.size() == volume.segFrameNumbers.size());
}

// --- Label map segmentations (Label Map Segmentation Storage, DICOM Sup 243). ---

TEST_CASE("label map SEG: one frame holds every segment, each pixel value naming its segment") {
    TempDir dir;
    const auto us = source(dataFile("us/gdcm-US-ALOKA-16.dcm"));
    TestSeg spec;
    spec.labelMap = true;
    spec.rows = 480;
    spec.columns = 640;
    spec.pixelSpacing = "0.382653065\\0.382653065";
    spec.segments = {TestSegment{1, "Mass", "SCT", "4147007", "Mass"},
                     TestSegment{2, "Axillary node", "SCT", "59441001", "Lymph node"},
                     TestSegment{5, "Cyst", "SCT", "367643001", "Cyst"}};
    const auto tumour = disc(640, 480, 150, 200, 20);
    const auto node = disc(640, 480, 480, 220, 15);
    std::vector<std::uint8_t> labels(640 * 480, 0);
    for (std::size_t i = 0; i < labels.size(); ++i) labels[i] = tumour[i] ? 1 : node[i] ? 2 : 0;
    spec.frames = {TestFrame{0, us.geometry.sopClassUid, us.geometry.sopInstanceUid, 0, labels, {}}};
    const auto segUid = writeSeg(spec, dir / "labelmap.dcm");

    const auto info = readSegmentationInfo(dir / "labelmap.dcm");
    CHECK(info.sopInstanceUid == segUid);
    CHECK(info.referencedInstanceUids == std::vector<std::string>{us.geometry.sopInstanceUid});

    const auto inputs = loadSegmentInputs(dir / "labelmap.dcm", finderOf({us.file}));
    REQUIRE(inputs.size() == 2); // segment 5 appears in no pixel
    CHECK(inputs[0].segmentNumber == 1);
    CHECK(inputs[0].role == RoiRole::Tumor);
    CHECK(inputs[0].mask.voxels == tumour);
    CHECK(inputs[0].segFrameNumbers == std::vector<int>{1});
    CHECK(inputs[0].spacingSource == "ultrasound region 1 (tissue)");
    CHECK(inputs[1].segmentNumber == 2);
    CHECK(inputs[1].role == RoiRole::LymphNode);
    CHECK(inputs[1].mask.count() == ones(node));
    CHECK(inputs[1].segFrameNumbers == std::vector<int>{1});
    CHECK(inputs[1].spacingSource == "ultrasound region 2 (tissue)");
    CHECK(inputs[0].image.voxels == decodeGreyFrames(us.file).values);

    // A value that is neither background nor a defined segment is refused, naming it.
    labels[1000] = 7;
    spec.frames[0].values = labels;
    writeSeg(spec, dir / "stray.dcm");
    const auto stray = loadErrorOf([&] { loadSegmentInputs(dir / "stray.dcm", finderOf({us.file})); });
    CHECK(contains(stray, "pixel value 7"));
    CHECK(contains(stray, "frame 1"));
}

TEST_CASE("label map SEG: 16-bit labels, a padding value as background, segments across volume frames") {
    TempDir dir;
    const auto mr = source(enhancedMr(dir.path()));
    TestSeg spec;
    spec.labelMap = true;
    spec.labelBits = 16;
    spec.padding = 65535; // background; 0 is then an ordinary segment number
    spec.rows = spec.columns = 64;
    spec.pixelSpacing = "0.5\\0.5";
    spec.orientation = "1\\0\\0\\0\\1\\0";
    spec.segments = {TestSegment{0, "zero"}, TestSegment{300, "lesion"}};
    const auto slab = rectangle(64, 64, 20, 24, 30, 40);
    const auto spot = rectangle(64, 64, 40, 40, 44, 46);
    auto labelsOf = [&](bool withSpot) {
        std::vector<std::uint16_t> labels(64 * 64, 65535);
        for (std::size_t i = 0; i < labels.size(); ++i) {
            if (slab[i]) labels[i] = 300;
            if (withSpot && spot[i]) labels[i] = 0;
        }
        return labels;
    };
    spec.wideLabels = {labelsOf(false), labelsOf(true)};
    const std::vector<std::uint8_t> unused(64 * 64, 0);
    spec.frames = {TestFrame{0, mr.geometry.sopClassUid, mr.geometry.sopInstanceUid, 5, unused, "-16\\-16\\4.8"},
                   TestFrame{0, mr.geometry.sopClassUid, mr.geometry.sopInstanceUid, 6, unused, "-16\\-16\\6.0"}};
    writeSeg(spec, dir / "labelmap16.dcm");
    LoadOptions options;
    options.marginMm = 2.0;
    const auto inputs = loadSegmentInputs(dir / "labelmap16.dcm", finderOf({mr.file}), options);
    REQUIRE(inputs.size() == 2);
    CHECK(inputs[0].segmentNumber == 0);
    CHECK(inputs[0].volumetric);
    CHECK(inputs[0].mask.count() == ones(spot));
    CHECK(inputs[0].segFrameNumbers == std::vector<int>{2});
    REQUIRE(inputs[0].sources.size() == 1);
    CHECK(inputs[0].sources[0].frames == std::vector<int>{6});
    CHECK(inputs[1].segmentNumber == 300);
    CHECK(inputs[1].mask.count() == 2 * ones(slab)); // the spot lies outside the slab
    CHECK(inputs[1].segFrameNumbers == std::vector<int>{1, 2});
    // Same grid as the BINARY encoding of the same slab gives (see the enhanced test above).
    CHECK(inputs[1].image.geometry.size == std::array<std::size_t, 3>{18, 24, 6});
}

TEST_CASE("label map SEG: SOP class and SegmentationType must agree") {
    TempDir dir;
    const auto dx = source(dataFile("dx/dx_image.dcm"));
    TestSeg spec;
    spec.rows = 169;
    spec.columns = 211;
    spec.labelMap = true;
    spec.frames = {TestFrame{0, dx.geometry.sopClassUid, dx.geometry.sopInstanceUid, 0, rectangle(211, 169, 3, 5, 50, 40), {}}};
    writeSeg(spec, dir / "seg.dcm");
    CHECK(loadSegmentInputs(dir / "seg.dcm", finderOf({dx.file})).size() == 1);

    DcmFileFormat file;
    REQUIRE(file.loadFile((dir / "seg.dcm").c_str()).good());
    REQUIRE(file.loadAllDataIntoMemory().good());
    file.getDataset()->putAndInsertString(DCM_SOPClassUID, "1.2.840.10008.5.1.4.1.1.66.4");
    REQUIRE(file.saveFile((dir / "wrong-class.dcm").c_str(), EXS_LittleEndianExplicit).good());
    CHECK_THROWS_WITH_AS(loadSegmentInputs(dir / "wrong-class.dcm", finderOf({dx.file})),
                         doctest::Contains("Label Map Segmentation Storage"), LoadError);
    file.getDataset()->putAndInsertString(DCM_SOPClassUID, "1.2.840.10008.5.1.4.1.1.66.7");
    file.getDataset()->putAndInsertString(DCM_SegmentationType, "BINARY");
    REQUIRE(file.saveFile((dir / "wrong-type.dcm").c_str(), EXS_LittleEndianExplicit).good());
    CHECK_THROWS_WITH_AS(loadSegmentInputs(dir / "wrong-type.dcm", finderOf({dx.file})),
                         doctest::Contains("must be LABELMAP"), LoadError);
}

TEST_CASE("synthetic studies with a label map SEG load exactly as with the BINARY SEG") {
    TempDir dir;
    for (const auto modality : {SynthModality::Ultrasound, SynthModality::Tomosynthesis}) {
        CAPTURE(toString(modality));
        SynthOptions options;
        options.modality = modality;
        options.seed = 5;
        const auto binary = writeSyntheticStudy(options, dir / toString(modality));
        options.labelMapSegmentation = true;
        const auto labelMap = writeSyntheticStudy(options, dir / toString(modality));
        CHECK(labelMap.imageSopInstanceUids == binary.imageSopInstanceUids);
        CHECK(labelMap.segSopInstanceUids != binary.segSopInstanceUids);
        CHECK(labelMap.segFiles != binary.segFiles);

        const auto expected = loadSegmentInputs(binary.segFiles.front(), finderOf(binary.imageFiles));
        const auto inputs = loadSegmentInputs(labelMap.segFiles.front(), finderOf(labelMap.imageFiles));
        REQUIRE(inputs.size() == expected.size());
        for (std::size_t i = 0; i < inputs.size(); ++i) {
            CHECK(inputs[i].segmentNumber == expected[i].segmentNumber);
            CHECK(inputs[i].role == expected[i].role);
            CHECK(inputs[i].image.geometry.sameGrid(expected[i].image.geometry, 0.0));
            CHECK(inputs[i].image.voxels == expected[i].image.voxels);
            CHECK(inputs[i].mask.voxels == expected[i].mask.voxels);
            CHECK(inputs[i].trackingUid == expected[i].trackingUid);
            REQUIRE(inputs[i].sources.size() == expected[i].sources.size());
            CHECK(inputs[i].sources[0].frames == expected[i].sources[0].frames);
        }
    }
}

TEST_CASE("the context kept around a volumetric ROI: widest ring, plus the filters' reach") {
    radnode::analysis::ExtractionParams params; // Original only
    CHECK(contextMarginMm({3.0, 5.0, 10.0}, params) == doctest::Approx(11.0));
    CHECK(contextMarginMm({}, params) == doctest::Approx(1.0));
    radnode::analysis::ImageTypeSpec log{"LoG", {}};
    log.settings.sigma = {1.0, 3.0};
    params.imageTypes.push_back(log);
    CHECK(contextMarginMm({5.0}, params) == doctest::Approx(5.0 + 12.0 + 1.0));
    params.imageTypes = {{"Original", {}}, {"Wavelet", {}}};
    CHECK(contextMarginMm({5.0}, params) == doctest::Approx(5.0 + 10.0 + 1.0));
}

TEST_CASE("cropping a tomosynthesis volume to the context margin changes no feature of the tumour or its rings") {
    TempDir dir;
    SynthOptions dbt;
    dbt.modality = SynthModality::Tomosynthesis;
    dbt.seed = 6;
    dbt.lesionDiameterMm = 6.0;
    const auto study = writeSyntheticStudy(dbt, dir.path());
    radnode::analysis::ExtractionParams params;
    params.settings.additionalInfo = false;
    const std::vector<double> rings{3.0};
    LoadOptions wide, tight;
    wide.marginMm = 30.0;
    tight.marginMm = contextMarginMm(rings, params);
    const auto a = loadSegmentInputs(study.segFiles.front(), finderOf(study.imageFiles), wide).front();
    const auto b = loadSegmentInputs(study.segFiles.front(), finderOf(study.imageFiles), tight).front();
    CHECK(b.image.voxels.size() < a.image.voxels.size() / 2);
    const auto featuresOf = [&](const SegmentInput& input) {
        return radnode::analysis::extractRois(input.image, radnode::analysis::peritumoralRois(input.mask, rings, false),
                                              params);
    };
    const auto wideFeatures = featuresOf(a), tightFeatures = featuresOf(b);
    REQUIRE(wideFeatures.size() == tightFeatures.size());
    for (std::size_t r = 0; r < wideFeatures.size(); ++r) {
        const auto& x = wideFeatures[r].result.features;
        const auto& y = tightFeatures[r].result.features;
        REQUIRE(x.size() == y.size());
        for (std::size_t f = 0; f < x.size(); ++f) {
            CAPTURE(x[f].name);
            CHECK(x[f].name == y[f].name);
            CHECK((x[f].value == y[f].value || (std::isnan(x[f].value) && std::isnan(y[f].value))));
        }
    }
}
