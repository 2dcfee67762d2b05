// One TLS connection to a syslog collector (RFC 5425, as PS3.15 A.6 and IHE ATNA ask for audit
// messages): TLS 1.2 or later, the collector's certificate checked against a CA and its host,
// optionally a client certificate, and octet-counted frames. Blocking calls, each bounded.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

namespace radnode::node {

struct SyslogTlsSettings {
    std::string host; // the collector: a DNS name or a numeric address, which its certificate must name
    int port = 6514;
    std::filesystem::path caFile;          // PEM: the CA certificates the collector's certificate must chain to
    std::filesystem::path certificateFile; // PEM, optional: the node's client certificate (mutual TLS)
    std::filesystem::path privateKeyFile;  // PEM, unencrypted; with certificateFile
    std::chrono::milliseconds timeout{5000}; // connecting, the handshake, and each write
};

// RFC 5425 4.3 octet counting: "MSG-LEN SP SYSLOG-MSG".
std::string octetCountedFrame(const std::string& syslogMessage);

class SyslogTlsConnection {
public:
    // Loads the CA, client certificate and key. Throws std::runtime_error naming the file.
    explicit SyslogTlsConnection(SyslogTlsSettings settings);
    ~SyslogTlsConnection();
    SyslogTlsConnection(const SyslogTlsConnection&) = delete;
    SyslogTlsConnection& operator=(const SyslogTlsConnection&) = delete;

    // TCP connection and TLS handshake. Throws std::runtime_error with the reason (refused,
    // timed out, "certificate verify failed: ...", "hostname mismatch") and stays closed.
    void connect();
    // False once close() ran or a write failed. May also find that the collector hung up.
    bool open();
    // Writes all of `bytes`; throws std::runtime_error (and closes) when the connection broke.
    // The process must ignore SIGPIPE (radnode's main does).
    void write(const std::string& bytes);
    void close();

    // After connect(): "TLSv1.3 TLS_AES_256_GCM_SHA384".
    std::string protocol() const;
    const std::string& collector() const { return collector_; }

private:
    void awaitServerVerdict(std::chrono::steady_clock::time_point deadline);

    struct Tls;
    SyslogTlsSettings settings_;
    std::string collector_; // "host:port" for messages
    std::unique_ptr<Tls> tls_;
};

} // namespace radnode::node
