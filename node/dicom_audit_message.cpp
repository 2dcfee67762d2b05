#include "node/dicom_audit_message.h"

#include "node/utc_time.h"
#include "node/xml_text.h"

namespace radnode::node {

namespace {

std::string attribute(const std::string& name, const std::string& value) {
    return " " + name + "=\"" + escapeXml(value) + "\"";
}

std::string codedElement(const std::string& element, const AuditCode& code) {
    return "<" + element + attribute("csd-code", code.code) + attribute("codeSystemName", code.system) +
           attribute("originalText", code.meaning) + "/>";
}

std::string base64(const std::string& bytes) {
    static const char* const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        const unsigned n = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                           static_cast<unsigned char>(bytes[i + 2]);
        out += alphabet[(n >> 18) & 63];
        out += alphabet[(n >> 12) & 63];
        out += alphabet[(n >> 6) & 63];
        out += alphabet[n & 63];
    }
    if (i + 1 == bytes.size()) {
        const unsigned n = static_cast<unsigned char>(bytes[i]) << 16;
        out += std::string{alphabet[(n >> 18) & 63], alphabet[(n >> 12) & 63], '=', '='};
    } else if (i + 2 == bytes.size()) {
        const unsigned n = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8);
        out += std::string{alphabet[(n >> 18) & 63], alphabet[(n >> 12) & 63], alphabet[(n >> 6) & 63], '='};
    }
    return out;
}

std::string participantXml(const AuditParticipant& participant) {
    std::string xml = "<ActiveParticipant" + attribute("UserID", participant.userId);
    if (!participant.alternativeUserId.empty()) xml += attribute("AlternativeUserID", participant.alternativeUserId);
    xml += attribute("UserIsRequestor", participant.isRequestor ? "true" : "false");
    if (!participant.networkAccessPoint.empty()) {
        xml += attribute("NetworkAccessPointID", participant.networkAccessPoint);
        xml += attribute("NetworkAccessPointTypeCode", participant.accessPointIsAddress ? "2" : "1");
    }
    if (!participant.role) return xml + "/>";
    return xml + ">" + codedElement("RoleIDCode", *participant.role) + "</ActiveParticipant>";
}

std::string objectXml(const AuditObject& object) {
    std::string xml = "<ParticipantObjectIdentification" + attribute("ParticipantObjectID", object.id) +
                      attribute("ParticipantObjectTypeCode", std::to_string(object.typeCode)) +
                      attribute("ParticipantObjectTypeCodeRole", std::to_string(object.typeCodeRole)) + ">";
    xml += codedElement("ParticipantObjectIDTypeCode", object.idType);
    if (!object.queryBase64.empty()) xml += "<ParticipantObjectQuery>" + object.queryBase64 + "</ParticipantObjectQuery>";
    if (!object.accessions.empty() || !object.sopClasses.empty()) {
        // The schema's order inside the description: Accession before SOPClass.
        xml += "<ParticipantObjectDescription>";
        for (const auto& accession : object.accessions) xml += "<Accession" + attribute("Number", accession) + "/>";
        for (const auto& sopClass : object.sopClasses) {
            xml += "<SOPClass" + (sopClass.uid.empty() ? std::string() : attribute("UID", sopClass.uid)) +
                   attribute("NumberOfInstances", std::to_string(sopClass.instances)) + "/>";
        }
        xml += "</ParticipantObjectDescription>";
    }
    return xml + "</ParticipantObjectIdentification>";
}

const AuditCode kSourceRole{"110153", "DCM", "Source Role ID"};
const AuditCode kDestinationRole{"110152", "DCM", "Destination Role ID"};
const AuditCode kApplicationRole{"110150", "DCM", "Application"};
const AuditCode kStudyUidType{"110180", "DCM", "Study Instance UID"};
const AuditCode kPatientNumberType{"2", "RFC-3881", "Patient Number"};

// The node itself as an active participant: its AE title, process and host.
AuditParticipant nodeParticipant(const AuditNode& node, bool isRequestor, const AuditCode& role) {
    return AuditParticipant{node.aeTitle, node.processId, isRequestor, node.hostName, false, role};
}

AuditParticipant peerParticipant(const AuditPeer& peer, bool isRequestor, const AuditCode& role) {
    return AuditParticipant{peer.aeTitle.empty() ? peer.address : peer.aeTitle, "", isRequestor, peer.address, true, role};
}

AuditMessage messageFrom(const AuditNode& node, AuditCode eventId, char action, AuditOutcome outcome, std::int64_t atMs) {
    AuditMessage message;
    message.eventId = std::move(eventId);
    message.action = action;
    message.outcome = outcome;
    message.atMs = atMs;
    message.sourceId = node.sourceId.empty() ? node.hostName : node.sourceId;
    return message;
}

