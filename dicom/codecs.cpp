#include "dicom/codecs.h"

#include <dcmtk/dcmdata/dcrledrg.h>
#include <dcmtk/dcmjpeg/djdecode.h>
#include <dcmtk/dcmjpls/djdecode.h>
#include <gdcmTrace.h>

#include <mutex>

namespace radnode::dicom {

void registerDecoders() {
    static std::once_flag once;
    std::call_once(once, [] {
        DJDecoderRegistration::registerCodecs(EDC_never);
        DJLSDecoderRegistration::registerCodecs();
        DcmRLEDecoderRegistration::registerCodecs();
        // GDCM (JPEG 2000) writes warnings and errors straight to stderr, even about header
        // attributes it does not need for decoding; our LoadErrors carry the context instead.
        gdcm::Trace::WarningOff();
        gdcm::Trace::ErrorOff();
    });
}

} // namespace radnode::dicom
