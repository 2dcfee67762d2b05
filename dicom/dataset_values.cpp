#include "dicom/dataset_values.h"

#include "dicom/analysis_input.h"

#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcsequen.h>
#include <dcmtk/dcmdata/dcxfer.h>

#include <algorithm>
#include <stdexcept>

namespace radnode::dicom::detail {

void saveDicomFileReplacing(DcmFileFormat& file, const std::filesystem::path& target) {
    const std::filesystem::path partial = target.string() + ".partial";
    const OFCondition saved = file.saveFile(partial.c_str(), EXS_LittleEndianExplicit, EET_ExplicitLength, EGL_recalcGL,
                                            EPD_noChange, 0, 0, EWM_createNewMeta);
    if (saved.bad()) {
        std::error_code ignored;
        std::filesystem::remove(partial, ignored);
        throw std::runtime_error("cannot write " + partial.string() + ": " + saved.text());
    }
    std::error_code renameError;
    std::filesystem::rename(partial, target, renameError);
    if (renameError) {
        std::filesystem::remove(partial, renameError);
        throw std::runtime_error("cannot move " + partial.string() + " to " + target.string());
    }
}

std::unique_ptr<DcmFileFormat> loadDicomFile(const std::filesystem::path& file) {
    if (!std::filesystem::is_regular_file(file)) throw LoadError("cannot read " + file.string() + ": no such file");
    auto format = std::make_unique<DcmFileFormat>();
    // Values above 4 KiB stay on disk: a 500 MB tomosynthesis object costs its header only.
    const Uint32 lazyAbove = 4096;
    const OFCondition status = format->loadFile(file.c_str(), EXS_Unknown, EGL_noChange, lazyAbove, ERM_autoDetect);
    if (status.bad()) throw LoadError("cannot read " + file.string() + " as DICOM: " + status.text());
    return format;
}

std::string getString(DcmItem& item, const DcmTagKey& tag, unsigned long position) {
    OFString value;
    if (item.findAndGetOFString(tag, value, position).bad()) return {};
    std::string text(value.c_str());
    const auto first = text.find_first_not_of(" \0", 0, 2);
    if (first == std::string::npos) return {};
    const auto last = text.find_last_not_of(" \0", std::string::npos, 2);
    return text.substr(first, last - first + 1);
}

std::optional<long> getInteger(DcmItem& item, const DcmTagKey& tag, unsigned long position) {
    long value = 0;
    if (item.findAndGetLongInt(tag, value, position).good()) return value;
    return std::nullopt;
}

std::optional<double> getDouble(DcmItem& item, const DcmTagKey& tag, unsigned long position) {
    Float64 value = 0.0;
    if (item.findAndGetFloat64(tag, value, position).good()) return value;
    if (const auto integer = getInteger(item, tag, position)) return static_cast<double>(*integer);
    return std::nullopt;
}

std::vector<double> getDoubles(DcmItem& item, const DcmTagKey& tag) {
    DcmElement* element = nullptr;
    if (item.findAndGetElement(tag, element).bad() || element == nullptr) return {};
    std::vector<double> values;
    const unsigned long count = element->getVM();
    for (unsigned long i = 0; i < count; ++i) {
        const auto value = getDouble(item, tag, i);
        if (!value) return {};
        values.push_back(*value);
    }
    return values;
}

std::vector<DcmItem*> getItems(DcmItem& item, const DcmTagKey& sequence) {
    DcmSequenceOfItems* found = nullptr;
    if (item.findAndGetSequence(sequence, found).bad() || found == nullptr) return {};
    std::vector<DcmItem*> items;
    for (unsigned long i = 0; i < found->card(); ++i) items.push_back(found->getItem(i));
    return items;
}

DcmItem* firstItem(DcmItem& item, const DcmTagKey& sequence) {
    DcmItem* found = nullptr;
    if (item.findAndGetSequenceItem(sequence, found, 0).bad()) return nullptr;
    return found;
}

DcmItem* functionalGroupMacro(DcmItem& dataset, std::size_t frameIndex, const DcmTagKey& sequence) {
    DcmItem* perFrame = nullptr;
    if (dataset.findAndGetSequenceItem(DCM_PerFrameFunctionalGroupsSequence, perFrame,
                                       static_cast<signed long>(frameIndex))
            .good() &&
        perFrame != nullptr) {
        if (DcmItem* macro = firstItem(*perFrame, sequence)) return macro;
    }
    if (DcmItem* shared = firstItem(dataset, DCM_SharedFunctionalGroupsSequence)) return firstItem(*shared, sequence);
    return nullptr;
}

std::vector<DcmItem*> perFrameFunctionalGroups(DcmItem& dataset, std::size_t frames, const std::string& what) {
    auto items = getItems(dataset, DCM_PerFrameFunctionalGroupsSequence);
    if (items.size() != frames) {
        throw LoadError(what + ": NumberOfFrames is " + std::to_string(frames) +
                        " but the PerFrameFunctionalGroupsSequence has " + std::to_string(items.size()) + " items");
    }
    return items;
}

bool hasFunctionalGroups(DcmItem& dataset) {
    return dataset.tagExists(DCM_SharedFunctionalGroupsSequence) || dataset.tagExists(DCM_PerFrameFunctionalGroupsSequence);
}

std::size_t checkAnnouncedPixels(DcmDataset& dataset, const std::string& what, bool wholeLastFrame) {
    const long rows = getInteger(dataset, DCM_Rows).value_or(0);
    const long columns = getInteger(dataset, DCM_Columns).value_or(0);
    const long samples = getInteger(dataset, DCM_SamplesPerPixel).value_or(1);
    const long bitsAllocated = getInteger(dataset, DCM_BitsAllocated).value_or(0);
    // Zero or negative: one frame, as the decoders read it.
    const long frames = std::max(1L, getInteger(dataset, DCM_NumberOfFrames).value_or(1));
    if (rows < 0 || columns < 0 || samples < 1 || bitsAllocated < 0 || samples > 4 || bitsAllocated > 64) {
        throw LoadError(what + ": Rows " + std::to_string(rows) + ", Columns " + std::to_string(columns) +
                        ", SamplesPerPixel " + std::to_string(samples) + ", BitsAllocated " +
                        std::to_string(bitsAllocated) + " describe no image");
    }
    // Native 4:2:2 YBR stores two samples per pixel, not three.
    const std::string photometric = getString(dataset, DCM_PhotometricInterpretation);
    const bool subsampled = photometric == "YBR_FULL_422" || photometric == "YBR_PARTIAL_422";
    const std::uint64_t frameBits = static_cast<std::uint64_t>(rows) * static_cast<std::uint64_t>(columns) *
                                    static_cast<std::uint64_t>(subsampled ? 2 : samples) *
                                    static_cast<std::uint64_t>(bitsAllocated);
    if (frameBits / 8 > kMaxFrameBytes) {
        throw LoadError(what + ": Rows x Columns x SamplesPerPixel x BitsAllocated (" + std::to_string(rows) + " x " +
                        std::to_string(columns) + " x " + std::to_string(samples) + " x " +
                        std::to_string(bitsAllocated) + " bits) is " + std::to_string(frameBits / 8 >> 20) +
                        " MiB per frame, beyond the " + std::to_string(kMaxFrameBytes >> 20) + " MiB limit");
    }

    DcmElement* element = nullptr;
    if (dataset.findAndGetElement(DCM_PixelData, element).bad() || element == nullptr ||
        element->ident() != EVR_PixelData) {
        // Nothing holds the frames, so nothing may be sized from their count: a header announcing
        // 100,000,000 frames and no Pixel Data had the geometry reader allocate 3 GB (fuzzer).
        if (frames > 1) {
            throw LoadError(what + ": NumberOfFrames " + std::to_string(frames) +
                            " but no Pixel Data (OB or OW) to hold them");
        }
        return static_cast<std::size_t>(frames);
    }
    auto* pixelData = static_cast<DcmPixelData*>(element);
    const E_TransferSyntax transfer = dataset.getOriginalXfer();
    if (DcmXfer(transfer).isEncapsulated()) {
        DcmPixelSequence* sequence = nullptr;
        const unsigned long items =
            pixelData->getEncapsulatedRepresentation(transfer, nullptr, sequence).good() && sequence != nullptr
                ? sequence->card()
                : 0;
        const unsigned long fragments = items > 0 ? items - 1 : 0; // the first item is the offset table
        if (static_cast<unsigned long>(frames) > fragments) {
            throw LoadError(what + ": NumberOfFrames " + std::to_string(frames) + " but the encapsulated Pixel Data holds " +
                            std::to_string(fragments) + " fragments (at least one per frame)");
        }
        return static_cast<std::size_t>(frames);
    }
    const std::uint64_t available = pixelData->getLength();
    const std::uint64_t counted = wholeLastFrame ? static_cast<std::uint64_t>(frames) : static_cast<std::uint64_t>(frames) - 1;
    const std::uint64_t neededBits = counted * frameBits; // at most 2^31 frames of 2^31 bits: no overflow
    if ((neededBits + 7) / 8 > available) {
        throw LoadError(what + ": NumberOfFrames " + std::to_string(frames) + " of Rows x Columns " + std::to_string(rows) +
                        " x " + std::to_string(columns) + " needs " + std::to_string((frames * frameBits + 7) / 8) +
                        " bytes, but Pixel Data holds " + std::to_string(available));
    }
    return static_cast<std::size_t>(frames);
}

} // namespace radnode::dicom::detail
