// Summary Secondary Capture images, for a PACS that does not render SR: per ROI one RGB image
// with the ROI's contour drawn on its source image and the model results written beside it.
#pragma once

#include "analysis/image.h"
#include "dicom/sr_content.h"

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace radnode::dicom {

inline constexpr const char* kSecondaryCaptureImageStorage = "1.2.840.10008.5.1.4.1.1.7";

struct SummaryImageSpec {
    SrPatientStudy study;
    std::string seriesInstanceUid;  // the SR's series
    std::string sopInstanceUid;     // empty: generated
    std::string seriesDescription = "radnode radiomics";
    int seriesNumber = 9901;
    int instanceNumber = 2;
    std::string manufacturer = "radnode", softwareVersion;
    std::string roiName, view, laterality; // named in the text
    analysis::Image image;                 // grey source: a 2D frame (z == 1) or a volume
    analysis::Mask mask;                   // the ROI on the same grid
    std::vector<SrInstanceRef> sources;    // the source instances (Source Image Sequence)
    std::vector<std::string> notes;        // further short lines, e.g. "MAX DIAMETER 12.3 MM"
    std::vector<SrModelResult> models;     // the study's model results
    std::string contentDate, contentTime;  // DICOM DA/TM; empty: now
};

// 8-bit RGB, pixel-interleaved, rows top to bottom.
struct RgbPicture {
    int width = 0, height = 0;
    std::vector<std::uint8_t> rgb;
    std::array<std::uint8_t, 3> at(int x, int y) const;
};

// Colours of the picture: the contour, the text, the panel behind the text.
inline constexpr std::array<std::uint8_t, 3> kContourColour{255, 255, 0};
inline constexpr std::array<std::uint8_t, 3> kTextColour{255, 255, 255};
inline constexpr std::array<std::uint8_t, 3> kPanelColour{0, 0, 0};

struct SummaryPicture {
    RgbPicture picture;
    int slice = 0;              // z index of the slice shown (the one with the largest ROI area)
    int reduction = 1;          // source pixels per picture pixel along each axis
    int imageWidth = 0, imageHeight = 0; // the image part, at the picture's left
    int textLeft = 0, textTop = 0, textScale = 1; // where the first text line starts
    std::vector<std::string> lines;
};

// The text written beside the image: what the ROI is, the model results, "Research use, unverified".
std::vector<std::string> summaryLines(const SummaryImageSpec& spec);

// Draws the picture without writing a file. Throws SrError when the mask is empty or not on
// the image's grid.
SummaryPicture renderSummary(const SummaryImageSpec& spec);

struct WrittenSummaryImage {
    std::string sopInstanceUid, sopClassUid;
    std::filesystem::path file;
};

// Writes the Secondary Capture (Burned In Annotation YES) through "<file>.partial" and a rename.
WrittenSummaryImage writeSummaryImage(const SummaryImageSpec& spec, const std::filesystem::path& outFile);

} // namespace radnode::dicom
