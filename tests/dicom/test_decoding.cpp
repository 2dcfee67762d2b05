// Pixel decoding and geometry against real files: ultrasound regions, JPEG 2000 against its
// uncompressed twin, palette colour (plain and segmented LUTs), RLE multi-frame, the projection
// X-ray spacing rules, MONOCHROME1, functional groups, re-encoded transfer syntaxes, and
// broken input.
#include "dicom/codecs.h"
#include "dicom/geometry.h"
#include "dicom/pixel_decoder.h"
#include "dicom/analysis_input.h"
#include "test_support.h"

#include <dcmtk/dcmdata/dcrleerg.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>
#include <dcmtk/dcmdata/dctk.h>
#include <dcmtk/dcmimage/diregist.h>
#include <dcmtk/dcmimgle/dcmimage.h>
#include <dcmtk/dcmjpeg/djencode.h>
#include <dcmtk/dcmjpeg/djrplol.h>
#include <dcmtk/dcmjpeg/djrploss.h>
#include <dcmtk/dcmjpls/djencode.h>
#include <dcmtk/dcmjpls/djrparam.h>
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <mutex>
#include <numeric>

using namespace radnode::dicom;
using radnode::analysis::StoredType;
using radnode::test::TempDir;

namespace {

std::filesystem::path dataFile(const std::string& relative) {
    return std::filesystem::path(RADNODE_TEST_DATA_DIR) / "dicom" / relative;
}

std::unique_ptr<DcmFileFormat> loadWhole(const std::filesystem::path& path) {
    auto file = std::make_unique<DcmFileFormat>();
    REQUIRE(file->loadFile(path.c_str()).good());
    REQUIRE(file->loadAllDataIntoMemory().good());
    return file;
}

void save(DcmFileFormat& file, const std::filesystem::path& path, E_TransferSyntax syntax = EXS_LittleEndianExplicit) {
    REQUIRE(file.saveFile(path.c_str(), syntax).good());
}

double luma(double r, double g, double b) { return 0.299 * r + 0.587 * g + 0.114 * b; }

// Grey levels DCMTK's own renderer gives a palette colour frame (8-bit RGB output).
std::vector<double> dcmtkPaletteLuma(const std::filesystem::path& path, unsigned long frameIndex) {
    registerDecoders();
    DicomImage image(path.c_str(), CIF_UsePartialAccessToPixelData, frameIndex, 1);
    REQUIRE(image.getStatus() == EIS_Normal);
    const auto* rgb = static_cast<const Uint8*>(image.getOutputData(8, 0, 0));
    REQUIRE(rgb != nullptr);
    const std::size_t pixels = image.getWidth() * image.getHeight();
    std::vector<double> grey(pixels);
    for (std::size_t i = 0; i < pixels; ++i) grey[i] = luma(rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]);
    return grey;
}

double maxAbsDifference(const std::vector<double>& a, const std::vector<double>& b) {
    REQUIRE(a.size() == b.size());
    double worst = 0.0;
    for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(a[i] - b[i]));
    return worst;
}

double mean(const std::vector<double>& values) {
    return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

void registerEncoders() {
    static std::once_flag once;
    std::call_once(once, [] {
        DcmRLEEncoderRegistration::registerCodecs();
        DJEncoderRegistration::registerCodecs();
        DJLSEncoderRegistration::registerCodecs();
    });
}

// A copy of `source` re-encoded in `syntax` (needs the DCMTK encoders).
std::filesystem::path reencode(const std::filesystem::path& source, const std::filesystem::path& target,
                               E_TransferSyntax syntax, const DcmRepresentationParameter* parameters = nullptr) {
    registerEncoders();
    registerDecoders();
    auto file = loadWhole(source);
    DcmDataset& dataset = *file->getDataset();
    REQUIRE(dataset.chooseRepresentation(syntax, parameters).good());
    REQUIRE(dataset.canWriteXfer(syntax));
    save(*file, target, syntax);
    return target;
}

} // namespace

TEST_CASE("ultrasound spacing comes from the tissue region holding the ROI, in mm") {
    const auto geometry = readImageGeometry(dataFile("us/gdcm-US-ALOKA-16.dcm"));
    CHECK(geometry.isUltrasound());
    CHECK_FALSE(geometry.isVolumetric());
    REQUIRE(geometry.ultrasoundRegions.size() == 3);
    CHECK(geometry.ultrasoundRegions[0].calibratedTissue());
    CHECK(geometry.ultrasoundRegions[1].calibratedTissue());
    CHECK_FALSE(geometry.ultrasoundRegions[2].calibratedTissue()); // the grey bar

    const auto left = ultrasoundSpacing(geometry, 100, 100, 200, 200);
    CHECK(left.calibrated);
    CHECK(left.column == doctest::Approx(0.382653).epsilon(1e-6));
    CHECK(left.row == doctest::Approx(0.382653).epsilon(1e-6));
    CHECK(left.source == "ultrasound region 1 (tissue)");
    const auto right = ultrasoundSpacing(geometry, 400, 30, 600, 400);
    CHECK(right.calibrated);
    CHECK(right.source == "ultrasound region 2 (tissue)");
    // An ROI across both images of the split screen lies in no single region: no spacing.
    const auto across = ultrasoundSpacing(geometry, 300, 100, 400, 200);
    CHECK_FALSE(across.calibrated);
    CHECK(across.row == 1.0);
}

