#include "dicom/store_scu.h"

#include "dicom/scu_settings.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmnet/scu.h>

#include <memory>
#include <optional>

namespace radnode::dicom {

namespace {

// Refused, unreachable, timed out or a failed TLS handshake: the PACS may come back or renew
// its certificate, so the outbox retries. A certificate OpenSSL rejected is named.
SendOutcome associationFailure(const std::string& what, const OFCondition& condition, TlsContext* tls) {
    std::string detail = what + ": " + condition.text();
    if (tls) {
        if (const auto verification = tls->takeVerificationFailure(); !verification.empty()) {
            detail += " (" + verification + ")";
        }
    }
    return SendOutcome{SendOutcome::Kind::Transient, "association", detail};
}

// DCMTK 3.6.7 leaves DcmSCU::useSecureConnection to subclasses (its DcmTLSSCU builds its own
// layer, without our host name check and verification reasons); this one only opens it up.
class Scu : public DcmSCU {
public:
    using DcmSCU::useSecureConnection;
};

// The TLS layer for a TLS target (null otherwise); it must outlive the DcmSCU that uses it.
// A certificate or key that does not load is our own problem and may be fixed on disk, so it
// is retried like an unreachable peer.
std::unique_ptr<TlsContext> tlsFor(const StoreTarget& target, std::optional<SendOutcome>& failure) {
    if (!target.tls) return nullptr;
    try {
        return std::make_unique<TlsContext>(*target.tls, TlsContext::Role::Sender, target.host);
    } catch (const std::exception& error) {
        failure = SendOutcome{SendOutcome::Kind::Transient, "tls", std::string("TLS set-up failed: ") + error.what()};
        return nullptr;
    }
}

OFCondition openNetwork(Scu& scu, TlsContext* tls) {
    OFCondition condition = scu.initNetwork();
    if (condition.good() && tls) condition = scu.useSecureConnection(&tls->layer());
    return condition;
}

} // namespace

SendOutcome classifyStoreStatus(unsigned status) {
    const std::string code = detail::statusHex(status);
    if (status == 0x0000) return SendOutcome{SendOutcome::Kind::Success, code, "success"};
    if ((status & 0xF000) == 0xB000) return SendOutcome{SendOutcome::Kind::Success, code, "success with warning"};
    if ((status & 0xFF00) == 0xA700) return SendOutcome{SendOutcome::Kind::Transient, code, "peer out of resources"};
    if (status == 0x0213) return SendOutcome{SendOutcome::Kind::Transient, code, "peer resource limitation"};
    if (status == 0x0122) return SendOutcome{SendOutcome::Kind::Permanent, code, "SOP class not supported by the peer"};
    if ((status & 0xFF00) == 0xA900) return SendOutcome{SendOutcome::Kind::Permanent, code, "data set does not match SOP class"};
    if ((status & 0xF000) == 0xC000) return SendOutcome{SendOutcome::Kind::Permanent, code, "peer cannot understand the data set"};
    return SendOutcome{SendOutcome::Kind::Permanent, code, "refused by the peer"};
}

SendOutcome sendFile(const StoreTarget& target, const std::filesystem::path& file) {
    DcmFileFormat format;
    const OFCondition loaded = format.loadFile(file.c_str(), EXS_Unknown, EGL_noChange, 4096);
    if (loaded.bad()) {
        return SendOutcome{SendOutcome::Kind::Permanent, "file", "cannot read " + file.string() + ": " + loaded.text()};
    }
    OFString sopClass, transferSyntax;
    format.getDataset()->findAndGetOFString(DCM_SOPClassUID, sopClass);
    format.getMetaInfo()->findAndGetOFString(DCM_TransferSyntaxUID, transferSyntax);

    std::optional<SendOutcome> tlsFailure;
    const auto tls = tlsFor(target, tlsFailure);
    if (tlsFailure) return *tlsFailure;
    Scu scu;
    detail::configureScu(scu, target);
    OFList<OFString> ownSyntax;
    ownSyntax.push_back(transferSyntax);
    scu.addPresentationContext(sopClass, ownSyntax);
    if (transferSyntax != UID_LittleEndianExplicitTransferSyntax) {
        OFList<OFString> fallback;
        fallback.push_back(UID_LittleEndianExplicitTransferSyntax);
        fallback.push_back(UID_LittleEndianImplicitTransferSyntax);
        scu.addPresentationContext(sopClass, fallback);
    }
    OFCondition condition = openNetwork(scu, tls.get());
    if (condition.bad()) return associationFailure("cannot initialise the network", condition, tls.get());
    condition = scu.negotiateAssociation();
    if (condition.bad()) {
        return associationFailure("association with " + target.aeTitle + "@" + target.host + ":" +
                                      std::to_string(target.port) + (tls ? " (TLS)" : "") + " failed",
                                  condition, tls.get());
    }
    T_ASC_PresentationContextID context = scu.findPresentationContextID(sopClass, transferSyntax);
    if (context == 0) context = scu.findAnyPresentationContextID(sopClass, UID_LittleEndianExplicitTransferSyntax);
    if (context == 0) {
        scu.releaseAssociation();
        return SendOutcome{SendOutcome::Kind::Permanent, "0122",
                           "peer accepted no presentation context for SOP class " + std::string(sopClass.c_str())};
    }
    Uint16 responseStatus = 0;
    condition = scu.sendSTORERequest(context, OFFilename(file.c_str()), nullptr, responseStatus);
    if (condition.bad()) {
        scu.abortAssociation();
        return associationFailure("C-STORE failed", condition, tls.get());
    }
    scu.releaseAssociation();
    return classifyStoreStatus(responseStatus);
}

bool echo(const StoreTarget& target, std::string& detail) {
    std::optional<SendOutcome> tlsFailure;
    const auto tls = tlsFor(target, tlsFailure);
    if (tlsFailure) {
        detail = tlsFailure->detail;
        return false;
    }
    Scu scu;
    detail::configureScu(scu, target);
    OFList<OFString> syntaxes;
    syntaxes.push_back(UID_LittleEndianImplicitTransferSyntax);
    scu.addPresentationContext(UID_VerificationSOPClass, syntaxes);
    OFCondition condition = openNetwork(scu, tls.get());
    if (condition.good()) condition = scu.negotiateAssociation();
    if (condition.good()) condition = scu.sendECHORequest(0);
    if (condition.bad()) {
        detail = associationFailure("C-ECHO", condition, tls.get()).detail;
        return false;
    }
    scu.releaseAssociation();
    detail = "success";
    return true;
}

} // namespace radnode::dicom
