// The listener's StoreHandler: makes each received instance durable and indexed in the
// NodeStore, and writes every reception and refusal to the audit log.
#pragma once

#include "dicom/store_scp.h"
#include "storage/node_store.h"

namespace radnode::node {

class Ingest : public dicom::StoreHandler {
public:
    explicit Ingest(storage::NodeStore& store) : store_(store) {}

    std::filesystem::path incomingPath() override;
    dicom::StoreStatus store(const dicom::ReceivedInstance& instance) override;
    void refused(const dicom::AssociationInfo& association, const std::string& sopInstanceUid,
                 const dicom::StoreStatus& status) override;
    void accepted(const dicom::AssociationInfo& association) override;
    std::uint16_t commitmentReported(const dicom::CommitmentReport& report) override;

private:
    storage::NodeStore& store_;
};

} // namespace radnode::node
