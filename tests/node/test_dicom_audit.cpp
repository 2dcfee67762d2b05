// DICOM audit messages (PS3.15 A.5) as XML, their RFC 5424 syslog frames, and the UDP sender.
#include "node/dicom_audit_message.h"
#include "node/syslog_sender.h"
#include "test_support.h"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

using namespace radnode;
using namespace radnode::node;
using radnode::test::runCommand;

namespace {

constexpr std::int64_t kAt = 1795345200123; // 2026-11-22T11:00:00.123Z

const AuditNode kNode{"RADNODE", "radnode-host", "4242", ""};

// Writes the message and asks xmllint (libxml2-utils) whether it is well-formed.
struct XmlFile {
    explicit XmlFile(const std::string& xml) {
        test::writeText(dir / "message.xml", xml);
        const auto lint = runCommand("xmllint --noout '" + path().string() + "'");
        wellFormed = lint.exitCode == 0;
        lintOutput = lint.output;
    }
    std::filesystem::path path() const { return dir / "message.xml"; }
    // The string value of an XPath expression over the message.
    std::string xpath(const std::string& expression) const { return evaluate("string(" + expression + ")"); }
    std::string count(const std::string& expression) const { return evaluate("count(" + expression + ")"); }
    std::string evaluate(const std::string& expression) const {
        std::string value = runCommand("xmllint --xpath '" + expression + "' '" + path().string() + "'").output;
        if (!value.empty() && value.back() == '\n') value.pop_back();
        return value;
    }
    test::TempDir dir;
    bool wellFormed = false;
    std::string lintOutput;
};

AuditStudyTransfer exampleStudy() {
    return AuditStudyTransfer{"1.2.826.0.1.3680043.9.7433.1.1", "PAT-0042", "ACC-77",
                              {{"1.2.840.10008.5.1.4.1.1.6.1", 3}, {"1.2.840.10008.5.1.4.1.1.66.4", 1}}};
}

} // namespace

TEST_CASE("Application Activity: start and stop of the node") {
    REQUIRE(test::haveProgram("xmllint"));
    const XmlFile start(auditMessageXml(applicationActivity(kNode, true, kAt)));
    REQUIRE_MESSAGE(start.wellFormed, start.lintOutput);
    const std::string event = "/AuditMessage/EventIdentification";
    CHECK(start.xpath(event + "/EventID/@csd-code") == "110100");
    CHECK(start.xpath(event + "/EventID/@codeSystemName") == "DCM");
    CHECK(start.xpath(event + "/EventID/@originalText") == "Application Activity");
    CHECK(start.xpath(event + "/EventTypeCode/@csd-code") == "110120");
    CHECK(start.xpath(event + "/@EventActionCode") == "E");
    CHECK(start.xpath(event + "/@EventDateTime") == "2026-11-22T11:00:00.123Z");
    CHECK(start.xpath(event + "/@EventOutcomeIndicator") == "0");
    CHECK(start.xpath("/AuditMessage/ActiveParticipant/@UserID") == "RADNODE");
    CHECK(start.xpath("/AuditMessage/ActiveParticipant/@AlternativeUserID") == "4242");
    CHECK(start.xpath("/AuditMessage/ActiveParticipant/@UserIsRequestor") == "false");
    CHECK(start.xpath("/AuditMessage/ActiveParticipant/@NetworkAccessPointID") == "radnode-host");
    CHECK(start.xpath("/AuditMessage/ActiveParticipant/@NetworkAccessPointTypeCode") == "1");
    CHECK(start.xpath("/AuditMessage/ActiveParticipant/RoleIDCode/@csd-code") == "110150");
    // Without a configured source ID the host name identifies the source.
    CHECK(start.xpath("/AuditMessage/AuditSourceIdentification/@AuditSourceID") == "radnode-host");
    CHECK(start.xpath("/AuditMessage/AuditSourceIdentification/AuditSourceTypeCode/@csd-code") == "4");
    CHECK(start.count("/AuditMessage/ParticipantObjectIdentification") == "0");

    AuditNode named = kNode;
    named.sourceId = "BREAST-US-1";
    const XmlFile stop(auditMessageXml(applicationActivity(named, false, kAt)));
    REQUIRE(stop.wellFormed);
    CHECK(stop.xpath(event + "/EventTypeCode/@csd-code") == "110121");
    CHECK(stop.xpath(event + "/EventTypeCode/@originalText") == "Application Stop");
    CHECK(stop.xpath("/AuditMessage/AuditSourceIdentification/@AuditSourceID") == "BREAST-US-1");
}

