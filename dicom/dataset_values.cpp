#include "dicom/dataset_values.h"

#include "dicom/analysis_input.h"

#include <dcmtk/dcmdata/dcsequen.h>

namespace radnode::dicom::detail {

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

bool hasFunctionalGroups(DcmItem& dataset) {
    return dataset.tagExists(DCM_SharedFunctionalGroupsSequence) || dataset.tagExists(DCM_PerFrameFunctionalGroupsSequence);
}

} // namespace radnode::dicom::detail
