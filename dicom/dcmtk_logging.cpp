#include "dicom/dcmtk_logging.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/oflog/oflog.h>

namespace radnode::dicom {

void configureDcmtkLogging(bool verbose) {
    OFLog::configure(verbose ? OFLogger::INFO_LOG_LEVEL : OFLogger::WARN_LOG_LEVEL);
}

} // namespace radnode::dicom