TEST_CASE("DICOM Instances Transferred into the node: source, destination, study and patient") {
    REQUIRE(test::haveProgram("xmllint"));
    const XmlFile received(auditMessageXml(instancesReceived(kNode, AuditPeer{"US_ROOM_3", "10.1.2.3"}, exampleStudy(),
                                                              false, kAt)));
    REQUIRE_MESSAGE(received.wellFormed, received.lintOutput);
    CHECK(received.xpath("/AuditMessage/EventIdentification/EventID/@csd-code") == "110104");
    CHECK(received.xpath("/AuditMessage/EventIdentification/@EventActionCode") == "C");
    CHECK(received.count("/AuditMessage/EventIdentification/EventTypeCode") == "0");

    const std::string source = "/AuditMessage/ActiveParticipant[RoleIDCode/@csd-code=\"110153\"]";
    CHECK(received.xpath(source + "/@UserID") == "US_ROOM_3");
    CHECK(received.xpath(source + "/@UserIsRequestor") == "true");
    CHECK(received.xpath(source + "/@NetworkAccessPointID") == "10.1.2.3");
    CHECK(received.xpath(source + "/@NetworkAccessPointTypeCode") == "2");
    const std::string destination = "/AuditMessage/ActiveParticipant[RoleIDCode/@csd-code=\"110152\"]";
    CHECK(received.xpath(destination + "/@UserID") == "RADNODE");
    CHECK(received.xpath(destination + "/@UserIsRequestor") == "false");

    const std::string study = "/AuditMessage/ParticipantObjectIdentification[ParticipantObjectIDTypeCode/@csd-code=\"110180\"]";
    CHECK(received.xpath(study + "/@ParticipantObjectID") == "1.2.826.0.1.3680043.9.7433.1.1");
    CHECK(received.xpath(study + "/@ParticipantObjectTypeCode") == "2");
    CHECK(received.xpath(study + "/@ParticipantObjectTypeCodeRole") == "3");
    CHECK(received.xpath(study + "/ParticipantObjectDescription/Accession/@Number") == "ACC-77");
    CHECK(received.count(study + "/ParticipantObjectDescription/SOPClass") == "2");
    CHECK(received.xpath(study + "/ParticipantObjectDescription/SOPClass[@UID=\"1.2.840.10008.5.1.4.1.1.6.1\"]"
                                 "/@NumberOfInstances") == "3");
    const std::string patient = "/AuditMessage/ParticipantObjectIdentification[@ParticipantObjectTypeCodeRole=\"1\"]";
    CHECK(received.xpath(patient + "/@ParticipantObjectID") == "PAT-0042");
    CHECK(received.xpath(patient + "/@ParticipantObjectTypeCode") == "1");
    CHECK(received.xpath(patient + "/ParticipantObjectIDTypeCode/@csd-code") == "2");
    CHECK(received.xpath(patient + "/ParticipantObjectIDTypeCode/@codeSystemName") == "RFC-3881");

    // A replaced instance updates; a study received without a patient ID has no patient object.
    auto anonymous = exampleStudy();
    anonymous.patientId.clear();
    const XmlFile updated(auditMessageXml(instancesReceived(kNode, AuditPeer{"US_ROOM_3", "10.1.2.3"}, anonymous, true, kAt)));
    REQUIRE(updated.wellFormed);
    CHECK(updated.xpath("/AuditMessage/EventIdentification/@EventActionCode") == "U");
    CHECK(updated.count("/AuditMessage/ParticipantObjectIdentification") == "1");
}

