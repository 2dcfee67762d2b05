#include "node/commitment_report.h"

#include "dicom/store_scp.h"
#include "node/log.h"

namespace radnode::node {

namespace {

std::uint16_t refuse(storage::NodeStore& store, const dicom::CommitmentReport& report, std::uint16_t status,
                     const std::string& reason) {
    store.audit(storage::AuditEvent{"commitment.report_refused", "", "", report.callingAe, report.peerAddress,
                                    std::nullopt, reason});
    logEvent(LogLevel::Warning, "commitment.report_refused",
             {{"calling_ae", report.callingAe}, {"peer", report.peerAddress}, {"reason", reason}});
    return status;
}

} // namespace

std::uint16_t recordCommitmentReport(storage::NodeStore& store, const dicom::CommitmentReport& report) {
    if (!report.unreadable.empty()) {
        return refuse(store, report, dicom::status::kProcessingFailure,
                      "unreadable storage commitment report: " + report.unreadable);
    }
    std::vector<std::string> committed;
    for (const auto& item : report.committed) committed.push_back(item.sopInstanceUid);
    std::vector<storage::CommitmentFailure> failures;
    for (const auto& item : report.failed) {
        failures.push_back(storage::CommitmentFailure{item.sopInstanceUid, dicom::failureReasonText(item.reason)});
    }
    const std::string reporter = report.callingAe + "@" + report.peerAddress;
    const auto recorded = store.recordCommitmentReport(report.transactionUid, committed, failures, reporter, storage::nowMs());
    if (!recorded) {
        return refuse(store, report, dicom::status::kNoSuchTransaction,
                      "storage commitment report for unknown transaction " + report.transactionUid);
    }
    const auto& row = recorded->row;
    LogFields fields{{"delivery", std::to_string(row.deliveryId)},
                     {"destination", row.destination},
                     {"transaction", row.transactionUid},
                     {"state", storage::commitmentStateName(row.state)},
                     {"reported_by", reporter}};
    if (row.state == storage::CommitmentState::Committed) {
        logEvent(LogLevel::Info, "commitment.committed", fields);
    } else {
        fields.emplace_back("detail", row.detail);
        if (recorded->deliveryRequeued) fields.emplace_back("action", "delivery sent once more");
        logEvent(LogLevel::Error, "commitment.failed", fields);
    }
    return dicom::status::kSuccess;
}

} // namespace radnode::node
