// DICOM TLS with real peers: a CA and certificates made with the openssl CLI, DCMTK storescu
// sending to `radnode serve` over TLS (and being refused without the right certificate), and
// the node delivering its SR to storescp over TLS.
#include "dicom/tls.h"
#include "node/live_node.h"
#include "node/test_pki.h"
#include "test_support.h"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <thread>

using namespace radnode;
using namespace radnode::test;

namespace {

std::vector<std::filesystem::path> filesIn(const std::filesystem::path& folder) {
    std::vector<std::filesystem::path> files;
    if (!std::filesystem::exists(folder)) return files;
    for (const auto& entry : std::filesystem::directory_iterator(folder)) {
        if (entry.is_regular_file()) files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    return files;
}

std::string lower(std::string text) {
    for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

} // namespace

TEST_CASE("a certificate's CN and SHA-256 fingerprint read as openssl prints them") {
    REQUIRE(haveProgram("openssl"));
    TempDir dir;
    TestPki pki(dir / "pki");
    pki.issue("modality", "us-room-3.example");
    const auto identity = dicom::readCertificateIdentity(pki.crt("modality"));
    CHECK(identity.commonName == "us-room-3.example");
    CHECK(identity.subject == "CN=us-room-3.example");
    CHECK(identity.sha256 == lower(pki.fingerprint("modality")));
    CHECK_THROWS_AS(dicom::readCertificateIdentity(pki.key("modality")), std::runtime_error);
}

TEST_CASE("radnode check-config loads the TLS files: a key that is not the certificate's is named") {
    REQUIRE(haveProgram("openssl"));
    TempDir dir;
    TestPki pki(dir / "pki");
    pki.issue("node", "radnode.example");
    pki.issue("stranger", "stranger.example");
    const auto config = [&](const std::string& key) {
        return "listener:\n  tls:\n    certificate: " + pki.crt("node").string() + "\n    private_key: " + key +
               "\n    trusted_certificates: " + pki.crt("ca").string() + "\n";
    };
    writeText(dir / "good.yaml", config(pki.key("node").string()));
    writeText(dir / "bad.yaml", config(pki.key("stranger").string()));
    const auto good = runCommand(kRadnode + " check-config " + quoted(dir / "good.yaml"));
    CHECK_MESSAGE(good.exitCode == 0, good.output);
    CHECK(good.output.find("tls           bcp195-nd") != std::string::npos);
    const auto bad = runCommand(kRadnode + " check-config " + quoted(dir / "bad.yaml"));
    CHECK(bad.exitCode == 2);
    // OpenSSL compares the key with the certificate as it loads it.
    CHECK_MESSAGE(bad.output.find("listener.tls: cannot load private key " + pki.key("stranger").string()) !=
                      std::string::npos,
                  bad.output);
    CHECK_MESSAGE(bad.output.find("key values mismatch") != std::string::npos, bad.output);
}

TEST_CASE("the TLS listener accepts storescu +tls with a trusted certificate bound to its AE title, and nothing else") {
    REQUIRE(haveProgram("openssl"));
    REQUIRE(haveProgram("storescu"));
    REQUIRE(haveProgram("sqlite3"));
    TempDir dir;
    TestPki pki(dir / "pki");
    pki.issue("node", "radnode.example");
    pki.issue("modality", "us-room-3.example");
    pki.issue("mallory", "mallory.example");
    pki.issue("forged", "us-room-3.example", "other-ca"); // the right name, signed by the wrong CA

    const auto synth = runCommand(kRadnode + " synth --modality us --seed 11 --no-node --out " + quoted(dir / "study"));
    REQUIRE_MESSAGE(synth.exitCode == 0, synth.output);
    const auto files = filesIn(dir / "study");
    REQUIRE(files.size() >= 2);

    // MODALITY must show the CN it was given; PINNED must show exactly mallory's certificate.
    writeText(dir / "node.yaml", "listener:\n"
                                 "  tls:\n"
                                 "    certificate: pki/node.crt\n"
                                 "    private_key: pki/node.key\n"
                                 "    trusted_certificates: pki/ca.crt\n"
                                 "  allowed_peers:\n"
                                 "    - ae_title: MODALITY\n"
                                 "      host: 127.0.0.1\n"
                                 "      certificate_cn: us-room-3.example\n"
                                 "    - ae_title: PINNED\n"
                                 "      host: 127.0.0.1\n"
                                 "      certificate_sha256: \"" +
                                     pki.fingerprint("mallory") + "\"\n");
    LiveNode node(dir, {"--config", (dir / "node.yaml").string()});
    const auto storescu = [&](const std::string& options, const std::filesystem::path& file) {
        return runCommand("storescu -R -aec RADNODE " + options + " 127.0.0.1 " + std::to_string(node.port) + " " +
                          quoted(file));
    };
    const auto tlsWith = [&](const std::string& name) {
        return "+tls " + quoted(pki.key(name)) + " " + quoted(pki.crt(name)) + " +cf " + quoted(pki.crt("ca"));
    };

    const auto good = storescu("-aet MODALITY " + tlsWith("modality"), files[0]);
    CHECK_MESSAGE(good.exitCode == 0, std::string(good.output + readText(dir / "node.log")));
    const auto pinned = storescu("-aet PINNED " + tlsWith("mallory"), files[1]);
    CHECK_MESSAGE(pinned.exitCode == 0, pinned.output);

    const auto anonymous = storescu("-aet MODALITY +tla +cf " + quoted(pki.crt("ca")), files[0]);
    CHECK_MESSAGE(anonymous.exitCode != 0, anonymous.output);
    const auto forged = storescu("-aet MODALITY " + tlsWith("forged"), files[0]);
    CHECK_MESSAGE(forged.exitCode != 0, forged.output);
    const auto plain = storescu("-aet MODALITY", files[0]);
    CHECK_MESSAGE(plain.exitCode != 0, plain.output);
    const auto wrongName = storescu("-aet MODALITY " + tlsWith("mallory"), files[0]);
    CHECK(wrongName.exitCode != 0);
    CHECK_MESSAGE(wrongName.output.find("Calling AE Title Not Recognized") != std::string::npos, wrongName.output);
    const auto wrongPin = storescu("-aet PINNED " + tlsWith("modality"), files[0]);
    CHECK(wrongPin.exitCode != 0);

    CHECK(node.process->stop() == 0);
    const auto database = dir / "state" / "radnode.sqlite";
    CHECK(sqlite(database, "SELECT count(*) FROM instances") == "2");
    const auto refused =
        sqlite(database, "SELECT detail FROM audit_log WHERE event = 'association.refused' ORDER BY id");
    // Three handshakes refused (no certificate, another CA, no TLS at all), two AE titles with
    // someone else's certificate; the port probe that waited for the listener is not among them.
    CHECK(sqlite(database, "SELECT count(*) FROM audit_log WHERE event = 'association.refused'") == "5");
    CHECK_MESSAGE(countOccurrences(refused, "TLS handshake failed") == 3, refused);
    CHECK_MESSAGE(refused.find("certificate verify failed") != std::string::npos, refused);
    CHECK_MESSAGE(refused.find("unknown peer MODALITY@127.0.0.1: certificate 'CN=mallory.example'") != std::string::npos,
                  refused);
    CHECK_MESSAGE(refused.find("is not the one bound to calling AE PINNED") != std::string::npos, refused);
}

TEST_CASE("the node delivers its SR over TLS; a PACS whose certificate it cannot trust is retried with the reason") {
    REQUIRE(haveProgram("openssl"));
    REQUIRE(haveProgram("storescp"));
    REQUIRE(haveProgram("storescu"));
    REQUIRE(haveProgram("sqlite3"));
    TempDir dir;
    TestPki pki(dir / "pki");
    pki.issue("node", "radnode.example");
    pki.issue("pacs", "pacs.example", "ca", "pacs.example"); // names 127.0.0.1 and pacs.example, not localhost

    std::filesystem::create_directories(dir / "pacs");
    const int pacsPort = freeLoopbackPort();
    // storescp asks for and verifies the node's client certificate.
    ChildProcess pacs({"storescp", "--aetitle", "PACS", "--output-directory", (dir / "pacs").string(), "+tls",
                       pki.key("pacs").string(), pki.crt("pacs").string(), "+cf", pki.crt("ca").string(),
                       std::to_string(pacsPort)},
                      dir / "storescp.log");
    REQUIRE(waitForPort(pacsPort, 10000));

    const auto destination = [&](const std::string& name, const std::string& host, const std::string& ca) {
        return "  - name: " + name + "\n    ae_title: PACS\n    host: " + host + "\n    port: " + std::to_string(pacsPort) +
               "\n    tls:\n      certificate: pki/node.crt\n      private_key: pki/node.key\n"
               "      trusted_certificates: pki/" + ca + ".crt\n";
    };
    writeText(dir / "node.yaml", "destinations:\n" + destination("pacs", "127.0.0.1", "ca") +
                                     destination("impostor", "127.0.0.1", "other-ca") +
                                     destination("wrong-name", "localhost", "ca"));
    LiveNode node(dir, {"--config", (dir / "node.yaml").string()});

    const auto synth = runCommand(kRadnode + " synth --modality us --seed 12 --out " + quoted(dir / "study"));
    REQUIRE_MESSAGE(synth.exitCode == 0, synth.output);
    const auto sent = runCommand("storescu -aec RADNODE -R +sd 127.0.0.1 " + std::to_string(node.port) + " " +
                                 quoted(dir / "study"));
    REQUIRE_MESSAGE(sent.exitCode == 0, sent.output);

    const auto database = dir / "state" / "radnode.sqlite";
    const auto attempted = [&] {
        return sqlite(database, "SELECT count(*) FROM deliveries WHERE attempts > 0 OR state != 'pending'");
    };
    std::vector<std::filesystem::path> delivered;
    for (int waited = 0; waited < 240 && (delivered.empty() || attempted() != "3"); ++waited) {
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        delivered.clear();
        for (const auto& file : filesIn(dir / "pacs")) {
            if (file.filename().string().rfind("SR", 0) == 0) delivered.push_back(file);
        }
    }
    REQUIRE_MESSAGE(delivered.size() == 1, std::string(readText(dir / "node.log") + readText(dir / "storescp.log")));
    CHECK(node.process->stop() == 0);
    pacs.stop();

    CHECK(sqlite(database, "SELECT state FROM deliveries WHERE destination = 'pacs'") == "delivered");
    // Certificate problems are association failures: transient, retried, with OpenSSL's reason.
    CHECK(sqlite(database, "SELECT state || ' ' || last_status FROM deliveries WHERE destination = 'impostor'") ==
          "pending association");
    const auto impostor = sqlite(database, "SELECT last_error FROM deliveries WHERE destination = 'impostor'");
    // storescp sends its CA along, so OpenSSL finds a self-signed root it does not trust.
    CHECK_MESSAGE(impostor.find("certificate verify failed (self-signed certificate in certificate chain (CN=radnode "
                                "test CA))") != std::string::npos,
                  impostor);
    CHECK(sqlite(database, "SELECT state FROM deliveries WHERE destination = 'wrong-name'") == "pending");
    const auto wrongName = sqlite(database, "SELECT last_error FROM deliveries WHERE destination = 'wrong-name'");
    CHECK_MESSAGE(wrongName.find("hostname mismatch") != std::string::npos, wrongName);
}

TEST_CASE("silent TCP clients on the TLS port do not hold up storescu +tls: the handshake runs on the connection's thread") {
    REQUIRE(haveProgram("openssl"));
    REQUIRE(haveProgram("storescu"));
    REQUIRE(haveProgram("sqlite3"));
    TempDir dir;
    TestPki pki(dir / "pki");
    pki.issue("node", "radnode.example");
    pki.issue("modality", "us-room-3.example");
    const auto synth = runCommand(kRadnode + " synth --modality us --seed 13 --no-node --out " + quoted(dir / "study"));
    REQUIRE_MESSAGE(synth.exitCode == 0, synth.output);
    const auto files = filesIn(dir / "study");
    REQUIRE(!files.empty());
    writeText(dir / "node.yaml", "listener:\n  tls:\n    certificate: pki/node.crt\n    private_key: pki/node.key\n"
                                 "    trusted_certificates: pki/ca.crt\n");
    LiveNode node(dir, {"--config", (dir / "node.yaml").string()});

    // Connected, and then not a byte: DCMTK would wait 60 s (its socket timeout) in the
    // handshake of each, one after the other, if the accepting thread ran the handshakes.
    std::vector<int> silent;
    for (int i = 0; i < 3; ++i) {
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        address.sin_port = htons(static_cast<std::uint16_t>(node.port));
        REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
        silent.push_back(fd);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300)); // the listener has taken them all
    const auto started = std::chrono::steady_clock::now();
    const auto sent = runCommand("storescu -R -aec RADNODE -aet MODALITY +tls " + quoted(pki.key("modality")) + " " +
                                 quoted(pki.crt("modality")) + " +cf " + quoted(pki.crt("ca")) + " 127.0.0.1 " +
                                 std::to_string(node.port) + " " + quoted(files[0]));
    const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    CHECK_MESSAGE(sent.exitCode == 0, sent.output);
    CHECK_MESSAGE(seconds < 10.0, seconds);
    MESSAGE("storescu +tls past 3 silent connections took " << seconds << " s");

    // They are not associations in flight: SIGTERM ends them rather than waiting them out.
    const auto stopping = std::chrono::steady_clock::now();
    CHECK(node.process->stop() == 0);
    const auto stopSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - stopping).count();
    CHECK_MESSAGE(stopSeconds < 10.0, stopSeconds);
    for (const int fd : silent) ::close(fd);
    const auto database = dir / "state" / "radnode.sqlite";
    CHECK(sqlite(database, "SELECT count(*) FROM instances") == "1");
    // Connections that closed without a word are probes, not refused associations.
    CHECK(sqlite(database, "SELECT count(*) FROM audit_log WHERE event = 'association.refused'") == "0");
}
