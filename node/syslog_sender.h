// Syslog senders for DICOM audit messages (PS3.15 A.6/A.7) with RFC 5424 framing: over UDP
// (RFC 5426), where a datagram the socket cannot take is dropped, logged and counted; or over
// TLS (RFC 5425), where messages wait in a bounded backlog while the collector is away.
#pragma once

#include "config/node_config.h"
#include "node/syslog_tls_transport.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>

namespace radnode::node {

// RFC 5424 severities the audit messages use.
enum class SyslogSeverity { Warning = 4, Notice = 5 };

// Facility 10 (security/authorization), as PS3.15 A.7 requires.
constexpr int kSyslogAuthPrivFacility = 10;

struct SyslogHeader {
    int facility = kSyslogAuthPrivFacility;
    SyslogSeverity severity = SyslogSeverity::Notice;
    std::int64_t atMs = 0;  // TIMESTAMP, written in UTC with milliseconds
    std::string hostName;   // HOSTNAME
    std::string appName;    // APP-NAME
    std::string processId;  // PROCID
    std::string messageId;  // MSGID, e.g. "DICOM+RFC3881"
};

// One RFC 5424 SYSLOG-MSG: "<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID - " then the
// message, marked UTF-8 by a BOM. Header fields are cut to RFC 5424's lengths, characters
// outside printable ASCII become '_', and an empty field is the NILVALUE '-'.
std::string syslogFrame(const SyslogHeader& header, const std::string& message);

// Where the audit forwarder hands its messages. Used from one thread (the forwarder's).
class SyslogSender {
public:
    virtual ~SyslogSender() = default;
    // One SYSLOG-MSG made from audit row `auditId` (for the log when it cannot be sent).
    virtual void send(std::int64_t auditId, const std::string& message) = 0;
    // Sends what waits, (re)connecting when due. `lastChance`: the node is stopping, so try
    // now whatever the backoff says, and log what is left unsent.
    virtual void flush(bool lastChance) = 0;
    // False while the backlog is full: the forwarder then leaves audit rows in the trail.
    virtual bool acceptsMore() const = 0;
    virtual std::size_t waiting() const = 0;

    std::uint64_t sent() const { return sent_; }
    std::uint64_t failed() const { return failed_; }

protected:
    std::atomic<std::uint64_t> sent_{0}, failed_{0};
};

class UdpSyslogSender : public SyslogSender {
public:
    // `host`: a numeric address or a name, resolved once here. Throws std::runtime_error
    // (naming host and port) when it does not resolve or no socket can be opened.
    UdpSyslogSender(const std::string& host, int port);
    ~UdpSyslogSender() override;

    // Sends one datagram now; one that is not sent is logged (audit.syslog_failed) and counted.
    void send(std::int64_t auditId, const std::string& message) override;
    void flush(bool) override {}
    bool acceptsMore() const override { return true; }
    std::size_t waiting() const override { return 0; }

private:
    struct Socket;
    std::unique_ptr<Socket> socket_;
    std::string collector_; // "host:port" for messages
};

// RFC 5425 over one persistent connection. Messages queue in order; a message leaves the queue
// only once written, so after a broken connection the resend starts with the first message not
// written (named by its audit row id in the log). Reconnects back off from 1 s to 60 s.
class TlsSyslogSender : public SyslogSender {
public:
    static constexpr std::size_t kMaxWaiting = 2000; // messages (1-3 KB each)

    // Loads the TLS files and checks that the host resolves; does not connect yet. Throws
    // std::runtime_error naming the file or the collector.
    explicit TlsSyslogSender(const config::AuditSyslogConfig& settings);
    ~TlsSyslogSender() override;

    void send(std::int64_t auditId, const std::string& message) override;
    void flush(bool lastChance) override;
    bool acceptsMore() const override { return queue_.size() < kMaxWaiting; }
    std::size_t waiting() const override { return queue_.size(); }

private:
    struct Pending {
        std::int64_t auditId;
        std::string frame; // octet-counted
    };
    bool connect(bool lastChance); // false when not due yet or it failed (logged)

    std::unique_ptr<SyslogTlsConnection> connection_;
    std::deque<Pending> queue_;
    std::chrono::steady_clock::time_point nextAttempt_{};
    std::chrono::seconds backoff_{1};
    int failedAttempts_ = 0;
};

// The TLS connection settings audit.syslog names (transport tls).
SyslogTlsSettings syslogTlsSettings(const config::AuditSyslogConfig& settings);

// The sender the configuration asks for. Throws as the constructors do.
std::unique_ptr<SyslogSender> makeSyslogSender(const config::AuditSyslogConfig& settings);

} // namespace radnode::node
