#include "node/outbox_sender.h"

#include "dicom/sr_content.h"
#include "dicom/storage_commitment.h"
#include "dicom/store_scp.h"
#include "dicom/store_scu.h"
#include "dicom/uid.h"
#include "node/commitment_report.h"
#include "node/log.h"
#include "node/tls_settings.h"

#include <algorithm>
#include <chrono>

namespace radnode::node {

std::vector<std::filesystem::path> filesToSend(const storage::DeliveryRow& delivery, config::SrFormat format) {
    std::vector<std::filesystem::path> files{delivery.srPath};
    for (const auto& object : delivery.objects) {
        if (object.sopClassUid != dicom::kEnhancedSrSopClassUid) {
            files.push_back(object.path);
        } else if (format == config::SrFormat::Enhanced) {
            files.front() = object.path;
        }
    }
    return files;
}

OutboxSender::OutboxSender(storage::NodeStore& store, std::vector<config::Destination> destinations,
                           config::DeliveryConfig delivery, std::string callingAeTitle, Metrics* metrics)
    : store_(store), destinations_(std::move(destinations)), delivery_(delivery), callingAeTitle_(std::move(callingAeTitle)),
      metrics_(metrics) {}

std::int64_t OutboxSender::backoffMs(int attempts) const {
    const std::int64_t initial = std::chrono::duration_cast<std::chrono::milliseconds>(delivery_.initialBackoff).count();
    const std::int64_t maximum = std::chrono::duration_cast<std::chrono::milliseconds>(delivery_.maxBackoff).count();
    std::int64_t wait = initial;
    for (int i = 0; i < attempts && wait < maximum; ++i) wait *= 2;
    return std::min(wait, maximum);
}

namespace {

// What the files are, from their headers; a file that cannot be read is left out (its send
// fails and says why).
std::vector<storage::SentObject> describe(const std::vector<std::filesystem::path>& files) {
    std::vector<storage::SentObject> objects;
    for (const auto& file : files) {
        try {
            const auto header = dicom::readInstanceHeader(file);
            objects.push_back(storage::SentObject{header.sopInstanceUid, header.sopClassUid});
        } catch (const std::exception&) {
        }
    }
    return objects;
}

} // namespace

void OutboxSender::requestCommitment(const storage::DeliveryRow& delivery, const config::Destination& destination,
                                     const dicom::StoreTarget& target, const std::vector<storage::SentObject>& objects) {
    const std::string transactionUid = dicom::newUid();
    // The deadline runs from the request itself, not from the start of this outbox pass.
    const std::int64_t nowMs = storage::nowMs();
    const std::int64_t timeoutMs = std::chrono::duration_cast<std::chrono::milliseconds>(destination.storageCommitmentTimeout).count();
    // Recorded before asking: the answer may reach the listener before N-ACTION returns.
    store_.recordCommitmentRequest(delivery.id, transactionUid, objects, nowMs, nowMs + timeoutMs);
    std::vector<dicom::CommitmentItem> items;
    for (const auto& object : objects) items.push_back(dicom::CommitmentItem{object.sopClassUid, object.sopInstanceUid});
    const auto outcome = dicom::requestCommitment(target, transactionUid, items, [this](const dicom::CommitmentReport& report) {
        return recordCommitmentReport(store_, report);
    });
    LogFields fields{{"delivery", std::to_string(delivery.id)},
                     {"destination", delivery.destination},
                     {"transaction", transactionUid},
                     {"detail", outcome.detail}};
    if (outcome.kind == dicom::CommitmentRequestOutcome::Kind::Requested) {
        logEvent(LogLevel::Info, "commitment.requested", fields);
    } else {
        store_.markCommitmentFailed(transactionUid, outcome.detail);
        logEvent(LogLevel::Warning, "commitment.failed", fields);
    }
}

int OutboxSender::tick(std::int64_t nowMs) {
    for (const auto& expired : store_.expireCommitments(nowMs)) {
        logEvent(LogLevel::Warning, "commitment.timed_out",
                 {{"delivery", std::to_string(expired.deliveryId)},
                  {"destination", expired.destination},
                  {"transaction", expired.transactionUid},
                  {"detail", expired.detail}});
    }
    int delivered = 0;
    for (const auto& delivery : store_.dueDeliveries(nowMs)) {
        const auto destination = std::find_if(destinations_.begin(), destinations_.end(),
                                               [&](const config::Destination& d) { return d.name == delivery.destination; });
        if (destination == destinations_.end()) {
            store_.markDeliveryFailed(delivery.id, "config", "destination '" + delivery.destination + "' is no longer configured");
            continue;
        }
        dicom::StoreTarget target{destination->aeTitle, destination->host, destination->port,
                                  destination->callingAeTitle.empty() ? callingAeTitle_ : destination->callingAeTitle, 30,
                                  std::nullopt};
        if (destination->tls) target.tls = tlsSettings(*destination->tls);
        // The SR first, then the objects that travel with it; the first failure decides, and
        // a retry sends them all again under the same SOP Instance UIDs (idempotent at a PACS).
        const auto started = std::chrono::steady_clock::now();
        const auto files = filesToSend(delivery, destination->srFormat);
        const auto objects = describe(files);
        store_.recordDeliveryObjects(delivery.id, objects);
        dicom::SendOutcome outcome;
        for (const auto& file : files) {
            outcome = dicom::sendFile(target, file);
            if (!outcome.ok()) break;
        }
        if (metrics_) {
            metrics_->observe(Stage::Delivery,
                              std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
        }
        LogFields fields{{"delivery", std::to_string(delivery.id)},
                         {"destination", delivery.destination},
                         {"sr", files.front().stem().string()},
                         {"status", outcome.status},
                         {"detail", outcome.detail}};
        if (loggingPatientIdentifiers()) {
            addPatientIdentifiers(fields, store_.patientId(delivery.studyUid), store_.accessionNumber(delivery.studyUid));
        }
        if (outcome.ok()) {
            store_.markDelivered(delivery.id, outcome.status);
            logEvent(LogLevel::Info, "delivery.succeeded", fields);
            ++delivered;
            if (destination->storageCommitment) requestCommitment(delivery, *destination, target, objects);
            continue;
        }
        const auto maxAgeMs = std::chrono::duration_cast<std::chrono::milliseconds>(delivery_.maxAge).count();
        if (outcome.kind == dicom::SendOutcome::Kind::Permanent) {
            store_.markDeliveryFailed(delivery.id, outcome.status, outcome.detail);
            logEvent(LogLevel::Error, "delivery.failed", fields);
        } else if (nowMs - delivery.createdAt >= maxAgeMs) {
            store_.markDeliveryFailed(delivery.id, outcome.status, "gave up after the maximum age: " + outcome.detail);
            logEvent(LogLevel::Error, "delivery.expired", fields);
        } else {
            store_.scheduleRetry(delivery.id, outcome.status, outcome.detail, nowMs + backoffMs(delivery.attempts));
            logEvent(LogLevel::Warning, "delivery.retry", fields);
        }
    }
    return delivered;
}

} // namespace radnode::node
