#include "node/syslog_tls_transport.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace radnode::node {

namespace {

using Clock = std::chrono::steady_clock;

// The oldest error OpenSSL queued (the cause; later ones are consequences), then a clean queue.
std::string openSslError() {
    const unsigned long code = ERR_get_error();
    ERR_clear_error();
    if (code == 0) return "";
    char text[256];
    ERR_error_string_n(code, text, sizeof text);
    return text;
}

// An encrypted key must fail to load, not prompt on a console nobody watches.
int refusePasswordPrompt(char*, int, int, void*) { return -1; }

bool isNumericAddress(const std::string& host) {
    unsigned char address[16];
    return inet_pton(AF_INET, host.c_str(), address) == 1 || inet_pton(AF_INET6, host.c_str(), address) == 1;
}

void requireReadable(const std::filesystem::path& file, const std::string& what) {
    if (!std::ifstream(file)) throw std::runtime_error("cannot read the audit syslog " + what + " " + file.string());
}

// Waits for `events` on the socket until the deadline; false when the time ran out first.
bool waitFor(int fd, short events, Clock::time_point deadline) {
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0) return false;
        pollfd descriptor{fd, events, 0};
        const int ready = ::poll(&descriptor, 1, static_cast<int>(left));
        if (ready > 0) return true;
        if (ready == 0 || errno != EINTR) return false;
    }
}

// A non-blocking TCP socket connected to one of the host's addresses. Resolved at each
// connection, so a collector that moved is found again.
int connectTcp(const std::string& host, int port, Clock::time_point deadline, const std::string& collector) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* addresses = nullptr;
    const int resolved = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &addresses);
    if (resolved != 0) throw std::runtime_error(collector + " does not resolve: " + gai_strerror(resolved));
    std::string reason = "no address";
    for (const addrinfo* address = addresses; address; address = address->ai_next) {
        const int fd = ::socket(address->ai_family, address->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, address->ai_protocol);
        if (fd < 0) {
            reason = std::strerror(errno);
            continue;
        }
        int error = 0;
        if (::connect(fd, address->ai_addr, address->ai_addrlen) != 0) {
            error = errno;
            if (error == EINPROGRESS) {
                socklen_t length = sizeof error;
                if (!waitFor(fd, POLLOUT, deadline)) {
                    error = ETIMEDOUT;
                } else if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) {
                    error = errno;
                }
            }
        }
        if (error == 0) {
            ::freeaddrinfo(addresses);
            return fd;
        }
        reason = std::strerror(error);
        ::close(fd);
    }
    ::freeaddrinfo(addresses);
    throw std::runtime_error("cannot connect to " + collector + ": " + reason);
}

} // namespace

std::string octetCountedFrame(const std::string& syslogMessage) {
    return std::to_string(syslogMessage.size()) + " " + syslogMessage;
}

struct SyslogTlsConnection::Tls {
    SSL_CTX* context = nullptr;
    SSL* ssl = nullptr; // set while connected
    int fd = -1;

    ~Tls() {
        disconnect();
        SSL_CTX_free(context);
    }
    void disconnect() {
        if (ssl) {
            SSL_shutdown(ssl); // close_notify, best effort: the socket does not wait
            SSL_free(ssl);
            ssl = nullptr;
        }
        if (fd >= 0) ::close(fd);
        fd = -1;
        ERR_clear_error();
    }
    // Lets OpenSSL's wish (read or write) come true before the deadline.
    bool wait(int sslError, Clock::time_point deadline) const {
        if (sslError == SSL_ERROR_WANT_READ) return waitFor(fd, POLLIN, deadline);
        if (sslError == SSL_ERROR_WANT_WRITE) return waitFor(fd, POLLOUT, deadline);
        return false;
    }
};

SyslogTlsConnection::SyslogTlsConnection(SyslogTlsSettings settings)
    : settings_(std::move(settings)), collector_(settings_.host + ":" + std::to_string(settings_.port)),
      tls_(std::make_unique<Tls>()) {
    SSL_CTX* context = SSL_CTX_new(TLS_client_method());
    if (!context) throw std::runtime_error("cannot create a TLS context: " + openSslError());
    tls_->context = context;
    SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION); // RFC 5425 as updated by RFC 9662
    SSL_CTX_set_default_passwd_cb(context, refusePasswordPrompt);
    SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nullptr);
    requireReadable(settings_.caFile, "CA file");
    if (SSL_CTX_load_verify_locations(context, settings_.caFile.c_str(), nullptr) != 1) {
        throw std::runtime_error("cannot load CA certificates from " + settings_.caFile.string() + ": " + openSslError());
    }
    if (settings_.certificateFile.empty() != settings_.privateKeyFile.empty()) {
        throw std::runtime_error("an audit syslog client certificate needs its private key, and a key its certificate");
    }
    if (!settings_.certificateFile.empty()) {
        requireReadable(settings_.certificateFile, "certificate file");
        requireReadable(settings_.privateKeyFile, "private key file");
        if (SSL_CTX_use_certificate_chain_file(context, settings_.certificateFile.c_str()) != 1) {
            throw std::runtime_error("cannot load certificate " + settings_.certificateFile.string() + ": " + openSslError());
        }
        if (SSL_CTX_use_PrivateKey_file(context, settings_.privateKeyFile.c_str(), SSL_FILETYPE_PEM) != 1) {
            throw std::runtime_error("cannot load private key " + settings_.privateKeyFile.string() +
                                     " (PEM, not encrypted): " + openSslError());
        }
        if (SSL_CTX_check_private_key(context) != 1) {
            ERR_clear_error();
            throw std::runtime_error("private key " + settings_.privateKeyFile.string() + " does not belong to certificate " +
                                     settings_.certificateFile.string());
        }
    }
}