TEST_CASE("an ultrasound image without regions is uncalibrated, never given a spacing") {
    const auto geometry = readImageGeometry(dataFile("us/US1_UNCR.dcm"));
    CHECK(geometry.isUltrasound());
    const auto spacing = ultrasoundSpacing(geometry, 100, 100, 200, 200);
    CHECK_FALSE(spacing.calibrated);
    CHECK(spacing.row == 1.0);
    CHECK(spacing.column == 1.0);
    CHECK(spacing.source.find("no Sequence of Ultrasound Regions") != std::string::npos);
}

TEST_CASE("RGB ultrasound becomes BT.601 luma; JPEG 2000 lossless decodes to the same pixels") {
    const auto plain = decodeGreyFrames(dataFile("us/US1_UNCR.dcm"));
    const auto j2k = decodeGreyFrames(dataFile("us/US1_J2KR.dcm"));
    REQUIRE(plain.width == 640);
    REQUIRE(plain.height == 480);
    REQUIRE(j2k.values.size() == plain.values.size());
    CHECK(j2k.values == plain.values);
    CHECK(plain.storedType == StoredType::Float64);

    // Luma computed here from the raw interleaved RGB bytes.
    auto file = loadWhole(dataFile("us/US1_UNCR.dcm"));
    const Uint8* rgb = nullptr;
    REQUIRE(file->getDataset()->findAndGetUint8Array(DCM_PixelData, rgb).good());
    double worst = 0.0;
    for (std::size_t i = 0; i < plain.values.size(); ++i) {
        worst = std::max(worst, std::abs(plain.values[i] - luma(rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2])));
    }
    CHECK(worst < 1e-9);
    CHECK(mean(plain.values) > 10.0); // not a blank frame
}

TEST_CASE("a window of a frame is the same pixels as the whole frame cut") {
    const auto whole = decodeGreyFrames(dataFile("us/US1_UNCR.dcm"));
    const auto part = decodeGreyFrames(dataFile("us/US1_UNCR.dcm"), {1}, PixelWindow{100, 50, 30, 20});
    REQUIRE(part.width == 30);
    REQUIRE(part.height == 20);
    for (std::size_t y = 0; y < 20; ++y) {
        for (std::size_t x = 0; x < 30; ++x) {
            REQUIRE(part.values[y * 30 + x] == whole.values[(50 + y) * 640 + 100 + x]);
        }
    }
    CHECK_THROWS_AS(decodeGreyFrames(dataFile("us/US1_UNCR.dcm"), {1}, PixelWindow{630, 0, 30, 20}), LoadError);
}

TEST_CASE("RLE multi-frame palette colour: requested frames only, through the LUT") {
    const auto path = dataFile("us/us-multiframe-rle-0020.dcm");
    const auto format = readPixelFormat(path);
    CHECK(format.frames == 11);
    CHECK(format.photometricInterpretation == "PALETTE COLOR");
    CHECK(format.transferSyntaxUid == "1.2.840.10008.1.2.5");

    const auto some = decodeGreyFrames(path, {11, 3, 4});
    REQUIRE(some.frameNumbers == std::vector<int>{11, 3, 4});
    REQUIRE(some.width == 600);
    REQUIRE(some.height == 430);
    const std::size_t pixels = 600 * 430;
    const auto all = decodeGreyFrames(path);
    REQUIRE(all.values.size() == 11 * pixels);
    for (int i = 0; i < 3; ++i) {
        const std::size_t frameIndex = static_cast<std::size_t>(some.frameNumbers[static_cast<std::size_t>(i)] - 1);
        const std::vector<double> fromSome(some.frame(static_cast<std::size_t>(i)),
                                           some.frame(static_cast<std::size_t>(i)) + pixels);
        const std::vector<double> fromAll(all.frame(frameIndex), all.frame(frameIndex) + pixels);
        CHECK(fromSome == fromAll);
        // DCMTK's renderer goes through the same 16-bit LUT to 8-bit RGB.
        CHECK(maxAbsDifference(fromSome, dcmtkPaletteLuma(path, frameIndex)) <= 1.0);
    }
    CHECK(mean(std::vector<double>(all.frame(0), all.frame(0) + pixels)) > 5.0);
}

