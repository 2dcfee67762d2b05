// Sending one stored file to a DICOM peer by C-STORE (DCMTK's DcmSCU), and telling the
// outbox whether a failure is worth retrying.
#pragma once

#include "dicom/tls.h"

#include <filesystem>
#include <optional>
#include <string>

namespace radnode::dicom {

struct StoreTarget {
    std::string aeTitle;        // called AE title
    std::string host;
    int port = 104;
    std::string callingAeTitle; // ours
    int timeoutSeconds = 30;    // ACSE and DIMSE
    std::optional<TlsSettings> tls; // set: the association runs over DICOM TLS
};

struct SendOutcome {
    enum class Kind { Success, Transient, Permanent };
    Kind kind = Kind::Transient;
    std::string status; // DIMSE status as 4 hex digits ("0000", "A700"), or "association"
    std::string detail; // human-readable reason
    bool ok() const { return kind == Kind::Success; }
};

// Classifies a C-STORE response status per dicom-conventions: 0000 and Bxxx warnings are
// success; A7xx and 0213 are transient; 0122, A9xx, Cxxx and anything else are permanent.
SendOutcome classifyStoreStatus(unsigned status);

// Opens an association, sends the file in its own transfer syntax (or uncompressed as a
// fallback the peer may accept), and releases. Never throws: failures are in the outcome.
SendOutcome sendFile(const StoreTarget& target, const std::filesystem::path& file);

// C-ECHO; true when the peer answered with success.
bool echo(const StoreTarget& target, std::string& detail);

} // namespace radnode::dicom