SyslogTlsConnection::~SyslogTlsConnection() = default;

void SyslogTlsConnection::connect() {
    close();
    const auto deadline = Clock::now() + settings_.timeout;
    tls_->fd = connectTcp(settings_.host, settings_.port, deadline, collector_);
    SSL* ssl = SSL_new(tls_->context);
    if (!ssl) {
        close();
        throw std::runtime_error("cannot start TLS with " + collector_ + ": " + openSslError());
    }
    tls_->ssl = ssl;
    SSL_set_fd(ssl, tls_->fd);
    // The collector's certificate must name the host we were told to reach.
    const bool numeric = isNumericAddress(settings_.host);
    const int named = numeric ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), settings_.host.c_str())
                              : SSL_set1_host(ssl, settings_.host.c_str());
    if (named != 1 || (!numeric && SSL_set_tlsext_host_name(ssl, settings_.host.c_str()) != 1)) {
        close();
        throw std::runtime_error("cannot check the certificate of " + collector_ + " against its host");
    }
    for (;;) {
        ERR_clear_error();
        const int result = SSL_connect(ssl);
        if (result == 1) break;
        const int error = SSL_get_error(ssl, result);
        if (tls_->wait(error, deadline)) continue;
        std::string reason;
        if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
            reason = "timed out after " + std::to_string(settings_.timeout.count()) + " ms";
        } else if (const long verified = SSL_get_verify_result(ssl); verified != X509_V_OK) {
            reason = std::string("certificate verify failed: ") + X509_verify_cert_error_string(verified);
        } else {
            reason = openSslError();
            if (reason.empty()) reason = "the collector closed the connection";
        }
        close();
        throw std::runtime_error("TLS handshake with " + collector_ + " failed: " + reason);
    }
    awaitServerVerdict(std::min(deadline, Clock::now() + std::chrono::milliseconds(1000)));
}

void SyslogTlsConnection::awaitServerVerdict(std::chrono::steady_clock::time_point deadline) {
    // In TLS 1.3 the client has finished its handshake before the server has judged the
    // client's certificate; the verdict (a session ticket, or an alert) follows. Waiting for it
    // here makes a refused certificate fail the connection, not silently eat the first message.
    // A server that sends no ticket costs the wait once per connection.
    if (SSL_version(tls_->ssl) < TLS1_3_VERSION) return;
    while (waitFor(tls_->fd, POLLIN, deadline)) {
        char ignored[512];
        ERR_clear_error();
        const int result = SSL_read(tls_->ssl, ignored, sizeof ignored);
        if (result > 0) continue;
        const int error = SSL_get_error(tls_->ssl, result);
        if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) return; // a ticket: accepted
        std::string reason = openSslError();
        if (reason.empty()) reason = "the collector closed the connection";
        close();
        throw std::runtime_error(collector_ + " refused the connection after the TLS handshake: " + reason);
    }
}

bool SyslogTlsConnection::open() {
    if (!tls_->ssl) return false;
    // A collector sends nothing but TLS records of its own (session tickets, close_notify):
    // read them without waiting, so a hang-up is seen before a message is written into it.
    char ignored[512];
    for (;;) {
        ERR_clear_error();
        const int result = SSL_read(tls_->ssl, ignored, sizeof ignored);
        if (result > 0) continue;
        const int error = SSL_get_error(tls_->ssl, result);
        if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) return true;
        close(); // close_notify, end of stream or reset
        return false;
    }
}

void SyslogTlsConnection::write(const std::string& bytes) {
    if (!tls_->ssl) throw std::runtime_error("not connected to " + collector_);
    const auto deadline = Clock::now() + settings_.timeout;
    std::size_t offset = 0;
    while (offset < bytes.size()) {
        ERR_clear_error();
        std::size_t written = 0;
        const int result = SSL_write_ex(tls_->ssl, bytes.data() + offset, bytes.size() - offset, &written);
        if (result == 1) {
            offset += written;
            continue;
        }
        const int error = SSL_get_error(tls_->ssl, result);
        if (tls_->wait(error, deadline)) continue;
        std::string reason = error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE
                                 ? "the collector took nothing for " + std::to_string(settings_.timeout.count()) + " ms"
                                 : openSslError();
        if (reason.empty()) reason = std::strerror(errno);
        close();
        throw std::runtime_error("writing to " + collector_ + " failed: " + reason);
    }
}

void SyslogTlsConnection::close() { tls_->disconnect(); }

std::string SyslogTlsConnection::protocol() const {
    if (!tls_->ssl) return "";
    return std::string(SSL_get_version(tls_->ssl)) + " " + SSL_get_cipher_name(tls_->ssl);
}

} // namespace radnode::node