TEST_CASE("segmented palette LUTs (16-bit ALOKA) expand to the colours GDCM gives") {
    // Reference luma at a few pixels from `gdcmconv --raw --apply-lut` (16-bit RGB), /257.
    const auto grey = decodeGreyFrames(dataFile("us/gdcm-US-ALOKA-16.dcm"));
    REQUIRE(grey.width == 640);
    REQUIRE(grey.height == 480);
    const auto at = [&](std::size_t x, std::size_t y) { return grey.values[y * 640 + x]; };
    CHECK(at(0, 0) == doctest::Approx(luma(0x28, 0x2d, 0x41)).epsilon(1e-3));
    CHECK(*std::max_element(grey.values.begin(), grey.values.end()) <= 255.0);
    CHECK(*std::min_element(grey.values.begin(), grey.values.end()) >= 0.0);
    CHECK(mean(grey.values) > 5.0);
}

TEST_CASE("mammography spacing: PixelSpacing wins, then ImagerPixelSpacing over the magnification") {
    const auto path = dataFile("mg/MG_Explicit_Little.dcm");
    auto geometry = readImageGeometry(path);
    CHECK(geometry.modality == "MG");
    CHECK(geometry.laterality == "R");
    const auto spacing = planeSpacing(geometry);
    // PS3.3 10.7.1.1: Pixel Spacing is the distance in the patient; differing from Imager Pixel
    // Spacing means the image was calibrated (here with a fiducial), so it is used as given.
    CHECK(spacing.calibrated);
    CHECK(spacing.row == 0.25);
    CHECK(spacing.column == 0.25);
    CHECK(spacing.source == "PixelSpacing");

    TempDir dir;
    auto file = loadWhole(path);
    file->getDataset()->findAndDeleteElement(DCM_PixelSpacing);
    save(*file, dir / "no-pixel-spacing.dcm");
    const auto corrected = planeSpacing(readImageGeometry(dir / "no-pixel-spacing.dcm"));
    CHECK(corrected.row == doctest::Approx(0.5 / 1.5));
    CHECK(corrected.source.find("EstimatedRadiographicMagnificationFactor") != std::string::npos);

    file->getDataset()->findAndDeleteElement(DCM_EstimatedRadiographicMagnificationFactor);
    save(*file, dir / "detector.dcm");
    const auto detector = planeSpacing(readImageGeometry(dir / "detector.dcm"));
    CHECK(detector.row == 0.5);
    CHECK(detector.source.find("at the detector") != std::string::npos);
}

TEST_CASE("DX MONOCHROME1 is inverted over its stored range and keeps 1.2 mm spacing") {
    const auto path = dataFile("dx/dx_image.dcm");
    const auto grey = decodeGreyFrames(path);
    REQUIRE(grey.width == 211);
    REQUIRE(grey.height == 169);
    CHECK(grey.photometricInterpretation == "MONOCHROME1");
    CHECK(grey.storedType == StoredType::UInt8);
    auto file = loadWhole(path);
    const Uint8* stored = nullptr;
    REQUIRE(file->getDataset()->findAndGetUint8Array(DCM_PixelData, stored).good());
    for (std::size_t i = 0; i < grey.values.size(); ++i) REQUIRE(grey.values[i] == 255.0 - stored[i]);

    const auto geometry = readImageGeometry(path);
    const auto spacing = planeSpacing(geometry);
    CHECK(spacing.row == doctest::Approx(1.2));
    CHECK(spacing.column == doctest::Approx(1.2012));
    const auto grid = planeGeometry(geometry, 0, spacing);
    CHECK(grid.size == std::array<std::size_t, 3>{211, 169, 1});
    CHECK(grid.spacing[0] == doctest::Approx(1.2012)); // x steps along a row: column spacing
    CHECK(grid.spacing[1] == doctest::Approx(1.2));
}

TEST_CASE("CT slice: rescale to HU, signed stored type, plane in patient space") {
    const auto path = dataFile("seg/ct-3slice/01.dcm");
    const auto grey = decodeGreyFrames(path);
    CHECK(grey.storedType == StoredType::Int32); // int16 stored - 1024 needs more than int16
    auto file = loadWhole(path);
    const Uint16* stored = nullptr; // OW: signed values in 16-bit words
    REQUIRE(file->getDataset()->findAndGetUint16Array(DCM_PixelData, stored).good());
    for (std::size_t i = 0; i < grey.values.size(); i += 97) {
        REQUIRE(grey.values[i] == static_cast<Sint16>(stored[i]) - 1024.0);
    }

    const auto geometry = readImageGeometry(path);
    CHECK(geometry.isVolumetric());
    const auto grid = planeGeometry(geometry, 0, planeSpacing(geometry));
    CHECK(grid.origin[2] == doctest::Approx(-126.69));
    CHECK(grid.spacing[0] == doctest::Approx(0.810547));
}

