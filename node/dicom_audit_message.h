// DICOM audit messages (PS3.15 A.5, the IHE ATNA format): the XML AuditMessage of one event,
// and the node's events as messages. Pure: no clock, no network, no database.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace radnode::node {

// EventOutcomeIndicator (PS3.15 A.5.1).
enum class AuditOutcome { Success = 0, MinorFailure = 4, SeriousFailure = 8, MajorFailure = 12 };

// A coded value: csd-code, codeSystemName, originalText (the code meaning).
struct AuditCode {
    std::string code, system, meaning;
};

// ActiveParticipant: a person or process taking part in the event.
struct AuditParticipant {
    std::string userId;
    std::string alternativeUserId;  // empty: left out
    bool isRequestor = false;
    std::string networkAccessPoint; // empty: left out
    bool accessPointIsAddress = true; // NetworkAccessPointTypeCode 2 (IP address), else 1 (machine name)
    std::optional<AuditCode> role;
};

struct AuditSopClass {
    std::string uid;
    int instances = 0;
};

// ParticipantObjectIdentification: a study, a patient, a query.
struct AuditObject {
    std::string id;
    int typeCode = 2;     // 1 person, 2 system object
    int typeCodeRole = 3; // 1 patient, 3 report, 24 query
    AuditCode idType;
    std::string queryBase64;               // ParticipantObjectQuery; empty: left out
    std::vector<std::string> accessions;   // ParticipantObjectDescription/Accession
    std::vector<AuditSopClass> sopClasses; // ParticipantObjectDescription/SOPClass
};

struct AuditMessage {
    AuditCode eventId;
    std::optional<AuditCode> eventType;
    char action = 'E'; // EventActionCode: C, R, U, D, E
    std::int64_t atMs = 0; // EventDateTime, milliseconds since the Unix epoch, written in UTC
    AuditOutcome outcome = AuditOutcome::Success;
    std::string outcomeDescription; // empty: left out
    std::vector<AuditParticipant> participants; // at least one
    std::string sourceId;                       // AuditSourceID
    std::vector<AuditObject> objects;
};

// The AuditMessage element, UTF-8, with an XML declaration; text is escaped.
std::string auditMessageXml(const AuditMessage& message);

// --- the node's events

// The node as it appears in every message.
struct AuditNode {
    std::string aeTitle;
    std::string hostName;
    std::string processId;
    std::string sourceId; // AuditSourceID; empty: the host name
};

// The other side of a DICOM association or an HTTP request.
struct AuditPeer {
    std::string aeTitle; // empty for HTTP
    std::string address; // IP address or host name
};

// One study moved between two nodes: what PS3.15 A.5.3.12 reports.
struct AuditStudyTransfer {
    std::string studyUid, patientId, accessionNumber;
    std::vector<AuditSopClass> sopClasses;
};

// Application Activity (110100): the node started or stopped.
AuditMessage applicationActivity(const AuditNode& node, bool started, std::int64_t atMs);

// DICOM Instances Transferred (110104) into the node; `updated`: an instance replaced an
// earlier version (EventActionCode U rather than C).
AuditMessage instancesReceived(const AuditNode& node, const AuditPeer& source, const AuditStudyTransfer& study,
                               bool updated, std::int64_t atMs);

// DICOM Instances Transferred (110104) from the node to a destination (EventActionCode R).
AuditMessage instancesSent(const AuditNode& node, const AuditPeer& destination, const AuditStudyTransfer& study,
                           AuditOutcome outcome, const std::string& outcomeDescription, std::int64_t atMs);

// Security Alert (110113), e.g. a refused association (110126 Node Authentication) or a
// configuration change (110131 Software Configuration). `peer`: who caused it, when known.
AuditMessage securityAlert(const AuditNode& node, const AuditCode& alertType, const std::optional<AuditPeer>& peer,
                           AuditOutcome outcome, const std::string& description, std::int64_t atMs);

// Query (110112): a read of the HTTP API, `target` the request target (path and query).
AuditMessage query(const AuditNode& node, const AuditPeer& requestor, const std::string& target, AuditOutcome outcome,
                   std::int64_t atMs);

// EventTypeCodes of Security Alert used by the node.
AuditCode nodeAuthenticationAlert();   // 110126
AuditCode softwareConfigurationAlert(); // 110131

} // namespace radnode::node
