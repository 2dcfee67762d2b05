// Recording a destination's Storage Commitment answer (N-EVENT-REPORT), whichever association
// it came on: in the store and its audit trail, and in the log.
#pragma once

#include "dicom/storage_commitment.h"
#include "storage/node_store.h"

#include <cstdint>

namespace radnode::node {

// Returns the status for the N-EVENT-REPORT-RSP: 0000 once recorded; 0110 for a report we
// cannot read, 0115 for a Transaction UID this node never issued (both audited as
// commitment.report_refused).
std::uint16_t recordCommitmentReport(storage::NodeStore& store, const dicom::CommitmentReport& report);

} // namespace radnode::node
