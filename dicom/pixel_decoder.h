// DICOM frames to grey intensities (double), one frame at a time so that a large multi-frame
// object is never decoded whole. Grey follows docs/dicom-conventions.md: rescale slope and
// intercept for monochrome, MONOCHROME1 inverted, RGB to ITU-R BT.601 luma, YBR to its Y
// channel, palette colour through its lookup table first.
#pragma once

#include "analysis/image.h"

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace radnode::dicom {

// A pixel rectangle of a frame: columns [x0, x0 + width), rows [y0, y0 + height).
struct PixelWindow {
    std::size_t x0 = 0, y0 = 0, width = 0, height = 0;
};

struct GreyFrames {
    std::size_t width = 0, height = 0; // of each decoded frame (the window when one was given)
    std::vector<int> frameNumbers;     // 1-based, in the order asked for
    std::vector<double> values;        // frame after frame, row after row, x fastest
    // The type a reader such as SimpleITK would have produced (integers when the stored values
    // and an integral rescale allow it).
    analysis::StoredType storedType = analysis::StoredType::Float64;
    std::string photometricInterpretation; // as stored in the file

    const double* frame(std::size_t index) const { return values.data() + index * width * height; }
};

struct PixelFormat {
    std::size_t rows = 0, columns = 0, frames = 1, samplesPerPixel = 1;
    int bitsAllocated = 0, bitsStored = 0, pixelRepresentation = 0;
    std::string photometricInterpretation, transferSyntaxUid;
};

// Header pass: what decodeGreyFrames would meet. Throws LoadError naming the file.
PixelFormat readPixelFormat(const std::filesystem::path& file);

// Decodes the listed frames (1-based; empty: all of them), keeping only `window` of each when
// one is given. Throws LoadError naming the file and frame for anything it cannot decode.
GreyFrames decodeGreyFrames(const std::filesystem::path& file, const std::vector<int>& frameNumbers = {},
                            const std::optional<PixelWindow>& window = std::nullopt);

} // namespace radnode::dicom
