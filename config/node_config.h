// The node's configuration: one value, read once from YAML (or the embedded defaults) and
// passed down. Every field has a documented default in config/radnode.example.yaml.
#pragma once

#include "analysis/settings.h"

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace radnode::config {

// A peer allowed to open associations: its calling AE title and, optionally, its host.
struct AllowedPeer {
    std::string aeTitle;            // "*" accepts any AE title from `host`
    std::optional<std::string> host; // IP address or name; absent = any host
};

// A C-STORE destination for results.
struct Destination {
    std::string name;
    std::string aeTitle;
    std::string host;
    int port = 104;
    std::string callingAeTitle; // empty: the node's own AE title
};

struct ListenerConfig {
    std::string aeTitle = "RADNODE";
    int port = 11112;
    std::string bindAddress = "127.0.0.1";
    std::vector<AllowedPeer> allowedPeers;  // empty with allowLoopbackOnly: loopback only
    int maxAssociations = 16;
    int maxAssociationsPerPeer = 4;
    unsigned maxPdu = 65536;
    int dimseTimeoutSeconds = 60;
    int acseTimeoutSeconds = 30;
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
    std::string logLevel = "info";
};

// Fill derived paths (database, file store) from the state directory.
void resolveDerivedPaths(NodeConfig& config);

} // namespace radnode::config
