#include "dicom/store_scp.h"

#include "dicom/commitment_response.h"
#include "dicom/dataset_values.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmdata/dcxfer.h>
#include <dcmtk/dcmnet/dcmlayer.h>
#include <dcmtk/dcmnet/diutil.h>
#include <dcmtk/dcmnet/dul.h>
#include <dcmtk/dcmnet/scpthrd.h>
#include <dcmtk/dcmtls/tlscond.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

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

// Trimmed values: a UID padded with a NUL or space must still match, and name a path.
using detail::getString;

// Instances a segmentation was drawn on: the referenced series/instance lists and every
// frame's derivation source (PS3.3 C.8.20 and the Segmentation functional groups).
void collectSegmentationReferences(DcmDataset& dataset, std::set<std::string>& uids) {
    DcmSequenceOfItems* series = nullptr;
    if (dataset.findAndGetSequence(DCM_ReferencedSeriesSequence, series).good() && series) {
        for (unsigned long s = 0; s < series->card(); ++s) {
            DcmSequenceOfItems* instances = nullptr;
            if (series->getItem(s)->findAndGetSequence(DCM_ReferencedInstanceSequence, instances).good() && instances) {
                for (unsigned long i = 0; i < instances->card(); ++i) {
                    const auto uid = getString(*instances->getItem(i), DCM_ReferencedSOPInstanceUID);
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
                    const auto uid = getString(*sources->getItem(i), DCM_ReferencedSOPInstanceUID);
                    if (!uid.empty()) uids.insert(uid);
                }
            }
        }
    }
}

