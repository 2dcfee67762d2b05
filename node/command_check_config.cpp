// `radnode check-config FILE`: validates a node configuration, including the PyRadiomics
// parameter file and model files it names, and prints what the node would run with.
#include "analysis/peritumoral.h"
#include "config/config_loader.h"
#include "config/model_file.h"
#include "node/command_line.h"
#include "node/commands.h"
#include "node/syslog_sender.h"
#include "node/tls_settings.h"

#include <boost/program_options.hpp>

#include <iostream>
#include <string>

namespace radnode::node {

namespace po = boost::program_options;

namespace {

std::string peersSummary(const config::ListenerConfig& listener) {
    if (listener.allowedPeers.empty()) return "loopback only";
    std::string text;
    for (const auto& peer : listener.allowedPeers) {
        if (!text.empty()) text += ", ";
        text += (peer.aeTitle == "*" ? std::string("any AE") : peer.aeTitle) + "@" + peer.host.value_or("any host");
        if (!peer.certificateCn.empty()) text += " (certificate CN " + peer.certificateCn + ")";
        if (!peer.certificateSha256.empty()) text += " (certificate SHA-256 " + peer.certificateSha256.substr(0, 11) + "...)";
    }
    return text;
}

std::string ringsSummary(const std::vector<double>& rings) {
    if (rings.empty()) return "no peritumoral rings";
    std::string text = "rings";
    for (std::size_t i = 0; i < rings.size(); ++i) text += (i ? ", " : " ") + analysis::formatDistanceMm(rings[i]);
    return text + " mm";
}

void printSummary(std::ostream& out, const std::string& file, const config::NodeConfig& config,
                  const std::vector<analysis::Model>& models) {
    out << file << ": OK\n";
    out << "  listener      " << config.listener.aeTitle << " on port " << config.listener.port
        << ", peers: " << peersSummary(config.listener) << "\n";
    if (const auto& tls = config.listener.tls) {
        out << "  tls           " << tls->profile << ", certificate " << tls->certificate.string() << ", peer certificates "
            << (tls->requirePeerCertificate ? "required" : "optional") << "\n";
    }
    out << "  state         " << config.storage.stateDirectory.string() << "\n";
    out << "  workers       " << config.workers.workers << "\n";
    if (config.destinations.empty()) out << "  destinations  none (results are kept, not sent)\n";
    for (std::size_t i = 0; i < config.destinations.size(); ++i) {
        const auto& d = config.destinations[i];
        out << (i ? "                " : "  destinations  ") << d.name << ": " << d.aeTitle << "@" << d.host << ":"
            << d.port << (d.tls ? " (TLS " + d.tls->profile + ")" : std::string())
            << (d.srFormat == config::SrFormat::Enhanced ? ", Enhanced SR" : "") << "\n";
    }
    if (models.empty()) out << "  models        none\n";
    for (std::size_t i = 0; i < models.size(); ++i) {
        out << (i ? "                " : "  models        ") << models[i].name << " " << models[i].version << " ("
            << config.models[i].file.string() << ")\n";
    }
    out << "  analysis      " << ringsSummary(config.analysis.ringsMm) << "; "
        << (config.analysis.pyradiomicsParams ? "PyRadiomics parameters " + config.analysis.pyradiomicsParams->string()
                                              : std::string("built-in PyRadiomics parameters"))
        << "\n";
    const auto& http = config.http;
    out << "  http          "
        << (http.enabled ? http.bind + " port " + std::to_string(http.port) +
                               (http.tokenFile ? ", bearer token from " + http.tokenFile->string() : ", no token")
                         : std::string("off"))
        << "\n";
}

// The node loads its certificates and keys when it starts (listener) or sends (destinations);
// loading them now reports a key that does not match its certificate, or a file that is not
// PEM, before a modality or a PACS meets the problem.
void checkTlsFiles(const std::string& file, const config::NodeConfig& config) {
    const auto check = [&file](const config::TlsConfig& tls, dicom::TlsContext::Role role, const std::string& key,
                               const std::string& host) {
        try {
            dicom::TlsContext context(tlsSettings(tls), role, host);
        } catch (const std::exception& error) {
            throw config::ConfigError(file, 0, key, error.what());
        }
    };
    if (config.listener.tls) check(*config.listener.tls, dicom::TlsContext::Role::Listener, "listener.tls", "");
    for (std::size_t i = 0; i < config.destinations.size(); ++i) {
        const auto& destination = config.destinations[i];
        if (destination.tls) {
            check(*destination.tls, dicom::TlsContext::Role::Sender, "destinations[" + std::to_string(i) + "].tls",
                  destination.host);
        }
    }
    if (config.auditSyslog.transport == config::SyslogTransport::Tls) {
        try {
            SyslogTlsConnection audit(syslogTlsSettings(config.auditSyslog)); // loads; does not connect
        } catch (const std::exception& error) {
            throw config::ConfigError(file, 0, "audit.syslog", error.what());
        }
    }
}

} // namespace

int runCheckConfigCommand(int argc, char** argv) {
    po::options_description described(
        "usage: radnode check-config FILE\n\n"
        "Validates a node configuration (see config/radnode.example.yaml). Prints \"FILE: OK\" and\n"
        "a summary and exits 0, or prints \"FILE:LINE: KEY: reason\" and exits 2.\n\noptions");
    described.add_options()("help,h", "show this help");
    std::string file;
    PositionalArguments positional;
    positional.options.add_options()("file", po::value(&file), "the configuration file");
    positional.order.add("file", 1);
    po::variables_map values;
    if (const auto exitCode = parseOptions("check-config", argc, argv, described, positional, values)) return *exitCode;
    if (file.empty()) return usageError("check-config", "no configuration file given");
    try {
        const config::NodeConfig config = config::loadConfig(file);
        checkTlsFiles(file, config);
        // The service reads the models at start; reading them now reports their errors here.
        const std::vector<analysis::Model> models = config::readModelFiles(config.models, config.analysis);
        printSummary(std::cout, file, config, models);
        return 0;
    } catch (const config::ConfigError& error) {
        std::cerr << error.what() << "\n";
    } catch (const std::invalid_argument& error) { // a model file's own error, naming its file
        std::cerr << file << ": models: " << error.what() << "\n";
    }
    return 2;
}

} // namespace radnode::node
