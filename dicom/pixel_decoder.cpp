#include "dicom/pixel_decoder.h"

#include "dicom/analysis_input.h"
#include "dicom/codecs.h"
#include "dicom/dataset_values.h"

#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcfcache.h>
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>
#include <dcmtk/dcmdata/dcxfer.h>

#include <gdcmDataElement.h>
#include <gdcmFragment.h>
#include <gdcmJPEG2000Codec.h>
#include <gdcmSequenceOfFragments.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

namespace radnode::dicom {

namespace {

using detail::getDouble;
using detail::getInteger;
using detail::getString;

// How one stored sample is laid out in the frame buffer.
struct SampleLayout {
    int bitsAllocated = 8, bitsStored = 8, highBit = 7;
    bool isSigned = false;

    double at(const std::uint8_t* data, std::size_t index) const {
        std::uint32_t raw = 0;
        if (bitsAllocated == 8) {
            raw = data[index];
        } else if (bitsAllocated == 16) {
            std::uint16_t word;
            std::memcpy(&word, data + 2 * index, 2);
            raw = word;
        } else {
            std::memcpy(&raw, data + 4 * index, 4);
        }
        const int shift = highBit + 1 - bitsStored;
        raw >>= shift;
        if (bitsStored < 32) raw &= (std::uint32_t{1} << bitsStored) - 1u;
        if (isSigned && bitsStored < 32 && (raw & (std::uint32_t{1} << (bitsStored - 1)))) {
            return static_cast<double>(static_cast<std::int64_t>(raw) - (std::int64_t{1} << bitsStored));
        }
        if (isSigned && bitsStored == 32) return static_cast<double>(static_cast<std::int32_t>(raw));
        return static_cast<double>(raw);
    }
    double minimum() const { return isSigned ? -std::ldexp(1.0, bitsStored - 1) : 0.0; }
    double maximum() const { return isSigned ? std::ldexp(1.0, bitsStored - 1) - 1.0 : std::ldexp(1.0, bitsStored) - 1.0; }
};

// One colour channel of a palette: entries after expansion, and where they start.
struct PaletteChannel {
    std::vector<std::uint16_t> entries;
    long firstMapped = 0;
    int bits = 16;

