#include "dicom/store_scp.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmdata/dcxfer.h>
#include <dcmtk/dcmnet/diutil.h>
#include <dcmtk/dcmnet/scppool.h>
#include <dcmtk/dcmnet/scpthrd.h>

#include <sys/statvfs.h>

#include <algorithm>
#include <array>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>

namespace radnode::dicom {

namespace {

// Transfer syntaxes the node accepts and stores unchanged.
const std::array<const char*, 13> kTransferSyntaxes = {
    UID_LittleEndianExplicitTransferSyntax, UID_LittleEndianImplicitTransferSyntax,
    UID_DeflatedExplicitVRLittleEndianTransferSyntax, UID_BigEndianExplicitTransferSyntax,
    UID_JPEGProcess1TransferSyntax, UID_JPEGProcess2_4TransferSyntax, UID_JPEGProcess14TransferSyntax,
    UID_JPEGProcess14SV1TransferSyntax, UID_JPEGLSLosslessTransferSyntax, UID_JPEGLSLossyTransferSyntax,
    UID_JPEG2000LosslessOnlyTransferSyntax, UID_JPEG2000TransferSyntax, UID_RLELosslessTransferSyntax};

bool isLoopback(const std::string& address) {
    return address.rfind("127.", 0) == 0 || address == "::1" || address == "localhost";
}

bool supportedTransferSyntax(const char* uid) {
    return std::any_of(kTransferSyntaxes.begin(), kTransferSyntaxes.end(),
                       [uid](const char* supported) { return std::string(supported) == uid; });
}

std::string stringOf(DcmItem& item, const DcmTagKey& tag) {
    OFString value;
    if (item.findAndGetOFString(tag, value).bad()) return {};
    return value.c_str();
}

// Instances a segmentation was drawn on: the referenced series/instance lists and every
// frame's derivation source (PS3.3 C.8.20 and the Segmentation functional groups).
void collectSegmentationReferences(DcmDataset& dataset, std::set<std::string>& uids) {
    DcmSequenceOfItems* series = nullptr;
    if (dataset.findAndGetSequence(DCM_ReferencedSeriesSequence, series).good() && series) {
        for (unsigned long s = 0; s < series->card(); ++s) {
            DcmSequenceOfItems* instances = nullptr;
            if (series->getItem(s)->findAndGetSequence(DCM_ReferencedInstanceSequence, instances).good() && instances) {
                for (unsigned long i = 0; i < instances->card(); ++i) {
                    const auto uid = stringOf(*instances->getItem(i), DCM_ReferencedSOPInstanceUID);
                    if (!uid.empty()) uids.insert(uid);
                }
            }
        }
    }
    DcmSequenceOfItems* frames = nullptr;
    if (dataset.findAndGetSequence(DCM_PerFrameFunctionalGroupsSequence, frames).good() && frames) {
        for (unsigned long f = 0; f < frames->card(); ++f) {
            DcmSequenceOfItems* derivations = nullptr;
            if (frames->getItem(f)->findAndGetSequence(DCM_DerivationImageSequence, derivations).bad() || !derivations) {
                continue;
            }
            for (unsigned long d = 0; d < derivations->card(); ++d) {
                DcmSequenceOfItems* sources = nullptr;
                if (derivations->getItem(d)->findAndGetSequence(DCM_SourceImageSequence, sources).bad() || !sources) {
                    continue;
                }
                for (unsigned long i = 0; i < sources->card(); ++i) {
                    const auto uid = stringOf(*sources->getItem(i), DCM_ReferencedSOPInstanceUID);
                    if (!uid.empty()) uids.insert(uid);
                }
            }
        }
    }
}

bool isSegmentation(const std::string& sopClassUid) {
    return sopClassUid == "1.2.840.10008.5.1.4.1.1.66.4" || sopClassUid == "1.2.840.10008.5.1.4.1.1.66.7";
}

} // namespace

ReceivedInstance readInstanceHeader(const std::filesystem::path& file) {
    DcmFileFormat format;
    // Large values (pixel data) stay on disk: a 500 MB object must not be read to index it.
    const OFCondition loaded = format.loadFile(file.c_str(), EXS_Unknown, EGL_noChange, 4096);
    if (loaded.bad()) throw std::runtime_error("cannot parse DICOM file " + file.string() + ": " + loaded.text());
    DcmDataset& dataset = *format.getDataset();
    DcmMetaInfo& meta = *format.getMetaInfo();
    ReceivedInstance instance;
    instance.file = file;
    instance.sopClassUid = stringOf(dataset, DCM_SOPClassUID);
    instance.sopInstanceUid = stringOf(dataset, DCM_SOPInstanceUID);
    instance.studyUid = stringOf(dataset, DCM_StudyInstanceUID);
    instance.seriesUid = stringOf(dataset, DCM_SeriesInstanceUID);
    instance.modality = stringOf(dataset, DCM_Modality);
    instance.patientId = stringOf(dataset, DCM_PatientID);
    instance.accessionNumber = stringOf(dataset, DCM_AccessionNumber);
    instance.transferSyntax = stringOf(meta, DCM_TransferSyntaxUID);
    if (isSegmentation(instance.sopClassUid)) {
        std::set<std::string> uids;
        collectSegmentationReferences(dataset, uids);
        instance.referencedInstanceUids.assign(uids.begin(), uids.end());
    }
    return instance;
}

namespace {

class ListenerPool;

// One association: negotiation, peer checks, and the C-STORE handling.
class StoreWorker : public DcmBaseSCPPool::DcmBaseSCPWorker, private DcmThreadSCP {
public:
    StoreWorker(DcmBaseSCPPool& pool, ListenerPool& scp) : DcmBaseSCPWorker(pool), scp_(scp) {}

