// The TLS keys of the configuration: listener.tls, certificate bindings on allowed peers, and
// destinations[].tls. The files only need to exist here; their contents are the node's tests.
#include "config/config_loader.h"
#include "test_support.h"

#include <doctest/doctest.h>

using namespace radnode;

namespace {

// A directory with placeholder PEM files, and a config file's errors relative to it.
struct TlsFiles {
    TlsFiles() {
        for (const char* name : {"node.crt", "node.key", "ca.crt", "ca2.crt"}) test::writeText(dir / name, "PEM\n");
    }
    config::NodeConfig parse(const std::string& yaml) const {
        test::writeText(dir / "node.yaml", yaml);
        return config::loadConfig(dir / "node.yaml");
    }
    // The error without the file name ("LINE: KEY: reason"), or "no error".
    std::string errorOf(const std::string& yaml) const {
        try {
            parse(yaml);
        } catch (const config::ConfigError& error) {
            const std::string text = error.what();
            return text.substr((dir / "node.yaml").string().size() + 1);
        }
        return "no error";
    }
    test::TempDir dir;
};

const std::string kListenerTls = "listener:\n"
                                 "  tls:\n"
                                 "    certificate: node.crt\n"
                                 "    private_key: node.key\n"
                                 "    trusted_certificates: ca.crt\n";

} // namespace

TEST_CASE("listener.tls and certificate bindings are read, paths resolved, fingerprints normalised") {
    TlsFiles files;
    const auto config = files.parse(kListenerTls + "    profile: bcp195\n"
                                                   "  allowed_peers:\n"
                                                   "    - ae_title: MODALITY\n"
                                                   "      host: 10.0.0.5\n"
                                                   "      certificate_cn: us-room-3.example\n"
                                                   "    - ae_title: PINNED\n"
                                                   "      certificate_sha256: \"AB:CD:EF:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:"
                                                   "AB:CD:EF:01:23:45:67:89:ab:cd:ef:01:23:45:67:89\"\n"
                                                   "    - ae_title: \"*\"\n"
                                                   "      host: 127.0.0.1\n");
    REQUIRE(config.listener.tls);
    const auto& tls = *config.listener.tls;
    CHECK(tls.certificate == files.dir / "node.crt");
    CHECK(tls.privateKey == files.dir / "node.key");
    REQUIRE(tls.trustedCertificates.size() == 1);
    CHECK(tls.trustedCertificates[0] == files.dir / "ca.crt");
    CHECK(tls.requirePeerCertificate);
    CHECK(tls.profile == "bcp195");
    REQUIRE(config.listener.allowedPeers.size() == 3);
    CHECK(config.listener.allowedPeers[0].certificateCn == "us-room-3.example");
    CHECK(config.listener.allowedPeers[0].certificateSha256.empty());
    CHECK(config.listener.allowedPeers[1].certificateSha256 ==
          "ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89");
    CHECK(config.listener.allowedPeers[2].certificateCn.empty());
}

TEST_CASE("without a tls key there is no TLS, and the defaults are BCP 195 non-downgrading with peers verified") {
    TlsFiles files;
    CHECK_FALSE(files.parse("listener: {port: 104}\n").listener.tls);
    const auto config = files.parse(kListenerTls);
    CHECK(config.listener.tls->profile == "bcp195-nd");
    CHECK(config.listener.tls->requirePeerCertificate);
    // Server authentication only: peers need no certificate, and no CA is needed to check one.
    const auto open = files.parse("listener:\n  tls:\n    certificate: node.crt\n    private_key: node.key\n"
                                  "    require_peer_certificate: false\n");
    CHECK_FALSE(open.listener.tls->requirePeerCertificate);
    CHECK(open.listener.tls->trustedCertificates.empty());
}

