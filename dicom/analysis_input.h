// What dicom/ hands the worker for analysis: per segment of a SEG, the grey image it was drawn
// on and its mask on the same grid in physical space, with the references the SR must cite.
#pragma once

#include "analysis/image.h"

#include <stdexcept>
#include <string>
#include <vector>

namespace radnode::dicom {

// An object that cannot be turned into analysis input: the message names the file and UIDs.
class LoadError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

enum class RoiRole { Tumor, LymphNode, Other };

struct SourceReference {
    std::string sopClassUid, sopInstanceUid, seriesInstanceUid;
    std::vector<int> frames; // 1-based frame numbers; empty for a single-frame instance
};

struct SegmentInput {
    int segmentNumber = 0;
    std::string segmentLabel, trackingId, trackingUid;
    RoiRole role = RoiRole::Other;
    analysis::Image image;    // grey, physical space; 2D images have size z == 1
    analysis::Mask mask;      // same grid as image
    bool volumetric = false;  // 3D source (DBT, CT/MR volume)
    bool calibrated = true;   // false: ultrasound without regions: spacing is in pixels
    std::string spacingSource; // where the in-plane spacing came from, for logs and reports
    std::string modality, view, laterality; // view: CC, MLO, ... from ViewCodeSequence / ViewPosition
    std::vector<SourceReference> sources;   // what the mask was drawn on
    std::vector<int> segFrameNumbers;       // SEG frames holding this segment (1-based)
};

struct SegmentationInfo {
    std::string sopInstanceUid, seriesInstanceUid, studyInstanceUid;
    std::vector<std::string> referencedInstanceUids; // every source instance, without repeats
};

} // namespace radnode::dicom
