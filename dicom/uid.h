// DICOM UID generation under radnode's root.
#pragma once

#include <string>

namespace radnode::dicom {

// A fresh, globally unique UID (DCMTK's generator under the site root, 2.25 style if none).
std::string newUid();

// A UID derived deterministically from a seed string (2.25.<decimal of 128-bit hash>), for
// synthetic studies that must be byte-for-byte reproducible.
std::string uidFromSeed(const std::string& seed);

} // namespace radnode::dicom
