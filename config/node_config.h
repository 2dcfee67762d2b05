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

// A peer allowed to open associations: its calling AE title and, optionally, its address.
struct AllowedPeer {
    std::string aeTitle;             // "*" accepts any AE title from `host`
    std::optional<std::string> host; // numeric IP address in canonical form; absent = any address
};

// A C-STORE destination for results.
struct Destination {
    std::string name;
    std::string aeTitle;
    std::string host;
    int port = 104;
    std::string callingAeTitle; // empty: the node's own AE title
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
};

struct StorageConfig {
    std::filesystem::path stateDirectory = "/var/lib/radnode";
    // Derived from stateDirectory unless set: <state>/radnode.sqlite and <state>/files.
    std::filesystem::path database;
    std::filesystem::path fileStore;
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
};

struct AnalysisConfig {
    std::vector<double> ringsMm{3.0, 5.0, 10.0};
    std::optional<std::filesystem::path> pyradiomicsParams; // empty: built-in defaults
    analysis::ExtractionParams params;
};

struct ModelRef {
    std::filesystem::path file;
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
    std::string logLevel = "info"; // debug, info, warning, error
};

// Fill derived paths (database, file store) from the state directory.
void resolveDerivedPaths(NodeConfig& config);

} // namespace radnode::config
