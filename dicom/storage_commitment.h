// Storage Commitment Push Model (PS3.4 Annex J) as an SCU: asking a destination with N-ACTION
// to take responsibility for the objects we stored there, and reading its answer, the
// N-EVENT-REPORT, which usually comes later on an association the destination opens to our
// listener (dicom/store_scp.h), sometimes on the requesting one.
#pragma once

#include "dicom/store_scu.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

class DcmDataset;

namespace radnode::dicom {

inline constexpr const char* kStorageCommitmentSopClassUid = "1.2.840.10008.1.20.1";
inline constexpr const char* kStorageCommitmentSopInstanceUid = "1.2.840.10008.1.20.1.1"; // well-known

struct CommitmentItem {
    std::string sopClassUid, sopInstanceUid;
};

struct CommitmentFailedItem {
    std::string sopClassUid, sopInstanceUid;
    std::uint16_t reason = 0; // Failure Reason (0008,1197)
};

// One N-EVENT-REPORT: event type 1 (all committed) or 2 (failures exist).
struct CommitmentReport {
    std::string transactionUid;
    std::uint16_t eventType = 0;
    std::vector<CommitmentItem> committed; // Referenced SOP Sequence
    std::vector<CommitmentFailedItem> failed; // Failed SOP Sequence
    std::string callingAe, peerAddress;       // who sent it
    std::string unreadable; // set: the data set could not be read (why); the rest is empty
};

// Failure Reason as text: "0112 no such object instance".
std::string failureReasonText(std::uint16_t reason);

// Reads an N-EVENT-REPORT data set. Throws std::runtime_error when the Transaction UID is
// missing or an item lacks its UIDs.
CommitmentReport parseCommitmentReport(DcmDataset& dataset, std::uint16_t eventType);

// The N-ACTION data set: Transaction UID and the Referenced SOP Sequence.
void fillCommitmentRequest(DcmDataset& dataset, const std::string& transactionUid,
                           const std::vector<CommitmentItem>& items);

struct CommitmentRequestOutcome {
    // Requested: the peer accepted the N-ACTION (0000) and will report. NotSupported: it refused
    // the SOP class or the association. Failed: anything else (the detail says what).
    enum class Kind { Requested, NotSupported, Failed };
    Kind kind = Kind::Failed;
    std::string detail;
};

// Answers an N-EVENT-REPORT (records it) and returns the DIMSE status to send back.
using CommitmentReportHandler = std::function<std::uint16_t(const CommitmentReport&)>;

// Sends N-ACTION (action type 1) on a new association. A peer that reports at once on the
// same association is answered through `onReport` (waiting at most `sameAssociationWaitSeconds`);
// otherwise the association is released and the report comes to our listener. Never throws.
CommitmentRequestOutcome requestCommitment(const StoreTarget& target, const std::string& transactionUid,
                                           const std::vector<CommitmentItem>& items,
                                           const CommitmentReportHandler& onReport,
                                           int sameAssociationWaitSeconds = 1);

} // namespace radnode::dicom
