// Sends the node's audit trail as DICOM audit messages (node/dicom_audit_message.h) to a
// syslog collector (node/syslog_sender.h, UDP or TLS). It follows the append-only audit_log on
// its own thread, so no ingest, job or delivery waits for it and only committed events are sent.
// While a TLS collector is away, messages wait in the sender's bounded backlog; when that is
// full, the forwarder stops reading the trail and resumes from the same row later.
#pragma once

#include "config/node_config.h"
#include "node/dicom_audit_message.h"
#include "node/syslog_sender.h"

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

namespace radnode::storage {
class NodeStore;
struct AuditRow;
}

namespace radnode::node {

class DicomAuditForwarder {
public:
    // Starts after the newest row already in the trail. Throws when the collector does not
    // resolve or a TLS file does not load (node start fails: an enabled audit that cannot work
    // is a configuration error). A TLS collector that is down is not: messages wait for it.
    DicomAuditForwarder(storage::NodeStore& store, const config::AuditSyslogConfig& settings, std::string aeTitle,
                        std::vector<config::Destination> destinations);
    ~DicomAuditForwarder();
    DicomAuditForwarder(const DicomAuditForwarder&) = delete;
    DicomAuditForwarder& operator=(const DicomAuditForwarder&) = delete;

    // Destinations by name, for the delivery messages (a reload may change them).
    void setDestinations(std::vector<config::Destination> destinations);
    // Sends everything audited so far (received studies without waiting for quiet), then
    // ends the thread. Call after the node's last audit event (node.stopped).
    void stop();

    std::uint64_t sent() const { return sender_->sent(); }
    std::uint64_t failed() const { return sender_->failed(); }

private:
    // Instances of one study from one peer, gathered until the peer has been quiet a while:
    // one Instances Transferred message per study per association, not one per instance.
    struct Reception {
        std::map<std::string, int> sopClasses; // UID -> instances
        bool updated = false;                  // an instance replaced an earlier version
        std::int64_t firstAt = 0;
        std::int64_t lastSeenMs = 0; // steady clock
        std::int64_t lastAuditId = 0;
    };
    using ReceptionKey = std::tuple<std::string, std::string, std::string>; // study, calling AE, peer address

    void run();
    void follow(); // reads and handles the rows added since the last read
    void handle(const storage::AuditRow& row);
    void flushReceptions(bool all);
    void instanceReceived(const storage::AuditRow& row);
    void deliveryAttempted(const storage::AuditRow& row);
    void apiAccessed(const storage::AuditRow& row);
    void send(const AuditMessage& message, std::int64_t auditId);

    storage::NodeStore& store_;
    config::AuditSyslogConfig settings_;
    AuditNode node_;
    std::unique_ptr<SyslogSender> sender_; // used by the forwarder's thread only
    std::int64_t lastId_ = 0;
    std::map<ReceptionKey, Reception> receptions_;

    std::mutex mutex_; // guards destinations_ and stopping_
    std::vector<config::Destination> destinations_;
    bool stopping_ = false;
    std::condition_variable wake_;
    std::thread thread_;
};

} // namespace radnode::node
