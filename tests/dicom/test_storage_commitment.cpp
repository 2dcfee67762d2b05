// The Storage Commitment data sets: the request we send reads back as what we asked for, and
// a report's failed items keep their reasons. requestCommitment against a DCMTK peer that
// reports on the requesting association, and against one without the class.
#include "dicom/storage_commitment.h"
#include "test_support.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcitem.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmnet/scp.h>
#include <dcmtk/oflog/oflog.h>

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>

using namespace radnode::dicom;

TEST_CASE("a commitment request names the transaction and every object, in order") {
    DcmDataset dataset;
    const std::vector<CommitmentItem> items{{"1.2.840.10008.5.1.4.1.1.88.34", "1.2.3.1"},
                                            {"1.2.840.10008.5.1.4.1.1.7", "1.2.3.2"}};
    fillCommitmentRequest(dataset, "2.25.42", items);
    const auto read = parseCommitmentReport(dataset, 1);
    CHECK(read.transactionUid == "2.25.42");
    REQUIRE(read.committed.size() == 2);
    CHECK(read.committed[0].sopClassUid == "1.2.840.10008.5.1.4.1.1.88.34");
    CHECK(read.committed[1].sopInstanceUid == "1.2.3.2");
    CHECK(read.failed.empty());
}

TEST_CASE("a report with failures keeps each failed object's reason") {
    DcmDataset dataset;
    fillCommitmentRequest(dataset, "2.25.43", {{"1.2.840.10008.5.1.4.1.1.88.34", "1.2.3.1"}});
    DcmItem* failed = nullptr;
    REQUIRE(dataset.findOrCreateSequenceItem(DCM_FailedSOPSequence, failed, 0).good());
    failed->putAndInsertString(DCM_ReferencedSOPClassUID, "1.2.840.10008.5.1.4.1.1.7");
    failed->putAndInsertString(DCM_ReferencedSOPInstanceUID, "1.2.3.2");
    failed->putAndInsertUint16(DCM_FailureReason, 0x0112);
    const auto report = parseCommitmentReport(dataset, 2);
    CHECK(report.eventType == 2);
    REQUIRE(report.failed.size() == 1);
    CHECK(report.failed[0].sopInstanceUid == "1.2.3.2");
    CHECK(failureReasonText(report.failed[0].reason) == "0112 no such object instance");
    CHECK(failureReasonText(0x0213) == "0213 resource limitation");
    CHECK(failureReasonText(0x0999) == "0999 unknown failure reason");
}

TEST_CASE("a report without a Transaction UID or with an empty item is refused") {
    DcmDataset empty;
    CHECK_THROWS_WITH(parseCommitmentReport(empty, 1), "the report has no Transaction UID");
    DcmDataset dataset;
    fillCommitmentRequest(dataset, "2.25.44", {{"1.2.840.10008.5.1.4.1.1.7", ""}});
    CHECK_THROWS_WITH(parseCommitmentReport(dataset, 1),
                      doctest::Contains("has no Referenced SOP Instance UID"));
}

