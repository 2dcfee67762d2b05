#include "dicom/pixel_decoder.h"

#include "dicom/analysis_input.h"
#include "dicom/codecs.h"
#include "dicom/dataset_values.h"
#include "dicom/jpeg2000_frames.h"

#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcfcache.h>
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcxfer.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

namespace radnode::dicom {

namespace {

using detail::frameContext;
using detail::getDouble;
using detail::getInteger;
using detail::getString;
using detail::Jpeg2000Reader;
using detail::RawFrame;

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

// `nextFragment` is where the previous call left off, valid only for the frame after it.
RawFrame readFrame(PixelSource& source, std::size_t frameIndex, DcmFileCache& cache, Uint32& nextFragment,
                   std::size_t& nextFrameIndex, Jpeg2000Reader& jpeg2000) {
    const auto& info = source.info;
    const int frameNumber = static_cast<int>(frameIndex + 1);
    if (source.jpeg2000) return jpeg2000.read(source.file, *source.pixelData, info, frameIndex, cache);

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
