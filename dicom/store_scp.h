// The DICOM listener: C-ECHO and C-STORE over a pool of association threads (DCMTK's
// DcmBaseSCPPool), and Storage Commitment results (N-EVENT-REPORT) our destinations send back. It receives each instance straight to a file, checks it, and hands it to
// a StoreHandler that makes it durable; the status goes back only after the handler returns.
#pragma once

#include "dicom/storage_commitment.h"
#include "dicom/tls.h"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace radnode::dicom {

struct PeerRule {
    std::string aeTitle;             // "*" matches any calling AE title
    std::optional<std::string> host; // absent: any address
    // TLS only: the peer's certificate must carry this subject CN and/or this SHA-256
    // fingerprint (CertificateIdentity::sha256 form). Empty: any certificate the CAs vouch for.
    std::string certificateCommonName;
    std::string certificateSha256;
};

struct ListenerSettings {
    std::string aeTitle = "RADNODE";
    int port = 11112;
    // Empty: only peers on the loopback interface are accepted, whatever their AE title.
    std::vector<PeerRule> allowedPeers;
    int maxAssociations = 16;
    int maxAssociationsPerPeer = 4;
    unsigned maxPdu = 65536;
    int acseTimeoutSeconds = 30;
    int dimseTimeoutSeconds = 60;
    std::uint64_t minimumFreeDiskBytes = 0;
    // Empty: every storage SOP class DCMTK knows. Otherwise only these are accepted.
    std::vector<std::string> sopClassAllowList;
    // Set: only TLS associations are accepted (DICOM TLS, PS3.15 B.1).
    std::optional<TlsSettings> tls;
};

struct AssociationInfo {
    std::string callingAe, calledAe, peerAddress;
};

// What the listener learnt from a received instance's header.
struct ReceivedInstance {
    std::filesystem::path file; // as received: meta header + dataset, transfer syntax unchanged
    AssociationInfo association;
    std::string sopClassUid, sopInstanceUid, studyUid, seriesUid, modality, transferSyntax;
    std::string patientId, accessionNumber;
    std::vector<std::string> referencedInstanceUids; // segmentations: the instances they were drawn on
};

// A DIMSE status and why (the reason is audited, never sent in the clear to the peer).
struct StoreStatus {
    std::uint16_t code = 0x0000;
    std::string reason;
};

// DIMSE C-STORE status codes used by radnode (PS3.4 Annex B, PS3.7 Annex C).
namespace status {
inline constexpr std::uint16_t kSuccess = 0x0000;
inline constexpr std::uint16_t kSopClassNotSupported = 0x0122;
inline constexpr std::uint16_t kOutOfResources = 0xA700;
inline constexpr std::uint16_t kDataSetDoesNotMatchSopClass = 0xA900;
inline constexpr std::uint16_t kCannotUnderstand = 0xC000;
// N-EVENT-REPORT: "invalid argument value", for a Transaction UID we never issued.
inline constexpr std::uint16_t kNoSuchTransaction = 0x0115;
inline constexpr std::uint16_t kProcessingFailure = 0x0110;
} // namespace status

// Implemented by the node: durability, indexing and audit live there, not in dicom/.
class StoreHandler {
public:
    virtual ~StoreHandler() = default;
    // A fresh temporary path on the store's filesystem to receive into.
    virtual std::filesystem::path incomingPath() = 0;
    // Makes the instance durable and indexed; returns the status to send. May throw: the
    // listener then answers 0xA700 (out of resources) and removes the received file.
    virtual StoreStatus store(const ReceivedInstance& instance) = 0;
    // Called for every refused association and every failed C-STORE, for the audit trail.
    virtual void refused(const AssociationInfo& association, const std::string& sopInstanceUid,
                         const StoreStatus& status) = 0;
    virtual void accepted(const AssociationInfo& association) = 0;
    // A Storage Commitment result a destination sent us (N-EVENT-REPORT, on an association it
    // opened in the SCP role). Returns the status to answer: 0000 once recorded; a transaction
    // the handler does not know gets an error status. The default knows none.
    virtual std::uint16_t commitmentReported(const CommitmentReport& report) {
        (void)report;
        return status::kNoSuchTransaction;
    }
};

class StoreScp {
public:
    StoreScp(ListenerSettings settings, StoreHandler& handler);
    ~StoreScp();
    StoreScp(const StoreScp&) = delete;
    StoreScp& operator=(const StoreScp&) = delete;

    // Listens until stop(); then lets in-flight associations finish. Throws when the port
    // cannot be opened.
    void run();
    // Thread-safe and async-signal-unsafe: call from a normal thread.
    void stop();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Reads the identifying header of a DICOM file (no pixel data). Throws std::runtime_error.
ReceivedInstance readInstanceHeader(const std::filesystem::path& file);

} // namespace radnode::dicom