namespace {

// A commitment SCP that answers on the requesting association, as some PACS do: N-ACTION-RSP
// 0000, then at once an N-EVENT-REPORT (event 2: the first object committed, the others
// failed with 0112), and it remembers the N-EVENT-REPORT-RSP it got back.
class ImmediateCommitmentScp : public DcmSCP {
public:
    std::atomic<bool> reported{false};
    std::atomic<int> connectionTimeouts{0};
    std::string transactionUid;
    Uint16 responseStatus = 0xFFFF;
    unsigned responseOptions = 0;
    std::string responseClass, responseInstance;

protected:
    OFCondition handleIncomingCommand(T_DIMSE_Message* message, const DcmPresentationContextInfo& info) override {
        if (message->CommandField != DIMSE_N_ACTION_RQ) return DcmSCP::handleIncomingCommand(message, info);
        const T_DIMSE_N_ActionRQ request = message->msg.NActionRQ;
        T_ASC_PresentationContextID presentationId = info.presentationContextID;
        DcmDataset* received = nullptr;
        OFCondition condition = receiveDIMSEDataset(&presentationId, &received);
        if (condition.bad()) return condition;
        const auto asked = parseCommitmentReport(*received, 0); // same layout: Transaction UID + Referenced SOP Sequence
        delete received;
        transactionUid = asked.transactionUid;

        T_DIMSE_Message rsp;
        std::memset(&rsp, 0, sizeof rsp);
        rsp.CommandField = DIMSE_N_ACTION_RSP;
        rsp.msg.NActionRSP.MessageIDBeingRespondedTo = request.MessageID;
        rsp.msg.NActionRSP.DimseStatus = STATUS_Success;
        rsp.msg.NActionRSP.DataSetType = DIMSE_DATASET_NULL;
        OFStandard::strlcpy(rsp.msg.NActionRSP.AffectedSOPClassUID, request.RequestedSOPClassUID, DIC_UI_LEN + 1);
        OFStandard::strlcpy(rsp.msg.NActionRSP.AffectedSOPInstanceUID, request.RequestedSOPInstanceUID, DIC_UI_LEN + 1);
        rsp.msg.NActionRSP.opts = O_NACTION_AFFECTEDSOPCLASSUID | O_NACTION_AFFECTEDSOPINSTANCEUID;
        condition = sendDIMSEMessage(presentationId, &rsp, nullptr);
        if (condition.bad()) return condition;

        DcmDataset report;
        fillCommitmentRequest(report, asked.transactionUid, {asked.committed.front()});
        for (std::size_t i = 1; i < asked.committed.size(); ++i) {
            DcmItem* item = nullptr;
            report.findOrCreateSequenceItem(DCM_FailedSOPSequence, item, -2);
            item->putAndInsertString(DCM_ReferencedSOPClassUID, asked.committed[i].sopClassUid.c_str());
            item->putAndInsertString(DCM_ReferencedSOPInstanceUID, asked.committed[i].sopInstanceUid.c_str());
            item->putAndInsertUint16(DCM_FailureReason, 0x0112);
        }
        T_DIMSE_Message event;
        std::memset(&event, 0, sizeof event);
        event.CommandField = DIMSE_N_EVENT_REPORT_RQ;
        event.msg.NEventReportRQ.MessageID = 77;
        event.msg.NEventReportRQ.EventTypeID = 2;
        event.msg.NEventReportRQ.DataSetType = DIMSE_DATASET_PRESENT;
        OFStandard::strlcpy(event.msg.NEventReportRQ.AffectedSOPClassUID, kStorageCommitmentSopClassUid, DIC_UI_LEN + 1);
        OFStandard::strlcpy(event.msg.NEventReportRQ.AffectedSOPInstanceUID, kStorageCommitmentSopInstanceUid, DIC_UI_LEN + 1);
        condition = sendDIMSEMessage(presentationId, &event, &report);
        if (condition.bad()) return condition;

        T_DIMSE_Message answer;
        std::memset(&answer, 0, sizeof answer);
        DcmDataset* detail = nullptr;
        condition = receiveDIMSECommand(&presentationId, &answer, &detail, nullptr, 10);
        delete detail;
        if (condition.good() && answer.CommandField == DIMSE_N_EVENT_REPORT_RSP) {
            responseStatus = answer.msg.NEventReportRSP.DimseStatus;
            responseOptions = answer.msg.NEventReportRSP.opts;
            responseClass = answer.msg.NEventReportRSP.AffectedSOPClassUID;
            responseInstance = answer.msg.NEventReportRSP.AffectedSOPInstanceUID;
        }
        reported = true;
        return condition;
    }
    OFBool stopAfterCurrentAssociation() override { return reported.load(); }
    OFBool stopAfterConnectionTimeout() override { return reported.load() || ++connectionTimeouts > 30; }
};

} // namespace

