// Audit messages over syslog TLS (RFC 5425) with a real peer: `openssl s_server` as the
// collector, certificates from a test CA. The sender on its own (framing, mutual TLS, a
// collector that restarts, one it cannot trust), then a live node sending its audit trail.
#include "node/live_node.h"
#include "node/syslog_sender.h"
#include "node/test_pki.h"
#include "test_support.h"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <csignal>
#include <thread>

using namespace radnode;
using namespace radnode::test;

namespace {

// `openssl s_server` as an RFC 5425 collector on 127.0.0.1:port; what it receives lands in a
// file. Its stdin is a FIFO the test holds open: s_server drops its client when stdin ends.
class TlsCollector {
public:
    TlsCollector(const std::filesystem::path& dir, const std::string& name, int port, const TestPki& pki,
                 const std::string& certificate, bool requireClientCertificate)
        : received_(dir / (name + ".received")) {
        const auto input = dir / (name + ".stdin");
        REQUIRE(::mkfifo(input.c_str(), 0600) == 0);
        std::string command = "exec openssl s_server -quiet -accept 127.0.0.1:" + std::to_string(port) + " -cert " +
                              quoted(pki.crt(certificate)) + " -key " + quoted(pki.key(certificate)) + " -CAfile " +
                              quoted(pki.crt("ca"));
        if (requireClientCertificate) command += " -Verify 1";
        command += " < " + quoted(input) + " > " + quoted(received_);
        process_ = std::make_unique<ChildProcess>(std::vector<std::string>{"sh", "-c", command}, dir / (name + ".log"));
        // The shell waits in open() for a writer; a non-blocking open succeeds once it is there.
        for (int waited = 0; waited < 200 && stdin_ < 0; ++waited) {
            stdin_ = ::open(input.c_str(), O_WRONLY | O_NONBLOCK);
            if (stdin_ < 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        REQUIRE(stdin_ >= 0);
        REQUIRE(waitForPort(port, 10000));
    }
    ~TlsCollector() { stop(); }

    void stop() {
        process_->stop();
        if (stdin_ >= 0) ::close(stdin_);
        stdin_ = -1;
    }
    std::string received() const { return std::filesystem::exists(received_) ? readText(received_) : ""; }

private:
    std::filesystem::path received_;
    std::unique_ptr<ChildProcess> process_;
    int stdin_ = -1;
};

// RFC 5425 frames ("MSG-LEN SP SYSLOG-MSG"), requiring the stream to hold nothing else.
std::vector<std::string> octetCountedFrames(const std::string& stream) {
    std::vector<std::string> frames;
    std::size_t at = 0;
    while (at < stream.size()) {
        std::size_t digits = at;
        while (digits < stream.size() && std::isdigit(static_cast<unsigned char>(stream[digits]))) ++digits;
        REQUIRE_MESSAGE((digits > at && digits < stream.size() && stream[digits] == ' '), stream.substr(at, 60));
        const std::size_t length = std::stoul(stream.substr(at, digits - at));
        REQUIRE_MESSAGE(digits + 1 + length <= stream.size(), stream.substr(at, 60));
        frames.push_back(stream.substr(digits + 1, length));
        at = digits + 1 + length;
    }
    return frames;
}

config::AuditSyslogConfig tlsSyslog(const TestPki& pki, const std::string& host, int port, bool clientCertificate) {
    config::AuditSyslogConfig settings;
    settings.enabled = true;
    settings.transport = config::SyslogTransport::Tls;
    settings.host = host;
    settings.port = port;
    settings.caFile = pki.crt("ca");
    if (clientCertificate) {
        settings.certificateFile = pki.crt("node");
        settings.privateKeyFile = pki.key("node");
    }
    return settings;
}

// Why a connection to the collector failed ("" when it did not).
std::string connectionFailure(const config::AuditSyslogConfig& settings) {
    node::SyslogTlsConnection connection(node::syslogTlsSettings(settings));
    try {
        connection.connect();
    } catch (const std::exception& error) {
        return error.what();
    }
    return "";
}

bool contains(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

} // namespace

TEST_CASE("syslog over TLS: octet-counted frames on one mutual-TLS connection, resent to a collector that restarted") {
    REQUIRE(haveProgram("openssl"));
    std::signal(SIGPIPE, SIG_IGN); // as radnode's main does
    TempDir dir;
    TestPki pki(dir / "pki");
    pki.issue("collector", "arr.example", "ca", "arr.example"); // names 127.0.0.1 and arr.example
    pki.issue("node", "radnode.example");
    const int port = freeLoopbackPort();
    node::TlsSyslogSender sender(tlsSyslog(pki, "127.0.0.1", port, true));
    {
        TlsCollector collector(dir.path(), "first", port, pki, "collector", true);
        sender.send(1, "<85>1 first message");
        sender.send(2, "<85>1 second \xC3\xBC"); // MSG-LEN counts octets, not characters
        sender.flush(false);
        CHECK(sender.waiting() == 0);
        CHECK(sender.sent() == 2);
        CHECK(waitFor([&] { return collector.received().size() >= 38; }, 10));
        CHECK(collector.received() == "19 <85>1 first message15 <85>1 second \xC3\xBC");
    }
    // The collector went away; a new one listens on the same port. The hang-up is seen before
    // the next message is written, so nothing is written into a dead connection.
    TlsCollector restarted(dir.path(), "second", port, pki, "collector", true);
    sender.send(3, "<85>1 third");
    sender.flush(false);
    CHECK(sender.waiting() == 0);
    CHECK(waitFor([&] { return !restarted.received().empty(); }, 10));
    CHECK(restarted.received() == "11 <85>1 third");
    CHECK(sender.sent() == 3);
    CHECK(sender.failed() == 0);
    const auto frames = octetCountedFrames(restarted.received());
    CHECK(frames == std::vector<std::string>{"<85>1 third"});
}

TEST_CASE("syslog over TLS: an untrusted collector, a host its certificate does not name, a missing client certificate") {
    REQUIRE(haveProgram("openssl"));
    std::signal(SIGPIPE, SIG_IGN);
    TempDir dir;
    TestPki pki(dir / "pki");
    pki.issue("collector", "arr.example", "ca", "arr.example");
    pki.issue("impostor", "arr.example", "other-ca", "localhost");
    pki.issue("node", "radnode.example");
    const int port = freeLoopbackPort();
    const int impostorPort = freeLoopbackPort();
    TlsCollector collector(dir.path(), "collector", port, pki, "collector", true);
    TlsCollector impostor(dir.path(), "impostor", impostorPort, pki, "impostor", false);

    CHECK(connectionFailure(tlsSyslog(pki, "127.0.0.1", port, true)).empty());
    const auto untrusted = connectionFailure(tlsSyslog(pki, "127.0.0.1", impostorPort, true));
    CHECK_MESSAGE(contains(untrusted, "TLS handshake with 127.0.0.1:" + std::to_string(impostorPort) +
                                          " failed: certificate verify failed: "),
                  untrusted);
    // "localhost" resolves to 127.0.0.1, but the certificate names arr.example and 127.0.0.1.
    const auto wrongName = connectionFailure(tlsSyslog(pki, "localhost", port, true));
    CHECK_MESSAGE(contains(wrongName, "certificate verify failed: hostname mismatch"), wrongName);
    const auto anonymous = connectionFailure(tlsSyslog(pki, "127.0.0.1", port, false));
    CHECK_MESSAGE(contains(anonymous, "certificate required"), anonymous);

    // Messages for a collector it cannot trust wait; none is ever sent in clear.
    node::TlsSyslogSender sender(tlsSyslog(pki, "127.0.0.1", impostorPort, true));
    sender.send(7, "<85>1 for the record");
    sender.flush(false);
    sender.flush(true);
    CHECK(sender.waiting() == 1);
    CHECK(sender.sent() == 0);
    CHECK(impostor.received().empty());
    // The backlog is bounded: beyond it the forwarder leaves the rows in the audit trail.
    for (std::int64_t id = 8; sender.acceptsMore(); ++id) sender.send(id, "<85>1 waiting");
    CHECK(sender.waiting() == node::TlsSyslogSender::kMaxWaiting);
    std::string unresolved;
    try {
        node::TlsSyslogSender nowhere(tlsSyslog(pki, "no-such-host.invalid", port, true));
    } catch (const std::runtime_error& error) {
        unresolved = error.what();
    }
    CHECK_MESSAGE(contains(unresolved, "no-such-host.invalid:" + std::to_string(port) + " does not resolve"), unresolved);
}

TEST_CASE("a node with audit.syslog transport tls sends start, the received study and stop, framed, over mutual TLS") {
    for (const char* program : {"openssl", "storescu", "xmllint"}) REQUIRE_MESSAGE(haveProgram(program), program);
    TempDir dir;
    TestPki pki(dir / "pki");
    pki.issue("collector", "arr.example", "ca", "arr.example");
    pki.issue("node", "radnode.example");
    const int port = freeLoopbackPort();
    TlsCollector collector(dir.path(), "collector", port, pki, "collector", true);
    writeText(dir / "node.yaml", "audit:\n  syslog:\n    enabled: true\n    transport: tls\n    host: 127.0.0.1\n"
                                 "    port: " + std::to_string(port) +
                                     "\n    ca_file: pki/ca.crt\n    certificate_file: pki/node.crt\n"
                                     "    private_key_file: pki/node.key\n    source_id: RADNODE-TLS\n");
    const auto synth = runCommand(kRadnode + " synth --modality us --seed 5 --no-node --out " + quoted(dir / "study"));
    REQUIRE_MESSAGE(synth.exitCode == 0, synth.output);

    LiveNode node(dir, {"--config", (dir / "node.yaml").string()});
    const auto sent = runCommand("storescu -aec RADNODE -aet TLSAUDIT -R +sd 127.0.0.1 " + std::to_string(node.port) +
                                 " " + quoted(dir / "study"));
    REQUIRE_MESSAGE(sent.exitCode == 0, sent.output);
    CHECK(node.process->stop() == 0);
    const std::string log = readText(dir / "node.log");
    CHECK_MESSAGE(contains(log, "event=audit.syslog_connected"), log);
    CHECK(contains(log, "protocol=\"TLSv1.3"));
    CHECK_FALSE(contains(log, "audit.syslog_unsent"));

    const auto frames = octetCountedFrames(collector.received());
    REQUIRE_MESSAGE(frames.size() >= 3, std::string(log + collector.received()));
    for (std::size_t i = 0; i < frames.size(); ++i) {
        const auto& frame = frames[i];
        CHECK_MESSAGE((frame.rfind("<85>1 ", 0) == 0 || frame.rfind("<84>1 ", 0) == 0), frame);
        const auto xml = frame.find(" radnode ");
        CHECK(xml != std::string::npos);
        REQUIRE_MESSAGE(contains(frame, " DICOM+RFC3881 - \xEF\xBB\xBF<?xml"), frame);
        const auto file = dir / ("message-" + std::to_string(i) + ".xml");
        writeText(file, frame.substr(frame.find("<?xml")));
        const auto lint = runCommand("xmllint --noout " + quoted(file));
        CHECK_MESSAGE(lint.exitCode == 0, std::string(lint.output + frame));
        CHECK(contains(frame, "AuditSourceID=\"RADNODE-TLS\""));
    }
    CHECK(contains(frames.front(), "csd-code=\"110120\"")); // Application Start
    CHECK(contains(frames.back(), "csd-code=\"110121\""));  // Application Stop
    int received = 0;
    for (const auto& frame : frames) {
        received += contains(frame, "csd-code=\"110104\"") && contains(frame, "EventActionCode=\"C\"") &&
                    contains(frame, "UserID=\"TLSAUDIT\"");
    }
    CHECK(received == 1);
}

TEST_CASE("a node refuses a TLS syslog collector its CA did not sign, keeps running, and its messages wait for a trusted one") {
    for (const char* program : {"openssl", "echoscu"}) REQUIRE_MESSAGE(haveProgram(program), program);
    TempDir dir;
    TestPki pki(dir / "pki");
    pki.issue("collector", "arr.example", "ca", "arr.example");
    pki.issue("impostor", "arr.example", "other-ca", "arr.example");
    const int port = freeLoopbackPort();
    auto impostor = std::make_unique<TlsCollector>(dir.path(), "impostor", port, pki, "impostor", false);
    writeText(dir / "node.yaml", "audit:\n  syslog:\n    enabled: true\n    transport: tls\n    host: 127.0.0.1\n"
                                 "    port: " + std::to_string(port) + "\n    ca_file: pki/ca.crt\n");
    LiveNode node(dir, {"--config", (dir / "node.yaml").string()});
    CHECK(waitFor([&] { return contains(readText(dir / "node.log"), "event=audit.syslog_connect_failed"); }, 10));
    CHECK(runCommand("echoscu -aet TESTSCU -aec RADNODE 127.0.0.1 " + std::to_string(node.port)).exitCode == 0);
    std::string log = readText(dir / "node.log");
    CHECK_MESSAGE(contains(log, "certificate verify failed: "), log);
    impostor->stop();
    CHECK(impostor->received().empty()); // nothing, in clear or otherwise

    // The trusted collector comes up on the same port: the Application Start that waited arrives.
    TlsCollector collector(dir.path(), "collector", port, pki, "collector", false);
    CHECK(waitFor([&] { return contains(collector.received(), "csd-code=\"110120\""); }, 40));
    CHECK(node.process->stop() == 0);
    log = readText(dir / "node.log");
    CHECK_MESSAGE(contains(log, "event=audit.syslog_connected"), log);
    CHECK(contains(log, "from_audit_id="));
    const auto frames = octetCountedFrames(collector.received());
    REQUIRE(frames.size() >= 2);
    CHECK(contains(frames.front(), "csd-code=\"110120\""));
    CHECK(contains(frames.back(), "csd-code=\"110121\""));
}

TEST_CASE("radnode check-config loads the audit syslog TLS files: a key that is not the certificate's is named") {
    REQUIRE(haveProgram("openssl"));
    TempDir dir;
    TestPki pki(dir / "pki");
    pki.issue("node", "radnode.example");
    pki.issue("stranger", "stranger.example");
    const auto config = [&](const std::string& key) {
        return "audit:\n  syslog:\n    enabled: true\n    transport: tls\n    ca_file: pki/ca.crt\n"
               "    certificate_file: pki/node.crt\n    private_key_file: pki/" + key + ".key\n";
    };
    writeText(dir / "good.yaml", config("node"));
    writeText(dir / "bad.yaml", config("stranger"));
    const auto good = runCommand(kRadnode + " check-config " + quoted(dir / "good.yaml"));
    CHECK_MESSAGE(good.exitCode == 0, good.output);
    const auto bad = runCommand(kRadnode + " check-config " + quoted(dir / "bad.yaml"));
    CHECK(bad.exitCode == 2);
    CHECK_MESSAGE(contains(bad.output, "bad.yaml: audit.syslog: cannot load private key " + pki.key("stranger").string()),
                  bad.output);
}
