#include "node/dicom_audit_forwarder.h"

#include "dicom/store_scp.h"
#include "node/log.h"
#include "storage/node_store.h"

#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdlib>
#include <exception>
#include <stdexcept>

namespace radnode::node {

namespace {

// A peer that stops sending for this long has finished the study on that association (the
// listener reports no association end; a new association later makes a new message).
constexpr std::int64_t kReceptionQuietMs = 5000;
constexpr int kPollMs = 200;

std::int64_t steadyMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

std::string hostName() {
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost";
    return name;
}

// The delivery audit rows name their delivery as "delivery <id>, ..." (storage/node_store.cpp).
std::optional<std::int64_t> deliveryIdOf(const std::string& detail) {
    const std::string prefix = "delivery ";
    if (detail.rfind(prefix, 0) != 0) return std::nullopt;
    std::int64_t id = 0;
    std::size_t i = prefix.size();
    for (; i < detail.size() && std::isdigit(static_cast<unsigned char>(detail[i])); ++i) id = id * 10 + (detail[i] - '0');
    if (i == prefix.size()) return std::nullopt;
    return id;
}

std::vector<AuditSopClass> sopClassList(const std::map<std::string, int>& counts) {
    std::vector<AuditSopClass> list;
    for (const auto& [uid, instances] : counts) list.push_back(AuditSopClass{uid, instances});
    return list;
}

} // namespace

DicomAuditForwarder::DicomAuditForwarder(storage::NodeStore& store, const config::AuditSyslogConfig& settings,
                                         std::string aeTitle, std::vector<config::Destination> destinations)
    : store_(store), settings_(settings),
      node_{std::move(aeTitle), hostName(), std::to_string(::getpid()), settings.sourceId},
      sender_(makeSyslogSender(settings)), lastId_(store.lastAuditId()), destinations_(std::move(destinations)) {
    thread_ = std::thread([this] { run(); });
    logEvent(LogLevel::Info, "audit.syslog_enabled",
             {{"collector", settings.host + ":" + std::to_string(settings.port)},
              {"transport", settings.transport == config::SyslogTransport::Tls ? "tls" : "udp"},
              {"app_name", settings.appName}});
}

DicomAuditForwarder::~DicomAuditForwarder() { stop(); }

void DicomAuditForwarder::setDestinations(std::vector<config::Destination> destinations) {
    std::lock_guard lock(mutex_);
    destinations_ = std::move(destinations);
}

void DicomAuditForwarder::stop() {
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void DicomAuditForwarder::run() {
    for (;;) {
        bool last = false;
        {
            std::unique_lock lock(mutex_);
            wake_.wait_for(lock, std::chrono::milliseconds(kPollMs), [this] { return stopping_; });
            last = stopping_;
        }
        try {
            follow();
            flushReceptions(last);
        } catch (const std::exception& error) {
            // The database may be busy for a moment; the rows stay and are read next time.
            logEvent(LogLevel::Error, "audit.syslog_error", {{"reason", error.what()}});
        }
        try {
            sender_->flush(last); // a TLS collector's problems are logged and retried in there
        } catch (const std::exception& error) {
            logEvent(LogLevel::Error, "audit.syslog_error", {{"reason", error.what()}});
        }
        if (last) return;
    }
}

void DicomAuditForwarder::follow() {
    // A full backlog (a TLS collector away) leaves the rows in the trail, read again later.
    while (sender_->acceptsMore()) {
        storage::AuditFilter filter;
        filter.afterId = lastId_;
        filter.limit = 500;
        const auto rows = store_.auditEvents(filter);
        for (const auto& row : rows) {
            lastId_ = row.id; // a row that cannot be turned into a message is not retried for ever
            try {
                handle(row);
            } catch (const std::exception& error) {
                logEvent(LogLevel::Error, "audit.syslog_error",
                         {{"event", row.event.event}, {"audit_id", std::to_string(row.id)}, {"reason", error.what()}});
            }
        }
        if (rows.size() < 500) return;
    }
}

void DicomAuditForwarder::handle(const storage::AuditRow& row) {
    const auto& event = row.event;
    const std::string& name = event.event;
    if (name == "node.started") {
        send(applicationActivity(node_, true, row.at), row.id);
    } else if (name == "node.stopped") {
        flushReceptions(true); // what arrived before the stop is reported before it
        send(applicationActivity(node_, false, row.at), row.id);
    } else if (name == "instance.received" || name == "instance.new_version" || name == "instance.duplicate") {
        instanceReceived(row);
    } else if (name == "association.refused") {
        send(securityAlert(node_, nodeAuthenticationAlert(), AuditPeer{event.callingAe, event.peerAddress},
                           AuditOutcome::MinorFailure, event.detail, row.at),
             row.id);
    } else if (name == "config.reloaded") {
        send(securityAlert(node_, softwareConfigurationAlert(), std::nullopt, AuditOutcome::Success, event.detail, row.at),
             row.id);
    } else if (name == "config.reload_failed") {
        send(securityAlert(node_, softwareConfigurationAlert(), std::nullopt, AuditOutcome::MinorFailure, event.detail,
                           row.at),
             row.id);
    } else if (name == "delivery.succeeded" || name == "delivery.retry" || name == "delivery.failed") {
        deliveryAttempted(row);
    } else if (name == "api.access") {
        apiAccessed(row);
    }
}

void DicomAuditForwarder::instanceReceived(const storage::AuditRow& row) {
    const auto& event = row.event;
    auto& reception = receptions_[ReceptionKey{event.studyUid, event.callingAe, event.peerAddress}];
    if (reception.firstAt == 0) reception.firstAt = row.at;
    reception.lastSeenMs = steadyMs();
    reception.lastAuditId = row.id;
    if (event.event == "instance.new_version") reception.updated = true;
    const auto instance = store_.latestInstance(event.sopInstanceUid);
    ++reception.sopClasses[instance ? instance->sopClassUid : std::string()];
}

void DicomAuditForwarder::flushReceptions(bool all) {
    const std::int64_t now = steadyMs();
    for (auto it = receptions_.begin(); it != receptions_.end();) {
        if (!all && now - it->second.lastSeenMs < kReceptionQuietMs) {
            ++it;
            continue;
        }
        const auto& [studyUid, callingAe, peerAddress] = it->first;
        const AuditStudyTransfer study{studyUid, store_.patientId(studyUid), store_.accessionNumber(studyUid),
                                       sopClassList(it->second.sopClasses)};
        send(instancesReceived(node_, AuditPeer{callingAe, peerAddress}, study, it->second.updated, it->second.firstAt),
             it->second.lastAuditId);
        it = receptions_.erase(it);
    }
}

void DicomAuditForwarder::deliveryAttempted(const storage::AuditRow& row) {
    const auto& event = row.event;
    const auto id = deliveryIdOf(event.detail);
    if (!id) throw std::runtime_error("no delivery id in '" + event.detail + "'");
    const auto delivery = store_.delivery(*id);
    if (!delivery) throw std::runtime_error("delivery " + std::to_string(*id) + " not found");

    AuditPeer destination{"", delivery->destination};
    {
        std::lock_guard lock(mutex_);
        for (const auto& configured : destinations_) {
            if (configured.name == delivery->destination) destination = AuditPeer{configured.aeTitle, configured.host};
        }
    }
    std::map<std::string, int> sopClasses;
    try {
        ++sopClasses[dicom::readInstanceHeader(delivery->srPath).sopClassUid];
    } catch (const std::exception&) {
        ++sopClasses[""]; // the SR was sent; its class is left out of the message
    }
    for (const auto& object : delivery->objects) ++sopClasses[object.sopClassUid];
    const AuditStudyTransfer study{delivery->studyUid, store_.patientId(delivery->studyUid),
                                   store_.accessionNumber(delivery->studyUid), sopClassList(sopClasses)};
    // A retry is a failed attempt the outbox recovers from; a failed delivery is given up.
    const AuditOutcome outcome = event.event == "delivery.succeeded" ? AuditOutcome::Success
                                 : event.event == "delivery.retry"   ? AuditOutcome::MinorFailure
                                                                     : AuditOutcome::SeriousFailure;
    send(instancesSent(node_, destination, study, outcome, outcome == AuditOutcome::Success ? "" : event.detail, row.at),
         row.id);
}

void DicomAuditForwarder::apiAccessed(const storage::AuditRow& row) {
    // The HTTP API audits "METHOD TARGET STATUS" (node/http_api.cpp); reads are queries.
    const std::string& detail = row.event.detail;
    const auto firstSpace = detail.find(' ');
    const auto lastSpace = detail.rfind(' ');
    if (firstSpace == std::string::npos || lastSpace <= firstSpace) return;
    if (detail.substr(0, firstSpace) != "GET") return;
    const std::string target = detail.substr(firstSpace + 1, lastSpace - firstSpace - 1);
    const int status = std::atoi(detail.c_str() + lastSpace + 1);
    const AuditOutcome outcome = status >= 500 ? AuditOutcome::SeriousFailure
                                 : status >= 400 ? AuditOutcome::MinorFailure
                                                 : AuditOutcome::Success;
    send(query(node_, AuditPeer{"", row.event.peerAddress}, target, outcome, row.at), row.id);
}

void DicomAuditForwarder::send(const AuditMessage& message, std::int64_t auditId) {
    SyslogHeader header;
    header.severity = message.outcome == AuditOutcome::Success ? SyslogSeverity::Notice : SyslogSeverity::Warning;
    header.atMs = message.atMs;
    header.hostName = node_.hostName;
    header.appName = settings_.appName;
    header.processId = node_.processId;
    header.messageId = "DICOM+RFC3881"; // PS3.15 A.7
    sender_->send(auditId, syslogFrame(header, auditMessageXml(message)));
}

} // namespace radnode::node
