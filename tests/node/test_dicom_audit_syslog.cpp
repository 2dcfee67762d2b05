// The running node sends DICOM audit messages to a syslog collector (here a UDP socket of the
// test), and its log carries no patient identifiers unless log_include_phi says so.
#include "node/live_node.h"
#include "test_support.h"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <thread>

using namespace radnode::test;

namespace {

const std::string kPatientId = "RADNODE-PHI-7731";
const std::string kPatientName = "Auditfield^Phiona";
const std::string kAccession = "ACC-PHI-5521";

// An audit record repository as far as UDP goes: a socket on an ephemeral loopback port.
struct UdpCollector {
    UdpCollector() {
        fd = ::socket(AF_INET, SOCK_DGRAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
        socklen_t length = sizeof address;
        REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
        port = ntohs(address.sin_port);
        timeval timeout{1, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    }
    ~UdpCollector() { ::close(fd); }
    // Every datagram received so far (waits up to a second for the last one).
    std::vector<std::string> drain() {
        std::vector<std::string> frames;
        std::vector<char> buffer(70000);
        for (;;) {
            const auto received = ::recv(fd, buffer.data(), buffer.size(), 0);
            if (received <= 0) return frames;
            frames.emplace_back(buffer.data(), static_cast<std::size_t>(received));
        }
    }
    int fd = -1;
    int port = 0;
};

std::vector<std::filesystem::path> filesIn(const std::filesystem::path& folder) {
    std::vector<std::filesystem::path> files;
    if (!std::filesystem::exists(folder)) return files;
    for (const auto& entry : std::filesystem::directory_iterator(folder)) {
        if (entry.is_regular_file()) files.push_back(entry.path());
    }
    return files;
}

// The value of one attribute as dcmdump prints it: "(0020,000d) UI [1.2.3]  # ...".
std::string dumpValue(const std::filesystem::path& file, const std::string& tag) {
    const auto dump = runCommand("dcmdump +P " + tag + " '" + file.string() + "'").output;
    const auto open = dump.find('[');
    const auto close = dump.find(']', open);
    return open == std::string::npos || close == std::string::npos ? "" : dump.substr(open + 1, close - open - 1);
}

// A synthetic study whose patient identifiers are unmistakable in a log.
std::vector<std::filesystem::path> makeStudy(const TempDir& dir) {
    const auto synth = runCommand(kRadnode + " synth --modality us --seed 7 --out '" + (dir / "study").string() + "'");
    REQUIRE_MESSAGE(synth.exitCode == 0, synth.output);
    const auto modify = runCommand("dcmodify -nb -m '(0010,0020)=" + kPatientId + "' -m '(0010,0010)=" + kPatientName +
                                   "' -m '(0008,0050)=" + kAccession + "' '" + (dir / "study").string() + "'/*");
    REQUIRE_MESSAGE(modify.exitCode == 0, modify.output);
    return filesIn(dir / "study");
}

int count(const std::vector<std::string>& frames, const std::string& needle) {
    int n = 0;
    for (const auto& frame : frames) n += frame.find(needle) != std::string::npos ? 1 : 0;
    return n;
}

const std::string* find(const std::vector<std::string>& frames, const std::vector<std::string>& needles) {
    for (const auto& frame : frames) {
        bool all = true;
        for (const auto& needle : needles) all = all && frame.find(needle) != std::string::npos;
        if (all) return &frame;
    }
    return nullptr;
}

} // namespace

TEST_CASE("audit messages reach a syslog collector: start, refused association, study received, SR sent, stop") {
    for (const char* program : {"storescu", "storescp", "echoscu", "dcmodify", "dcmdump", "xmllint"}) {
        REQUIRE_MESSAGE(haveProgram(program), program);
    }
    TempDir dir;
    const auto studyFiles = makeStudy(dir);
    REQUIRE(studyFiles.size() >= 2);
    const std::string studyUid = dumpValue(studyFiles[0], "0020,000d");
    REQUIRE(!studyUid.empty());

    std::filesystem::create_directories(dir / "pacs");
    const int pacsPort = freeLoopbackPort();
    ChildProcess pacs({"storescp", "--aetitle", "PACS", "--output-directory", (dir / "pacs").string(),
                       std::to_string(pacsPort)},
                      dir / "storescp.log");
    REQUIRE(waitForPort(pacsPort, 10000));

    UdpCollector collector;
    writeText(dir / "node.yaml", "audit:\n  syslog:\n    enabled: true\n    host: 127.0.0.1\n    port: " +
                                     std::to_string(collector.port) + "\n    source_id: RADNODE-TEST\n");
    LiveNode node(dir, {"--config", (dir / "node.yaml").string(), "--destination",
                        "PACS@127.0.0.1:" + std::to_string(pacsPort)});
    const auto port = std::to_string(node.port);
    CHECK(runCommand("echoscu -aet TESTSCU -aec OTHERNODE 127.0.0.1 " + port).exitCode != 0);
    const auto sent = runCommand("storescu -aec RADNODE -aet TESTSCU -R +sd 127.0.0.1 " + port + " '" +
                                 (dir / "study").string() + "'");
    REQUIRE_MESSAGE(sent.exitCode == 0, sent.output);
    bool delivered = false;
    for (int waited = 0; waited < 240 && !delivered; ++waited) {
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        for (const auto& file : filesIn(dir / "pacs")) delivered = delivered || file.filename().string().rfind("SR", 0) == 0;
    }
    REQUIRE_MESSAGE(delivered, readText(dir / "node.log"));
    CHECK(node.process->stop() == 0);
    const std::string log = readText(dir / "node.log");

    const auto frames = collector.drain();
    REQUIRE_MESSAGE(frames.size() >= 5, log);
    // Every frame: RFC 5424 with facility 10, the app name, PS3.15's MSGID, a BOM, well-formed XML.
    for (std::size_t i = 0; i < frames.size(); ++i) {
        const auto& frame = frames[i];
        CHECK_MESSAGE((frame.rfind("<85>1 ", 0) == 0 || frame.rfind("<84>1 ", 0) == 0), frame);
        const auto bom = frame.find(" radnode ");
        CHECK(bom != std::string::npos);
        const auto start = frame.find(" DICOM+RFC3881 - \xEF\xBB\xBF<?xml");
        REQUIRE_MESSAGE(start != std::string::npos, frame);
        const auto file = dir / ("message-" + std::to_string(i) + ".xml");
        writeText(file, frame.substr(frame.find("<?xml")));
        const auto lint = runCommand("xmllint --noout '" + file.string() + "'");
        CHECK_MESSAGE(lint.exitCode == 0, std::string(lint.output + frame));
        CHECK(frame.find("AuditSourceID=\"RADNODE-TEST\"") != std::string::npos);
    }
    // Start first, stop last, each once.
    CHECK(frames.front().find("csd-code=\"110120\"") != std::string::npos);
    CHECK(frames.back().find("csd-code=\"110121\"") != std::string::npos);
    CHECK(count(frames, "csd-code=\"110120\"") == 1);
    CHECK(count(frames, "csd-code=\"110121\"") == 1);

    // The wrong called AE title: a Security Alert (Node Authentication, minor failure).
    const auto* alert = find(frames, {"csd-code=\"110113\"", "csd-code=\"110126\""});
    REQUIRE_MESSAGE(alert, log);
    CHECK(alert->find("EventOutcomeIndicator=\"4\"") != std::string::npos);
    CHECK(alert->find("OTHERNODE") != std::string::npos);

    // The study as received from TESTSCU: one message for the association, every instance counted.
    const auto* received = find(frames, {"csd-code=\"110104\"", "EventActionCode=\"C\""});
    REQUIRE_MESSAGE(received, log);
    CHECK(count(frames, "EventActionCode=\"C\"") == 1);
    CHECK(received->find("UserID=\"TESTSCU\"") != std::string::npos);
    CHECK(received->find("ParticipantObjectID=\"" + studyUid + "\"") != std::string::npos);
    CHECK(received->find("ParticipantObjectID=\"" + kPatientId + "\"") != std::string::npos);
    CHECK(received->find("<Accession Number=\"" + kAccession + "\"/>") != std::string::npos);
    int instances = 0;
    for (std::size_t at = received->find("NumberOfInstances=\""); at != std::string::npos;
         at = received->find("NumberOfInstances=\"", at + 1)) {
        instances += std::stoi(received->substr(at + 19));
    }
    CHECK(instances == static_cast<int>(studyFiles.size()));

    // The SR (and its summary images) delivered to PACS.
    const auto* delivery = find(frames, {"csd-code=\"110104\"", "EventActionCode=\"R\""});
    REQUIRE_MESSAGE(delivery, log);
    CHECK(delivery->find("EventOutcomeIndicator=\"0\"") != std::string::npos);
    CHECK(delivery->find("UserID=\"PACS\"") != std::string::npos);
    CHECK(delivery->find("ParticipantObjectID=\"" + studyUid + "\"") != std::string::npos);
    CHECK(delivery->find("<SOPClass UID=\"1.2.840.10008.5.1.4.1.1.88.") != std::string::npos);

    // The node's own log: no patient identifiers with the default settings.
    CHECK(log.find("job.done") != std::string::npos);
    CHECK(log.find("delivery.succeeded") != std::string::npos);
    CHECK(log.find(kPatientId) == std::string::npos);
    CHECK(log.find("Auditfield") == std::string::npos);
    CHECK(log.find("Phiona") == std::string::npos);
    CHECK(log.find(kAccession) == std::string::npos);
    pacs.stop();
}

TEST_CASE("log_include_phi (debug level only) puts the patient ID and accession number in the ingest log") {
    REQUIRE(haveProgram("storescu"));
    REQUIRE(haveProgram("dcmodify"));
    TempDir dir;
    const auto studyFiles = makeStudy(dir);
    writeText(dir / "node.yaml", "log_level: debug\nlog_include_phi: true\n");
    LiveNode node(dir, {"--config", (dir / "node.yaml").string()});
    const auto sent = runCommand("storescu -aec RADNODE -aet TESTSCU -R 127.0.0.1 " + std::to_string(node.port) + " '" +
                                 studyFiles[0].string() + "'");
    REQUIRE_MESSAGE(sent.exitCode == 0, sent.output);
    std::string log;
    for (int waited = 0; waited < 100 && log.find("patient_id=") == std::string::npos; ++waited) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        log = readText(dir / "node.log");
    }
    CHECK(node.process->stop() == 0);
    log = readText(dir / "node.log");
    CHECK_MESSAGE(log.find("event=log.patient_identifiers") != std::string::npos, log);
    CHECK_MESSAGE(log.find("patient_id=\"" + kPatientId + "\"") != std::string::npos, log);
    CHECK(log.find("accession=\"" + kAccession + "\"") != std::string::npos);
}