    double lookup(double index) const {
        const long i = std::clamp(static_cast<long>(index) - firstMapped, 0L, static_cast<long>(entries.size()) - 1);
        return entries[static_cast<std::size_t>(i)];
    }
};

std::string frameContext(const std::filesystem::path& file, int frameNumber) {
    return file.string() + " frame " + std::to_string(frameNumber);
}

// A palette descriptor announces at most 65536 entries (PS3.3 C.7.6.3.1.5).
constexpr std::size_t kMaxPaletteEntries = 65536;

// Expands Segmented Palette Color Lookup Table Data (PS3.3 C.7.9.2): discrete, linear and
// indirect segments. A few words of linear or indirect segments can announce billions of
// entries, so expansion stops at the most a palette can have.
void expandSegments(const std::vector<std::uint16_t>& data, std::size_t begin, std::size_t end,
                    std::vector<std::uint16_t>& out, int depth, const std::string& where) {
    std::size_t i = begin;
    while (i < end) {
        if (i + 1 >= end) throw LoadError(where + ": truncated segment");
        const std::uint16_t opcode = data[i];
        const std::uint16_t length = data[i + 1];
        if (opcode != 2 && out.size() + length > kMaxPaletteEntries) {
            throw LoadError(where + ": segments expand past " + std::to_string(kMaxPaletteEntries) + " entries");
        }
        if (opcode == 0) {
            if (i + 2 + length > end) throw LoadError(where + ": discrete segment runs past the data");
            out.insert(out.end(), data.begin() + static_cast<std::ptrdiff_t>(i + 2),
                       data.begin() + static_cast<std::ptrdiff_t>(i + 2 + length));
            i += 2 + length;
        } else if (opcode == 1) {
            if (out.empty()) throw LoadError(where + ": linear segment without a predecessor");
            if (i + 2 >= end) throw LoadError(where + ": truncated linear segment");
            const double y0 = out.back();
            const double y1 = data[i + 2];
            // A 16-bit counter would wrap before passing a length of 65535 and never stop.
            for (std::uint32_t k = 1; k <= length; ++k) {
                out.push_back(static_cast<std::uint16_t>(std::lround(y0 + (y1 - y0) * k / length)));
            }
            i += 3;
        } else if (opcode == 2) {
            if (depth > 0) throw LoadError(where + ": nested indirect segment");
            if (i + 3 >= end) throw LoadError(where + ": truncated indirect segment");
            const std::size_t byteOffset = data[i + 2] | (static_cast<std::size_t>(data[i + 3]) << 16);
            std::size_t j = byteOffset / 2;
            for (std::uint16_t s = 0; s < length; ++s) {
                if (j + 1 >= data.size()) throw LoadError(where + ": indirect segment points past the data");
                const std::size_t next = data[j] == 0 ? j + 2 + data[j + 1] : data[j] == 1 ? j + 3 : j + 4;
                const std::size_t before = out.size();
                expandSegments(data, j, std::min(next, data.size()), out, depth + 1, where);
                // Empty segments would let a few words loop billions of times without adding entries.
                if (out.size() == before) throw LoadError(where + ": indirect segment refers to an empty segment");
                j = next;
            }
            i += 4;
        } else {
            throw LoadError(where + ": unknown segment opcode " + std::to_string(opcode));
        }
    }
}

PaletteChannel readPaletteChannel(DcmItem& dataset, const DcmTagKey& descriptorTag, const DcmTagKey& dataTag,
                                  const DcmTagKey& segmentedTag, bool signedPixels, const std::string& where) {
    PaletteChannel channel;
    const auto count = getInteger(dataset, descriptorTag, 0);
    const auto first = getInteger(dataset, descriptorTag, 1);
    const auto bits = getInteger(dataset, descriptorTag, 2);
    if (!count || !first || !bits) throw LoadError(where + ": palette colour image without a complete LUT descriptor");
    const std::size_t entries = *count == 0 ? 65536 : static_cast<std::size_t>(*count);
    // The first mapped value is US or SS as the pixels are; implicit VR files leave it to us.
    channel.firstMapped = signedPixels ? static_cast<std::int16_t>(*first) : static_cast<std::uint16_t>(*first);
    channel.bits = static_cast<int>(*bits);

    const Uint16* words = nullptr;
    unsigned long wordCount = 0;
    if (dataset.findAndGetUint16Array(dataTag, words, &wordCount).good() && words != nullptr) {
        if (channel.bits == 8 && wordCount * 2 == entries) {
            // Eight-bit entries packed two to a word, low byte first.
            for (unsigned long w = 0; w < wordCount; ++w) {
                channel.entries.push_back(words[w] & 0xFF);
                channel.entries.push_back(words[w] >> 8);
            }
        } else {
            channel.entries.assign(words, words + wordCount);
            if (channel.bits == 8 &&
                std::any_of(channel.entries.begin(), channel.entries.end(), [](std::uint16_t v) { return v > 255; })) {
                for (auto& v : channel.entries) v = static_cast<std::uint16_t>(v >> 8);
            }
        }
    } else if (dataset.findAndGetUint16Array(segmentedTag, words, &wordCount).good() && words != nullptr) {
        const std::vector<std::uint16_t> data(words, words + wordCount);
        expandSegments(data, 0, data.size(), channel.entries, 0, where + " segmented palette");
    } else {
        throw LoadError(where + ": palette colour image without lookup table data");
    }
    if (channel.entries.size() < entries) throw LoadError(where + ": palette lookup table shorter than its descriptor");
    channel.entries.resize(entries);
    return channel;
}

// Everything about a file's pixels that does not change from frame to frame.
struct PixelSource {
    std::filesystem::path file;
    std::unique_ptr<DcmFileFormat> format;
    DcmDataset* dataset = nullptr;
    DcmPixelData* pixelData = nullptr;
    PixelFormat info;
    SampleLayout layout;
    bool encapsulated = false, jpeg2000 = false, enhanced = false;
    std::vector<PaletteChannel> palette; // red, green, blue for PALETTE COLOR
};

bool isJpeg2000(const std::string& transferSyntax) {
    return transferSyntax == "1.2.840.10008.1.2.4.90" || transferSyntax == "1.2.840.10008.1.2.4.91" ||
           transferSyntax == "1.2.840.10008.1.2.4.92" || transferSyntax == "1.2.840.10008.1.2.4.93";
}

PixelFormat readFormat(DcmDataset& dataset, const std::filesystem::path& file) {
    PixelFormat info;
    const auto rows = getInteger(dataset, DCM_Rows);
    const auto columns = getInteger(dataset, DCM_Columns);
    const auto bitsAllocated = getInteger(dataset, DCM_BitsAllocated);
    if (!rows || !columns || !bitsAllocated || *rows <= 0 || *columns <= 0) {
        throw LoadError(file.string() + ": not an image (Rows, Columns or BitsAllocated missing)");
    }
    info.rows = static_cast<std::size_t>(*rows);
    info.columns = static_cast<std::size_t>(*columns);
    info.bitsAllocated = static_cast<int>(*bitsAllocated);
    info.bitsStored = static_cast<int>(getInteger(dataset, DCM_BitsStored).value_or(info.bitsAllocated));
    info.pixelRepresentation = static_cast<int>(getInteger(dataset, DCM_PixelRepresentation).value_or(0));
    info.samplesPerPixel = static_cast<std::size_t>(getInteger(dataset, DCM_SamplesPerPixel).value_or(1));
    info.frames = static_cast<std::size_t>(std::max(1L, getInteger(dataset, DCM_NumberOfFrames).value_or(1)));
    info.photometricInterpretation = getString(dataset, DCM_PhotometricInterpretation);
    info.transferSyntaxUid = DcmXfer(dataset.getOriginalXfer()).getXferID();
    return info;
}

PixelSource openPixelSource(const std::filesystem::path& file) {
    registerDecoders();
    PixelSource source;
    source.file = file;
    source.format = detail::loadDicomFile(file);
    source.dataset = source.format->getDataset();
    auto& dataset = *source.dataset;
    source.info = readFormat(dataset, file);
    detail::checkAnnouncedPixels(dataset, file.string(), false);
    const auto& info = source.info;

    DcmElement* element = nullptr;
    if (dataset.findAndGetElement(DCM_PixelData, element).bad() || element == nullptr ||
        element->ident() != EVR_PixelData) {
        throw LoadError(file.string() + ": no pixel data (float or double pixel data is not supported)");
    }
    source.pixelData = static_cast<DcmPixelData*>(element);
    const DcmXfer transfer(dataset.getOriginalXfer());
    source.encapsulated = transfer.isEncapsulated();
    source.jpeg2000 = isJpeg2000(info.transferSyntaxUid);
    source.enhanced = detail::hasFunctionalGroups(dataset);

    if (info.bitsAllocated != 8 && info.bitsAllocated != 16 && info.bitsAllocated != 32) {
        throw LoadError(file.string() + ": BitsAllocated " + std::to_string(info.bitsAllocated) +
                        " is not a grey or colour image");
    }
    const int highBit = static_cast<int>(getInteger(dataset, DCM_HighBit).value_or(info.bitsStored - 1));
    if (info.bitsStored < 1 || info.bitsStored > info.bitsAllocated || highBit < info.bitsStored - 1 ||
        highBit >= info.bitsAllocated) {
        throw LoadError(file.string() + ": inconsistent BitsStored/HighBit");
    }
    source.layout = SampleLayout{info.bitsAllocated, info.bitsStored, highBit, info.pixelRepresentation == 1};

    const auto& photometric = info.photometricInterpretation;
    if (photometric == "PALETTE COLOR") {
        const std::string where = file.string();
        const bool isSigned = source.layout.isSigned;
        source.palette.push_back(readPaletteChannel(dataset, DCM_RedPaletteColorLookupTableDescriptor,
                                                    DCM_RedPaletteColorLookupTableData,
                                                    DCM_SegmentedRedPaletteColorLookupTableData, isSigned, where));
        source.palette.push_back(readPaletteChannel(dataset, DCM_GreenPaletteColorLookupTableDescriptor,
                                                    DCM_GreenPaletteColorLookupTableData,
                                                    DCM_SegmentedGreenPaletteColorLookupTableData, isSigned, where));
        source.palette.push_back(readPaletteChannel(dataset, DCM_BluePaletteColorLookupTableDescriptor,
                                                    DCM_BluePaletteColorLookupTableData,
                                                    DCM_SegmentedBluePaletteColorLookupTableData, isSigned, where));
    }
    const bool colour = info.samplesPerPixel == 3;
    const bool knownColour = photometric == "RGB" || photometric.rfind("YBR_", 0) == 0;
    if (colour != knownColour || (info.samplesPerPixel != 1 && info.samplesPerPixel != 3)) {
        throw LoadError(file.string() + ": PhotometricInterpretation " + photometric + " with " +
                        std::to_string(info.samplesPerPixel) + " samples per pixel is not supported");
    }
    if (!colour && photometric != "MONOCHROME1" && photometric != "MONOCHROME2" && photometric != "PALETTE COLOR") {
        throw LoadError(file.string() + ": PhotometricInterpretation '" + photometric + "' is not supported");
    }
    if (photometric == "YBR_PARTIAL_420") {
        throw LoadError(file.string() + ": YBR_PARTIAL_420 (video) is not supported");
    }
    return source;
}

struct Rescale {
    double slope = 1.0, intercept = 0.0;
};

Rescale rescaleOf(PixelSource& source, std::size_t frameIndex) {
    auto& dataset = *source.dataset;
    DcmItem* holder = &dataset;
    if (source.enhanced) {
        holder = detail::functionalGroupMacro(dataset, frameIndex, DCM_PixelValueTransformationSequence);
        if (holder == nullptr) return {};
    }
    Rescale rescale;
    rescale.slope = getDouble(*holder, DCM_RescaleSlope).value_or(1.0);
    rescale.intercept = getDouble(*holder, DCM_RescaleIntercept).value_or(0.0);
    if (rescale.slope == 0.0 || !std::isfinite(rescale.slope) || !std::isfinite(rescale.intercept)) return {};
    return rescale;
}

// Native (uncompressed) frames: bytes per frame as stored, 4:2:2 subsampled YBR included.
std::size_t nativeFrameBytes(const PixelFormat& info) {
    const std::size_t bytes = static_cast<std::size_t>(info.bitsAllocated / 8);
    const std::size_t pixels = info.rows * info.columns;
    const auto& photometric = info.photometricInterpretation;
    if (photometric == "YBR_FULL_422" || photometric == "YBR_PARTIAL_422") return pixels * 2 * bytes;
    return pixels * info.samplesPerPixel * bytes;
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

std::uint32_t littleEndian32(const std::uint8_t* bytes) {
    return bytes[0] | (std::uint32_t{bytes[1]} << 8) | (std::uint32_t{bytes[2]} << 16) | (std::uint32_t{bytes[3]} << 24);
}
std::uint32_t bigEndian32(const std::uint8_t* bytes) {
    return (std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) | (std::uint32_t{bytes[2]} << 8) | bytes[3];
}
std::uint16_t bigEndian16(const std::uint8_t* bytes) {
    return static_cast<std::uint16_t>((bytes[0] << 8) | bytes[1]);
}

// Bytes [offset, offset + count) of one pixel item, read from the file when DCMTK left the value
// there (values above 4 KiB stay on disk).
void readItemBytes(DcmPixelItem& item, std::uint32_t offset, std::uint32_t count, std::uint8_t* target,
                   DcmFileCache& cache, const std::string& where) {
    const OFCondition status = item.getPartialValue(target, offset, count, &cache);
    if (status.bad()) throw LoadError(where + ": cannot read a pixel data fragment: " + status.text());
}

// Frames located through the Basic Offset Table (item 0): each offset must be where a fragment
// starts, counted from the first fragment's item tag. Nothing when the table is empty or does
// not fit the fragments, so that the other rules get their chance.
std::optional<std::vector<FragmentRange>> framesFromOffsetTable(const std::vector<DcmPixelItem*>& items,
                                                                std::size_t frames, DcmFileCache& cache,
                                                                const std::string& where) {
    const std::uint32_t tableBytes = items[0]->getLength();
    if (tableBytes == 0 || tableBytes != 4 * frames) return std::nullopt;
    std::vector<std::uint8_t> table(tableBytes);
    readItemBytes(*items[0], 0, tableBytes, table.data(), cache, where);

    std::vector<FragmentRange> ranges(frames);
    std::size_t frame = 0;
    std::uint64_t position = 0;
    for (std::size_t item = 1; item < items.size(); ++item) {
        if (frame < frames && position == littleEndian32(table.data() + 4 * frame)) {
            ranges[frame].first = item;
            if (frame > 0) ranges[frame - 1].end = item;
            ++frame;
        }
        position += std::uint64_t{items[item]->getLength()} + 8; // item tag and length
    }
    if (frame != frames || ranges[0].first != 1) return std::nullopt;
    ranges.back().end = items.size();
    return ranges;
}

// A JPEG 2000 codestream ends with the EOC marker FF D9, perhaps padded to an even length.
bool endsCodestream(DcmPixelItem& item, DcmFileCache& cache, const std::string& where) {
    const std::uint32_t length = item.getLength();
    if (length < 2) return false;
    std::uint8_t tail[3] = {0, 0, 0};
    const std::uint32_t count = std::min<std::uint32_t>(length, 3);
    readItemBytes(item, length - count, count, tail + 3 - count, cache, where);
    return (tail[1] == 0xFF && tail[2] == 0xD9) || (tail[0] == 0xFF && tail[1] == 0xD9 && tail[2] == 0x00);
}

// Which fragments hold which frame (PS3.5 A.4): the Basic Offset Table when it fits, one
// fragment per frame when the counts agree, otherwise frames split at their EOC markers.
std::vector<FragmentRange> locateFrames(const std::vector<DcmPixelItem*>& items, std::size_t frames,
                                        DcmFileCache& cache, const std::string& where) {
    const std::size_t fragments = items.size() - 1;
    if (frames == 1) return {FragmentRange{1, items.size()}};
    if (auto ranges = framesFromOffsetTable(items, frames, cache, where)) return *ranges;
    std::vector<FragmentRange> ranges;
    if (fragments == frames) {
        for (std::size_t item = 1; item < items.size(); ++item) ranges.push_back({item, item + 1});
        return ranges;
    }
    std::size_t first = 1;
    for (std::size_t item = 1; item < items.size() && ranges.size() < frames; ++item) {
        if (endsCodestream(*items[item], cache, where)) {
            ranges.push_back({first, item + 1});
            first = item + 1;
        }
    }
    if (ranges.size() != frames || first != items.size()) {
        throw LoadError(where + ": cannot tell which of the " + std::to_string(fragments) + " fragments hold which of the " +
                        std::to_string(frames) + " frames (no usable Basic Offset Table, " +
                        std::to_string(ranges.size()) + " codestream ends found)");
    }
    return ranges;
}

// The codestream's own image size (SIZ marker, ISO/IEC 15444-1 A.5.1): OpenJPEG sizes its
// buffers from it and GDCM's codec writes what OpenJPEG decoded into a buffer sized from the
// DICOM header, so the two must agree before the codec sees the codestream.
struct CodestreamHeader {
    std::uint32_t width = 0, height = 0, components = 0, precision = 0;
    bool isSigned = false;
};

// OpenJPEG keeps about 10 KB of state per tile before it decodes anything: 1 x 1 tiles on the
// 211 x 169 DX seed took 380 MB from a 20 KB file. Real writers use one tile or tiles of 128
// pixels and more (a 4096 x 5632 mammogram in 128 x 128 tiles has 1,408).
constexpr std::uint64_t kMaxTiles = 4096;

// OpenJPEG also allocates state for every precinct and code-block before decoding: 2 x 2
// precincts made a 29 KB file announcing 1024 x 1024 pixels take 625 MB (550 bytes a pixel),
// 4 x 4 code-blocks 25 bytes a pixel. Writers use code-blocks of 32 x 32 or 64 x 64, and
// precincts that cover 32 pixels and more of the full-resolution image.
void checkCodingStyle(const std::uint8_t* style, std::size_t length, bool precinctsGiven, const std::string& where) {
    // SPcod / SPcoc (ISO/IEC 15444-1 A.6.1): levels, code-block width and height exponents
    // (minus 2), style, transform, then one precinct size byte per resolution when given.
    if (length < 5) throw LoadError(where + ": malformed JPEG 2000 coding style marker");
    const unsigned levels = style[0];
    const unsigned blockWidthBits = style[1] + 2u, blockHeightBits = style[2] + 2u;
    if (levels > 32) throw LoadError(where + ": JPEG 2000 coding style with " + std::to_string(levels) + " levels");
    if (blockWidthBits + blockHeightBits < 8) {
        throw LoadError(where + ": JPEG 2000 code-blocks of 2^" + std::to_string(blockWidthBits) + " x 2^" +
                        std::to_string(blockHeightBits) + " pixels are too small to decode");
    }
    if (!precinctsGiven) return;
    if (length < 5 + levels + 1) throw LoadError(where + ": malformed JPEG 2000 coding style marker");
    for (unsigned r = 0; r <= levels; ++r) {
        const unsigned widthBits = style[5 + r] & 0x0Fu, heightBits = style[5 + r] >> 4;
        // Resolution r is 2^(levels - r) times smaller than the image.
        if (widthBits + (levels - r) < 5 || heightBits + (levels - r) < 5) {
            throw LoadError(where + ": JPEG 2000 precincts of 2^" + std::to_string(widthBits) + " x 2^" +
                            std::to_string(heightBits) + " at resolution " + std::to_string(r) + " of " +
                            std::to_string(levels) + " are too small to decode");
        }
    }
}

// Walks the marker segments after SIZ (main header, then each tile-part header up to its SOD)
// and checks every COD and COC.
void checkCodingStyles(const std::uint8_t* codestream, std::size_t size, std::size_t position, std::uint32_t components,
                       const std::string& where) {
    std::size_t tilePartEnd = 0; // 0: no tile-part, or one running to the end
    while (position + 2 <= size) {
        const std::uint16_t marker = bigEndian16(codestream + position);
        if (marker == 0xFFD9) return; // EOC
        if (marker == 0xFF93) {       // SOD: the tile-part's data follows, up to its end
            if (tilePartEnd <= position) return;
            position = tilePartEnd;
            continue;
        }
        if (position + 4 > size) throw LoadError(where + ": JPEG 2000 codestream ends inside a marker");
        const std::size_t length = bigEndian16(codestream + position + 2);
        if (length < 2 || position + 2 + length > size) {
            throw LoadError(where + ": JPEG 2000 marker segment runs past the codestream");
        }
        const std::uint8_t* body = codestream + position + 4;
        const std::size_t bodyLength = length - 2;
        const std::size_t componentBytes = components < 257 ? 1 : 2;
        if ((marker == 0xFF90 && bodyLength < 8) || (marker == 0xFF52 && bodyLength < 5) ||
            (marker == 0xFF53 && bodyLength < componentBytes + 1)) {
            throw LoadError(where + ": malformed JPEG 2000 marker segment");
        }
        if (marker == 0xFF90) { // SOT: Isot, Psot (tile-part length from SOT), TPsot, TNsot
            const std::uint32_t tilePartLength = bigEndian32(body + 2);
            // Zero or too long: OpenJPEG takes it as the last tile-part, running to the end.
            tilePartEnd = tilePartLength == 0 || tilePartLength > size - position ? 0 : position + tilePartLength;
        } else if (marker == 0xFF52) { // COD: Scod, SGcod (4 bytes), SPcod
            checkCodingStyle(body + 5, bodyLength - 5, (body[0] & 1u) != 0, where);
        } else if (marker == 0xFF53) { // COC: Ccoc, Scoc, SPcoc
            const std::size_t skip = componentBytes + 1;
            checkCodingStyle(body + skip, bodyLength - skip, (body[componentBytes] & 1u) != 0, where);
        }
        position += 2 + length;
    }
}

CodestreamHeader readCodestreamHeader(const std::vector<std::uint8_t>& data, const std::string& where) {
    std::size_t start = 0, end = data.size();
    // Some vendors store a JP2 file: the codestream is the contents of its 'jp2c' box.
    static const std::uint8_t jp2Signature[12] = {0, 0, 0, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A};
    if (data.size() >= 12 && std::memcmp(data.data(), jp2Signature, 12) == 0) {
        std::size_t box = 0;
        bool found = false;
        while (!found && box + 8 <= data.size()) {
            std::uint64_t length = bigEndian32(&data[box]);
            const std::uint32_t type = bigEndian32(&data[box + 4]);
            std::size_t header = 8;
            if (length == 1) {
                if (box + 16 > data.size()) break;
                length = (std::uint64_t{bigEndian32(&data[box + 8])} << 32) | bigEndian32(&data[box + 12]);
                header = 16;
            } else if (length == 0) {
                length = data.size() - box;
            }
            if (length < header || length > data.size() - box) break;
            if (type == 0x6A703263) { // 'jp2c'
                start = box + header;
                end = box + static_cast<std::size_t>(length);
                found = true;
            }
            box += static_cast<std::size_t>(length);
        }
        if (!found) throw LoadError(where + ": JP2 file without a codestream box");
    }
    const std::uint8_t* siz = data.data() + start;
    const std::size_t available = end - start;
    if (available < 43 || bigEndian16(siz) != 0xFF4F || bigEndian16(siz + 2) != 0xFF51) {
        throw LoadError(where + ": not a JPEG 2000 codestream (no SOC and SIZ markers)");
    }
    CodestreamHeader header;
    const std::uint16_t sizLength = bigEndian16(siz + 4);
    const std::uint32_t imageRight = bigEndian32(siz + 8), imageBottom = bigEndian32(siz + 12);
    const std::uint32_t imageLeft = bigEndian32(siz + 16), imageTop = bigEndian32(siz + 20);
    header.components = bigEndian16(siz + 40);
    if (header.components == 0 || sizLength != 38 + 3 * header.components || 4 + std::size_t{sizLength} > available ||
        imageLeft >= imageRight || imageTop >= imageBottom) {
        throw LoadError(where + ": malformed JPEG 2000 SIZ marker");
    }
    header.width = imageRight - imageLeft;
    header.height = imageBottom - imageTop;
    const std::uint32_t tileWidth = bigEndian32(siz + 24), tileHeight = bigEndian32(siz + 28);
    const std::uint32_t tileLeft = bigEndian32(siz + 32), tileTop = bigEndian32(siz + 36);
    if (tileWidth == 0 || tileHeight == 0 || tileLeft > imageLeft || tileTop > imageTop) {
        throw LoadError(where + ": malformed JPEG 2000 SIZ marker (tiles)");
    }
    const std::uint64_t tiles = ((std::uint64_t{imageRight} - tileLeft + tileWidth - 1) / tileWidth) *
                   ((std::uint64_t{imageBottom} - tileTop + tileHeight - 1) / tileHeight);
    if (tiles > kMaxTiles) {
        throw LoadError(where + ": JPEG 2000 codestream in " + std::to_string(tiles) + " tiles of " +
                        std::to_string(tileWidth) + " x " + std::to_string(tileHeight) + ", more than " +
                        std::to_string(kMaxTiles));
    }
    for (std::uint32_t c = 0; c < header.components; ++c) {
        const std::uint8_t* component = siz + 42 + 3 * c;
        const std::uint32_t precision = (component[0] & 0x7Fu) + 1;
        const bool isSigned = (component[0] & 0x80u) != 0;
        if (component[1] != 1 || component[2] != 1) {
            throw LoadError(where + ": JPEG 2000 component " + std::to_string(c) + " is subsampled");
        }
        if (c > 0 && (precision != header.precision || isSigned != header.isSigned)) {
            throw LoadError(where + ": JPEG 2000 components differ in precision or sign");
        }
        header.precision = precision;
        header.isSigned = isSigned;
    }
    checkCodingStyles(siz, available, 4 + std::size_t{sizLength}, header.components, where);
    return header;
}

// Bytes GDCM's codec writes per sample: as many as the codestream's precision needs.
std::size_t decodedSampleBytes(std::uint32_t precision) { return precision <= 8 ? 1 : precision <= 16 ? 2 : 4; }

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
    RawFrame read(PixelSource& source, std::size_t frameIndex, DcmFileCache& cache) {
        const std::string where = frameContext(source.file, static_cast<int>(frameIndex + 1));
        if (items_.empty()) open(source, cache);
        const FragmentRange range = frames_.at(frameIndex);

        std::uint64_t total = 0;
        for (std::size_t item = range.first; item < range.end; ++item) total += items_[item]->getLength();
        if (total == 0 || total > fileBytes_) {
            throw LoadError(where + ": JPEG 2000 fragments of " + std::to_string(total) + " bytes in a file of " +
                            std::to_string(fileBytes_));
        }
        std::vector<std::uint8_t> codestream(static_cast<std::size_t>(total));
        std::size_t offset = 0;
        for (std::size_t item = range.first; item < range.end; ++item) {
            const std::uint32_t length = items_[item]->getLength();
            if (length > 0) readItemBytes(*items_[item], 0, length, codestream.data() + offset, cache, where);
            offset += length;
        }
        return decode(source.info, codestream, where);
    }

private:
    void open(PixelSource& source, DcmFileCache& cache) {
        const std::string where = source.file.string();
        std::error_code error;
        fileBytes_ = std::filesystem::file_size(source.file, error);
        if (error) throw LoadError(where + ": " + error.message());
        E_TransferSyntax transfer = EXS_Unknown;
        const DcmRepresentationParameter* parameter = nullptr;
        source.pixelData->getOriginalRepresentationKey(transfer, parameter);
        DcmPixelSequence* sequence = nullptr;
        if (source.pixelData->getEncapsulatedRepresentation(transfer, parameter, sequence).bad() || sequence == nullptr) {
            throw LoadError(where + ": JPEG 2000 transfer syntax without encapsulated pixel data");
        }
        // Walked in order: DcmPixelSequence::getItem seeks from the first item on every call.
        std::vector<DcmPixelItem*> items;
        for (DcmObject* object = sequence->nextInContainer(nullptr); object != nullptr;
             object = sequence->nextInContainer(object)) {
            if (object->ident() != EVR_pixelItem) throw LoadError(where + ": pixel sequence holds a non-item");
            items.push_back(static_cast<DcmPixelItem*>(object));
        }
        if (items.size() < 2) throw LoadError(where + ": encapsulated pixel data without fragments");
        frames_ = locateFrames(items, source.info.frames, cache, where);
        items_ = std::move(items);
    }

    static RawFrame decode(const PixelFormat& info, const std::vector<std::uint8_t>& codestream,
                           const std::string& where) {
        const CodestreamHeader header = readCodestreamHeader(codestream, where);
        const std::size_t bytesAllocated = static_cast<std::size_t>(info.bitsAllocated / 8);
        const std::size_t sampleBytes = decodedSampleBytes(header.precision);
        if (header.width != info.columns || header.height != info.rows || header.components != info.samplesPerPixel ||
            sampleBytes > bytesAllocated) {
            throw LoadError(where + ": the JPEG 2000 codestream is " + std::to_string(header.width) + " x " +
                            std::to_string(header.height) + " with " + std::to_string(header.components) +
                            " components of " + std::to_string(header.precision) + " bits, the header says " +
                            std::to_string(info.columns) + " x " + std::to_string(info.rows) + " with " +
                            std::to_string(info.samplesPerPixel) + " samples of " +
                            std::to_string(info.bitsAllocated) + " bits allocated");
        }

        gdcm::JPEG2000Codec codec;
        codec.SetNumberOfDimensions(2);
        const unsigned int dimensions[3] = {static_cast<unsigned>(info.columns), static_cast<unsigned>(info.rows), 1};
        codec.SetDimensions(dimensions);
        // The codec checks its sample count against both of these with assert(): they must agree
        // with the codestream's (checked above), not with what a hostile header claims.
        const auto samples = static_cast<unsigned short>(info.samplesPerPixel);
        const auto precision = static_cast<unsigned short>(header.precision);
        codec.SetPixelFormat(gdcm::PixelFormat(samples, static_cast<unsigned short>(info.bitsAllocated), precision,
                                               static_cast<unsigned short>(precision - 1), header.isSigned ? 1 : 0));
        codec.SetPhotometricInterpretation(samples == 3 ? gdcm::PhotometricInterpretation::RGB
                                                        : gdcm::PhotometricInterpretation::MONOCHROME2);
        codec.SetPlanarConfiguration(0);

        gdcm::Fragment fragment;
        fragment.SetByteValue(reinterpret_cast<const char*>(codestream.data()),
                              static_cast<std::uint32_t>(codestream.size()));
        gdcm::SmartPointer<gdcm::SequenceOfFragments> fragments = new gdcm::SequenceOfFragments;
        fragments->AddFragment(fragment);
        gdcm::DataElement compressed(gdcm::Tag(0x7FE0, 0x0010));
        compressed.SetVR(gdcm::VR::OB);
        compressed.SetValue(*fragments);
        gdcm::DataElement decoded;
        const std::size_t samplesInFrame = info.columns * info.rows * info.samplesPerPixel;
        if (!codec.Decode(compressed, decoded) || decoded.GetByteValue() == nullptr ||
            decoded.GetByteValue()->GetLength() < samplesInFrame * bytesAllocated) {
            throw LoadError(where + ": JPEG 2000 decoding failed");
        }

        RawFrame frame;
        const auto* bytes = reinterpret_cast<const std::uint8_t*>(decoded.GetByteValue()->GetPointer());
        frame.bytes.assign(bytes, bytes + samplesInFrame * bytesAllocated);
        if (sampleBytes < bytesAllocated) widenSamples(frame.bytes, samplesInFrame, sampleBytes, bytesAllocated, header.isSigned);
        // The codec undoes the reversible/irreversible colour transform: the samples are RGB.
        const auto& photometric = info.photometricInterpretation;
        frame.colourModel = photometric == "YBR_RCT" || photometric == "YBR_ICT" ? "RGB" : photometric;
        frame.planarConfiguration = 0;
        return frame;
    }

    // The codec packs samples as narrow as the codestream's precision (8-bit samples of a file
    // with BitsAllocated 16); spread them to the width the DICOM header describes, in place.
    static void widenSamples(std::vector<std::uint8_t>& bytes, std::size_t samples, std::size_t from, std::size_t to,
                             bool isSigned) {
        for (std::size_t i = samples; i-- > 0;) { // backwards: sample i moves to a later place
            std::uint32_t value = 0;
            std::memcpy(&value, bytes.data() + i * from, from);
            const bool negative = isSigned && (value >> (8 * from - 1)) != 0;
            if (negative) value |= ~std::uint32_t{0} << (8 * from);
            std::memcpy(bytes.data() + i * to, &value, to);
        }
    }

    std::vector<DcmPixelItem*> items_; // item 0 is the Basic Offset Table
    std::vector<FragmentRange> frames_;
    std::uintmax_t fileBytes_ = 0;
};

// `nextFragment` is where the previous call left off, valid only for the frame after it.
RawFrame readFrame(PixelSource& source, std::size_t frameIndex, DcmFileCache& cache, Uint32& nextFragment,
                   std::size_t& nextFrameIndex, Jpeg2000Reader& jpeg2000) {
    const auto& info = source.info;
    const int frameNumber = static_cast<int>(frameIndex + 1);
    if (source.jpeg2000) return jpeg2000.read(source, frameIndex, cache);

    RawFrame frame;
    if (!source.encapsulated) {
        const std::size_t frameBytes = nativeFrameBytes(info);
        const std::size_t offset = frameIndex * frameBytes;
        const Uint32 available = source.pixelData->getLength();
        if (offset + frameBytes > available) {
            throw LoadError(frameContext(source.file, frameNumber) + ": pixel data is truncated (" +
                            std::to_string(available) + " bytes for " + std::to_string(info.frames) + " frames of " +
                            std::to_string(frameBytes) + ")");
        }
        frame.bytes.resize(frameBytes);
        const OFCondition status = source.pixelData->getPartialValue(
            frame.bytes.data(), static_cast<Uint32>(offset), static_cast<Uint32>(frameBytes), &cache);
        if (status.bad()) throw LoadError(frameContext(source.file, frameNumber) + ": " + status.text());
        frame.colourModel = info.photometricInterpretation;
        frame.subsampled422 = frame.colourModel == "YBR_FULL_422" || frame.colourModel == "YBR_PARTIAL_422";
    } else {
        Uint32 frameBytes = 0;
        OFCondition status = source.pixelData->getUncompressedFrameSize(source.dataset, frameBytes);
        if (status.bad() || frameBytes == 0) {
            throw LoadError(frameContext(source.file, frameNumber) + ": cannot size the frame: " + status.text());
        }
        frame.bytes.resize(frameBytes + (frameBytes & 1u));
        OFString colourModel;
        // Zero lets DCMTK find the frame's first fragment (offset table, or one per frame).
        if (frameIndex != nextFrameIndex) nextFragment = 0;
        nextFrameIndex = frameIndex + 1;
        status = source.pixelData->getUncompressedFrame(source.dataset, static_cast<Uint32>(frameIndex), nextFragment,
                                                        frame.bytes.data(), static_cast<Uint32>(frame.bytes.size()),
                                                        colourModel, &cache);
        if (status.bad()) {
            nextFragment = 0;
            nextFrameIndex = 0;
            throw LoadError(frameContext(source.file, frameNumber) + ": cannot decode (" + info.transferSyntaxUid +
                            "): " + status.text());
        }
        frame.colourModel = colourModel.c_str();
        if (frame.colourModel.empty()) frame.colourModel = info.photometricInterpretation;
    }
    frame.planarConfiguration = static_cast<int>(getInteger(*source.dataset, DCM_PlanarConfiguration).value_or(0));
    return frame;
}

constexpr double kLumaRed = 0.299, kLumaGreen = 0.587, kLumaBlue = 0.114; // ITU-R BT.601

// Grey value of pixel i of a decoded frame.
class GreyConverter {
public:
    GreyConverter(const PixelSource& source, const RawFrame& frame, Rescale rescale)
        : layout_(source.layout), frame_(frame), palette_(source.palette), rescale_(rescale),
          pixels_(source.info.rows * source.info.columns) {
        const auto& model = frame.colourModel;
        if (model == "MONOCHROME1" || model == "MONOCHROME2") {
            kind_ = model == "MONOCHROME1" ? Kind::InvertedMonochrome : Kind::Monochrome;
            const double a = layout_.minimum() * rescale.slope + rescale.intercept;
            const double b = layout_.maximum() * rescale.slope + rescale.intercept;
            inversionSum_ = a + b; // MONOCHROME1: the rescaled range flipped onto itself
        } else if (model == "PALETTE COLOR") {
            kind_ = Kind::Palette;
            // Sixteen-bit entries are brought to the eight-bit scale of RGB ultrasound, so that
            // the grey levels of an image do not depend on how the vendor encoded its colour.
            paletteScale_ = palette_[0].bits == 16 ? 255.0 / 65535.0 : 1.0;
        } else if (model == "RGB") {
            kind_ = Kind::Rgb;
        } else if (model == "YBR_FULL" || model == "YBR_FULL_422") {
            kind_ = Kind::Luma;
        } else if (model == "YBR_PARTIAL_422" || model == "YBR_PARTIAL_420") {
            kind_ = Kind::PartialLuma;
        } else {
            throw LoadError("colour model '" + model + "' after decoding is not supported");
        }
        if (frame.bytes.size() < expectedBytes()) throw LoadError("decoded frame is shorter than Rows x Columns");
    }

