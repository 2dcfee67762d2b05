#include "dicom/storage_commitment.h"

#include "dicom/commitment_response.h"
#include "dicom/dataset_values.h"
#include "dicom/scu_settings.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcitem.h>
#include <dcmtk/dcmdata/dcsequen.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmnet/scu.h>

#include <cstring>
#include <memory>
#include <stdexcept>

namespace radnode::dicom {

namespace {

using detail::getString;

// DcmSCU with the pieces it keeps protected: TLS set-up, and receiving a request on the
// association we opened (an N-EVENT-REPORT sent back at once).
class CommitmentScu : public DcmSCU {
public:
    using DcmSCU::receiveDIMSECommand;
    using DcmSCU::receiveDIMSEDataset;
    using DcmSCU::sendDIMSEMessage;
    using DcmSCU::useSecureConnection;
};

std::vector<CommitmentItem> referencedItems(DcmItem& dataset, const DcmTagKey& sequenceTag) {
    std::vector<CommitmentItem> items;
    DcmSequenceOfItems* sequence = nullptr;
    if (dataset.findAndGetSequence(sequenceTag, sequence).bad() || !sequence) return items;
    for (unsigned long i = 0; i < sequence->card(); ++i) {
        DcmItem& item = *sequence->getItem(i);
        CommitmentItem entry{getString(item, DCM_ReferencedSOPClassUID), getString(item, DCM_ReferencedSOPInstanceUID)};
        if (entry.sopInstanceUid.empty()) {
            throw std::runtime_error("item " + std::to_string(i + 1) + " of " + DcmTag(sequenceTag).getTagName() +
                                     " has no Referenced SOP Instance UID");
        }
        items.push_back(std::move(entry));
    }
    return items;
}

void answerReport(CommitmentScu& scu, T_ASC_PresentationContextID presentationId, const T_DIMSE_N_EventReportRQ& request,
                  std::uint16_t status) {
    T_DIMSE_Message response = detail::commitmentReportResponse(request, status);
    scu.sendDIMSEMessage(presentationId, &response, nullptr);
}

// Waits briefly for an N-EVENT-REPORT on the association that asked; true when one came
// and was answered.
bool takeReportOnSameAssociation(CommitmentScu& scu, const StoreTarget& target, const CommitmentReportHandler& onReport,
                                 int waitSeconds) {
    if (waitSeconds <= 0) return false;
    T_ASC_PresentationContextID presentationId = 0;
    T_DIMSE_Message message;
    std::memset(&message, 0, sizeof message);
    DcmDataset* statusDetail = nullptr;
    const OFCondition received =
        scu.receiveDIMSECommand(&presentationId, &message, &statusDetail, nullptr, static_cast<Uint32>(waitSeconds));
    delete statusDetail;
    if (received.bad() || message.CommandField != DIMSE_N_EVENT_REPORT_RQ) return false;
    const T_DIMSE_N_EventReportRQ& request = message.msg.NEventReportRQ;
    DcmDataset* dataset = nullptr;
    T_ASC_PresentationContextID datasetId = 0;
    if (request.DataSetType == DIMSE_DATASET_NULL || scu.receiveDIMSEDataset(&datasetId, &dataset).bad() || !dataset) {
        answerReport(scu, presentationId, request, 0x0110); // processing failure: nothing to read
        return true;
    }
    std::unique_ptr<DcmDataset> owned(dataset);
    CommitmentReport report;
    try {
        report = parseCommitmentReport(*owned, request.EventTypeID);
    } catch (const std::exception& error) {
        report = CommitmentReport{};
        report.unreadable = error.what();
    }
    report.callingAe = target.aeTitle;
    report.peerAddress = target.host;
    std::uint16_t status = 0x0110;
    try {
        status = onReport(report);
    } catch (const std::exception&) {
        status = 0x0110; // not recorded
    }
    answerReport(scu, presentationId, request, status);
    return true;
}

} // namespace

std::string failureReasonText(std::uint16_t reason) {
    const char* text = "unknown failure reason";
    switch (reason) {
    case 0x0110: text = "processing failure"; break;
    case 0x0112: text = "no such object instance"; break;
    case 0x0119: text = "class-instance conflict"; break;
    case 0x0122: text = "referenced SOP class not supported"; break;
    case 0x0131: text = "duplicate transaction UID"; break;
    case 0x0213: text = "resource limitation"; break;
    default: break;
    }
    return detail::statusHex(reason) + " " + text;
}

CommitmentReport parseCommitmentReport(DcmDataset& dataset, std::uint16_t eventType) {
    CommitmentReport report;
    report.eventType = eventType;
    report.transactionUid = getString(dataset, DCM_TransactionUID);
    if (report.transactionUid.empty()) throw std::runtime_error("the report has no Transaction UID");
    report.committed = referencedItems(dataset, DCM_ReferencedSOPSequence);
    DcmSequenceOfItems* failed = nullptr;
    if (dataset.findAndGetSequence(DCM_FailedSOPSequence, failed).good() && failed) {
        for (unsigned long i = 0; i < failed->card(); ++i) {
            DcmItem& item = *failed->getItem(i);
            CommitmentFailedItem entry{getString(item, DCM_ReferencedSOPClassUID),
                                       getString(item, DCM_ReferencedSOPInstanceUID), 0};
            if (entry.sopInstanceUid.empty()) {
                throw std::runtime_error("item " + std::to_string(i + 1) +
                                         " of the Failed SOP Sequence has no Referenced SOP Instance UID");
            }
            Uint16 reason = 0;
            if (item.findAndGetUint16(DCM_FailureReason, reason).good()) entry.reason = reason;
            report.failed.push_back(std::move(entry));
        }
    }
    return report;
}

void fillCommitmentRequest(DcmDataset& dataset, const std::string& transactionUid, const std::vector<CommitmentItem>& items) {
    dataset.putAndInsertString(DCM_TransactionUID, transactionUid.c_str());
    for (const auto& entry : items) {
        DcmItem* item = nullptr;
        if (dataset.findOrCreateSequenceItem(DCM_ReferencedSOPSequence, item, -2 /* append */).bad() || !item) {
            throw std::runtime_error("cannot build the Referenced SOP Sequence");
        }
        item->putAndInsertString(DCM_ReferencedSOPClassUID, entry.sopClassUid.c_str());
        item->putAndInsertString(DCM_ReferencedSOPInstanceUID, entry.sopInstanceUid.c_str());
    }
}

CommitmentRequestOutcome requestCommitment(const StoreTarget& target, const std::string& transactionUid,
                                           const std::vector<CommitmentItem>& items,
                                           const CommitmentReportHandler& onReport, int sameAssociationWaitSeconds) {
    using Kind = CommitmentRequestOutcome::Kind;
    const std::string peer = target.aeTitle + "@" + target.host + ":" + std::to_string(target.port);
    std::unique_ptr<TlsContext> tls;
    if (target.tls) {
        try {
            tls = std::make_unique<TlsContext>(*target.tls, TlsContext::Role::Sender, target.host);
        } catch (const std::exception& error) {
            return {Kind::Failed, std::string("TLS set-up failed: ") + error.what()};
        }
    }
    CommitmentScu scu;
    detail::configureScu(scu, target);
    OFList<OFString> syntaxes;
    syntaxes.push_back(UID_LittleEndianExplicitTransferSyntax);
    syntaxes.push_back(UID_LittleEndianImplicitTransferSyntax);
    scu.addPresentationContext(kStorageCommitmentSopClassUid, syntaxes);
    OFCondition condition = scu.initNetwork();
    if (condition.good() && tls) condition = scu.useSecureConnection(&tls->layer());
    if (condition.good()) condition = scu.negotiateAssociation();
    if (condition.bad()) {
        // A peer without Storage Commitment accepts the association with nothing on it, or (DCMTK's
        // DcmSCP and others) rejects the whole association; it has just accepted our C-STOREs.
        if (condition == NET_EC_NoAcceptablePresentationContexts) {
            if (scu.isConnected()) scu.releaseAssociation();
            return {Kind::NotSupported, "storage commitment not supported by " + peer};
        }
        if (condition == DUL_ASSOCIATIONREJECTED) {
            return {Kind::NotSupported, "storage commitment not supported by " + peer +
                                            " (it rejected the association that proposed only Storage Commitment)"};
        }
        return {Kind::Failed, "association with " + peer + " for storage commitment failed: " + condition.text()};
    }
    const T_ASC_PresentationContextID context = scu.findAnyPresentationContextID(kStorageCommitmentSopClassUid, "");
    if (context == 0) {
        scu.releaseAssociation();
        return {Kind::NotSupported, "storage commitment not supported by " + peer};
    }
    DcmDataset request;
    try {
        fillCommitmentRequest(request, transactionUid, items);
    } catch (const std::exception& error) {
        scu.abortAssociation();
        return {Kind::Failed, error.what()};
    }
    Uint16 status = 0;
    condition = scu.sendACTIONRequest(context, kStorageCommitmentSopInstanceUid, 1, &request, status);
    if (condition.bad()) {
        scu.abortAssociation();
        return {Kind::Failed, "N-ACTION to " + peer + " failed: " + condition.text()};
    }
    if (status != 0x0000) {
        scu.releaseAssociation();
        const bool unsupported = status == 0x0112 || status == 0x0118 || status == 0x0122 || status == 0x0123;
        return {unsupported ? Kind::NotSupported : Kind::Failed,
                (unsupported ? "storage commitment not supported by " : "storage commitment refused by ") + peer +
                    " (N-ACTION status " + detail::statusHex(status) + ")"};
    }
    const bool answered = takeReportOnSameAssociation(scu, target, onReport, sameAssociationWaitSeconds);
    scu.releaseAssociation();
    return {Kind::Requested, answered ? "reported on the requesting association" : "requested"};
}

} // namespace radnode::dicom
