// Reading attribute values out of DCMTK datasets, for the decoding units of dicom/ only:
// this header includes DCMTK and must stay out of headers other rooms include.
#pragma once

#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcitem.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace radnode::dicom::detail {

// Loads a DICOM file; values over a few kilobytes (pixel data above all) stay on disk until
// asked for, so a header pass costs little. Throws LoadError naming the file.
std::unique_ptr<DcmFileFormat> loadDicomFile(const std::filesystem::path& file);

// Writes `file` (explicit VR little endian, new meta header) beside `target` and renames it
// into place, so a reader never sees half an object. Throws std::runtime_error ("cannot write
// ...", "cannot move ...") and leaves nothing behind; fsync is the caller's.
void saveDicomFileReplacing(DcmFileFormat& file, const std::filesystem::path& target);

// Trimmed string value (one value of a multi-valued attribute), "" when absent.
std::string getString(DcmItem& item, const DcmTagKey& tag, unsigned long position = 0);
std::optional<double> getDouble(DcmItem& item, const DcmTagKey& tag, unsigned long position = 0);
std::optional<long> getInteger(DcmItem& item, const DcmTagKey& tag, unsigned long position = 0);
// Every value of a numeric attribute (DS, FD, FL, IS, US, ...); empty when absent.
std::vector<double> getDoubles(DcmItem& item, const DcmTagKey& tag);

// Items of a sequence directly inside `item`; empty when absent.
std::vector<DcmItem*> getItems(DcmItem& item, const DcmTagKey& sequence);
DcmItem* firstItem(DcmItem& item, const DcmTagKey& sequence);

// Functional groups of an enhanced multi-frame object: the macro `sequence` (for example
// PixelMeasuresSequence) of frame `frameIndex` (0-based), from the per-frame groups first and
// the shared groups otherwise. nullptr when neither has it.
DcmItem* functionalGroupMacro(DcmItem& dataset, std::size_t frameIndex, const DcmTagKey& sequence);
bool hasFunctionalGroups(DcmItem& dataset);
// The Per-Frame Functional Groups items, which PS3.3 C.7.6.16 wants one per frame: a count
// other than `frames` (a truncated or forged header) throws LoadError naming `what`.
std::vector<DcmItem*> perFrameFunctionalGroups(DcmItem& dataset, std::size_t frames, const std::string& what);

// What a header may announce before anything is sized from it, so that a hostile or broken
// header cannot make the node allocate gigabytes: one frame as stored uncompressed (a 4096 x
// 5632 16-bit mammogram is 44 MiB), and all frames a decoder is asked for, as doubles.
inline constexpr std::size_t kMaxFrameBytes = std::size_t{256} << 20;
inline constexpr std::size_t kMaxDecodedBytes = std::size_t{1} << 30;

// Checks Rows x Columns x SamplesPerPixel x BitsAllocated against kMaxFrameBytes, and
// NumberOfFrames against the Pixel Data the file really holds: native, every frame but the last
// must lie wholly inside it (`wholeLastFrame`: the last one too); encapsulated, each frame needs
// a fragment of its own. Returns the frame count; throws LoadError naming `what` and the
// attribute. A dataset without (integer) Pixel Data passes: its decoder refuses it later.
std::size_t checkAnnouncedPixels(DcmDataset& dataset, const std::string& what, bool wholeLastFrame);

} // namespace radnode::dicom::detail
