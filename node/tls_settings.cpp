#include "node/tls_settings.h"

namespace radnode::node {

dicom::TlsSettings tlsSettings(const config::TlsConfig& tls) {
    dicom::TlsSettings settings;
    settings.certificate = tls.certificate;
    settings.privateKey = tls.privateKey;
    settings.trustedCertificates = tls.trustedCertificates;
    settings.requirePeerCertificate = tls.requirePeerCertificate;
    settings.checkHostName = tls.checkHostName;
    settings.profile = dicom::parseTlsProfile(tls.profile);
    return settings;
}

bool sameTls(const std::optional<config::TlsConfig>& a, const std::optional<config::TlsConfig>& b) {
    if (!a || !b) return !a && !b;
    return a->certificate == b->certificate && a->privateKey == b->privateKey &&
           a->trustedCertificates == b->trustedCertificates && a->requirePeerCertificate == b->requirePeerCertificate &&
           a->checkHostName == b->checkHostName && a->profile == b->profile;
}

} // namespace radnode::node