// The certificate a TLS peer showed, if any. One that cannot be read counts as none, so a
// certificate binding refuses it.
std::optional<CertificateIdentity> peerCertificate(T_ASC_Association* association) {
    const unsigned long length = ASC_getPeerCertificateLength(association);
    if (length == 0) return std::nullopt;
    std::vector<unsigned char> der(length);
    if (ASC_getPeerCertificate(association, der.data(), length) != length) return std::nullopt;
    try {
        return describeCertificate(der);
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

// A TLS handshake that ended because the peer closed without a word: a port probe or a
// health check, like an empty plain connection, not worth an audit entry.
bool silentDisconnect(const OFCondition& condition) {
    return condition == DCMTLS_EC_OpenSSLIOError || condition == DCMTLS_EC_TLSConnectionClosedByPeer ||
           std::string(condition.text()).find("unexpected eof") != std::string::npos;
}

// Storage Commitment with reversed roles: a destination that proposes itself as SCP opens the
// association only to send us its N-EVENT-REPORT. We never act as the commitment SCP.
void acceptCommitmentReports(T_ASC_Parameters& parameters, const T_ASC_PresentationContext& context) {
    const bool peerIsScp = context.proposedRole == ASC_SC_ROLE_SCP || context.proposedRole == ASC_SC_ROLE_SCUSCP;
    const char* chosen = nullptr;
    for (int t = 0; t < context.transferSyntaxCount && !chosen; ++t) {
        const std::string proposed = context.proposedTransferSyntaxes[t];
        if (proposed == UID_LittleEndianExplicitTransferSyntax || proposed == UID_LittleEndianImplicitTransferSyntax) {
            chosen = context.proposedTransferSyntaxes[t];
        }
    }
    if (!peerIsScp) {
        ASC_refusePresentationContext(&parameters, context.presentationContextID, ASC_P_ABSTRACTSYNTAXNOTSUPPORTED);
    } else if (!chosen) {
        ASC_refusePresentationContext(&parameters, context.presentationContextID, ASC_P_TRANSFERSYNTAXESNOTSUPPORTED);
    } else {
        ASC_acceptPresentationContext(&parameters, context.presentationContextID, chosen, ASC_SC_ROLE_SCP);
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
    instance.sopClassUid = getString(dataset, DCM_SOPClassUID);
    instance.sopInstanceUid = getString(dataset, DCM_SOPInstanceUID);
    instance.studyUid = getString(dataset, DCM_StudyInstanceUID);
    instance.seriesUid = getString(dataset, DCM_SeriesInstanceUID);
    instance.modality = getString(dataset, DCM_Modality);
    instance.patientId = getString(dataset, DCM_PatientID);
    instance.accessionNumber = getString(dataset, DCM_AccessionNumber);
    instance.transferSyntax = getString(meta, DCM_TransferSyntaxUID);
    if (isSegmentation(instance.sopClassUid)) {
        std::set<std::string> uids;
        collectSegmentationReferences(dataset, uids);
        instance.referencedInstanceUids.assign(uids.begin(), uids.end());
    }
    return instance;
}

namespace {

class ListenerPool;

// One association: negotiation, peer checks, and the C-STORE handling. DcmThreadSCP::run
// takes the association over and frees it when done.
class StoreWorker : public DcmThreadSCP {
public:
    StoreWorker(ListenerPool& scp, std::optional<CertificateIdentity> certificate)
        : scp_(scp), certificate_(std::move(certificate)) {}

protected:
    void notifyAssociationRequest(const T_ASC_Parameters& params, DcmSCPActionType& desiredAction) override;
    void refuseAssociation(const DcmRefuseReasonType reason) override;
    OFCondition negotiateAssociation() override;
    void notifyAssociationTermination() override;
    OFCondition handleIncomingCommand(T_DIMSE_Message* message, const DcmPresentationContextInfo& info) override;

private:
    StoreStatus receiveAndStore(T_DIMSE_C_StoreRQ& request, T_ASC_PresentationContextID presentationId);
    OFCondition answerCommitmentReport(const T_DIMSE_N_EventReportRQ& request, T_ASC_PresentationContextID presentationId);

    ListenerPool& scp_;
    std::optional<CertificateIdentity> certificate_; // the peer's, on a TLS association that showed one
    AssociationInfo association_;
    // DcmSCP keeps the association private; the parameters it shows us in
    // notifyAssociationRequest are the ones it negotiates right after, so we keep them.
    T_ASC_Parameters* parameters_ = nullptr;
    std::optional<DcmRefuseReasonType> refusal_;
    bool counted_ = false;
};

// The listening socket and one thread per connection (handshake, association request and
// association; see serve()), plus what the threads share.
// (DCMTK 3.6.7's DcmBaseSCPPool is not used: its OFThread::start() can touch a worker that a
// short association already deleted, which corrupts the heap under port probes.)
class ListenerPool {
public:
    ListenerPool(ListenerSettings s, StoreHandler& h) : settings(std::move(s)), handler(h) {}

    void listen();
    void stop() { stopping = true; }

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
    // Empty when a rule admits the peer; otherwise why not. A rule that names the AE and
    // host but binds another certificate says so: that is a stolen AE title or a wrong key.
    std::string peerRefusal(const std::string& callingAe, const std::string& address,
                            const std::optional<CertificateIdentity>& certificate) const {
        const std::string unknown = "unknown peer " + callingAe + "@" + address;
        if (settings.allowedPeers.empty()) return isLoopback(address) ? "" : unknown;
        bool certificateMismatch = false;
        for (const PeerRule& rule : settings.allowedPeers) {
            const bool aeMatches = rule.aeTitle == "*" || rule.aeTitle == callingAe;
            const bool hostMatches = !rule.host || *rule.host == address;
            if (!aeMatches || !hostMatches) continue;
            const bool cnMatches = rule.certificateCommonName.empty() ||
                                   (certificate && certificate->commonName == rule.certificateCommonName);
            const bool fingerprintMatches = rule.certificateSha256.empty() ||
                                            (certificate && certificate->sha256 == rule.certificateSha256);
            if (cnMatches && fingerprintMatches) return "";
            certificateMismatch = true;
        }
        if (!certificateMismatch) return unknown;
        if (!certificate) return unknown + ": its AE title is bound to a certificate and it showed none";
        return unknown + ": certificate '" + certificate->subject + "' (SHA-256 " + certificate->sha256 +
               ") is not the one bound to calling AE " + callingAe;
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
        // Storage classes standardised after DCMTK 3.6.7's list was made.
        static const char* const kNewerStorageClasses[] = {
            "1.2.840.10008.5.1.4.1.1.66.7", // Label Map Segmentation Storage (Sup 243)
        };
        for (const char* newer : kNewerStorageClasses) {
            if (uid == newer) return true;
        }
        return dcmIsaStorageSOPClassUID(uid.c_str(), ESSC_All);
    }

    ListenerSettings settings;
    StoreHandler& handler;
    std::unique_ptr<TlsContext> tls; // set: TLS associations only
    DcmSCPConfig config;
    std::mutex mutex;
    std::map<std::string, int> perPeer;
    std::atomic<bool> stopping{false};

private:
    // A connection's socket until its association request has been read, so that stopping
    // can end a handshake or a wait for the request at once. A duplicate descriptor: its number
    // stays ours even after DCMTK closed the original.
    struct Unanswered {
        std::mutex mutex;
        int duplicate = -1;
        void interrupt() {
            std::lock_guard lock(mutex);
            if (duplicate >= 0) ::shutdown(duplicate, SHUT_RDWR);
        }
        void answered() {
            std::lock_guard lock(mutex);
            if (duplicate >= 0) ::close(duplicate);
            duplicate = -1;
        }
    };
    // One accepted connection: its TLS handshake, association request and association.
    struct Session {
        std::thread thread;
        std::shared_ptr<std::atomic<bool>> finished = std::make_shared<std::atomic<bool>>(false);
        std::shared_ptr<Unanswered> unanswered = std::make_shared<Unanswered>();
    };
    void serve(int socket, const std::string& peerAddress, const DcmSharedSCPConfig& shared, Unanswered& unanswered);
    bool reserveAssociation();
    void releaseAssociation();
    void reapFinished(bool all);
    std::list<Session> sessions_; // the listening thread's
    int associations_ = 0;        // established ones, under mutex
};

void StoreWorker::notifyAssociationRequest(const T_ASC_Parameters& params, DcmSCPActionType& desiredAction) {
    parameters_ = const_cast<T_ASC_Parameters*>(&params);
    association_ = AssociationInfo{params.DULparams.callingAPTitle, params.DULparams.calledAPTitle,
                                   params.DULparams.callingPresentationAddress};
    std::string reason;
    if (association_.calledAe.empty() && association_.callingAe.empty()) {
        // A TCP connection that closed without a usable A-ASSOCIATE-RQ (a port probe, a
        // health check): nothing to audit, nothing to answer.
        refusal_ = DCMSCP_CALLED_AE_TITLE_NOT_RECOGNIZED;
        desiredAction = DCMSCP_ACTION_REFUSE_ASSOCIATION;
        return;
    }
    if (association_.calledAe != scp_.settings.aeTitle) {
        refusal_ = DCMSCP_CALLED_AE_TITLE_NOT_RECOGNIZED;
        reason = "called AE title '" + association_.calledAe + "' is not " + scp_.settings.aeTitle;
    } else if (const auto peerProblem = scp_.peerRefusal(association_.callingAe, association_.peerAddress, certificate_);
               !peerProblem.empty()) {
        refusal_ = DCMSCP_CALLING_AE_TITLE_NOT_RECOGNIZED;
        reason = peerProblem;
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
        if (abstractSyntax == kStorageCommitmentSopClassUid) {
            acceptCommitmentReports(*parameters_, context);
            continue;
        }
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
    if (message->CommandField == DIMSE_N_EVENT_REPORT_RQ && info.abstractSyntax == kStorageCommitmentSopClassUid) {
        return answerCommitmentReport(message->msg.NEventReportRQ, info.presentationContextID);
    }
    if (message->CommandField != DIMSE_C_STORE_RQ) return DcmThreadSCP::handleIncomingCommand(message, info);
    T_DIMSE_C_StoreRQ& request = message->msg.CStoreRQ;
    const std::string sopInstanceUid = request.AffectedSOPInstanceUID;
    const StoreStatus result = receiveAndStore(request, info.presentationContextID);
    if (result.code != status::kSuccess) scp_.handler.refused(association_, sopInstanceUid, result);
    return sendSTOREResponse(info.presentationContextID, request, result.code);
}

OFCondition StoreWorker::answerCommitmentReport(const T_DIMSE_N_EventReportRQ& request,
                                                T_ASC_PresentationContextID presentationId) {
    CommitmentReport report;
    if (request.DataSetType == DIMSE_DATASET_NULL) {
        report.unreadable = "the N-EVENT-REPORT has no data set";
    } else {
        DcmDataset* received = nullptr;
        T_ASC_PresentationContextID datasetId = presentationId;
        const OFCondition condition = receiveDIMSEDataset(&datasetId, &received);
        std::unique_ptr<DcmDataset> dataset(received);
        if (condition.bad() || !dataset) return condition.bad() ? condition : DIMSE_BADDATA;
        try {
            report = parseCommitmentReport(*dataset, request.EventTypeID);
        } catch (const std::exception& error) {
            report = CommitmentReport{};
            report.unreadable = error.what();
        }
    }
    report.callingAe = association_.callingAe;
    report.peerAddress = association_.peerAddress;
    std::uint16_t answer = status::kProcessingFailure;
    try {
        answer = scp_.handler.commitmentReported(report);
    } catch (const std::exception&) {
        answer = status::kProcessingFailure; // not recorded: the peer may report again
    }
    T_DIMSE_Message response = detail::commitmentReportResponse(request, answer);
    return sendDIMSEMessage(presentationId, &response, nullptr);
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

// DCMTK 3.6.7 reads a connection's A-ASSOCIATE-RQ, after the TLS handshake, inside
// ASC_receiveAssociation (DUL_ReceiveAssociationRQ: receiveTransportConnectionTCP accepts and
// calls DcmTransportConnection::serverSideHandshake, then PRV_NextPDUType waits for the first
// PDU). Called on the listening thread, one slow or silent client would stall every new
// association for up to DCMTK's socket timeout (60 s) and then the ACSE timeout. So the
// listening thread only accepts, and each connection's thread gives its socket to DCMTK through
// dcmExternalSocketHandle (dul.h: the socket "used by dcmnet the next time
// receiveTransportConnectionTCP() is called"). That handle is one per process, so a thread
// holds this mutex from setting it until DCMTK has read it and asks the transport layer to
// wrap the socket (HandoffLayer::createConnection), which comes before the handshake and the
// request read: those run in parallel, each on its own connection's thread.
std::mutex& externalSocketMutex() {
    static std::mutex mutex;
    return mutex;
}

// The listener's transport layer (TLS or plain) for one connection, releasing the external
// socket handle as soon as DCMTK has taken the socket.
class HandoffLayer : public DcmTransportLayer {
public:
    HandoffLayer(DcmTransportLayer* tls, std::unique_lock<std::mutex>& handoff) : tls_(tls), handoff_(handoff) {}

    DcmTransportConnection* createConnection(DcmNativeSocketType socket, OFBool useSecureLayer) override {
        release();
        taken_ = true;
        return tls_ ? tls_->createConnection(socket, useSecureLayer)
                    : DcmTransportLayer::createConnection(socket, useSecureLayer);
    }
    // False when DCMTK failed before taking the socket: closing it is then the caller's job.
    bool taken() const { return taken_; }
    void release() {
        if (!handoff_.owns_lock()) return;
        dcmExternalSocketHandle.set(DCMNET_INVALID_SOCKET);
        handoff_.unlock();
    }

private:
    DcmTransportLayer* tls_;
    std::unique_lock<std::mutex>& handoff_;
    bool taken_ = false;
};

// IPv4 on every interface, as DCMTK's own listener binds. Non-blocking: a client that resets
// between poll() and accept() must not block the listening thread.
int openListeningSocket(int port) {
    const auto fail = [port](const std::string& what) {
        return std::runtime_error("cannot listen on port " + std::to_string(port) + ": " + what + ": " +
                                  std::strerror(errno));
    };
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) throw fail("socket");
    const int reuse = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, sizeof reuse);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_ANY);
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 || ::listen(fd, 64) != 0) {
        const auto error = fail("bind/listen");
        ::close(fd);
        throw error;
    }
    return fd;
}

bool ListenerPool::reserveAssociation() {
    std::lock_guard lock(mutex);
    if (associations_ >= std::max(1, settings.maxAssociations)) return false;
    ++associations_;
    return true;
}

void ListenerPool::releaseAssociation() {
    std::lock_guard lock(mutex);
    --associations_;
}

void ListenerPool::serve(int socket, const std::string& peerAddress, const DcmSharedSCPConfig& shared,
                         Unanswered& unanswered) {
    T_ASC_Network* network = nullptr;
    T_ASC_Association* association = nullptr;
    std::unique_lock handoff(externalSocketMutex());
    dcmExternalSocketHandle.set(socket);
    HandoffLayer layer(tls ? &tls->layer() : nullptr, handoff);
    // With the handle set, DCMTK makes this acceptor network without a listening socket.
    OFCondition condition = ASC_initializeNetwork(NET_ACCEPTOR, settings.port, settings.acseTimeoutSeconds, &network);
    if (condition.good()) condition = ASC_setTransportLayer(network, &layer, 0);
    if (condition.good()) {
        condition = ASC_receiveAssociation(network, &association, settings.maxPdu, nullptr, nullptr,
                                           tls ? OFTrue : OFFalse, DUL_NOBLOCK, settings.acseTimeoutSeconds);
    }
    layer.release();
    unanswered.answered();
    if (!layer.taken()) ::close(socket);
    const std::string verification = tls ? tls->takeVerificationFailure() : "";
    if (condition.bad() && tls && layer.taken() && condition.module() == OFM_dcmtls && !silentDisconnect(condition)) {
        // No certificate, one no trusted CA signed, or a plain association on the TLS port.
        std::string reason = std::string("TLS handshake failed: ") + condition.text();
        if (!verification.empty()) reason += " (" + verification + ")";
        handler.refused(AssociationInfo{"", "", peerAddress}, "", StoreStatus{0, "association refused: " + reason});
    }
    bool accepted = condition.good();
    if (accepted && !reserveAssociation()) {
        T_ASC_RejectParameters rejection{ASC_RESULT_REJECTEDTRANSIENT, ASC_SOURCE_SERVICEPROVIDER_PRESENTATION_RELATED,
                                         ASC_REASON_SP_PRES_LOCALLIMITEXCEEDED};
        ASC_rejectAssociation(association, &rejection);
        handler.refused(AssociationInfo{association->params->DULparams.callingAPTitle,
                                        association->params->DULparams.calledAPTitle, peerAddress},
                        "", StoreStatus{0, "association refused: all " + std::to_string(settings.maxAssociations) +
                                               " association slots are busy"});
        accepted = false;
    }
    if (!accepted) {
        // A refused or failed handshake, a peer that hung up or stayed silent until the ACSE
        // timeout before its association request, or no free slot.
        if (association) {
            ASC_dropAssociation(association);
            ASC_destroyAssociation(&association);
        }
    } else {
        StoreWorker worker(*this, tls ? peerCertificate(association) : std::nullopt);
        worker.setSharedConfig(shared);
        worker.run(association); // takes the association over and frees it
        releaseAssociation();
    }
    if (network) ASC_dropNetwork(&network);
}

void ListenerPool::reapFinished(bool all) {
    for (auto it = sessions_.begin(); it != sessions_.end();) {
        if (all || *it->finished) {
            it->thread.join();
            it = sessions_.erase(it);
        } else {
            ++it;
        }
    }
}

void ListenerPool::listen() {
    const int listener = openListeningSocket(settings.port);
    const DcmSharedSCPConfig shared(config);
    // Connections still in their handshake or association request count too, up to as many
    // again as there are association slots: beyond that a flood of idle connections is closed.
    const std::size_t maxConnections = 2 * static_cast<std::size_t>(std::max(1, settings.maxAssociations));
    while (!stopping) {
        pollfd waiting{listener, POLLIN, 0};
        const int ready = ::poll(&waiting, 1, 1000); // a one-second wait lets stop() take effect promptly
        reapFinished(false);
        if (ready <= 0) continue;
        sockaddr_in from{};
        socklen_t length = sizeof from;
        const int socket = ::accept4(listener, reinterpret_cast<sockaddr*>(&from), &length, SOCK_CLOEXEC);
        if (socket < 0) {
            // Out of file descriptors: wait rather than spin; anything else was one client's problem.
            if (errno == EMFILE || errno == ENFILE) std::this_thread::sleep_for(std::chrono::milliseconds(100));
            continue;
        }
        char address[INET_ADDRSTRLEN] = {};
        ::inet_ntop(AF_INET, &from.sin_addr, address, sizeof address);
        const std::string peerAddress = address;
        if (sessions_.size() >= maxConnections) {
            ::close(socket);
            handler.refused(AssociationInfo{"", "", peerAddress}, "",
                            StoreStatus{0, "association refused: " + std::to_string(sessions_.size()) +
                                               " connections already open"});
            continue;
        }
        Session session;
        auto finished = session.finished;
        auto unanswered = session.unanswered;
        unanswered->duplicate = ::fcntl(socket, F_DUPFD_CLOEXEC, 0);
        session.thread = std::thread([this, socket, peerAddress, &shared, finished, unanswered] {
            serve(socket, peerAddress, shared, *unanswered);
            *finished = true;
        });
        sessions_.push_back(std::move(session));
    }
    ::close(listener); // no new connections while the running ones finish
    // Connections that have not asked for an association yet are not in flight: end them.
    for (auto& session : sessions_) session.unanswered->interrupt();
    reapFinished(true);
}

} // namespace

struct StoreScp::Impl {
    Impl(ListenerSettings settings, StoreHandler& handler) : pool(std::move(settings), handler) {}
    ListenerPool pool;
};

StoreScp::StoreScp(ListenerSettings settings, StoreHandler& handler)
    : impl_(std::make_unique<Impl>(std::move(settings), handler)) {
    DcmSCPConfig& config = impl_->pool.config;
    const auto& s = impl_->pool.settings;
    config.setAETitle(s.aeTitle.c_str());
    config.setPort(static_cast<Uint16>(s.port));
    config.setMaxReceivePDULength(s.maxPdu);
    config.setACSETimeout(static_cast<Uint32>(s.acseTimeoutSeconds));
    config.setDIMSETimeout(static_cast<Uint32>(s.dimseTimeoutSeconds));
    config.setDIMSEBlockingMode(DIMSE_NONBLOCKING);
    config.setHostLookupEnabled(OFFalse);
    if (s.tls) impl_->pool.tls = std::make_unique<TlsContext>(*s.tls, TlsContext::Role::Listener);
}

StoreScp::~StoreScp() = default;

void StoreScp::run() { impl_->pool.listen(); }

void StoreScp::stop() { impl_->pool.stop(); }

} // namespace radnode::dicom
