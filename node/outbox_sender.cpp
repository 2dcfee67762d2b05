#include "node/outbox_sender.h"

#include "dicom/sr_content.h"
#include "dicom/store_scu.h"
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

int OutboxSender::tick(std::int64_t nowMs) {
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