    double operator()(std::size_t i) const {
        switch (kind_) {
        case Kind::Monochrome:
            return layout_.at(data(), i) * rescale_.slope + rescale_.intercept;
        case Kind::InvertedMonochrome:
            return inversionSum_ - (layout_.at(data(), i) * rescale_.slope + rescale_.intercept);
        case Kind::Palette: {
            const double index = layout_.at(data(), i);
            return paletteScale_ * (kLumaRed * palette_[0].lookup(index) + kLumaGreen * palette_[1].lookup(index) +
                                    kLumaBlue * palette_[2].lookup(index));
        }
        case Kind::Rgb:
            return kLumaRed * sample(i, 0) + kLumaGreen * sample(i, 1) + kLumaBlue * sample(i, 2);
        case Kind::Luma:
            return luma(i);
        case Kind::PartialLuma:
            return (luma(i) - 16.0) * 255.0 / 219.0;
        }
        return 0.0;
    }

private:
    enum class Kind { Monochrome, InvertedMonochrome, Palette, Rgb, Luma, PartialLuma };

    const std::uint8_t* data() const { return frame_.bytes.data(); }
    std::size_t expectedBytes() const {
        const std::size_t bytes = static_cast<std::size_t>(layout_.bitsAllocated / 8);
        if (frame_.subsampled422) return pixels_ * 2 * bytes;
        return pixels_ * (kind_ == Kind::Rgb || kind_ == Kind::Luma || kind_ == Kind::PartialLuma ? 3 : 1) * bytes;
    }
    double sample(std::size_t i, std::size_t channel) const {
        if (frame_.planarConfiguration == 1) return layout_.at(data(), channel * pixels_ + i);
        return layout_.at(data(), 3 * i + channel);
    }
    double luma(std::size_t i) const {
        // Native 4:2:2 stores Y0 Y1 Cb Cr for each pair of pixels.
        if (frame_.subsampled422) return layout_.at(data(), (i / 2) * 4 + (i % 2));
        return sample(i, 0);
    }

