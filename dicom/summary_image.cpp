#include "dicom/summary_image.h"

#include "dicom/dataset_values.h"
#include "dicom/summary_font.h"
#include "dicom/uid.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcvrda.h>
#include <dcmtk/dcmdata/dcvrtm.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace radnode::dicom {

namespace {

// Larger sources are reduced so that the picture stays a screen's size.
constexpr int kMaxImageSide = 1024;
constexpr int kMaxLineLength = 36; // characters; longer text is wrapped
constexpr int kMargin = 8;         // picture pixels around the text, in units of the text scale

std::string upper(std::string text) {
    for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return text;
}

std::string percent(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.0f %%", value);
    return text;
}

// Splits at spaces so that no line exceeds kMaxLineLength (a longer word is cut).
void addWrapped(std::vector<std::string>& lines, const std::string& text) {
    std::istringstream words(text);
    std::string line;
    for (std::string word; words >> word;) {
        while (word.size() > static_cast<std::size_t>(kMaxLineLength)) {
            if (!line.empty()) lines.push_back(line), line.clear();
            lines.push_back(word.substr(0, kMaxLineLength));
            word = word.substr(kMaxLineLength);
        }
        if (!line.empty() && line.size() + 1 + word.size() > static_cast<std::size_t>(kMaxLineLength)) {
            lines.push_back(line);
            line.clear();
        }
        line += (line.empty() ? "" : " ") + word;
    }
    if (!line.empty()) lines.push_back(line);
}

std::string lateralityWord(const std::string& laterality) {
    if (laterality == "L") return "LEFT";
    if (laterality == "R") return "RIGHT";
    if (laterality == "B") return "BOTH";
    return laterality;
}

// The z index with the most ROI voxels; the first of equals.
int largestSlice(const analysis::Mask& mask) {
    const auto& size = mask.geometry.size;
    const std::size_t perSlice = size[0] * size[1];
    std::size_t best = 0;
    int bestZ = -1;
    for (std::size_t z = 0; z < size[2]; ++z) {
        const auto begin = mask.voxels.begin() + static_cast<std::ptrdiff_t>(z * perSlice);
        const auto count = static_cast<std::size_t>(std::count_if(begin, begin + static_cast<std::ptrdiff_t>(perSlice),
                                                                  [](std::uint8_t v) { return v != 0; }));
        if (count > best) best = count, bestZ = static_cast<int>(z);
    }
    return bestZ;
}

void put(RgbPicture& picture, int x, int y, const std::array<std::uint8_t, 3>& colour) {
    if (x < 0 || y < 0 || x >= picture.width || y >= picture.height) return;
    std::copy(colour.begin(), colour.end(), picture.rgb.begin() + 3 * (static_cast<std::ptrdiff_t>(y) * picture.width + x));
}

void drawText(RgbPicture& picture, int left, int top, int scale, const std::string& text) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto rows = glyphRows(text[i]);
        const int cellLeft = left + static_cast<int>(i) * (kGlyphWidth + 1) * scale;
        for (int gy = 0; gy < kGlyphHeight; ++gy) {
            for (int gx = 0; gx < kGlyphWidth; ++gx) {
                if (!(rows[gy] & (1u << (kGlyphWidth - 1 - gx)))) continue;
                for (int sy = 0; sy < scale; ++sy)
                    for (int sx = 0; sx < scale; ++sx) put(picture, cellLeft + gx * scale + sx, top + gy * scale + sy, kTextColour);
            }
        }
    }
}

void require(const OFCondition& status, const std::string& what) {
    if (status.bad()) throw SrError("summary image: " + what + ": " + status.text());
}

void putString(DcmItem& item, const DcmTagKey& tag, const std::string& value, const std::string& what) {
    require(item.putAndInsertString(tag, value.c_str()), what);
}

bool isAscii(const std::string& text) {
    return std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

} // namespace

std::array<std::uint8_t, 3> RgbPicture::at(int x, int y) const {
    const auto offset = 3 * (static_cast<std::size_t>(y) * static_cast<std::size_t>(width) + static_cast<std::size_t>(x));
    return {rgb[offset], rgb[offset + 1], rgb[offset + 2]};
}

