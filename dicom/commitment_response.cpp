#include "dicom/commitment_response.h"

#include <cstring>

namespace radnode::dicom::detail {

T_DIMSE_Message commitmentReportResponse(const T_DIMSE_N_EventReportRQ& request, std::uint16_t status) {
    T_DIMSE_Message response;
    std::memset(&response, 0, sizeof response);
    response.CommandField = DIMSE_N_EVENT_REPORT_RSP;
    T_DIMSE_N_EventReportRSP& answer = response.msg.NEventReportRSP;
    answer.MessageIDBeingRespondedTo = request.MessageID;
    answer.DimseStatus = status;
    answer.DataSetType = DIMSE_DATASET_NULL;
    answer.EventTypeID = request.EventTypeID;
    OFStandard::strlcpy(answer.AffectedSOPClassUID, request.AffectedSOPClassUID, sizeof answer.AffectedSOPClassUID);
    OFStandard::strlcpy(answer.AffectedSOPInstanceUID, request.AffectedSOPInstanceUID,
                        sizeof answer.AffectedSOPInstanceUID);
    answer.opts = O_NEVENTREPORT_AFFECTEDSOPCLASSUID | O_NEVENTREPORT_AFFECTEDSOPINSTANCEUID | O_NEVENTREPORT_EVENTTYPEID;
    return response;
}

} // namespace radnode::dicom::detail
