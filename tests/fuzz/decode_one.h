// One pass of every parse-and-decode step the node runs on a received file, for the libFuzzer
// harness and its replay test. Bad input may throw std::exception (each step catches it and
// notes it); anything else (a crash, an abort, a sanitizer report, a foreign exception) is a bug.
#pragma once

#include "dicom/analysis_input.h"
#include "dicom/geometry.h"
#include "dicom/pixel_decoder.h"
#include "dicom/segmentation.h"
#include "dicom/store_scp.h"

#include <exception>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace radnode::fuzz {

// What one step did with the file: succeeded, or threw std::exception with this message.
struct StepOutcome {
    std::string step;
    bool succeeded = false;
    std::string error;
};

struct DecodeOutcome {
    std::vector<StepOutcome> steps;

    const StepOutcome* find(const std::string& step) const {
        for (const auto& outcome : steps)
            if (outcome.step == step) return &outcome;
        return nullptr;
    }
    bool succeeded(const std::string& step) const {
        const auto* outcome = find(step);
        return outcome != nullptr && outcome->succeeded;
    }
};

inline StepOutcome runStep(const std::string& step, const std::function<void()>& body) {
    StepOutcome outcome{step, false, {}};
    try {
        body();
        outcome.succeeded = true;
    } catch (const std::exception& error) {
        // Expected for bad input; an empty message would leave the operator nothing to go on.
        outcome.error = error.what()[0] != '\0' ? error.what() : "(exception without a message)";
    }
    return outcome;
}

// Runs the listener's header check, the SEG reader (with every referenced instance resolved
// to this same file), the geometry reader and the pixel decoder on one file. Pixel decoding is
// bounded to `maxDecodedPixels` (frames x rows x columns from the header): a fuzzed header
// may legitimately announce gigapixels, and decoding them would only measure the allocator.
inline DecodeOutcome decodeOne(const std::filesystem::path& file, std::size_t maxDecodedPixels = 16u << 20) {
    DecodeOutcome outcome;
    outcome.steps.push_back(runStep("readInstanceHeader", [&] { (void)dicom::readInstanceHeader(file); }));
    outcome.steps.push_back(runStep("readSegmentationInfo", [&] { (void)dicom::readSegmentationInfo(file); }));
    outcome.steps.push_back(runStep("loadSegmentInputs", [&] {
        const dicom::InstanceFinder sameFile = [&](const std::string&) -> std::optional<std::filesystem::path> {
            return file;
        };
        (void)dicom::loadSegmentInputs(file, sameFile);
    }));
    outcome.steps.push_back(runStep("readImageGeometry", [&] { (void)dicom::readImageGeometry(file); }));
    outcome.steps.push_back(runStep("decodeGreyFrames", [&] {
        const auto format = dicom::readPixelFormat(file);
        const double pixels = double(format.rows) * double(format.columns) * double(format.frames);
        if (pixels > double(maxDecodedPixels))
            throw std::length_error(file.string() + ": " + std::to_string(format.frames) + " frames of " +
                                    std::to_string(format.rows) + " x " + std::to_string(format.columns) +
                                    " is beyond the fuzzing bound");
        (void)dicom::decodeGreyFrames(file);
        // A window and an explicit frame list take other paths through the decoder.
        if (format.rows >= 2 && format.columns >= 2)
            (void)dicom::decodeGreyFrames(file, {1}, dicom::PixelWindow{1, 1, format.columns - 1, format.rows - 1});
    }));
    return outcome;
}

} // namespace radnode::fuzz
