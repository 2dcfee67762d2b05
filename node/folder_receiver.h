// A minimal storage SCP handler that files every received instance into one folder,
// durably. The demo uses it as a stand-in PACS, so it shows the SR arriving somewhere.
#pragma once

#include "dicom/store_scp.h"

#include <atomic>
#include <filesystem>

namespace radnode::node {

class FolderReceiver : public dicom::StoreHandler {
public:
    explicit FolderReceiver(std::filesystem::path folder);

    std::filesystem::path incomingPath() override;
    dicom::StoreStatus store(const dicom::ReceivedInstance& instance) override;
    void refused(const dicom::AssociationInfo& association, const std::string& sopInstanceUid,
                 const dicom::StoreStatus& status) override;
    void accepted(const dicom::AssociationInfo& association) override;

    // Where an instance with this SOP Instance UID is (or would be) filed.
    std::filesystem::path pathOf(const std::string& sopInstanceUid) const;

private:
    std::filesystem::path folder_;
    std::atomic<unsigned long> counter_{0};
};

} // namespace radnode::node
