#include "dicom/jpeg2000_frames.h"

#include "dicom/analysis_input.h"

#include <dcmtk/dcmdata/dcfcache.h>
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>

#include <gdcmDataElement.h>
#include <gdcmFragment.h>
#include <gdcmJPEG2000Codec.h>
#include <gdcmSequenceOfFragments.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <system_error>

namespace radnode::dicom::detail {

namespace {

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


// The codec packs samples as narrow as the codestream's precision (8-bit samples of a file
// with BitsAllocated 16); spread them to the width the DICOM header describes, in place.
void widenSamples(std::vector<std::uint8_t>& bytes, std::size_t samples, std::size_t from, std::size_t to,
                         bool isSigned) {
    for (std::size_t i = samples; i-- > 0;) { // backwards: sample i moves to a later place
        std::uint32_t value = 0;
        std::memcpy(&value, bytes.data() + i * from, from);
        const bool negative = isSigned && (value >> (8 * from - 1)) != 0;
        if (negative) value |= ~std::uint32_t{0} << (8 * from);
        std::memcpy(bytes.data() + i * to, &value, to);
    }
}

RawFrame decode(const PixelFormat& info, const std::vector<std::uint8_t>& codestream,
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

} // namespace

RawFrame Jpeg2000Reader::read(const std::filesystem::path& file, DcmPixelData& pixelData, const PixelFormat& info,
                              std::size_t frameIndex, DcmFileCache& cache) {
    const std::string where = frameContext(file, static_cast<int>(frameIndex + 1));
    if (items_.empty()) open(file, pixelData, info.frames, cache);
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
    return decode(info, codestream, where);
}

void Jpeg2000Reader::open(const std::filesystem::path& file, DcmPixelData& pixelData, std::size_t frames,
                          DcmFileCache& cache) {
    const std::string where = file.string();
    std::error_code error;
    fileBytes_ = std::filesystem::file_size(file, error);
    if (error) throw LoadError(where + ": " + error.message());
    E_TransferSyntax transfer = EXS_Unknown;
    const DcmRepresentationParameter* parameter = nullptr;
    pixelData.getOriginalRepresentationKey(transfer, parameter);
    DcmPixelSequence* sequence = nullptr;
    if (pixelData.getEncapsulatedRepresentation(transfer, parameter, sequence).bad() || sequence == nullptr) {
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
    frames_ = locateFrames(items, frames, cache, where);
    items_ = std::move(items);
}

} // namespace radnode::dicom::detail
