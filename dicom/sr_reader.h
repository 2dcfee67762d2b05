// Reads a radnode result SR back: the feature values per ROI and view and the model results,
// for tests and for radnode to check what it sent.
#pragma once

#include "dicom/sr_content.h"

#include <filesystem>
#include <optional>
#include <string>

namespace radnode::dicom {

// Throws SrError naming the file when it is not a readable TID 1500 SR.
SrDocumentContent readSr(const std::filesystem::path& srFile);

// The group of ROI `roiName` on `view` ("" matches a group without view), nullptr if none.
const SrRoiGroup* findGroup(const SrDocumentContent& content, const std::string& roiName, const std::string& view);

// The value of a feature in a group, nullopt if the group has no such NUM item.
std::optional<double> featureValue(const SrRoiGroup& group, const std::string& featureName);

} // namespace radnode::dicom
