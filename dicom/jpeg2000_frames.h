// JPEG 2000 frames of an encapsulated pixel sequence: locating each frame's fragments and
// decoding its codestream. Internal to the pixel decoder (dicom/ only): it includes DCMTK.
#pragma once

#include "dicom/pixel_decoder.h"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

class DcmFileCache;
class DcmPixelData;
class DcmPixelItem;

namespace radnode::dicom::detail {

inline std::string frameContext(const std::filesystem::path& file, int frameNumber) {
    return file.string() + " frame " + std::to_string(frameNumber);
}

// Decoded frame bytes and the colour model they are in (a JPEG decoder may change it).
struct RawFrame {
    std::vector<std::uint8_t> bytes;
    std::string colourModel;
    int planarConfiguration = 0;
    bool subsampled422 = false;
};

// The pixel items [first, end) of the encapsulated pixel sequence that hold one frame.
struct FragmentRange {
    std::size_t first = 0, end = 0;
};

// Reads JPEG 2000 frames from DCMTK's encapsulated pixel sequence (the dataset DCMTK already
// parsed, values left on disk) and decodes one frame's codestream at a time with GDCM's codec
// from memory. GDCM never parses the file: its reader misparsed a fuzzed data set that DCMTK
// reads and sized a 1.3 GB buffer from one element (docs/fuzzing.md). No allocation here can
// exceed the file's size plus a constant times the decoded frame: a frame's fragments are checked
// to fit in the file before they are read (the codec copies the codestream a few times), the
// codestream must announce exactly the Rows x Columns that checkAnnouncedPixels bounds, and its
// tiles, precincts and code-blocks must be large enough that OpenJPEG's state stays small.
class Jpeg2000Reader {
public:
    // Frame frameIndex (from 0) of the file whose pixel data and format these are.
    RawFrame read(const std::filesystem::path& file, DcmPixelData& pixelData, const PixelFormat& info,
                  std::size_t frameIndex, DcmFileCache& cache);

private:
    void open(const std::filesystem::path& file, DcmPixelData& pixelData, std::size_t frames, DcmFileCache& cache);

    std::vector<DcmPixelItem*> items_; // item 0 is the Basic Offset Table
    std::vector<FragmentRange> frames_;
    std::uintmax_t fileBytes_ = 0;
};

} // namespace radnode::dicom::detail