TEST_CASE("functional groups: the real SEG's per-frame planes and shared pixel measures") {
    const auto geometry = readImageGeometry(dataFile("seg/liver.dcm"));
    CHECK(geometry.enhanced);
    CHECK(geometry.frames == 3);
    REQUIRE(geometry.pixelSpacing);
    CHECK((*geometry.pixelSpacing)[0] == doctest::Approx(0.810547));
    REQUIRE(geometry.framePositions.size() == 3);
    CHECK((*geometry.framePositions[0])[2] == doctest::Approx(-128.69));
    CHECK((*geometry.framePositions[2])[2] == doctest::Approx(-126.69));
    CHECK(geometry.spacingBetweenSlices == doctest::Approx(1.0));
}

TEST_CASE("enhanced MR: emri_small carries no functional groups, so it is not placed in space") {
    // The file in pydicom-data is stripped of its functional groups (the data README says
    // otherwise): the geometry must say "unknown", not invent a grid.
    const auto path = dataFile("enhanced/emri_small.dcm");
    const auto geometry = readImageGeometry(path);
    CHECK(geometry.frames == 10);
    CHECK_FALSE(geometry.enhanced);
    CHECK_FALSE(geometry.pixelSpacing);
    CHECK_FALSE(geometry.isVolumetric());
    const auto grey = decodeGreyFrames(path);
    CHECK(grey.values.size() == 10 * 64 * 64);
    CHECK(grey.storedType == StoredType::UInt16);
    CHECK(*std::max_element(grey.values.begin(), grey.values.end()) <= 4095.0);
}

TEST_CASE("an enhanced object with fewer per-frame functional groups than frames is refused, naming both counts") {
    TempDir dir;
    auto file = loadWhole(dataFile("enhanced/emri_small.dcm"));
    DcmDataset& dataset = *file->getDataset();
    for (int f = 0; f < 9; ++f) { // the object has 10 frames
        DcmItem* frame = nullptr;
        REQUIRE(dataset.findOrCreateSequenceItem(DCM_PerFrameFunctionalGroupsSequence, frame, f).good());
        DcmItem* position = nullptr;
        REQUIRE(frame->findOrCreateSequenceItem(DCM_PlanePositionSequence, position, 0).good());
        position->putAndInsertString(DCM_ImagePositionPatient, (std::to_string(f) + "\\0\\0").c_str());
    }
    save(*file, dir / "emri_nine_groups.dcm");
    CHECK_THROWS_WITH_AS(readImageGeometry(dir / "emri_nine_groups.dcm"),
                         doctest::Contains("NumberOfFrames is 10 but the PerFrameFunctionalGroupsSequence has 9 items"),
                         LoadError);
}

TEST_CASE("enhanced MR with functional groups: 3D grid along the normal, per-frame rescale") {
    TempDir dir;
    auto file = loadWhole(dataFile("enhanced/emri_small.dcm"));
    DcmDataset& dataset = *file->getDataset();
    DcmItem* shared = nullptr;
    REQUIRE(dataset.findOrCreateSequenceItem(DCM_SharedFunctionalGroupsSequence, shared, 0).good());
    DcmItem* measures = nullptr;
    REQUIRE(shared->findOrCreateSequenceItem(DCM_PixelMeasuresSequence, measures, 0).good());
    measures->putAndInsertString(DCM_PixelSpacing, "0.5\\0.75");
    measures->putAndInsertString(DCM_SliceThickness, "1.2");
    DcmItem* plane = nullptr;
    REQUIRE(shared->findOrCreateSequenceItem(DCM_PlaneOrientationSequence, plane, 0).good());
    // Sagittal: rows along +y (anterior to posterior), columns along -z.
    plane->putAndInsertString(DCM_ImageOrientationPatient, "0\\1\\0\\0\\0\\-1");
    // Frames stored out of order along x; frame 3 is rescaled.
    const double xs[10] = {3.6, 0.0, 1.2, 2.4, 4.8, 6.0, 7.2, 8.4, 9.6, 10.8};
    for (int f = 0; f < 10; ++f) {
        DcmItem* frame = nullptr;
        REQUIRE(dataset.findOrCreateSequenceItem(DCM_PerFrameFunctionalGroupsSequence, frame, f).good());
        DcmItem* position = nullptr;
        REQUIRE(frame->findOrCreateSequenceItem(DCM_PlanePositionSequence, position, 0).good());
        position->putAndInsertString(DCM_ImagePositionPatient, (std::to_string(xs[f]) + "\\-20\\30").c_str());
        DcmItem* transform = nullptr;
        REQUIRE(frame->findOrCreateSequenceItem(DCM_PixelValueTransformationSequence, transform, 0).good());
        transform->putAndInsertString(DCM_RescaleSlope, f == 2 ? "2" : "1");
        transform->putAndInsertString(DCM_RescaleIntercept, f == 2 ? "-10" : "0");
    }
    save(*file, dir / "emri_fg.dcm");

    const auto geometry = readImageGeometry(dir / "emri_fg.dcm");
    CHECK(geometry.enhanced);
    CHECK(geometry.isVolumetric());
    std::vector<std::array<double, 3>> positions;
    for (const auto& p : geometry.framePositions) positions.push_back(*p);
    const auto stack = stackSlices(*geometry.frameOrientations[0], positions, 64, 64, planeSpacing(geometry),
                                   geometry.sliceThickness, "emri");
    // Normal = row x column = (0,1,0) x (0,0,-1) = (-1,0,0): the stack ascends towards -x,
    // so it starts at x = 10.8 (frame 10) and ends at x = 0 (frame 2).
    const auto normal = std::array<double, 3>{stack.geometry.direction[2], stack.geometry.direction[5],
                                              stack.geometry.direction[8]};
    CHECK(normal[0] == doctest::Approx(-1.0));
    CHECK(stack.order.front() == 9);
    CHECK(stack.order.back() == 1);
    CHECK(stack.spacing == doctest::Approx(1.2));
    CHECK(stack.geometry.spacing[0] == 0.75);
    CHECK(stack.geometry.spacing[1] == 0.5);
    CHECK(stack.geometry.origin[0] == doctest::Approx(10.8));
    const auto last = stack.geometry.physicalPoint(0, 0, 9);
    CHECK(last[0] == doctest::Approx(0.0).epsilon(1e-9));

    const auto plain = decodeGreyFrames(dataFile("enhanced/emri_small.dcm"), {3});
    const auto rescaled = decodeGreyFrames(dir / "emri_fg.dcm", {3, 4});
    for (std::size_t i = 0; i < 64 * 64; ++i) REQUIRE(rescaled.values[i] == 2.0 * plain.values[i] - 10.0);
    // Frames rescaled differently share no integer type.
    CHECK(rescaled.storedType == StoredType::Float64);
    CHECK(decodeGreyFrames(dir / "emri_fg.dcm", {3}).storedType == StoredType::Int16); // 2 x [0, 4095] - 10
}

