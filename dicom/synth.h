// Synthetic breast studies (ultrasound or tomosynthesis, each with its SEG) built to the real
// IODs, for tests and the demo: no public breast DICOM exists. Deterministic: the same options
// give the same bytes (UIDs derived from the options, fixed dates, no clock, no host name).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace radnode::dicom {

enum class SynthModality { Ultrasound, Tomosynthesis };

struct SynthOptions {
    SynthModality modality = SynthModality::Ultrasound;
    std::uint64_t seed = 1;          // also picks the patient: same seed, same patient
    double lesionDiameterMm = 12.0;  // mean diameter of the tumour, 3..40 mm
    bool includeLymphNode = true;    // ultrasound only: second image + "Lymph node" segment
    bool metastaticNode = false;     // rounder node, thickened cortex, effaced hilum
    std::string view = "CC";         // tomosynthesis: "CC" or "MLO"
    std::string laterality = "L";    // "L" or "R"
    // Tomosynthesis: at least this many frames (0: as many as the mass needs). Frames beyond
    // the rendered stack repeat its tissue, so benchmarks get large objects cheaply.
    unsigned tomosynthesisFrames = 0;
    // Tomosynthesis: frame size in pixels (0: 256 x 256, the rendered block). Larger frames
    // (full-field sizes such as 1500 x 1200) surround the block with mirrored tissue.
    unsigned tomosynthesisColumns = 0, tomosynthesisRows = 0;
    // The SEG as a Label Map Segmentation (LABELMAP, one 8-bit frame per source frame, pixel =
    // segment number) instead of BINARY; the images are the same either way.
    bool labelMapSegmentation = false;
};

struct SynthStudy {
    std::string patientId, accessionNumber, studyInstanceUid;
    std::vector<std::filesystem::path> imageFiles;  // ultrasound: tumour image, then node image
    std::vector<std::filesystem::path> segFiles;    // one SEG covering every image of the study
    // UIDs for tests and the demo to check what a node reports against.
    std::string imageSeriesInstanceUid, segSeriesInstanceUid, frameOfReferenceUid;
    std::vector<std::string> imageSopInstanceUids;  // in the order of imageFiles
    std::vector<std::string> segSopInstanceUids;    // in the order of segFiles
    // Ultrasound: spicules drawn on the tumour outline (14..24); 0 for tomosynthesis.
    int tumourSpiculeCount = 0;
};

// A simulated pathological node status for a synthetic ultrasound study, so that a cohort
// of synthetic studies can train a demonstration model (docs/training.md, "The demo model").
struct SynthNodeStatus {
    bool positive = false;   // N+
    int positiveNodes = 0;   // 0 for N0; 1..2 or 3..6 for N+
    double probability = 0;  // of N+, from the generating model
};

// Drawn from a logistic model of the lesion's diameter and spiculation, seeded by the
// study's seed (same study, same status). Throws std::invalid_argument for tomosynthesis.
SynthNodeStatus simulatedNodeStatus(const SynthOptions& options, const SynthStudy& study);

// Writes the study's files into outDir (created if needed), named
// "<accession>_<what>.dcm" so that several studies can share one folder. Throws
// std::invalid_argument for bad options and std::runtime_error when a file cannot be written.
SynthStudy writeSyntheticStudy(const SynthOptions& options, const std::filesystem::path& outDir);

// The modality's command-line name ("us", "dbt") and back; throws std::invalid_argument.
std::string toString(SynthModality modality);
SynthModality parseSynthModality(const std::string& text);

} // namespace radnode::dicom
