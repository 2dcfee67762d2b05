#include "node/syslog_sender.h"

#include "node/log.h"
#include "node/utc_time.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>

#include <algorithm>
#include <stdexcept>

namespace radnode::node {

namespace {

constexpr std::chrono::seconds kMaxBackoff{60};

// RFC 5424 header fields are PRINTUSASCII with a maximum length; "-" stands for none.
std::string headerField(const std::string& value, std::size_t maxLength) {
    if (value.empty()) return "-";
    std::string out = value.substr(0, maxLength);
    for (char& c : out) {
        if (c < 33 || c > 126) c = '_';
    }
    return out;
}

// Boost reports an oversized datagram or a full buffer as an error: no exceptions here.
std::string describe(const boost::system::error_code& error) { return error.message(); }

} // namespace

std::string syslogFrame(const SyslogHeader& header, const std::string& message) {
    const int priority = header.facility * 8 + static_cast<int>(header.severity);
    std::string frame = "<" + std::to_string(priority) + ">1 " + isoTime(header.atMs) + " " +
                        headerField(header.hostName, 255) + " " + headerField(header.appName, 48) + " " +
                        headerField(header.processId, 128) + " " + headerField(header.messageId, 32) + " - ";
    return frame + "\xEF\xBB\xBF" + message;
}

struct UdpSyslogSender::Socket {
    boost::asio::io_context context;
    boost::asio::ip::udp::socket socket{context};
    boost::asio::ip::udp::endpoint collector;
};

UdpSyslogSender::UdpSyslogSender(const std::string& host, int port)
    : socket_(std::make_unique<Socket>()), collector_(host + ":" + std::to_string(port)) {
    boost::system::error_code error;
    boost::asio::ip::udp::resolver resolver(socket_->context);
    const auto endpoints = resolver.resolve(host, std::to_string(port), error);
    if (error || endpoints.empty()) {
        throw std::runtime_error("audit syslog collector " + collector_ + " does not resolve: " + describe(error));
    }
    socket_->collector = *endpoints.begin();
    socket_->socket.open(socket_->collector.protocol(), error);
    if (!error) socket_->socket.non_blocking(true, error);
    if (error) throw std::runtime_error("cannot open a UDP socket for audit syslog to " + collector_ + ": " + describe(error));
}

UdpSyslogSender::~UdpSyslogSender() = default;

void UdpSyslogSender::send(std::int64_t auditId, const std::string& message) {
    boost::system::error_code error;
    socket_->socket.send_to(boost::asio::buffer(message), socket_->collector, 0, error);
    if (!error) {
        ++sent_;
        return;
    }
    ++failed_;
    logEvent(LogLevel::Warning, "audit.syslog_failed",
             {{"collector", collector_}, {"audit_id", std::to_string(auditId)}, {"bytes", std::to_string(message.size())},
              {"reason", describe(error)}, {"failed", std::to_string(failed_.load())}});
}

SyslogTlsSettings syslogTlsSettings(const config::AuditSyslogConfig& settings) {
    SyslogTlsSettings tls;
    tls.host = settings.host;
    tls.port = settings.port;
    tls.caFile = settings.caFile;
    tls.certificateFile = settings.certificateFile;
    tls.privateKeyFile = settings.privateKeyFile;
    return tls;
}

TlsSyslogSender::TlsSyslogSender(const config::AuditSyslogConfig& settings)
    : connection_(std::make_unique<SyslogTlsConnection>(syslogTlsSettings(settings))) {
    // As for UDP, a name that does not resolve is a configuration error; later connections
    // resolve it again.
    boost::system::error_code error;
    boost::asio::io_context context;
    boost::asio::ip::tcp::resolver resolver(context);
    const auto endpoints = resolver.resolve(settings.host, std::to_string(settings.port), error);
    if (error || endpoints.empty()) {
        throw std::runtime_error("audit syslog collector " + connection_->collector() + " does not resolve: " +
                                 describe(error));
    }
}

TlsSyslogSender::~TlsSyslogSender() = default;

void TlsSyslogSender::send(std::int64_t auditId, const std::string& message) {
    queue_.push_back(Pending{auditId, octetCountedFrame(message)});
}

bool TlsSyslogSender::connect(bool lastChance) {
    const auto now = std::chrono::steady_clock::now();
    if (!lastChance && now < nextAttempt_) return false;
    try {
        connection_->connect();
    } catch (const std::exception& error) {
        // Never falls back to sending in clear: the messages wait for a collector we can trust.
        ++failedAttempts_;
        nextAttempt_ = now + backoff_;
        logEvent(LogLevel::Warning, "audit.syslog_connect_failed",
                 {{"collector", connection_->collector()}, {"reason", error.what()},
                  {"attempt", std::to_string(failedAttempts_)}, {"waiting", std::to_string(queue_.size())},
                  {"retry_in_s", std::to_string(backoff_.count())}});
        backoff_ = std::min(backoff_ * 2, kMaxBackoff);
        return false;
    }
    LogFields fields{{"collector", connection_->collector()}, {"protocol", connection_->protocol()},
                     {"waiting", std::to_string(queue_.size())}};
    if (!queue_.empty()) fields.emplace_back("from_audit_id", std::to_string(queue_.front().auditId));
    logEvent(LogLevel::Info, "audit.syslog_connected", fields);
    backoff_ = std::chrono::seconds(1);
    failedAttempts_ = 0;
    return true;
}

void TlsSyslogSender::flush(bool lastChance) {
    // One connection attempt per call (two when stopping): a collector that accepts and then
    // drops the connection must not keep the forwarder, or the node's shutdown, busy.
    int attemptsLeft = lastChance ? 2 : 1;
    while (!queue_.empty()) {
        if (!connection_->open()) {
            if (attemptsLeft-- == 0 || !connect(lastChance)) break;
        }
        try {
            connection_->write(queue_.front().frame);
        } catch (const std::exception& error) {
            ++failed_;
            nextAttempt_ = std::chrono::steady_clock::now() + backoff_;
            logEvent(LogLevel::Warning, "audit.syslog_connection_lost",
                     {{"collector", connection_->collector()}, {"reason", error.what()},
                      {"waiting", std::to_string(queue_.size())},
                      {"resend_from_audit_id", std::to_string(queue_.front().auditId)}});
            continue;
        }
        queue_.pop_front();
        ++sent_;
    }
    if (lastChance && !queue_.empty()) {
        logEvent(LogLevel::Error, "audit.syslog_unsent",
                 {{"collector", connection_->collector()}, {"messages", std::to_string(queue_.size())},
                  {"first_audit_id", std::to_string(queue_.front().auditId)},
                  {"last_audit_id", std::to_string(queue_.back().auditId)},
                  {"reason", "the collector was not reachable before the node stopped; the audit trail keeps the events"}});
    }
    if (lastChance) connection_->close();
}

std::unique_ptr<SyslogSender> makeSyslogSender(const config::AuditSyslogConfig& settings) {
    if (settings.transport == config::SyslogTransport::Tls) return std::make_unique<TlsSyslogSender>(settings);
    return std::make_unique<UdpSyslogSender>(settings.host, settings.port);
}

} // namespace radnode::node
