// Summary Secondary Capture images: the contour where the ROI's edge is, the text where the
// panel is, the slice with the largest ROI area, and a file dciodvfy accepts.
#include "dicom/dataset_values.h"
#include "dicom/summary_font.h"
#include "dicom/summary_image.h"
#include "dicom/uid.h"
#include "test_support.h"

#include <doctest/doctest.h>

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>

#include <algorithm>
#include <sstream>

using namespace radnode::dicom;
using radnode::analysis::Image;
using radnode::analysis::Mask;
using radnode::test::runCommand;
using radnode::test::TempDir;

namespace {

// A grey ramp with a disc-shaped ROI of radius `radius` on slice `roiSlice` (and a smaller
// disc on the slice before it).
SummaryImageSpec discSpec(std::size_t width, std::size_t height, std::size_t slices, int radius, std::size_t roiSlice) {
    SummaryImageSpec spec;
    spec.study = SrPatientStudy{"Doe^Jane", "RN-0042", "19700101", "F",      uidFromSeed("summary-test/study"),
                                "20250301", "101500",  "S42",      "ACC-42", "Referrer^Rita",
                                "US breast"};
    spec.seriesInstanceUid = uidFromSeed("summary-test/sr-series");
    spec.softwareVersion = "0.1.0";
    spec.roiName = "tumor";
    spec.laterality = "L";
    spec.image.geometry.size = {width, height, slices};
    spec.mask.geometry = spec.image.geometry;
    spec.image.voxels.resize(spec.image.geometry.voxelCount());
    spec.mask.voxels.assign(spec.image.geometry.voxelCount(), 0);
    for (std::size_t z = 0; z < slices; ++z) {
        for (std::size_t y = 0; y < height; ++y) {
            for (std::size_t x = 0; x < width; ++x) {
                const auto at = spec.image.geometry.offset(x, y, z);
                spec.image.voxels[at] = 100.0 + static_cast<double>(x + y); // never the extremes inside the disc
                const double dx = static_cast<double>(x) - width / 2.0, dy = static_cast<double>(y) - height / 2.0;
                const int r = z == roiSlice ? radius : (z + 1 == roiSlice ? radius / 2 : 0);
                if (r > 0 && dx * dx + dy * dy <= r * r) spec.mask.voxels[at] = 1;
            }
        }
    }
    spec.sources = {SrInstanceRef{"1.2.840.10008.5.1.4.1.1.6.1", uidFromSeed("summary-test/image"),
                                  uidFromSeed("summary-test/us-series"), spec.study.studyInstanceUid}};
    SrModelResult scored;
    scored.modelName = "hong-nomogram";
    scored.modelVersion = "2";
    scored.probabilityPercent = 73.25;
    scored.thresholdPercent = 50;
    scored.predictedClass = "N+";
    SrModelResult unscored;
    unscored.modelName = "burden";
    unscored.modelVersion = "1";
    unscored.summaryText = "Research use. Model burden v1 not scored: input tumor:original_glcm_Idn missing";
    spec.models = {scored, unscored};
    spec.notes = {"Max diameter 12.3 mm"};
    return spec;
}

bool has(const std::vector<std::string>& lines, const std::string& line) {
    return std::find(lines.begin(), lines.end(), line) != lines.end();
}

bool isGrey(const std::array<std::uint8_t, 3>& rgb) {
    return rgb[0] == rgb[1] && rgb[1] == rgb[2];
}

} // namespace

TEST_CASE("summary image: contour on the ROI's edge, grey elsewhere, scores as text beside it") {
    const SummaryImageSpec spec = discSpec(200, 150, 1, 30, 0);
    const SummaryPicture summary = renderSummary(spec);
    CHECK(summary.slice == 0);
    CHECK(summary.reduction == 1);
    CHECK(summary.imageWidth == 200);
    CHECK(summary.imageHeight == 150);
    const RgbPicture& picture = summary.picture;
    CHECK(picture.width % 2 == 0);
    CHECK(picture.width > 200);
    CHECK(picture.height >= 150);
    REQUIRE(picture.rgb.size() == static_cast<std::size_t>(picture.width * picture.height * 3));

    // The disc's rightmost pixel in its middle row and the pixel beyond it are contour; its
    // centre and the image corner keep their grey.
    int edge = 100;
    while (spec.mask.voxels[spec.mask.geometry.offset(static_cast<std::size_t>(edge + 1), 75, 0)]) ++edge;
    CHECK(edge == 130);
    CHECK(picture.at(edge, 75) == kContourColour);
    CHECK(picture.at(edge + 1, 75) == kContourColour);
    CHECK(isGrey(picture.at(edge - 3, 75)));
    CHECK(isGrey(picture.at(100, 75)));
    CHECK(isGrey(picture.at(0, 0)));
    CHECK(picture.at(0, 0) == std::array<std::uint8_t, 3>{0, 0, 0});          // the ramp's low end
    CHECK(picture.at(199, 149) == std::array<std::uint8_t, 3>{255, 255, 255}); // and its high end
    int contour = 0;
    for (int y = 0; y < summary.imageHeight; ++y)
        for (int x = 0; x < summary.imageWidth; ++x) contour += picture.at(x, y) == kContourColour;
    CHECK(contour > 2 * 3 * 30);  // at least the circumference
    CHECK(contour < 4 * 4 * 30);  // and no filled disc

    CHECK(has(summary.lines, "RESEARCH USE, UNVERIFIED"));
    CHECK(has(summary.lines, "ROI TUMOR LEFT"));
    CHECK(has(summary.lines, "MAX DIAMETER 12.3 MM"));
    CHECK(has(summary.lines, "MODEL HONG-NOMOGRAM V2"));
    CHECK(has(summary.lines, "PROBABILITY 73 %"));
    CHECK(has(summary.lines, "CLASS N+ (THRESHOLD 50 %)"));
    CHECK(has(summary.lines, "MODEL BURDEN V1"));
    CHECK(has(summary.lines, "NOT SCORED: INPUT")); // wrapped at a space
    CHECK(has(summary.lines, "TUMOR:ORIGINAL_GLCM_IDN MISSING"));
    for (const auto& line : summary.lines) CHECK(line.size() <= 36);

    // The first letter of the first line, drawn where the text starts, pixel for pixel.
    REQUIRE(summary.lines.front().front() == 'R');
    const auto rows = glyphRows('R');
    const int s = summary.textScale;
    for (int gy = 0; gy < kGlyphHeight; ++gy) {
        for (int gx = 0; gx < kGlyphWidth; ++gx) {
            const bool lit = rows[gy] & (1u << (kGlyphWidth - 1 - gx));
            CAPTURE(gx);
            CAPTURE(gy);
            CHECK(picture.at(summary.textLeft + gx * s, summary.textTop + gy * s) == (lit ? kTextColour : kPanelColour));
        }
    }
    // Text stays in the panel: nothing but panel and text colours right of the image.
    int textPixels = 0;
    for (int y = 0; y < picture.height; ++y) {
        for (int x = summary.imageWidth; x < picture.width; ++x) {
            const auto rgb = picture.at(x, y);
            CHECK((rgb == kTextColour || rgb == kPanelColour));
            textPixels += rgb == kTextColour;
        }
    }
    CHECK(textPixels > 1000);
}