std::vector<std::string> summaryLines(const SummaryImageSpec& spec) {
    std::vector<std::string> lines{"RADNODE RADIOMICS SUMMARY", "RESEARCH USE, UNVERIFIED", "NOT FOR DIAGNOSIS", ""};
    std::string roi = "ROI " + upper(spec.roiName);
    if (!spec.view.empty()) roi += " " + upper(spec.view);
    if (!spec.laterality.empty()) roi += " " + lateralityWord(spec.laterality);
    addWrapped(lines, roi);
    for (const auto& note : spec.notes) addWrapped(lines, upper(note));
    lines.emplace_back();
    if (spec.models.empty()) lines.emplace_back("NO MODEL APPLIED");
    for (const auto& model : spec.models) {
        addWrapped(lines, "MODEL " + upper(model.modelName) + " V" + upper(model.modelVersion));
        if (model.probabilityPercent) {
            lines.push_back("PROBABILITY " + percent(*model.probabilityPercent));
            addWrapped(lines, "CLASS " + upper(model.predictedClass) + " (THRESHOLD " +
                                  percent(model.thresholdPercent) + ")");
            if (model.unstable) lines.emplace_back("UNSTABLE: INTERPRET WITH CAUTION");
        } else {
            // The SR's summary says why: "Research use. Model X vN not scored: <reason>".
            const auto reason = model.summaryText.find("not scored");
            addWrapped(lines, upper(reason == std::string::npos ? "NOT SCORED" : model.summaryText.substr(reason)));
        }
        lines.emplace_back();
    }
    return lines;
}

SummaryPicture renderSummary(const SummaryImageSpec& spec) {
    const auto& geometry = spec.image.geometry;
    const std::string what = "summary image of ROI " + spec.roiName;
    if (spec.mask.geometry.size != geometry.size || spec.mask.voxels.size() != geometry.voxelCount() ||
        spec.image.voxels.size() != geometry.voxelCount()) {
        throw SrError(what + ": the mask is not on the image's grid");
    }
    SummaryPicture result;
    result.slice = largestSlice(spec.mask);
    if (result.slice < 0) throw SrError(what + ": the ROI is empty");
    result.lines = summaryLines(spec);

    const int width = static_cast<int>(geometry.size[0]), height = static_cast<int>(geometry.size[1]);
    const int longest = std::max(width, height);
    result.reduction = (longest + kMaxImageSide - 1) / kMaxImageSide;
    const int r = result.reduction;
    result.imageWidth = (width + r - 1) / r;
    result.imageHeight = (height + r - 1) / r;
    result.textScale = result.imageHeight >= 300 ? 2 : 1;
    const int scale = result.textScale;
    std::size_t longestLine = 0;
    for (const auto& line : result.lines) longestLine = std::max(longestLine, line.size());
    const int textWidth = static_cast<int>(longestLine) * (kGlyphWidth + 1) * scale;
    const int lineHeight = (kGlyphHeight + 3) * scale;
    const int textHeight = static_cast<int>(result.lines.size()) * lineHeight;
    result.textLeft = result.imageWidth + kMargin * scale;
    result.textTop = kMargin * scale;

    RgbPicture& picture = result.picture;
    picture.width = result.textLeft + textWidth + kMargin * scale;
    picture.width += picture.width % 2; // an even pixel count: no padding byte in Pixel Data
    picture.height = std::max(result.imageHeight, textHeight + 2 * kMargin * scale);
    picture.rgb.assign(static_cast<std::size_t>(picture.width) * static_cast<std::size_t>(picture.height) * 3, 0);
    for (int y = 0; y < picture.height; ++y)
        for (int x = 0; x < picture.width; ++x) put(picture, x, y, kPanelColour);

    // Grey: the slice's own range, so that any modality's values fill 0..255.
    const std::size_t sliceOffset = geometry.offset(0, 0, static_cast<std::size_t>(result.slice));
    const auto sliceBegin = spec.image.voxels.begin() + static_cast<std::ptrdiff_t>(sliceOffset);
    const auto [low, high] = std::minmax_element(sliceBegin, sliceBegin + static_cast<std::ptrdiff_t>(width) * height);
    const double range = *high > *low ? *high - *low : 1.0;
    const auto inside = [&](int x, int y) {
        if (x < 0 || y < 0 || x >= width || y >= height) return false;
        return spec.mask.voxels[sliceOffset + static_cast<std::size_t>(y) * width + x] != 0;
    };
    for (int py = 0; py < result.imageHeight; ++py) {
        for (int px = 0; px < result.imageWidth; ++px) {
            double sum = 0;
            int count = 0;
            for (int y = py * r; y < std::min(height, (py + 1) * r); ++y) {
                for (int x = px * r; x < std::min(width, (px + 1) * r); ++x) {
                    sum += sliceBegin[static_cast<std::ptrdiff_t>(y) * width + x];
                    ++count;
                }
            }
            const double grey = std::clamp((sum / count - *low) / range * 255.0, 0.0, 255.0);
            const auto level = static_cast<std::uint8_t>(std::lround(grey));
            put(picture, px, py, {level, level, level});
        }
    }
    // Contour: ROI pixels with a 4-neighbour outside, drawn two picture pixels wide (the ROI's
    // edge and the pixel beyond it) so that it shows at any reduction.
    for (int y = 0; y < height; ++y) {
        for (int x = 0; x < width; ++x) {
            if (!inside(x, y)) continue;
            const std::pair<int, int> steps[] = {{1, 0}, {-1, 0}, {0, 1}, {0, -1}};
            for (const auto& [dx, dy] : steps) {
                if (inside(x + dx, y + dy)) continue;
                put(picture, x / r, y / r, kContourColour);
                const int ox = (x + dx * r) / r, oy = (y + dy * r) / r;
                if (ox < result.imageWidth && oy < result.imageHeight) put(picture, ox, oy, kContourColour);
            }
        }
    }
    for (std::size_t i = 0; i < result.lines.size(); ++i) {
        drawText(picture, result.textLeft, result.textTop + static_cast<int>(i) * lineHeight, scale, result.lines[i]);
    }
    return result;
}