TEST_CASE("a report sent at once on the requesting association is recorded and answered there") {
    OFLog::configure(OFLogger::WARN_LOG_LEVEL);
    const int port = radnode::test::freeLoopbackPort();
    ImmediateCommitmentScp scp;
    scp.setAETitle("PACS");
    scp.setPort(static_cast<Uint16>(port));
    scp.setConnectionBlockingMode(DUL_NOBLOCK);
    scp.setConnectionTimeout(1);
    scp.setDIMSEBlockingMode(DIMSE_NONBLOCKING);
    scp.setDIMSETimeout(10);
    OFList<OFString> syntaxes;
    syntaxes.push_back(UID_LittleEndianExplicitTransferSyntax);
    REQUIRE(scp.addPresentationContext(kStorageCommitmentSopClassUid, syntaxes).good());
    std::thread listener([&scp] { scp.listen(); });

    const StoreTarget target{"PACS", "127.0.0.1", port, "RADNODE", 10, std::nullopt};
    const std::vector<CommitmentItem> items{{"1.2.840.10008.5.1.4.1.1.88.34", "1.2.3.1"},
                                            {"1.2.840.10008.5.1.4.1.1.7", "1.2.3.2"}};
    std::vector<CommitmentReport> reports;
    CommitmentRequestOutcome outcome;
    // The listener thread may not be listening yet: a refused connection is retried briefly.
    for (int attempt = 0; attempt < 50; ++attempt) {
        outcome = requestCommitment(target, "2.25.555", items, [&reports](const CommitmentReport& report) {
            reports.push_back(report);
            return std::uint16_t{0x0000};
        });
        if (outcome.kind == CommitmentRequestOutcome::Kind::Requested) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    listener.join();
    CHECK_MESSAGE(outcome.kind == CommitmentRequestOutcome::Kind::Requested, outcome.detail);
    CHECK(outcome.detail == "reported on the requesting association");
    CHECK(scp.transactionUid == "2.25.555");
    REQUIRE(reports.size() == 1);
    CHECK(reports[0].transactionUid == "2.25.555");
    CHECK(reports[0].eventType == 2);
    REQUIRE(reports[0].committed.size() == 1);
    CHECK(reports[0].committed[0].sopInstanceUid == "1.2.3.1");
    REQUIRE(reports[0].failed.size() == 1);
    CHECK(reports[0].failed[0].sopInstanceUid == "1.2.3.2");
    CHECK(reports[0].failed[0].reason == 0x0112);
    // The answer names the class and instance, as strict SCPs (Orthanc) require.
    CHECK(scp.responseStatus == 0x0000);
    CHECK((scp.responseOptions & O_NEVENTREPORT_AFFECTEDSOPCLASSUID) != 0);
    CHECK((scp.responseOptions & O_NEVENTREPORT_AFFECTEDSOPINSTANCEUID) != 0);
    CHECK(scp.responseClass == kStorageCommitmentSopClassUid);
    CHECK(scp.responseInstance == kStorageCommitmentSopInstanceUid);
}

TEST_CASE("a peer without the Storage Commitment class is named as not supporting it") {
    OFLog::configure(OFLogger::WARN_LOG_LEVEL);
    const int port = radnode::test::freeLoopbackPort();
    ImmediateCommitmentScp scp; // offers only Verification here
    scp.setAETitle("PLAIN");
    scp.setPort(static_cast<Uint16>(port));
    scp.setConnectionBlockingMode(DUL_NOBLOCK);
    scp.setConnectionTimeout(1);
    OFList<OFString> syntaxes;
    syntaxes.push_back(UID_LittleEndianImplicitTransferSyntax);
    REQUIRE(scp.addPresentationContext(UID_VerificationSOPClass, syntaxes).good());
    std::thread listener([&scp] { scp.listen(); });
    const StoreTarget target{"PLAIN", "127.0.0.1", port, "RADNODE", 10, std::nullopt};
    CommitmentRequestOutcome outcome;
    for (int attempt = 0; attempt < 50; ++attempt) {
        outcome = requestCommitment(target, "2.25.556", {{"1.2.840.10008.5.1.4.1.1.7", "1.2.3.2"}},
                                    [](const CommitmentReport&) { return std::uint16_t{0x0000}; });
        if (outcome.kind == CommitmentRequestOutcome::Kind::NotSupported) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    scp.reported = true; // let the listener return at its next timeout
    listener.join();
    CHECK(outcome.kind == CommitmentRequestOutcome::Kind::NotSupported);
    // DCMTK's DcmSCP rejects an association on which it accepts nothing.
    CHECK(outcome.detail == "storage commitment not supported by PLAIN@127.0.0.1:" + std::to_string(port) +
                                " (it rejected the association that proposed only Storage Commitment)");
}
