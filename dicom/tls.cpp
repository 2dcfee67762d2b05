#include "dicom/tls.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmnet/assoc.h>
#include <dcmtk/dcmtls/tlslayer.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace radnode::dicom {

namespace {

using X509Ptr = std::unique_ptr<X509, decltype(&X509_free)>;

std::string hexPairs(const unsigned char* bytes, unsigned length) {
    std::string text;
    char pair[4];
    for (unsigned i = 0; i < length; ++i) {
        std::snprintf(pair, sizeof pair, i ? ":%02x" : "%02x", bytes[i]);
        text += pair;
    }
    return text;
}

std::string subjectLine(X509_NAME* name) {
    BIO* bio = BIO_new(BIO_s_mem());
    if (!bio) return "";
    X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253);
    char* data = nullptr;
    const long length = BIO_get_mem_data(bio, &data);
    std::string text(data, static_cast<std::size_t>(length > 0 ? length : 0));
    BIO_free(bio);
    return text;
}

CertificateIdentity identityOf(X509* certificate) {
    CertificateIdentity identity;
    X509_NAME* subject = X509_get_subject_name(certificate);
    identity.subject = subjectLine(subject);
    const int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
    if (index >= 0) {
        const ASN1_STRING* value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
        unsigned char* utf8 = nullptr;
        const int length = ASN1_STRING_to_UTF8(&utf8, value);
        if (length >= 0) identity.commonName.assign(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(length));
        OPENSSL_free(utf8);
    }
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digestLength = 0;
    if (X509_digest(certificate, EVP_sha256(), digest, &digestLength) != 1) {
        throw std::runtime_error("cannot compute the certificate's SHA-256 fingerprint");
    }
    identity.sha256 = hexPairs(digest, digestLength);
    return identity;
}

std::string lastOpenSslError() {
    const unsigned long code = ERR_get_error();
    ERR_clear_error();
    if (code == 0) return "unknown OpenSSL error";
    char text[256];
    ERR_error_string_n(code, text, sizeof text);
    return text;
}

// A key file that turns out to be encrypted must fail, not prompt on a console nobody watches.
int refusePasswordPrompt(char*, int, int, void*) { return -1; }

DcmTLSSecurityProfile dcmtkProfile(TlsProfile profile) {
    switch (profile) {
    case TlsProfile::Bcp195: return TSP_Profile_BCP195;
    case TlsProfile::Bcp195Extended: return TSP_Profile_BCP195_Extended;
    case TlsProfile::Bcp195NonDowngrading: break;
    }
    return TSP_Profile_BCP195_ND;
}

void requireReadable(const std::filesystem::path& file, const std::string& what) {
    std::ifstream in(file);
    if (!in) throw std::runtime_error(what + " " + file.string() + " cannot be read");
}

} // namespace

TlsProfile parseTlsProfile(const std::string& name) {
    if (name == "bcp195-nd") return TlsProfile::Bcp195NonDowngrading;
    if (name == "bcp195") return TlsProfile::Bcp195;
    if (name == "bcp195-extended") return TlsProfile::Bcp195Extended;
    throw std::invalid_argument("unknown TLS profile '" + name + "' (bcp195-nd, bcp195, bcp195-extended)");
}

std::string tlsProfileName(TlsProfile profile) {
    switch (profile) {
    case TlsProfile::Bcp195: return "bcp195";
    case TlsProfile::Bcp195Extended: return "bcp195-extended";
    case TlsProfile::Bcp195NonDowngrading: break;
    }
    return "bcp195-nd";
}

CertificateIdentity describeCertificate(const std::vector<unsigned char>& der) {
    const unsigned char* cursor = der.data();
    X509Ptr certificate(d2i_X509(nullptr, &cursor, static_cast<long>(der.size())), X509_free);
    if (!certificate) throw std::runtime_error("cannot parse the peer certificate: " + lastOpenSslError());
    return identityOf(certificate.get());
}

CertificateIdentity readCertificateIdentity(const std::filesystem::path& pemFile) {
    FILE* file = std::fopen(pemFile.c_str(), "r");
    if (!file) throw std::runtime_error("cannot open certificate " + pemFile.string());
    X509Ptr certificate(PEM_read_X509(file, nullptr, refusePasswordPrompt, nullptr), X509_free);
    std::fclose(file);
    if (!certificate) throw std::runtime_error("no PEM certificate in " + pemFile.string() + ": " + lastOpenSslError());
    return identityOf(certificate.get());
}

struct TlsContext::Impl {
    explicit Impl(T_ASC_NetworkRole role) : layer(role, nullptr, OFTrue) {}
    DcmTLSTransportLayer layer;
    std::mutex mutex;
    // Per handshaking thread: the listener runs each connection's handshake on that
    // connection's thread, several at a time, and the callback runs on the handshaking thread.
    std::map<std::thread::id, std::string> verificationFailures;
};

