#include "dicom/scu_settings.h"

#include <cstdio>

namespace radnode::dicom::detail {

void configureScu(DcmSCU& scu, const StoreTarget& target) {
    scu.setAETitle(target.callingAeTitle.c_str());
    scu.setPeerAETitle(target.aeTitle.c_str());
    scu.setPeerHostName(target.host.c_str());
    scu.setPeerPort(static_cast<Uint16>(target.port));
    scu.setACSETimeout(static_cast<Uint32>(target.timeoutSeconds));
    scu.setDIMSETimeout(static_cast<Uint32>(target.timeoutSeconds));
    scu.setDIMSEBlockingMode(DIMSE_NONBLOCKING);
    scu.setConnectionTimeout(target.timeoutSeconds);
}

std::string statusHex(unsigned status) {
    char text[8];
    std::snprintf(text, sizeof text, "%04X", status & 0xFFFFu);
    return text;
}

} // namespace radnode::dicom::detail