    OFCondition setSharedConfig(const DcmSharedSCPConfig& config) override { return DcmThreadSCP::setSharedConfig(config); }
    OFBool busy() override { return DcmThreadSCP::isConnected(); }

protected:
    OFCondition workerListen(T_ASC_Association* const assoc) override { return DcmThreadSCP::run(assoc); }

    void notifyAssociationRequest(const T_ASC_Parameters& params, DcmSCPActionType& desiredAction) override;
    void refuseAssociation(const DcmRefuseReasonType reason) override;
    OFCondition negotiateAssociation() override;
    void notifyAssociationTermination() override;
    OFCondition handleIncomingCommand(T_DIMSE_Message* message, const DcmPresentationContextInfo& info) override;

private:
    StoreStatus receiveAndStore(T_DIMSE_C_StoreRQ& request, T_ASC_PresentationContextID presentationId);

    ListenerPool& scp_;
    AssociationInfo association_;
    // DcmSCP keeps the association private; the parameters it shows us in
    // notifyAssociationRequest are the ones it negotiates right after, so we keep them.
    T_ASC_Parameters* parameters_ = nullptr;
    std::optional<DcmRefuseReasonType> refusal_;
    bool counted_ = false;
};

// The listening socket and its worker threads, plus what the workers share.
class ListenerPool : public DcmBaseSCPPool {
public:
    ListenerPool(ListenerSettings s, StoreHandler& h) : settings(std::move(s)), handler(h) {}

    DcmBaseSCPWorker* createSCPWorker() override { return new StoreWorker(*this, *this); }

    // Per-peer association counts, shared by all workers.
    bool admit(const std::string& peer) {
        std::lock_guard lock(mutex);
        int& count = perPeer[peer];
        if (count >= settings.maxAssociationsPerPeer) return false;
        ++count;
        return true;
    }
    void release(const std::string& peer) {
        std::lock_guard lock(mutex);
        if (--perPeer[peer] <= 0) perPeer.erase(peer);
    }
    bool peerAllowed(const std::string& callingAe, const std::string& address) const {
        if (settings.allowedPeers.empty()) return isLoopback(address);
        return std::any_of(settings.allowedPeers.begin(), settings.allowedPeers.end(), [&](const PeerRule& rule) {
            const bool aeMatches = rule.aeTitle == "*" || rule.aeTitle == callingAe;
            const bool hostMatches = !rule.host || *rule.host == address;
            return aeMatches && hostMatches;
        });
    }
    bool diskLow() const {
        if (settings.minimumFreeDiskBytes == 0) return false;
        struct statvfs stats {};
        const auto directory = handler.incomingPath().parent_path();
        if (::statvfs(directory.c_str(), &stats) != 0) return false;
        return static_cast<std::uint64_t>(stats.f_bavail) * stats.f_frsize < settings.minimumFreeDiskBytes;
    }
    bool sopClassAccepted(const std::string& uid) const {
        if (!settings.sopClassAllowList.empty()) {
            return std::find(settings.sopClassAllowList.begin(), settings.sopClassAllowList.end(), uid) !=
                   settings.sopClassAllowList.end();
        }
        return dcmIsaStorageSOPClassUID(uid.c_str(), ESSC_All);
    }

