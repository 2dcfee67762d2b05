// The N-EVENT-REPORT-RSP to a Storage Commitment report, for the two places that answer one:
// the listener (a report on a new association) and the requester (a report on its own
// association). dicom/ only: this header includes DCMTK.
#pragma once

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmnet/dimse.h>

#include <cstdint>

namespace radnode::dicom::detail {

// Names the well-known Storage Commitment instance and class and the event type of the request,
// as strict peers check; carries no data set.
T_DIMSE_Message commitmentReportResponse(const T_DIMSE_N_EventReportRQ& request, std::uint16_t status);

} // namespace radnode::dicom::detail
