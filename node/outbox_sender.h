// Delivers results from the outbox to the configured destinations by C-STORE, retrying
// transient failures with exponential backoff until they are too old, and recording
// permanent failures with their status. A resend is the same file, so the same SOP Instance UID.
// For a destination with storage_commitment, each successful delivery is followed by a Storage
// Commitment request; requests left unanswered past their timeout are reported timed-out.
#pragma once

#include "config/node_config.h"
#include "dicom/store_scu.h"
#include "node/metrics.h"
#include "storage/node_store.h"

#include <vector>

namespace radnode::node {

// The files one delivery sends, in order: the SR in the destination's format, then the objects
// that travel with it. A result's Enhanced SR object replaces the Comprehensive 3D SR for a
// destination with sr_format: enhanced and goes nowhere else; a result written before that
// destination asked for it has none, and the destination then gets the Comprehensive 3D SR.
std::vector<std::filesystem::path> filesToSend(const storage::DeliveryRow& delivery, config::SrFormat format);

class OutboxSender {
public:
    // `metrics`, when given, records how long each delivery attempt takes.
    OutboxSender(storage::NodeStore& store, std::vector<config::Destination> destinations,
                 config::DeliveryConfig delivery, std::string callingAeTitle, Metrics* metrics = nullptr);

    // Attempts every delivery that is due; returns how many succeeded.
    int tick(std::int64_t nowMs);

    // Backoff before attempt number `attempts + 1`.
    std::int64_t backoffMs(int attempts) const;

private:
    // Storage Commitment for a delivery that just succeeded (destination.storage_commitment).
    void requestCommitment(const storage::DeliveryRow& delivery, const config::Destination& destination,
                           const dicom::StoreTarget& target, const std::vector<storage::SentObject>& objects);

    storage::NodeStore& store_;
    std::vector<config::Destination> destinations_;
    config::DeliveryConfig delivery_;
    std::string callingAeTitle_;
    Metrics* metrics_;
};

} // namespace radnode::node
