// Writes radnode's results as a DICOM Comprehensive 3D SR, TID 1500 Measurement Report: one
// measurement group per ROI and view (TID 1410 planar / TID 1411 volumetric), one per model.
#pragma once

#include "dicom/sr_content.h"

#include <filesystem>
#include <string>

namespace radnode::dicom {

struct WrittenSr {
    std::string sopClassUid, sopInstanceUid, seriesInstanceUid;
    std::filesystem::path file;
};

// Writes the SR to `outFile` (through outFile + ".partial" and a rename, so a reader never sees
// half a file; durability is the caller's). Throws SrError naming the group, feature or
// attribute that cannot be encoded; nothing is left at `outFile` then.
WrittenSr writeSr(const SrDocumentSpec& spec, const std::filesystem::path& outFile);

// Patient and study attributes of any DICOM file (header only), to copy into an SR.
// Throws SrError naming the file when it cannot be read.
SrPatientStudy readPatientStudy(const std::filesystem::path& dicomFile);

} // namespace radnode::dicom