    ListenerSettings settings;
    StoreHandler& handler;
    std::mutex mutex;
    std::map<std::string, int> perPeer;
};

void StoreWorker::notifyAssociationRequest(const T_ASC_Parameters& params, DcmSCPActionType& desiredAction) {
    parameters_ = const_cast<T_ASC_Parameters*>(&params);
    association_ = AssociationInfo{params.DULparams.callingAPTitle, params.DULparams.calledAPTitle,
                                   params.DULparams.callingPresentationAddress};
    std::string reason;
    if (association_.calledAe != scp_.settings.aeTitle) {
        refusal_ = DCMSCP_CALLED_AE_TITLE_NOT_RECOGNIZED;
        reason = "called AE title '" + association_.calledAe + "' is not " + scp_.settings.aeTitle;
    } else if (!scp_.peerAllowed(association_.callingAe, association_.peerAddress)) {
        refusal_ = DCMSCP_CALLING_AE_TITLE_NOT_RECOGNIZED;
        reason = "unknown peer " + association_.callingAe + "@" + association_.peerAddress;
    } else if (scp_.diskLow()) {
        refusal_ = DCMSCP_TOO_MANY_ASSOCIATIONS; // transient: the sender should try again later
        reason = "free disk space below the configured minimum";
    } else if (!scp_.admit(association_.peerAddress)) {
        refusal_ = DCMSCP_TOO_MANY_ASSOCIATIONS;
        reason = "too many associations from " + association_.peerAddress;
    } else {
        counted_ = true;
        scp_.handler.accepted(association_);
        return;
    }
    desiredAction = DCMSCP_ACTION_REFUSE_ASSOCIATION;
    scp_.handler.refused(association_, "", StoreStatus{0, "association refused: " + reason});
}

void StoreWorker::refuseAssociation(const DcmRefuseReasonType reason) {
    DcmThreadSCP::refuseAssociation(refusal_.value_or(reason));
}

OFCondition StoreWorker::negotiateAssociation() {
    // Accept Verification and every storage SOP class (known to DCMTK, or unknown and
    // perhaps private): PACS routing sends whole studies, and refusing one context fails the
    // sender's whole job. Unsupported SOP classes get a clear 0x0122 per instance instead.
    if (!parameters_) return DIMSE_ILLEGALASSOCIATION;
    const int count = ASC_countPresentationContexts(parameters_);
    for (int i = 0; i < count; ++i) {
        T_ASC_PresentationContext context;
        if (ASC_getPresentationContext(parameters_, i, &context).bad()) continue;
        const std::string abstractSyntax = context.abstractSyntax;
        const bool verification = abstractSyntax == UID_VerificationSOPClass;
        const bool knownNonStorage = !verification && dcmFindNameOfUID(abstractSyntax.c_str()) != nullptr &&
                                     !dcmIsaStorageSOPClassUID(abstractSyntax.c_str(), ESSC_All);
        if (knownNonStorage) {
            ASC_refusePresentationContext(parameters_, context.presentationContextID, ASC_P_ABSTRACTSYNTAXNOTSUPPORTED);
            continue;
        }
        const char* chosen = nullptr;
        for (int t = 0; t < context.transferSyntaxCount && !chosen; ++t) {
            if (supportedTransferSyntax(context.proposedTransferSyntaxes[t])) chosen = context.proposedTransferSyntaxes[t];
        }
        if (chosen) {
            ASC_acceptPresentationContext(parameters_, context.presentationContextID, chosen);
        } else {
            ASC_refusePresentationContext(parameters_, context.presentationContextID, ASC_P_TRANSFERSYNTAXESNOTSUPPORTED);
        }
    }
    return EC_Normal;
}

void StoreWorker::notifyAssociationTermination() {
    if (counted_) scp_.release(association_.peerAddress);
    counted_ = false;
    parameters_ = nullptr;
}

OFCondition StoreWorker::handleIncomingCommand(T_DIMSE_Message* message, const DcmPresentationContextInfo& info) {
    if (message->CommandField != DIMSE_C_STORE_RQ) return DcmThreadSCP::handleIncomingCommand(message, info);
    T_DIMSE_C_StoreRQ& request = message->msg.CStoreRQ;
    const std::string sopInstanceUid = request.AffectedSOPInstanceUID;
    const StoreStatus result = receiveAndStore(request, info.presentationContextID);
    if (result.code != status::kSuccess) scp_.handler.refused(association_, sopInstanceUid, result);
    return sendSTOREResponse(info.presentationContextID, request, result.code);
}

StoreStatus StoreWorker::receiveAndStore(T_DIMSE_C_StoreRQ& request, T_ASC_PresentationContextID presentationId) {
    std::filesystem::path file;
    try {
        file = scp_.handler.incomingPath();
    } catch (const std::exception& error) {
        return StoreStatus{status::kOutOfResources, std::string("no place to receive: ") + error.what()};
    }
    const OFCondition received = receiveSTORERequest(request, presentationId, OFString(file.c_str()));
    auto discard = [&file] {
        std::error_code ignored;
        std::filesystem::remove(file, ignored);
    };
    if (received.bad()) {
        discard();
        return StoreStatus{status::kOutOfResources, std::string("receiving the data set failed: ") + received.text()};
    }
    ReceivedInstance instance;
    try {
        instance = readInstanceHeader(file);
    } catch (const std::exception& error) {
        discard();
        return StoreStatus{status::kCannotUnderstand, error.what()};
    }
    instance.association = association_;
    const std::string commandClass = request.AffectedSOPClassUID;
    const std::string commandInstance = request.AffectedSOPInstanceUID;
    std::string problem;
    if (instance.sopInstanceUid.empty() || instance.studyUid.empty() || instance.seriesUid.empty()) {
        problem = "missing SOP Instance, Study Instance or Series Instance UID";
    } else if (instance.sopClassUid != commandClass || instance.sopInstanceUid != commandInstance) {
        problem = "data set SOP Class/Instance " + instance.sopClassUid + "/" + instance.sopInstanceUid +
                  " does not match the C-STORE command's " + commandClass + "/" + commandInstance;
    }
    if (!problem.empty()) {
        discard();
        return StoreStatus{status::kDataSetDoesNotMatchSopClass, problem};
    }
    if (!scp_.sopClassAccepted(instance.sopClassUid)) {
        discard();
        return StoreStatus{status::kSopClassNotSupported, "SOP class " + instance.sopClassUid + " is not accepted"};
    }
    try {
        return scp_.handler.store(instance);
    } catch (const std::exception& error) {
        discard();
        return StoreStatus{status::kOutOfResources, std::string("cannot store: ") + error.what()};
    }
}

} // namespace

struct StoreScp::Impl {
    Impl(ListenerSettings settings, StoreHandler& handler) : pool(std::move(settings), handler) {}
    ListenerPool pool;
};

StoreScp::StoreScp(ListenerSettings settings, StoreHandler& handler)
    : impl_(std::make_unique<Impl>(std::move(settings), handler)) {
    DcmSCPConfig& config = impl_->pool.getConfig();
    const auto& s = impl_->pool.settings;
    config.setAETitle(s.aeTitle.c_str());
    config.setPort(static_cast<Uint16>(s.port));
    config.setMaxReceivePDULength(s.maxPdu);
    config.setACSETimeout(static_cast<Uint32>(s.acseTimeoutSeconds));
    config.setDIMSETimeout(static_cast<Uint32>(s.dimseTimeoutSeconds));
    config.setDIMSEBlockingMode(DIMSE_NONBLOCKING);
    // Non-blocking accept with a short timeout lets stop() take effect within a second.
    config.setConnectionBlockingMode(DUL_NOBLOCK);
    config.setConnectionTimeout(1);
    config.setHostLookupEnabled(OFFalse);
    impl_->pool.setMaxThreads(static_cast<Uint16>(std::max(1, s.maxAssociations)));
}

StoreScp::~StoreScp() = default;

void StoreScp::run() {
    const OFCondition result = impl_->pool.listen();
    if (result.bad()) {
        throw std::runtime_error("DICOM listener on port " + std::to_string(impl_->pool.settings.port) +
                                 " failed: " + result.text());
    }
}

void StoreScp::stop() { impl_->pool.stopAfterCurrentAssociations(); }

} // namespace radnode::dicom