TEST_CASE("DICOM Instances Transferred to a destination, with the outcome of the attempt") {
    REQUIRE(test::haveProgram("xmllint"));
    const AuditPeer pacs{"PACS", "10.9.9.9"};
    const XmlFile sent(auditMessageXml(instancesSent(kNode, pacs, exampleStudy(), AuditOutcome::Success, "", kAt)));
    REQUIRE_MESSAGE(sent.wellFormed, sent.lintOutput);
    CHECK(sent.xpath("/AuditMessage/EventIdentification/@EventActionCode") == "R");
    CHECK(sent.xpath("/AuditMessage/EventIdentification/@EventOutcomeIndicator") == "0");
    CHECK(sent.count("/AuditMessage/EventIdentification/EventOutcomeDescription") == "0");
    CHECK(sent.xpath("/AuditMessage/ActiveParticipant[RoleIDCode/@csd-code=\"110153\"]/@UserID") == "RADNODE");
    CHECK(sent.xpath("/AuditMessage/ActiveParticipant[RoleIDCode/@csd-code=\"110153\"]/@UserIsRequestor") == "true");
    CHECK(sent.xpath("/AuditMessage/ActiveParticipant[RoleIDCode/@csd-code=\"110152\"]/@UserID") == "PACS");
    CHECK(sent.xpath("/AuditMessage/ActiveParticipant[RoleIDCode/@csd-code=\"110152\"]/@NetworkAccessPointID") ==
          "10.9.9.9");

    // The failure text is escaped, and characters XML cannot carry are dropped.
    const std::string reason = "association rejected: <A-ASSOCIATE-RJ> \"permanent\" & 'final'\x01";
    const XmlFile failed(auditMessageXml(instancesSent(kNode, pacs, exampleStudy(), AuditOutcome::SeriousFailure, reason, kAt)));
    REQUIRE_MESSAGE(failed.wellFormed, failed.lintOutput);
    CHECK(failed.xpath("/AuditMessage/EventIdentification/@EventOutcomeIndicator") == "8");
    CHECK(failed.xpath("/AuditMessage/EventIdentification/EventOutcomeDescription") ==
          "association rejected: <A-ASSOCIATE-RJ> \"permanent\" & 'final'");
}

