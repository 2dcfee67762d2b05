#include "node/syslog_sender.h"

#include "node/log.h"
#include "node/utc_time.h"

#include <boost/asio/ip/udp.hpp>
#include <boost/asio/io_context.hpp>

#include <mutex>
#include <stdexcept>

namespace radnode::node {

namespace {

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

struct SyslogSender::Socket {
    boost::asio::io_context context;
    boost::asio::ip::udp::socket socket{context};
    boost::asio::ip::udp::endpoint collector;
    std::mutex mutex; // one datagram at a time on the socket
};

SyslogSender::SyslogSender(const std::string& host, int port)
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

SyslogSender::~SyslogSender() = default;

bool SyslogSender::send(const std::string& frame) {
    boost::system::error_code error;
    {
        std::lock_guard lock(socket_->mutex);
        socket_->socket.send_to(boost::asio::buffer(frame), socket_->collector, 0, error);
    }
    if (!error) {
        ++sent_;
        return true;
    }
    ++failed_;
    logEvent(LogLevel::Warning, "audit.syslog_failed",
             {{"collector", collector_}, {"bytes", std::to_string(frame.size())}, {"reason", describe(error)},
              {"failed", std::to_string(failed_.load())}});
    return false;
}

} // namespace radnode::node