TEST_CASE("destinations[].tls: a list of CAs, an optional client certificate, the host name check") {
    TlsFiles files;
    const auto config = files.parse("destinations:\n"
                                    "  - name: pacs\n"
                                    "    ae_title: PACS\n"
                                    "    host: pacs.example\n"
                                    "    port: 2762\n"
                                    "    tls:\n"
                                    "      certificate: node.crt\n"
                                    "      private_key: node.key\n"
                                    "      trusted_certificates: [ca.crt, ca2.crt]\n"
                                    "      check_host_name: false\n"
                                    "  - name: archive\n"
                                    "    ae_title: ARCHIVE\n"
                                    "    host: 10.0.0.9\n"
                                    "    tls:\n"
                                    "      trusted_certificates: ca.crt\n"
                                    "  - {name: plain, ae_title: PLAIN, host: 10.0.0.10}\n");
    REQUIRE(config.destinations.size() == 3);
    REQUIRE(config.destinations[0].tls);
    CHECK(config.destinations[0].tls->trustedCertificates ==
          std::vector<std::filesystem::path>{files.dir / "ca.crt", files.dir / "ca2.crt"});
    CHECK_FALSE(config.destinations[0].tls->checkHostName);
    REQUIRE(config.destinations[1].tls);
    CHECK(config.destinations[1].tls->certificate.empty());
    CHECK(config.destinations[1].tls->checkHostName);
    CHECK_FALSE(config.destinations[2].tls);
}

TEST_CASE("TLS mistakes are named with their line and key") {
    TlsFiles files;
    CHECK(files.errorOf("listener:\n  tls:\n    certificate: node.crt\n    trusted_certificates: ca.crt\n") ==
          "2: listener.tls: a TLS listener needs 'certificate' and 'private_key' (what it shows its peers)");
    CHECK(files.errorOf("listener:\n  tls:\n    certificate: node.crt\n    private_key: node.key\n") ==
          "2: listener.tls: needs 'trusted_certificates' (the CAs that sign peer certificates) while "
          "require_peer_certificate is true");
    CHECK(files.errorOf(kListenerTls + "    profile: tls1.0\n") ==
          "6: listener.tls.profile: unknown TLS profile 'tls1.0' (bcp195-nd, bcp195, bcp195-extended)");
    CHECK(files.errorOf(kListenerTls + "    require_peer_certificate: maybe\n") ==
          "6: listener.tls.require_peer_certificate: expected true or false, got 'maybe'");
    CHECK(files.errorOf(kListenerTls + "    private_kee: node.key\n").find("did you mean 'private_key'?") !=
          std::string::npos);

    const auto missing = files.errorOf("listener:\n  tls:\n    certificate: missing.crt\n    private_key: node.key\n"
                                       "    trusted_certificates: ca.crt\n");
    CHECK(missing == "3: listener.tls.certificate: no such certificate file: " + (files.dir / "missing.crt").string());
    const auto missingCa = files.errorOf("listener:\n  tls:\n    certificate: node.crt\n    private_key: node.key\n"
                                         "    trusted_certificates: [ca.crt, nowhere.crt]\n");
    CHECK(missingCa == "5: listener.tls.trusted_certificates[1]: no such trusted certificate file: " +
                           (files.dir / "nowhere.crt").string());

    CHECK(files.errorOf(kListenerTls + "  allowed_peers:\n    - {ae_title: X, certificate_sha256: \"ab:cd\"}\n")
              .find("listener.allowed_peers[0].certificate_sha256: a SHA-256 fingerprint has 32 bytes") !=
          std::string::npos);
    CHECK(files.errorOf("listener:\n  allowed_peers:\n    - ae_title: MODALITY\n      certificate_cn: us.example\n") ==
          "3: listener.allowed_peers[0]: binds a certificate to AE MODALITY, but listener.tls is not set");

    CHECK(files.errorOf("destinations:\n  - name: pacs\n    ae_title: PACS\n    host: h\n    tls:\n"
                        "      certificate: node.crt\n") ==
          "5: destinations[0].tls: 'certificate' and 'private_key' go together: give both (a client certificate) or "
          "neither");
    CHECK(files.errorOf("destinations:\n  - name: pacs\n    ae_title: PACS\n    host: h\n    tls:\n"
                        "      check_host_name: false\n") ==
          "5: destinations[0].tls: needs 'trusted_certificates' (the CAs that sign the destination's certificate)");
    // Each side has its own policy key.
    CHECK(files.errorOf(kListenerTls + "    check_host_name: false\n").find("listener.tls.check_host_name: unknown key") !=
          std::string::npos);
}