WrittenSummaryImage writeSummaryImage(const SummaryImageSpec& spec, const std::filesystem::path& outFile) {
    if (spec.study.studyInstanceUid.empty()) throw SrError("summary image: no Study Instance UID given");
    if (spec.seriesInstanceUid.empty()) throw SrError("summary image: no Series Instance UID given");
    const SummaryPicture summary = renderSummary(spec);

    WrittenSummaryImage written;
    written.sopInstanceUid = spec.sopInstanceUid.empty() ? newUid() : spec.sopInstanceUid;
    written.sopClassUid = kSecondaryCaptureImageStorage;
    written.file = outFile;
    std::string date = spec.contentDate, time = spec.contentTime;
    if (date.empty() || time.empty()) {
        OFString nowDate, nowTime;
        DcmDate::getCurrentDate(nowDate);
        DcmTime::getCurrentTime(nowTime, OFTrue /*seconds*/, OFFalse /*fraction*/);
        if (date.empty()) date = nowDate.c_str();
        if (time.empty()) time = nowTime.c_str();
    }

    DcmFileFormat file;
    DcmDataset& d = *file.getDataset();
    const SrPatientStudy& s = spec.study;
    const bool utf8 = !(isAscii(s.patientName) && isAscii(s.patientId) && isAscii(s.studyDescription) &&
                        isAscii(s.referringPhysicianName) && isAscii(spec.seriesDescription) && isAscii(s.studyId) &&
                        isAscii(s.accessionNumber));
    if (utf8) putString(d, DCM_SpecificCharacterSet, "ISO_IR 192", "character set");
    // SOP Common
    putString(d, DCM_SOPClassUID, written.sopClassUid, "SOP Class UID");
    putString(d, DCM_SOPInstanceUID, written.sopInstanceUid, "SOP Instance UID");
    // Patient and General Study: copied from the source as given.
    putString(d, DCM_PatientName, s.patientName, "Patient's Name");
    putString(d, DCM_PatientID, s.patientId, "Patient ID");
    putString(d, DCM_PatientBirthDate, s.patientBirthDate, "Patient's Birth Date");
    putString(d, DCM_PatientSex, s.patientSex, "Patient's Sex");
    putString(d, DCM_StudyInstanceUID, s.studyInstanceUid, "Study Instance UID");
    putString(d, DCM_StudyDate, s.studyDate, "Study Date");
    putString(d, DCM_StudyTime, s.studyTime, "Study Time");
    putString(d, DCM_ReferringPhysicianName, s.referringPhysicianName, "Referring Physician's Name");
    putString(d, DCM_StudyID, s.studyId, "Study ID");
    putString(d, DCM_AccessionNumber, s.accessionNumber, "Accession Number");
    if (!s.studyDescription.empty()) putString(d, DCM_StudyDescription, s.studyDescription, "Study Description");
    // General Series: the SR's series. Modality OT, as for any Secondary Capture.
    putString(d, DCM_Modality, "OT", "Modality");
    putString(d, DCM_SeriesInstanceUID, spec.seriesInstanceUid, "Series Instance UID");
    putString(d, DCM_SeriesNumber, std::to_string(spec.seriesNumber), "Series Number");
    putString(d, DCM_SeriesDescription, spec.seriesDescription, "Series Description");
    // Laterality (2C: the breast is paired): the ROI's side where it is one, else empty.
    putString(d, DCM_Laterality, spec.laterality == "L" || spec.laterality == "R" ? spec.laterality : "", "Laterality");
    // General Equipment and SC Equipment: made by a workstation, radnode.
    putString(d, DCM_Manufacturer, spec.manufacturer, "Manufacturer");
    putString(d, DCM_ConversionType, "WSD", "Conversion Type");
    putString(d, DCM_SecondaryCaptureDeviceManufacturer, spec.manufacturer, "SC Device Manufacturer");
    putString(d, DCM_SecondaryCaptureDeviceManufacturerModelName, "radnode", "SC Device Model Name");
    if (!spec.softwareVersion.empty()) {
        putString(d, DCM_SecondaryCaptureDeviceSoftwareVersions, spec.softwareVersion, "SC Device Software Versions");
        putString(d, DCM_SoftwareVersions, spec.softwareVersion, "Software Versions");
    }
    putString(d, DCM_DateOfSecondaryCapture, date, "Date of Secondary Capture");
    putString(d, DCM_TimeOfSecondaryCapture, time, "Time of Secondary Capture");
    // General Image
    putString(d, DCM_InstanceNumber, std::to_string(spec.instanceNumber), "Instance Number");
    putString(d, DCM_PatientOrientation, "", "Patient Orientation");
    putString(d, DCM_ContentDate, date, "Content Date");
    putString(d, DCM_ContentTime, time, "Content Time");
    putString(d, DCM_ImageType, "DERIVED\\SECONDARY", "Image Type");
    putString(d, DCM_BurnedInAnnotation, "YES", "Burned In Annotation");
    putString(d, DCM_LossyImageCompression, "00", "Lossy Image Compression");
    std::string derivation = "Contour of ROI " + spec.roiName + " on the source image";
    if (spec.image.geometry.size[2] > 1) derivation += " (slice " + std::to_string(summary.slice + 1) + ")";
    derivation += " with radiomics model results burned in; research use, unverified";
    putString(d, DCM_DerivationDescription, derivation.substr(0, 1024), "Derivation Description");
    for (const auto& source : spec.sources) {
        DcmItem* item = nullptr;
        require(d.findOrCreateSequenceItem(DCM_SourceImageSequence, item, -2), "Source Image Sequence");
        putString(*item, DCM_ReferencedSOPClassUID, source.sopClassUid, "source SOP Class " + source.sopInstanceUid);
        putString(*item, DCM_ReferencedSOPInstanceUID, source.sopInstanceUid, "source " + source.sopInstanceUid);
    }
    // Image Pixel: RGB, 8 bits, pixel-interleaved.
    const RgbPicture& picture = summary.picture;
    require(d.putAndInsertUint16(DCM_SamplesPerPixel, 3), "Samples per Pixel");
    putString(d, DCM_PhotometricInterpretation, "RGB", "Photometric Interpretation");
    require(d.putAndInsertUint16(DCM_PlanarConfiguration, 0), "Planar Configuration");
    require(d.putAndInsertUint16(DCM_Rows, static_cast<Uint16>(picture.height)), "Rows");
    require(d.putAndInsertUint16(DCM_Columns, static_cast<Uint16>(picture.width)), "Columns");
    require(d.putAndInsertUint16(DCM_BitsAllocated, 8), "Bits Allocated");
    require(d.putAndInsertUint16(DCM_BitsStored, 8), "Bits Stored");
    require(d.putAndInsertUint16(DCM_HighBit, 7), "High Bit");
    require(d.putAndInsertUint16(DCM_PixelRepresentation, 0), "Pixel Representation");
    require(d.putAndInsertUint8Array(DCM_PixelData, picture.rgb.data(), static_cast<unsigned long>(picture.rgb.size())),
            "Pixel Data");

    try {
        detail::saveDicomFileReplacing(file, outFile);
    } catch (const std::runtime_error& error) {
        throw SrError(std::string("summary image: ") + error.what());
    }
    return written;
}

} // namespace radnode::dicom
