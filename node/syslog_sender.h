// Syslog over UDP (RFC 5426) with RFC 5424 framing, for DICOM audit messages (PS3.15 A.7).
// A send never blocks: a datagram the socket cannot take now is dropped, logged and counted.
#pragma once

#include <atomic>
#include <cstdint>
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

class SyslogSender {
public:
    // `host`: a numeric address or a name, resolved once here. Throws std::runtime_error
    // (naming host and port) when it does not resolve or no socket can be opened.
    SyslogSender(const std::string& host, int port);
    ~SyslogSender();
    SyslogSender(const SyslogSender&) = delete;
    SyslogSender& operator=(const SyslogSender&) = delete;

    // Sends one datagram; false (logged as audit.syslog_failed, counted) when it was not sent.
    bool send(const std::string& frame);

    std::uint64_t sent() const { return sent_; }
    std::uint64_t failed() const { return failed_; }

private:
    struct Socket;
    std::unique_ptr<Socket> socket_;
    std::string collector_; // "host:port" for messages
    std::atomic<std::uint64_t> sent_{0}, failed_{0};
};

} // namespace radnode::node
