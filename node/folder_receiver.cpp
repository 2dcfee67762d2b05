#include "node/folder_receiver.h"

#include "node/log.h"
#include "storage/file_store.h"

namespace radnode::node {

FolderReceiver::FolderReceiver(std::filesystem::path folder) : folder_(std::move(folder)) {
    std::filesystem::create_directories(folder_);
}

std::filesystem::path FolderReceiver::incomingPath() {
    return folder_ / ("incoming-" + std::to_string(++counter_) + std::string(storage::kPartialSuffix));
}

std::filesystem::path FolderReceiver::pathOf(const std::string& sopInstanceUid) const {
    return folder_ / (sopInstanceUid + ".dcm");
}

dicom::StoreStatus FolderReceiver::store(const dicom::ReceivedInstance& instance) {
    storage::commitFileDurably(instance.file, pathOf(instance.sopInstanceUid));
    return dicom::StoreStatus{dicom::status::kSuccess, ""};
}

void FolderReceiver::refused(const dicom::AssociationInfo& association, const std::string& sopInstanceUid,
                             const dicom::StoreStatus& status) {
    logEvent(LogLevel::Warning, "receiver.refused",
             {{"calling_ae", association.callingAe}, {"sop_instance", sopInstanceUid}, {"reason", status.reason}});
}

void FolderReceiver::accepted(const dicom::AssociationInfo&) {}

} // namespace radnode::node