// The study (with its SOP classes and accession) and, when its ID is known, the patient.
void addStudyAndPatient(AuditMessage& message, const AuditStudyTransfer& study) {
    AuditObject studyObject{study.studyUid, 2, 3, kStudyUidType, "", {}, study.sopClasses};
    if (!study.accessionNumber.empty()) studyObject.accessions.push_back(study.accessionNumber);
    message.objects.push_back(std::move(studyObject));
    if (!study.patientId.empty()) message.objects.push_back(AuditObject{study.patientId, 1, 1, kPatientNumberType, "", {}, {}});
}

} // namespace

std::string auditMessageXml(const AuditMessage& message) {
    std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<AuditMessage>";
    xml += "<EventIdentification" + attribute("EventActionCode", std::string(1, message.action)) +
           attribute("EventDateTime", isoTime(message.atMs)) +
           attribute("EventOutcomeIndicator", std::to_string(static_cast<int>(message.outcome))) + ">";
    xml += codedElement("EventID", message.eventId);
    if (message.eventType) xml += codedElement("EventTypeCode", *message.eventType);
    if (!message.outcomeDescription.empty()) {
        xml += "<EventOutcomeDescription>" + escapeXml(message.outcomeDescription) + "</EventOutcomeDescription>";
    }
    xml += "</EventIdentification>";
    for (const auto& participant : message.participants) xml += participantXml(participant);
    // Source type 4: application server process.
    xml += "<AuditSourceIdentification" + attribute("AuditSourceID", message.sourceId) +
           "><AuditSourceTypeCode csd-code=\"4\"/></AuditSourceIdentification>";
    for (const auto& object : message.objects) xml += objectXml(object);
    return xml + "</AuditMessage>\n";
}

AuditMessage applicationActivity(const AuditNode& node, bool started, std::int64_t atMs) {
    auto message = messageFrom(node, AuditCode{"110100", "DCM", "Application Activity"}, 'E', AuditOutcome::Success, atMs);
    message.eventType = started ? AuditCode{"110120", "DCM", "Application Start"} : AuditCode{"110121", "DCM", "Application Stop"};
    message.participants.push_back(nodeParticipant(node, false, kApplicationRole));
    return message;
}

AuditMessage instancesReceived(const AuditNode& node, const AuditPeer& source, const AuditStudyTransfer& study,
                               bool updated, std::int64_t atMs) {
    auto message = messageFrom(node, AuditCode{"110104", "DCM", "DICOM Instances Transferred"}, updated ? 'U' : 'C',
                               AuditOutcome::Success, atMs);
    message.participants.push_back(peerParticipant(source, true, kSourceRole));
    message.participants.push_back(nodeParticipant(node, false, kDestinationRole));
    addStudyAndPatient(message, study);
    return message;
}

AuditMessage instancesSent(const AuditNode& node, const AuditPeer& destination, const AuditStudyTransfer& study,
                           AuditOutcome outcome, const std::string& outcomeDescription, std::int64_t atMs) {
    auto message = messageFrom(node, AuditCode{"110104", "DCM", "DICOM Instances Transferred"}, 'R', outcome, atMs);
    message.outcomeDescription = outcomeDescription;
    message.participants.push_back(nodeParticipant(node, true, kSourceRole));
    message.participants.push_back(peerParticipant(destination, false, kDestinationRole));
    addStudyAndPatient(message, study);
    return message;
}

AuditMessage securityAlert(const AuditNode& node, const AuditCode& alertType, const std::optional<AuditPeer>& peer,
                           AuditOutcome outcome, const std::string& description, std::int64_t atMs) {
    auto message = messageFrom(node, AuditCode{"110113", "DCM", "Security Alert"}, 'E', outcome, atMs);
    message.eventType = alertType;
    message.outcomeDescription = description;
    // The reporting process, then the one that caused the alert.
    message.participants.push_back(nodeParticipant(node, peer == std::nullopt, kApplicationRole));
    if (peer) message.participants.push_back(AuditParticipant{peer->aeTitle.empty() ? peer->address : peer->aeTitle, "",
                                                              true, peer->address, true, std::nullopt});
    return message;
}

AuditMessage query(const AuditNode& node, const AuditPeer& requestor, const std::string& target, AuditOutcome outcome,
                   std::int64_t atMs) {
    auto message = messageFrom(node, AuditCode{"110112", "DCM", "Query"}, 'E', outcome, atMs);
    message.participants.push_back(peerParticipant(requestor, true, kSourceRole));
    message.participants.push_back(nodeParticipant(node, false, kDestinationRole));
    // Not a DICOM query (no SOP class, no data set): the object is the request's URI.
    message.objects.push_back(AuditObject{target, 2, 24, AuditCode{"12", "RFC-3881", "URI"}, base64(target), {}, {}});
    return message;
}

AuditCode nodeAuthenticationAlert() { return AuditCode{"110126", "DCM", "Node Authentication"}; }
AuditCode softwareConfigurationAlert() { return AuditCode{"110131", "DCM", "Software Configuration"}; }

} // namespace radnode::node