namespace {

// OpenSSL's verification verdict for each certificate of the peer's chain. It only keeps the
// first failure's reason for the error message; the verdict itself is OpenSSL's.
int recordVerification(int ok, X509_STORE_CTX* store) {
    if (ok) return ok;
    auto* ssl = static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
    auto* impl = ssl ? static_cast<TlsContext::Impl*>(SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl))) : nullptr;
    if (!impl) return ok;
    std::string reason = X509_verify_cert_error_string(X509_STORE_CTX_get_error(store));
    if (X509* certificate = X509_STORE_CTX_get_current_cert(store)) {
        reason += " (" + subjectLine(X509_get_subject_name(certificate)) + ")";
    }
    std::lock_guard lock(impl->mutex);
    impl->verificationFailures.emplace(std::this_thread::get_id(), reason); // keeps the first
    return ok;
}

} // namespace

TlsContext::TlsContext(const TlsSettings& settings, Role role, const std::string& expectedPeerHost)
    : impl_(std::make_unique<Impl>(role == Role::Listener ? NET_ACCEPTOR : NET_REQUESTOR)) {
    DcmTLSTransportLayer& layer = impl_->layer;
    SSL_CTX* context = layer.getNativeHandle();
    if (!context) throw std::runtime_error("cannot create a TLS context: " + lastOpenSslError());
    SSL_CTX_set_app_data(context, impl_.get());
    SSL_CTX_set_default_passwd_cb(context, refusePasswordPrompt);

    const bool hasCertificate = !settings.certificate.empty() || !settings.privateKey.empty();
    if (role == Role::Listener && settings.certificate.empty()) throw std::runtime_error("a TLS listener needs a certificate");
    if (hasCertificate) {
        if (settings.certificate.empty() || settings.privateKey.empty()) {
            throw std::runtime_error("a TLS certificate needs its private key, and a private key its certificate");
        }
        requireReadable(settings.certificate, "certificate");
        requireReadable(settings.privateKey, "private key");
        // DCMTK has taken OpenSSL's error off the queue into the condition's text.
        OFCondition loaded = layer.setCertificateFile(settings.certificate.c_str(), DCF_Filetype_PEM);
        if (loaded.bad()) {
            throw std::runtime_error("cannot load certificate " + settings.certificate.string() + ": " + loaded.text());
        }
        loaded = layer.setPrivateKeyFile(settings.privateKey.c_str(), DCF_Filetype_PEM);
        if (loaded.bad()) {
            throw std::runtime_error("cannot load private key " + settings.privateKey.string() +
                                     " (PEM, not encrypted): " + loaded.text());
        }
        if (!layer.checkPrivateKeyMatchesCertificate()) {
            ERR_clear_error();
            throw std::runtime_error("private key " + settings.privateKey.string() + " does not belong to certificate " +
                                     settings.certificate.string());
        }
    }
    for (const auto& file : settings.trustedCertificates) {
        requireReadable(file, "trusted certificate");
        const OFCondition added = layer.addTrustedCertificateFile(file.c_str(), DCF_Filetype_PEM);
        if (added.bad()) {
            throw std::runtime_error("cannot load trusted certificates from " + file.string() + ": " + added.text());
        }
    }
    OFCondition condition = layer.setTLSProfile(dcmtkProfile(settings.profile));
    if (condition.good()) condition = layer.activateCipherSuites();
    if (condition.bad()) {
        throw std::runtime_error("cannot apply TLS profile " + tlsProfileName(settings.profile) + ": " + condition.text());
    }

    DcmCertificateVerification verification = DCV_requireCertificate;
    if (role == Role::Listener && !settings.requirePeerCertificate) {
        verification = settings.trustedCertificates.empty() ? DCV_ignoreCertificate : DCV_checkCertificate;
    }
    if (role == Role::Sender && settings.trustedCertificates.empty()) {
        throw std::runtime_error("a TLS sender needs trusted certificates to verify its peer");
    }
    layer.setCertificateVerification(verification);
    if (verification != DCV_ignoreCertificate) {
        // DCMTK's own callback only passes OpenSSL's verdict on; ours also keeps its reason.
        SSL_CTX_set_verify(context, SSL_CTX_get_verify_mode(context), recordVerification);
    }
    if (role == Role::Sender && settings.checkHostName && !expectedPeerHost.empty()) {
        X509_VERIFY_PARAM* parameters = SSL_CTX_get0_param(context);
        unsigned char address[16];
        const bool numeric = inet_pton(AF_INET, expectedPeerHost.c_str(), address) == 1 ||
                             inet_pton(AF_INET6, expectedPeerHost.c_str(), address) == 1;
        const int set = numeric ? X509_VERIFY_PARAM_set1_ip_asc(parameters, expectedPeerHost.c_str())
                                : X509_VERIFY_PARAM_set1_host(parameters, expectedPeerHost.c_str(), 0);
        if (set != 1) throw std::runtime_error("cannot check the peer certificate against host " + expectedPeerHost);
    }
}

TlsContext::~TlsContext() = default;

DcmTransportLayer& TlsContext::layer() { return impl_->layer; }

std::string TlsContext::takeVerificationFailure() {
    std::lock_guard lock(impl_->mutex);
    const auto found = impl_->verificationFailures.find(std::this_thread::get_id());
    if (found == impl_->verificationFailures.end()) return {};
    std::string reason = std::move(found->second);
    impl_->verificationFailures.erase(found);
    return reason;
}

} // namespace radnode::dicom
