// Reading and writing images and masks in the formats ITK knows (NRRD, NIfTI, MetaImage),
// for the research CLI and the conformance tests. The only door from files to analysis/.
#pragma once

#include "analysis/image.h"

#include <filesystem>

namespace radnode::analysis {

// Any scalar pixel type, converted to double. Throws std::runtime_error naming the file.
Image readImage(const std::filesystem::path& path);
// Voxels equal to `label` become 1, all others 0. Throws when the label is absent.
Mask readMask(const std::filesystem::path& path, int label = 1);
// Written as double (images) or uint8 (masks); the format follows the extension.
void writeImage(const Image& image, const std::filesystem::path& path);
void writeMask(const Mask& mask, const std::filesystem::path& path);

} // namespace radnode::analysis
