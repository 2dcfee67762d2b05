// DICOM TLS (PS3.15 B.1 and BCP 195) for the listener and the sender, on DCMTK's OpenSSL
// transport layer, and the identity of a peer's certificate for binding it to an AE title.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

class DcmTransportLayer; // DCMTK (dcmnet/dcmlayer.h); the TLS headers stay in tls.cpp

namespace radnode::dicom {

// DCMTK's BCP 195 security profiles, by the names storescu's options use.
enum class TlsProfile { Bcp195NonDowngrading, Bcp195, Bcp195Extended };

struct TlsSettings {
    // PEM files. The listener needs both; a sender may leave both empty when its peer does not
    // ask for a client certificate.
    std::filesystem::path certificate;
    std::filesystem::path privateKey; // unencrypted: a service has no one to type a password
    std::vector<std::filesystem::path> trustedCertificates; // CA certificates (PEM) peers must chain to
    // Listener: refuse peers that present no certificate. Senders always verify their peer.
    bool requirePeerCertificate = true;
    // Sender: the peer's certificate must name the destination's host (DNS name or IP address).
    bool checkHostName = true;
    TlsProfile profile = TlsProfile::Bcp195NonDowngrading;
};

// "bcp195-nd", "bcp195", "bcp195-extended"; throws std::invalid_argument for anything else.
TlsProfile parseTlsProfile(const std::string& name);
std::string tlsProfileName(TlsProfile profile);

// Who a certificate names, and its SHA-256 fingerprint as lower-case hex pairs joined by ':'
// (the form `openssl x509 -fingerprint -sha256` prints, lower-cased).
struct CertificateIdentity {
    std::string subject;    // one line, RFC 2253
    std::string commonName; // the subject's CN; empty when it has none
    std::string sha256;
};

// From DER bytes (what DCMTK hands over for a peer) or a PEM file. Throw std::runtime_error.
CertificateIdentity describeCertificate(const std::vector<unsigned char>& der);
CertificateIdentity readCertificateIdentity(const std::filesystem::path& pemFile);

// A configured DCMTK TLS transport layer: certificate and key loaded and matched, trusted CAs
// added, profile and peer verification set. Construction reads the files, so it is also how
// `radnode check-config` proves them usable. Throws std::runtime_error naming the file.
class TlsContext {
public:
    enum class Role { Listener, Sender };
    // expectedPeerHost: for a sender with checkHostName, the host the peer certificate must name.
    TlsContext(const TlsSettings& settings, Role role, const std::string& expectedPeerHost = "");
    ~TlsContext();
    TlsContext(const TlsContext&) = delete;
    TlsContext& operator=(const TlsContext&) = delete;

    // For ASC_setTransportLayer / DcmSCU::useSecureConnection; owned by this object.
    DcmTransportLayer& layer();

    // Why OpenSSL rejected a certificate in the handshake this thread ran in this context
    // ("certificate has expired: CN=pacs"), then cleared; empty when none was rejected since
    // this thread's last call.
    std::string takeVerificationFailure();

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

} // namespace radnode::dicom
