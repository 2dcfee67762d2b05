// A DICOM Segmentation (BINARY or FRACTIONAL) matched to the images it was drawn on, turned
// into analysis input: per segment and source image (or volume), the grey image and its mask
// on one grid in physical space.
#pragma once

#include "analysis/settings.h"
#include "dicom/analysis_input.h"

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace radnode::dicom {

struct LoadOptions {
    // FRACTIONAL segmentations: a pixel is inside when its value reaches this fraction of
    // MaximumFractionalValue (and is not zero).
    double fractionalThreshold = 0.5;
    // Volumetric sources are cropped to the ROI plus this much context on every side (the
    // filters and peritumoral rings need it); 2D images are always kept whole.
    double marginMm = 30.0;
    // ECMAScript patterns, case-insensitive, searched in SegmentLabel; a match overrides the
    // role the SegmentedPropertyTypeCodeSequence gives. Empty: not used.
    std::string tumorLabelPattern, lymphNodeLabelPattern;
};

// The context (LoadOptions::marginMm) a volumetric ROI needs so that cropping the source to it
// changes no feature: the widest peritumoral ring (its voxels must lie inside the crop), plus,
// when any filter other than Original is enabled, its reach: 4 sigma of the widest LoG sigma
// (the Gaussian's weight beyond is below 4e-4) and at least 10 mm (coif1 wavelet and LBP reach a
// few voxels: 10 slices of 1 mm). Original-only features are computed on the ROI's bounding box
// and need no more. A 30 mm default margin made a 300 MB DBT job peak at 248 MB RSS; this one,
// 10 mm for the default rings, keeps it near the ROI.
double contextMarginMm(const std::vector<double>& ringsMm, const analysis::ExtractionParams& params);

// Where a stored instance lives, by SOP Instance UID; nullopt when it is not stored.
using InstanceFinder = std::function<std::optional<std::filesystem::path>(const std::string& sopInstanceUid)>;

// Fast header pass (no pixel data loaded): for study assembly. Throws LoadError for a file
// that is not a readable Segmentation.
SegmentationInfo readSegmentationInfo(const std::filesystem::path& segFile);

// Throws LoadError with a message naming the UIDs at fault: a source that is not stored, a
// source whose rows, columns, spacing, frame of reference or plane differ from the SEG's, a
// vendor object that cannot be analysed, a SEG with nothing drawn.
std::vector<SegmentInput> loadSegmentInputs(const std::filesystem::path& segFile, const InstanceFinder& findInstance,
                                            const LoadOptions& options = {});

// The role a segment's SegmentedPropertyType code gives: SCT 108369006 Neoplasm and 4147007
// Mass are tumours, 59441001 Lymph node is a node (with their legacy SRT equivalents).
RoiRole roleFromPropertyType(const std::string& codingScheme, const std::string& codeValue);

} // namespace radnode::dicom
