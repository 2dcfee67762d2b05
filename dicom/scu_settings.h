// What every association radnode opens as SCU (C-STORE, Storage Commitment N-ACTION) shares:
// AE titles, peer, timeouts, and how DIMSE statuses are written. dicom/ only: includes DCMTK.
#pragma once

#include "dicom/store_scu.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmnet/scu.h>

#include <string>

namespace radnode::dicom::detail {

// Our AE title, the destination's AE title, host and port, and one timeout for connecting,
// association negotiation and each DIMSE message.
void configureScu(DcmSCU& scu, const StoreTarget& target);

// A DIMSE status or reason code as the standard writes it: four upper-case hex digits ("A700").
std::string statusHex(unsigned status);

} // namespace radnode::dicom::detail