TEST_CASE("uneven or tilted stacks are refused") {
    const std::array<double, 6> axial{1, 0, 0, 0, 1, 0};
    PlaneSpacing spacing;
    spacing.row = spacing.column = 0.5;
    spacing.calibrated = true;
    CHECK_THROWS_WITH_AS(stackSlices(axial, {{0, 0, 0}, {0, 0, 1}, {0, 0, 3}}, 4, 4, spacing, 1.0, "CT series 1.2.3"),
                         doctest::Contains("CT series 1.2.3"), LoadError);
    CHECK_THROWS_AS(stackSlices(axial, {{0, 0, 0}, {0, 0, 0}}, 4, 4, spacing, 1.0, "x"), LoadError);
    CHECK_THROWS_AS(stackSlices(axial, {{0, 0, 0}, {0, 2, 1}}, 4, 4, spacing, 1.0, "x"), LoadError);
    const auto one = stackSlices(axial, {{5, 6, 7}}, 4, 4, spacing, 2.5, "x");
    CHECK(one.spacing == 2.5);
}

TEST_CASE("re-encoded images decode to the same grey: RLE, JPEG-LS, JPEG lossless and baseline") {
    TempDir dir;
    const auto rgb = dataFile("us/US1_UNCR.dcm");
    const auto reference = decodeGreyFrames(rgb).values;

    const auto rle = reencode(rgb, dir / "rle.dcm", EXS_RLELossless);
    CHECK(decodeGreyFrames(rle).values == reference);
    const auto jpegls = reencode(rgb, dir / "jls.dcm", EXS_JPEGLSLossless);
    CHECK(decodeGreyFrames(jpegls).values == reference);
    const DJ_RPLossless lossless(1, 0);
    const auto jpegLossless = reencode(rgb, dir / "jpeg-lossless.dcm", EXS_JPEGProcess14SV1, &lossless);
    CHECK(maxAbsDifference(decodeGreyFrames(jpegLossless).values, reference) < 1e-9);

    // Baseline JPEG codes YCbCr 4:2:2; grey is the coded Y channel, close to the RGB luma.
    const DJ_RPLossy quality(95);
    const auto baseline = reencode(rgb, dir / "jpeg-baseline.dcm", EXS_JPEGProcess1, &quality);
    CHECK(readPixelFormat(baseline).photometricInterpretation == "YBR_FULL_422");
    const auto lossy = decodeGreyFrames(baseline).values;
    double sum = 0.0;
    for (std::size_t i = 0; i < lossy.size(); ++i) sum += std::abs(lossy[i] - reference[i]);
    CHECK(sum / static_cast<double>(lossy.size()) < 1.5);

    // Signed 16-bit CT through JPEG-LS lossless: every HU back.
    const auto ct = dataFile("seg/ct-3slice/02.dcm");
    const auto ctJls = reencode(ct, dir / "ct-jls.dcm", EXS_JPEGLSLossless);
    CHECK(decodeGreyFrames(ctJls).values == decodeGreyFrames(ct).values);
}