    SampleLayout layout_;
    const RawFrame& frame_;
    const std::vector<PaletteChannel>& palette_;
    Rescale rescale_;
    std::size_t pixels_;
    Kind kind_ = Kind::Monochrome;
    double inversionSum_ = 0.0, paletteScale_ = 1.0;
};

bool isIntegral(double value) { return std::floor(value) == value; }

// The narrowest integer type holding every rescaled stored value, as ITK's DICOM reader chooses.
analysis::StoredType storedTypeOf(const PixelSource& source, const Rescale& rescale) {
    const auto& photometric = source.info.photometricInterpretation;
    if (photometric != "MONOCHROME1" && photometric != "MONOCHROME2") return analysis::StoredType::Float64;
    if (!isIntegral(rescale.slope) || !isIntegral(rescale.intercept)) return analysis::StoredType::Float64;
    const double a = source.layout.minimum() * rescale.slope + rescale.intercept;
    const double b = source.layout.maximum() * rescale.slope + rescale.intercept;
    const double low = std::min(a, b), high = std::max(a, b);
    using T = analysis::StoredType;
    if (low >= 0) {
        if (high <= 255) return T::UInt8;
        if (high <= 65535) return T::UInt16;
        if (high <= 4294967295.0) return T::UInt32;
    } else {
        if (low >= -128 && high <= 127) return T::Int8;
        if (low >= -32768 && high <= 32767) return T::Int16;
        if (low >= -2147483648.0 && high <= 2147483647.0) return T::Int32;
    }
    return T::Float64;
}

} // namespace

PixelFormat readPixelFormat(const std::filesystem::path& file) {
    const auto format = detail::loadDicomFile(file);
    return readFormat(*format->getDataset(), file);
}

GreyFrames decodeGreyFrames(const std::filesystem::path& file, const std::vector<int>& frameNumbers,
                            const std::optional<PixelWindow>& window) {
    PixelSource source = openPixelSource(file);
    const auto& info = source.info;

    std::vector<int> frames = frameNumbers;
    if (frames.empty()) {
        for (std::size_t f = 1; f <= info.frames; ++f) frames.push_back(static_cast<int>(f));
    }
    for (int frame : frames) {
        if (frame < 1 || static_cast<std::size_t>(frame) > info.frames) {
            throw LoadError(file.string() + ": frame " + std::to_string(frame) + " does not exist (NumberOfFrames " +
                            std::to_string(info.frames) + ")");
        }
    }
    PixelWindow box = window.value_or(PixelWindow{0, 0, info.columns, info.rows});
    if (box.width == 0 || box.height == 0 || box.x0 + box.width > info.columns || box.y0 + box.height > info.rows) {
        throw LoadError(file.string() + ": pixel window outside the " + std::to_string(info.columns) + " x " +
                        std::to_string(info.rows) + " frame");
    }

    const double decodedBytes = double(frames.size()) * double(box.width) * double(box.height) * sizeof(double);
    if (decodedBytes > double(detail::kMaxDecodedBytes)) {
        throw LoadError(file.string() + ": " + std::to_string(frames.size()) + " frames of " + std::to_string(box.width) +
                        " x " + std::to_string(box.height) + " would take " +
                        std::to_string(static_cast<long long>(decodedBytes) >> 20) + " MiB decoded, beyond the " +
                        std::to_string(detail::kMaxDecodedBytes >> 20) + " MiB limit");
    }

    GreyFrames result;
    result.width = box.width;
    result.height = box.height;
    result.frameNumbers = frames;
    result.photometricInterpretation = info.photometricInterpretation;
    result.values.resize(frames.size() * box.width * box.height);

    // Decode in increasing frame order (compressed fragments are found by walking forward),
    // writing each frame where the caller asked for it.
    std::vector<std::size_t> order(frames.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return frames[a] < frames[b]; });

    DcmFileCache cache;
    Uint32 nextFragment = 0;
    std::size_t nextFrameIndex = 0;
    Jpeg2000Reader jpeg2000;
    bool firstFrame = true;
    for (std::size_t slot : order) {
        const std::size_t frameIndex = static_cast<std::size_t>(frames[slot] - 1);
        const Rescale rescale = rescaleOf(source, frameIndex);
        const auto type = storedTypeOf(source, rescale);
        if (firstFrame) result.storedType = type;
        else if (type != result.storedType) result.storedType = analysis::StoredType::Float64;
        firstFrame = false;

        const RawFrame raw = readFrame(source, frameIndex, cache, nextFragment, nextFrameIndex, jpeg2000);
        try {
            const GreyConverter grey(source, raw, rescale);
            double* out = result.values.data() + slot * box.width * box.height;
            for (std::size_t y = 0; y < box.height; ++y) {
                const std::size_t rowStart = (box.y0 + y) * info.columns + box.x0;
                for (std::size_t x = 0; x < box.width; ++x) *out++ = grey(rowStart + x);
            }
        } catch (const LoadError& error) {
            throw LoadError(frameContext(file, frames[slot]) + ": " + error.what());
        }
    }
    return result;
}

} // namespace radnode::dicom
