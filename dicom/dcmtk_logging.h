// DCMTK logs through its own logger (oflog) at INFO by default, one line per association
// step. radnode has its own structured log, so DCMTK is quietened to warnings unless asked.
#pragma once

namespace radnode::dicom {

// verbose: DCMTK's INFO messages too (troubleshooting associations); otherwise WARN and up.
void configureDcmtkLogging(bool verbose);

} // namespace radnode::dicom