TEST_CASE("multi-frame JPEG 2000 and deflated files decode the frames asked for") {
    TempDir dir;
    const auto native = dataFile("enhanced/emri_small.dcm");
    REQUIRE_MESSAGE(radnode::test::haveProgram("gdcmconv"), "gdcmconv (libgdcm-tools) makes the JPEG 2000 copy");
    const auto j2k = dir / "emri-j2k.dcm";
    const auto converted = radnode::test::runCommand("gdcmconv --j2k '" + native.string() + "' '" + j2k.string() + "'");
    REQUIRE_MESSAGE(converted.exitCode == 0, converted.output);
    REQUIRE(readPixelFormat(j2k).transferSyntaxUid == "1.2.840.10008.1.2.4.90");
    CHECK(decodeGreyFrames(j2k, {7, 2}).values == decodeGreyFrames(native, {7, 2}).values);

    auto file = loadWhole(dataFile("us/US1_UNCR.dcm"));
    save(*file, dir / "deflated.dcm", EXS_DeflatedLittleEndianExplicit);
    CHECK(decodeGreyFrames(dir / "deflated.dcm").values == decodeGreyFrames(dataFile("us/US1_UNCR.dcm")).values);
}

TEST_CASE("native YBR_FULL_422 takes Y from each pair of pixels") {
    TempDir dir;
    auto file = loadWhole(dataFile("dx/dx_image.dcm"));
    DcmDataset& dataset = *file->getDataset();
    // 4 x 2 pixels: Y0 Y1 Cb Cr per pair.
    const Uint8 bytes[16] = {10, 20, 128, 128, 30, 40, 100, 150, 50, 60, 128, 128, 70, 80, 128, 128};
    dataset.putAndInsertUint16(DCM_Rows, 2);
    dataset.putAndInsertUint16(DCM_Columns, 4);
    dataset.putAndInsertUint16(DCM_SamplesPerPixel, 3);
    dataset.putAndInsertUint16(DCM_PlanarConfiguration, 0);
    dataset.putAndInsertString(DCM_PhotometricInterpretation, "YBR_FULL_422");
    dataset.putAndInsertUint8Array(DCM_PixelData, bytes, 16);
    save(*file, dir / "ybr422.dcm");
    const auto grey = decodeGreyFrames(dir / "ybr422.dcm");
    CHECK(grey.values == std::vector<double>{10, 20, 30, 40, 50, 60, 70, 80});
}

