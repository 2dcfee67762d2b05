// The node's configuration: one value, read once from YAML (config/config_loader.h) or the
// embedded defaults, and passed down. Every field's default is documented in
// config/radnode.example.yaml.
#pragma once

#include "analysis/settings.h"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace radnode::config {

// DICOM TLS for the listener or one destination (docs/tls.md). Paths are PEM files.
struct TlsConfig {
    std::filesystem::path certificate; // listener: required; destination: with private_key, or neither
    std::filesystem::path privateKey;  // unencrypted
    std::vector<std::filesystem::path> trustedCertificates; // CA certificates peers must chain to
    bool requirePeerCertificate = true; // listener only
    bool checkHostName = true;          // destinations only: the certificate must name `host`
    std::string profile = "bcp195-nd";  // DCMTK's BCP 195 profiles: bcp195-nd, bcp195, bcp195-extended
};

// A peer allowed to open associations: its calling AE title and, optionally, its address and
// (TLS only) the certificate it must show.
struct AllowedPeer {
    std::string aeTitle;             // "*" accepts any AE title from `host`
    std::optional<std::string> host; // numeric IP address in canonical form; absent = any address
    std::string certificateCn;       // empty: not bound
    std::string certificateSha256;   // empty: not bound; else lower-case hex pairs joined by ':'
};

// The SR storage class a destination receives: Comprehensive 3D SR, or Enhanced SR for a PACS
// that does not accept the former (the node then writes one more SR instance, same content).
enum class SrFormat { Comprehensive3d, Enhanced };

// A C-STORE destination for results.
struct Destination {
    std::string name;
    std::string aeTitle;
    std::string host;
    int port = 104;
    std::string callingAeTitle; // empty: the node's own AE title
    std::optional<TlsConfig> tls; // set: deliveries use DICOM TLS
    SrFormat srFormat = SrFormat::Comprehensive3d;
    // Storage Commitment (dicom/storage_commitment.h): after each delivery, ask the destination
    // to commit the objects, and wait this long for its answer before reporting it timed out.
    bool storageCommitment = false;
    std::chrono::seconds storageCommitmentTimeout{3600};
};

// The DICOM listener. It accepts TCP connections on every interface (DCMTK 3.6.7's DcmSCP
// cannot bind to one address): allowedPeers decides who may associate.
struct ListenerConfig {
    std::string aeTitle = "RADNODE";
    int port = 11112;
    std::vector<AllowedPeer> allowedPeers; // empty: loopback peers only, any AE title
    int maxAssociations = 16;
    int maxAssociationsPerPeer = 4;
    unsigned maxPdu = 65536; // bytes, 4096..131072 (DCMTK's receive limits)
    int dimseTimeoutSeconds = 60;
    int acseTimeoutSeconds = 30;
    // Less free disk than this: associations are refused (transiently). 0: no check.
    std::uint64_t minimumFreeDiskBytes = 512ull * 1024 * 1024;
    std::optional<TlsConfig> tls; // set: only TLS associations are accepted
};

struct StorageConfig {
    std::filesystem::path stateDirectory = "/var/lib/radnode";
    // Derived from stateDirectory unless set: <state>/radnode.sqlite and <state>/files.
    std::filesystem::path database;
    std::filesystem::path fileStore;
    // Received images are purged this long after they arrived; zero keeps them for ever.
    // Results, deliveries and the audit trail are never purged.
    std::chrono::milliseconds retention{0};
};

struct AssemblyConfig {
    std::chrono::milliseconds quietPeriod{10000};
    std::chrono::milliseconds segWindow{300000}; // how long to wait for a SEG or its sources
};

struct WorkerConfig {
    int workers = 2;
    int maxAttempts = 3;
    std::chrono::seconds leaseDuration{600};
};

struct DeliveryConfig {
    std::chrono::seconds maxAge{24 * 3600};
    std::chrono::seconds initialBackoff{10};
    std::chrono::seconds maxBackoff{1800};
    std::string seriesDescription = "radnode radiomics report";
    int seriesNumber = 9901;
    // Per ROI a Secondary Capture (contour and scores burned in) in the SR's series, for a
    // PACS that does not render SR.
    bool summaryImages = true;
};

struct AnalysisConfig {
    std::vector<double> ringsMm{3.0, 5.0, 10.0};
    std::optional<std::filesystem::path> pyradiomicsParams; // empty: built-in defaults
    analysis::ExtractionParams params;
    // Optional mapping of the "age" covariate from the image's Patient's Birth Date and Study
    // Date when none was entered (entered values win).
    bool ageFromDicom = false;
};

struct ModelRef {
    std::filesystem::path file;
};

// The HTTP API and status page (node/http_server.h). Off unless enabled; a bind address other
// than loopback requires a bearer token, read from token_file when the node starts.
struct HttpConfig {
    bool enabled = false;
    std::string bind = "127.0.0.1"; // numeric IPv4 or IPv6 address
    int port = 8104;
    std::optional<std::filesystem::path> tokenFile; // set: every request but /healthz needs the token
};

// How audit messages travel: UDP datagrams (RFC 5426) or one TLS connection (RFC 5425, what
// IHE ATNA requires between secure nodes).
enum class SyslogTransport { Udp, Tls };

// DICOM audit messages (PS3.15 A.5) sent as syslog to an audit record repository
// (docs/audit.md). Off unless enabled; the SQLite audit trail is kept either way.
struct AuditSyslogConfig {
    bool enabled = false;
    std::string host = "127.0.0.1"; // numeric address or host name, resolved when the node starts
    int port = 514;                  // 6514 when transport is tls and no port is given
    std::string appName = "radnode"; // RFC 5424 APP-NAME
    std::string sourceId;            // AuditSourceID; empty: the host name
    SyslogTransport transport = SyslogTransport::Udp;
    // TLS only. PEM files: the CAs the collector's certificate must chain to (required), and
    // optionally the node's client certificate and its unencrypted key (mutual TLS).
    std::filesystem::path caFile;
    std::filesystem::path certificateFile;
    std::filesystem::path privateKeyFile;
};

struct NodeConfig {
    ListenerConfig listener;
    StorageConfig storage;
    AssemblyConfig assembly;
    WorkerConfig workers;
    DeliveryConfig delivery;
    std::vector<Destination> destinations;
    AnalysisConfig analysis;
    std::vector<ModelRef> models;
    HttpConfig http;
    std::string logLevel = "info"; // debug, info, warning, error
    // Debugging at a site: patient ID and accession number in the ingest, job and delivery
    // log lines. Accepted only with logLevel "debug" (the loader refuses it otherwise).
    bool logIncludePhi = false;
    AuditSyslogConfig auditSyslog;
};

// Fill derived paths (database, file store) from the state directory.
void resolveDerivedPaths(NodeConfig& config);

// True for 127.0.0.0/8 and ::1 (numeric addresses only): what may serve HTTP without a token.
bool isLoopbackAddress(const std::string& address);

} // namespace radnode::config