TEST_CASE("Security Alert for a refused association and a configuration change; Query for an API read") {
    REQUIRE(test::haveProgram("xmllint"));
    const XmlFile refused(auditMessageXml(securityAlert(kNode, nodeAuthenticationAlert(), AuditPeer{"STRANGER", "10.6.6.6"},
                                                        AuditOutcome::MinorFailure, "unknown peer STRANGER@10.6.6.6", kAt)));
    REQUIRE_MESSAGE(refused.wellFormed, refused.lintOutput);
    CHECK(refused.xpath("/AuditMessage/EventIdentification/EventID/@csd-code") == "110113");
    CHECK(refused.xpath("/AuditMessage/EventIdentification/EventTypeCode/@csd-code") == "110126");
    CHECK(refused.xpath("/AuditMessage/EventIdentification/@EventOutcomeIndicator") == "4");
    CHECK(refused.xpath("/AuditMessage/EventIdentification/EventOutcomeDescription") == "unknown peer STRANGER@10.6.6.6");
    CHECK(refused.xpath("/AuditMessage/ActiveParticipant[@UserIsRequestor=\"true\"]/@UserID") == "STRANGER");
    CHECK(refused.xpath("/AuditMessage/ActiveParticipant[@UserIsRequestor=\"true\"]/@NetworkAccessPointID") == "10.6.6.6");

    const XmlFile reloaded(auditMessageXml(
        securityAlert(kNode, softwareConfigurationAlert(), std::nullopt, AuditOutcome::Success, "destinations 2", kAt)));
    REQUIRE(reloaded.wellFormed);
    CHECK(reloaded.xpath("/AuditMessage/EventIdentification/EventTypeCode/@csd-code") == "110131");
    CHECK(reloaded.count("/AuditMessage/ActiveParticipant") == "1");

    const XmlFile read(auditMessageXml(query(kNode, AuditPeer{"", "127.0.0.1"}, "/api/v1/results?since=0", AuditOutcome::Success, kAt)));
    REQUIRE_MESSAGE(read.wellFormed, read.lintOutput);
    CHECK(read.xpath("/AuditMessage/EventIdentification/EventID/@csd-code") == "110112");
    CHECK(read.xpath("/AuditMessage/ActiveParticipant[@UserIsRequestor=\"true\"]/@UserID") == "127.0.0.1");
    CHECK(read.xpath("/AuditMessage/ParticipantObjectIdentification/@ParticipantObjectID") == "/api/v1/results?since=0");
    CHECK(read.xpath("/AuditMessage/ParticipantObjectIdentification/@ParticipantObjectTypeCodeRole") == "24");
    // base64("/api/v1/results?since=0")
    CHECK(read.xpath("/AuditMessage/ParticipantObjectIdentification/ParticipantObjectQuery") ==
          "L2FwaS92MS9yZXN1bHRzP3NpbmNlPTA=");
}

TEST_CASE("RFC 5424 framing: priority, UTC timestamp, header fields, BOM before the message") {
    SyslogHeader header;
    header.atMs = kAt;
    header.hostName = "radnode-host";
    header.appName = "radnode";
    header.processId = "4242";
    header.messageId = "DICOM+RFC3881";
    // Facility 10 (security/authorization), severity 5 (notice): <85>, as PS3.15 A.7 has it.
    CHECK(syslogFrame(header, "<AuditMessage/>") ==
          "<85>1 2026-11-22T11:00:00.123Z radnode-host radnode 4242 DICOM+RFC3881 - \xEF\xBB\xBF<AuditMessage/>");
    header.severity = SyslogSeverity::Warning;
    header.hostName.clear();
    header.appName = "radiomics node " + std::string(60, 'x');
    const std::string frame = syslogFrame(header, "m");
    CHECK(frame.rfind("<84>1 2026-11-22T11:00:00.123Z - radiomics_node_xxx", 0) == 0);
    // APP-NAME has at most 48 characters: the rest of the header follows right after them.
    CHECK(frame.find("radiomics_node_" + std::string(33, 'x') + " 4242 DICOM+RFC3881 - \xEF\xBB\xBFm") != std::string::npos);
}

TEST_CASE("the UDP sender delivers one datagram per frame and counts what it could not send") {
    const int receiver = ::socket(AF_INET, SOCK_DGRAM, 0);
    REQUIRE(receiver >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(receiver, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    socklen_t length = sizeof address;
    REQUIRE(::getsockname(receiver, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    timeval timeout{5, 0};
    ::setsockopt(receiver, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);

    UdpSyslogSender sender("127.0.0.1", ntohs(address.sin_port));
    const std::string frame = "<85>1 2026-11-22T11:00:00.123Z h radnode 1 DICOM+RFC3881 - \xEF\xBB\xBF<AuditMessage/>";
    sender.send(1, frame);
    char buffer[70000];
    const auto received = ::recv(receiver, buffer, sizeof buffer, 0);
    REQUIRE(received > 0);
    CHECK(std::string(buffer, static_cast<std::size_t>(received)) == frame);
    CHECK(sender.sent() == 1);

    // Larger than any UDP datagram: refused by the socket, counted, not thrown.
    sender.send(2, std::string(70000, 'x'));
    CHECK(sender.failed() == 1);
    CHECK(sender.sent() == 1);
    ::close(receiver);
}