TEST_CASE("summary image: a volume shows the slice with the largest ROI area; a large one is reduced") {
    const SummaryPicture volume = renderSummary(discSpec(64, 48, 5, 12, 3));
    CHECK(volume.slice == 3);
    CHECK(volume.textScale == 1);

    const SummaryPicture wide = renderSummary(discSpec(2100, 300, 1, 100, 0));
    CHECK(wide.reduction == 3);
    CHECK(wide.imageWidth == 700);
    CHECK(wide.imageHeight == 100);
    CHECK(wide.picture.at(1150 / 3, 150 / 3) == kContourColour); // the disc's right edge, reduced

    SummaryImageSpec empty = discSpec(32, 32, 1, 0, 0);
    CHECK_THROWS_AS(renderSummary(empty), SrError);

    CHECK(glyphRows('a') == glyphRows('A'));
    CHECK(glyphRows('~') == glyphRows('?'));
    CHECK(glyphRows(' ') == std::array<std::uint8_t, kGlyphHeight>{});
}

TEST_CASE("summary image: a valid Secondary Capture in the SR's series, burned-in annotation declared") {
    REQUIRE(radnode::test::haveProgram("dciodvfy"));
    TempDir dir;
    SummaryImageSpec spec = discSpec(120, 90, 1, 20, 0);
    spec.sopInstanceUid = uidFromSeed("summary-test/sc");
    spec.instanceNumber = 3;
    const auto file = dir / "summary.dcm";
    const WrittenSummaryImage written = writeSummaryImage(spec, file);
    CHECK(written.sopInstanceUid == spec.sopInstanceUid);
    CHECK(written.sopClassUid == kSecondaryCaptureImageStorage);
    CHECK_FALSE(std::filesystem::exists(file.string() + ".partial"));

    const auto validation = runCommand("dciodvfy '" + file.string() + "' 2>&1");
    INFO(validation.output);
    std::istringstream lines(validation.output);
    int errors = 0;
    for (std::string line; std::getline(lines, line);) errors += line.rfind("Error", 0) == 0;
    CHECK(errors == 0);
    CHECK(validation.output.find("SCImage") != std::string::npos);

    auto loaded = detail::loadDicomFile(file);
    DcmDataset& d = *loaded->getDataset();
    CHECK(detail::getString(d, DCM_BurnedInAnnotation) == "YES");
    CHECK(detail::getString(d, DCM_SeriesInstanceUID) == spec.seriesInstanceUid);
    CHECK(detail::getString(d, DCM_StudyInstanceUID) == spec.study.studyInstanceUid);
    CHECK(detail::getString(d, DCM_PatientID) == "RN-0042");
    CHECK(detail::getString(d, DCM_PatientName) == "Doe^Jane");
    CHECK(detail::getString(d, DCM_AccessionNumber) == "ACC-42");
    CHECK(detail::getString(d, DCM_PhotometricInterpretation) == "RGB");
    CHECK(detail::getString(d, DCM_InstanceNumber) == "3");
    const SummaryPicture expected = renderSummary(spec);
    CHECK(detail::getInteger(d, DCM_Columns) == expected.picture.width);
    CHECK(detail::getInteger(d, DCM_Rows) == expected.picture.height);
    const Uint8* pixels = nullptr;
    unsigned long count = 0;
    REQUIRE(d.findAndGetUint8Array(DCM_PixelData, pixels, &count).good());
    REQUIRE(count == expected.picture.rgb.size());
    CHECK(std::equal(expected.picture.rgb.begin(), expected.picture.rgb.end(), pixels));

    SummaryImageSpec emptyRoi = discSpec(32, 32, 1, 0, 0);
    CHECK_THROWS_AS(writeSummaryImage(emptyRoi, dir / "empty.dcm"), SrError);
    CHECK_FALSE(std::filesystem::exists(dir / "empty.dcm"));
}
