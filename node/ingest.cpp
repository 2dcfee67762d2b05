#include "node/ingest.h"

#include "node/commitment_report.h"
#include "node/log.h"

#include <cstdio>

namespace radnode::node {

std::filesystem::path Ingest::incomingPath() { return store_.incomingPath(); }

dicom::StoreStatus Ingest::store(const dicom::ReceivedInstance& instance) {
    storage::InstanceRecord record;
    record.sopInstanceUid = instance.sopInstanceUid;
    record.sopClassUid = instance.sopClassUid;
    record.studyUid = instance.studyUid;
    record.seriesUid = instance.seriesUid;
    record.modality = instance.modality;
    record.transferSyntax = instance.transferSyntax;
    record.patientId = instance.patientId;
    record.accessionNumber = instance.accessionNumber;
    record.callingAe = instance.association.callingAe;
    record.peerAddress = instance.association.peerAddress;
    record.referencedInstanceUids = instance.referencedInstanceUids;

    // The audit row is committed with the instance: no second commit (and fsync) per instance.
    const auto stored = store_.storeInstance(instance.file, record, true);
    const char* event = stored.outcome == storage::StoreOutcome::Duplicate    ? "instance.duplicate"
                        : stored.outcome == storage::StoreOutcome::NewVersion ? "instance.new_version"
                                                                              : "instance.received";
    LogFields fields{{"sop_class", instance.sopClassUid}, {"calling_ae", instance.association.callingAe},
                     {"version", std::to_string(stored.version)}};
    addPatientIdentifiers(fields, instance.patientId, instance.accessionNumber);
    logEvent(LogLevel::Info, event, fields);
    return dicom::StoreStatus{dicom::status::kSuccess, ""};
}

void Ingest::refused(const dicom::AssociationInfo& association, const std::string& sopInstanceUid,
                     const dicom::StoreStatus& status) {
    char code[8];
    std::snprintf(code, sizeof code, "%04X", status.code);
    const std::string event = sopInstanceUid.empty() ? "association.refused" : "instance.refused";
    const std::string detail = sopInstanceUid.empty() ? status.reason : "status " + std::string(code) + ": " + status.reason;
    try {
        store_.audit(storage::AuditEvent{event, "", sopInstanceUid, association.callingAe, association.peerAddress,
                                         std::nullopt, detail});
    } catch (const std::exception& error) {
        logEvent(LogLevel::Error, "audit.failed", {{"reason", error.what()}});
    }
    logEvent(LogLevel::Warning, event,
             {{"calling_ae", association.callingAe}, {"peer", association.peerAddress}, {"reason", detail}});
}

void Ingest::accepted(const dicom::AssociationInfo& association) {
    logEvent(LogLevel::Info, "association.accepted",
             {{"calling_ae", association.callingAe}, {"peer", association.peerAddress}});
}

std::uint16_t Ingest::commitmentReported(const dicom::CommitmentReport& report) {
    return recordCommitmentReport(store_, report);
}

} // namespace radnode::node