TEST_CASE("broken files fail with a LoadError naming them, never a crash") {
    TempDir dir;
    radnode::test::writeText(dir / "empty.dcm", "");
    CHECK_THROWS_WITH_AS(decodeGreyFrames(dir / "empty.dcm"), doctest::Contains("empty.dcm"), LoadError);
    radnode::test::writeText(dir / "text.dcm", std::string(4096, 'x'));
    CHECK_THROWS_AS(decodeGreyFrames(dir / "text.dcm"), LoadError);
    CHECK_THROWS_AS(readImageGeometry(dir / "missing.dcm"), LoadError);
    CHECK_THROWS_AS(decodeGreyFrames(dataFile("us/US1_UNCR.dcm"), {2}), LoadError);
    CHECK_THROWS_AS(decodeGreyFrames(dataFile("sr/sr.dcm")), LoadError);

    // Truncated copies of native, RLE and JPEG 2000 files: cut inside the pixel data.
    for (const char* name : {"seg/ct-3slice/01.dcm", "us/us-multiframe-rle-0020.dcm", "us/US1_J2KR.dcm"}) {
        const auto source = dataFile(name);
        std::ifstream in(source, std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        const auto cut = dir / "cut.dcm";
        radnode::test::writeText(cut, bytes.substr(0, bytes.size() * 2 / 3));
        INFO(name);
        CHECK_THROWS_AS(decodeGreyFrames(cut), LoadError);
    }
}

namespace {

// The fragments of an encapsulated J2K file, Basic Offset Table first.
std::vector<std::vector<Uint8>> pixelFragments(DcmDataset& dataset) {
    DcmElement* element = nullptr;
    REQUIRE(dataset.findAndGetElement(DCM_PixelData, element).good());
    auto* pixelData = static_cast<DcmPixelData*>(element);
    E_TransferSyntax syntax = EXS_Unknown;
    const DcmRepresentationParameter* parameter = nullptr;
    pixelData->getOriginalRepresentationKey(syntax, parameter);
    DcmPixelSequence* sequence = nullptr;
    REQUIRE(pixelData->getEncapsulatedRepresentation(syntax, parameter, sequence).good());
    std::vector<std::vector<Uint8>> fragments;
    for (unsigned long i = 0; i < sequence->card(); ++i) {
        DcmPixelItem* item = nullptr;
        REQUIRE(sequence->getItem(item, i).good());
        Uint8* bytes = nullptr;
        if (item->getLength() > 0) REQUIRE(item->getUint8Array(bytes).good());
        fragments.emplace_back(bytes, bytes + item->getLength());
    }
    return fragments;
}

// Replaces the pixel sequence: `table` as Basic Offset Table, then `fragments`.
void putPixelFragments(DcmDataset& dataset, const std::vector<Uint8>& table,
                       const std::vector<std::vector<Uint8>>& fragments) {
    auto* sequence = new DcmPixelSequence(DcmTag(DCM_PixelData, EVR_OB));
    auto* tableItem = new DcmPixelItem(DcmTag(DCM_Item, EVR_OB));
    if (!table.empty()) REQUIRE(tableItem->putUint8Array(table.data(), static_cast<Uint32>(table.size())).good());
    sequence->insert(tableItem);
    for (const auto& bytes : fragments) {
        auto* item = new DcmPixelItem(DcmTag(DCM_Item, EVR_OB));
        REQUIRE(item->putUint8Array(bytes.data(), static_cast<Uint32>(bytes.size())).good());
        sequence->insert(item);
    }
    DcmElement* element = nullptr;
    REQUIRE(dataset.findAndGetElement(DCM_PixelData, element).good());
    static_cast<DcmPixelData*>(element)->putOriginalRepresentation(EXS_JPEG2000LosslessOnly, nullptr, sequence);
}

} // namespace

TEST_CASE("JPEG 2000 frames are read from their fragments: offset table, one per frame, or up to each codestream end") {
    TempDir dir;
    const auto native = dataFile("enhanced/emri_small.dcm");
    REQUIRE_MESSAGE(radnode::test::haveProgram("gdcmconv"), "gdcmconv (libgdcm-tools) makes the JPEG 2000 copy");
    const auto j2k = dir / "emri-j2k.dcm";
    const auto converted = radnode::test::runCommand("gdcmconv --j2k '" + native.string() + "' '" + j2k.string() + "'");
    REQUIRE_MESSAGE(converted.exitCode == 0, converted.output);
    const auto expected = decodeGreyFrames(native, {9, 1, 4}).values;

    auto file = loadWhole(j2k);
    DcmDataset& dataset = *file->getDataset();
    const auto fragments = pixelFragments(dataset);
    REQUIRE(fragments.size() == readPixelFormat(j2k).frames + 1);

    // Each frame cut in two fragments (even lengths, as items must be), with and without a table.
    std::vector<std::vector<Uint8>> halves;
    std::vector<Uint8> table;
    Uint32 position = 0;
    for (std::size_t f = 1; f < fragments.size(); ++f) {
        for (int b = 0; b < 4; ++b) table.push_back(static_cast<Uint8>(position >> (8 * b)));
        const auto& frame = fragments[f];
        const std::size_t cut = (frame.size() / 2) & ~std::size_t{1};
        halves.emplace_back(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(cut));
        halves.emplace_back(frame.begin() + static_cast<std::ptrdiff_t>(cut), frame.end());
        position += static_cast<Uint32>(frame.size() + 16);
    }
    putPixelFragments(dataset, table, halves);
    save(*file, dir / "split-table.dcm", EXS_JPEG2000LosslessOnly);
    CHECK(decodeGreyFrames(dir / "split-table.dcm", {9, 1, 4}).values == expected);

    putPixelFragments(dataset, {}, halves);
    save(*file, dir / "split-no-table.dcm", EXS_JPEG2000LosslessOnly);
    CHECK(decodeGreyFrames(dir / "split-no-table.dcm", {9, 1, 4}).values == expected);

    // A table that fits no fragment is ignored when there is one fragment per frame.
    const std::vector<std::vector<Uint8>> perFrame(fragments.begin() + 1, fragments.end());
    putPixelFragments(dataset, std::vector<Uint8>(table.size(), 0x11), perFrame);
    save(*file, dir / "bad-table.dcm", EXS_JPEG2000LosslessOnly);
    CHECK(decodeGreyFrames(dir / "bad-table.dcm", {9, 1, 4}).values == expected);

    // Split fragments with a codestream end missing cannot be told apart.
    auto broken = halves;
    broken[3].resize(broken[3].size() - 2);
    putPixelFragments(dataset, {}, broken);
    save(*file, dir / "split-no-end.dcm", EXS_JPEG2000LosslessOnly);
    CHECK_THROWS_WITH_AS(decodeGreyFrames(dir / "split-no-end.dcm", {1}), doctest::Contains("Basic Offset Table"),
                         LoadError);
}

TEST_CASE("a JPEG 2000 codestream must be the image its header describes; narrower samples are widened") {
    TempDir dir;
    const auto seed = std::filesystem::path(RADNODE_TEST_DATA_DIR).parent_path() / "fuzz" / "corpus" / "xfer-j2k-dx.dcm";
    const auto expected = decodeGreyFrames(seed).values;

    // 8-bit codestream in a file allocating 16 bits per sample.
    auto wide = loadWhole(seed);
    REQUIRE(wide->getDataset()->putAndInsertUint16(DCM_BitsAllocated, 16).good());
    save(*wide, dir / "wide.dcm", EXS_JPEG2000LosslessOnly);
    CHECK(decodeGreyFrames(dir / "wide.dcm").values == expected);

    // Rows, samples and BitsAllocated that disagree with the codestream: refused before decoding
    // (GDCM's codec would write past its buffer, or abort on an assert).
    auto fewerRows = loadWhole(seed);
    REQUIRE(fewerRows->getDataset()->putAndInsertUint16(DCM_Rows, 100).good());
    save(*fewerRows, dir / "rows.dcm", EXS_JPEG2000LosslessOnly);
    CHECK_THROWS_WITH_AS(decodeGreyFrames(dir / "rows.dcm"), doctest::Contains("codestream is 211 x 169"), LoadError);

    auto colour = loadWhole(seed);
    REQUIRE(colour->getDataset()->putAndInsertUint16(DCM_SamplesPerPixel, 3).good());
    REQUIRE(colour->getDataset()->putAndInsertString(DCM_PhotometricInterpretation, "RGB").good());
    save(*colour, dir / "colour.dcm", EXS_JPEG2000LosslessOnly);
    CHECK_THROWS_WITH_AS(decodeGreyFrames(dir / "colour.dcm"), doctest::Contains("1 components"), LoadError);

    // 1 x 1 tiles: 35,659 of them, which OpenJPEG would hold 380 MB of state for.
    auto tiny = loadWhole(seed);
    auto fragments = pixelFragments(*tiny->getDataset());
    REQUIRE(fragments.size() == 2);
    auto& codestream = fragments[1];
    REQUIRE(codestream.size() > 32);
    for (std::size_t i = 24; i < 32; ++i) codestream[i] = i % 4 == 3 ? 1 : 0; // XTsiz = YTsiz = 1
    putPixelFragments(*tiny->getDataset(), {}, {codestream});
    save(*tiny, dir / "tiles.dcm", EXS_JPEG2000LosslessOnly);
    CHECK_THROWS_WITH_AS(decodeGreyFrames(dir / "tiles.dcm"), doctest::Contains("35659 tiles of 1 x 1"), LoadError);

    // Code-blocks of 4 x 4 and precincts of 2 x 2 at full resolution (OpenJPEG state for each).
    const auto codeStyleAt = [](const std::vector<Uint8>& bytes) {
        for (std::size_t i = 0; i + 1 < bytes.size(); ++i)
            if (bytes[i] == 0xFF && bytes[i + 1] == 0x52) return i;
        FAIL("no COD marker");
        return std::size_t{0};
    };
    auto smallBlocks = pixelFragments(*loadWhole(seed)->getDataset())[1];
    const std::size_t cod = codeStyleAt(smallBlocks);
    smallBlocks[cod + 4 + 6] = 0; // code-block width and height exponents minus 2: 4 x 4
    smallBlocks[cod + 4 + 7] = 0;
    auto blocks = loadWhole(seed);
    putPixelFragments(*blocks->getDataset(), {}, {smallBlocks});
    save(*blocks, dir / "blocks.dcm", EXS_JPEG2000LosslessOnly);
    CHECK_THROWS_WITH_AS(decodeGreyFrames(dir / "blocks.dcm"), doctest::Contains("code-blocks of 2^2 x 2^2"), LoadError);

    auto smallPrecincts = pixelFragments(*loadWhole(seed)->getDataset())[1];
    const std::size_t segmentLength = (smallPrecincts[cod + 2] << 8) | smallPrecincts[cod + 3];
    const unsigned levels = smallPrecincts[cod + 4 + 5];
    std::vector<Uint8> sizes(levels + 1, 0x11); // 2 x 2 at every resolution
    smallPrecincts.insert(smallPrecincts.begin() + static_cast<std::ptrdiff_t>(cod + 2 + segmentLength), sizes.begin(),
                          sizes.end());
    smallPrecincts[cod + 4] |= 1; // Scod: precinct sizes given
    smallPrecincts[cod + 3] = static_cast<Uint8>(segmentLength + sizes.size());
    if (smallPrecincts.size() % 2 != 0) smallPrecincts.push_back(0);
    auto precincts = loadWhole(seed);
    putPixelFragments(*precincts->getDataset(), {}, {smallPrecincts});
    save(*precincts, dir / "precincts.dcm", EXS_JPEG2000LosslessOnly);
    CHECK_THROWS_WITH_AS(decodeGreyFrames(dir / "precincts.dcm"), doctest::Contains("precincts of 2^1 x 2^1"), LoadError);
}
