#include "config/config_loader.h"
#include "node/command_line.h"
#include "node/commands.h"
#include "node/log.h"
#include "node/node_options.h"
#include "node/service.h"
#include "node/systemd_notify.h"
#include "storage/node_store.h"

#include <boost/program_options.hpp>

#include <csignal>
#include <iostream>
#include <pthread.h>

namespace radnode::node {

namespace po = boost::program_options;

namespace {

// SIGHUP: read the configuration file again and apply it. An invalid file changes nothing.
void reload(NodeService& service, const std::string& configFile, const NodeOverrides& overrides) {
    notifySystemd("RELOADING=1");
    try {
        config::NodeConfig next = configFile.empty() ? config::defaultConfig() : config::loadConfig(configFile);
        applyOverrides(next, overrides);
        const auto needRestart = service.reload(next);
        setLogThreshold(parseLogLevel(next.logLevel));
        std::string restart;
        for (const auto& section : needRestart) restart += (restart.empty() ? "" : ", ") + section;
        logEvent(LogLevel::Info, "config.reloaded", {{"file", configFile}, {"need_restart", restart}});
    } catch (const std::exception& error) {
        logEvent(LogLevel::Error, "config.reload_failed", {{"file", configFile}, {"reason", error.what()}});
        service.store().audit(storage::AuditEvent{"config.reload_failed", "", "", "", "", std::nullopt, error.what()});
    }
    notifySystemd("READY=1");
}

} // namespace

int runServeCommand(int argc, char** argv) {
    po::options_description options("radnode serve [options]");
    std::string configFile, stateDir, aet;
    int port = 0, httpPort = 0;
    double quiet = 0;
    std::vector<std::string> destinations;
    options.add_options()("help,h", "this help")
        ("config", po::value(&configFile), "node configuration (YAML); default: the embedded defaults")
        ("aet", po::value(&aet), "listening AE title")
        ("port", po::value(&port), "listening TCP port")
        ("state-dir", po::value(&stateDir), "state directory (database and file store)")
        ("http-port", po::value(&httpPort), "serve the HTTP API and status page on this port (turns it on)")
        ("quiet-period", po::value(&quiet), "seconds without new instances before a study is assembled")
        ("destination", po::value(&destinations)->composing(), "result destination AET@HOST:PORT (repeatable)");
    po::variables_map vm;
    if (const auto exitCode = parseOptions("serve", argc, argv, options, vm)) return *exitCode;

    config::NodeConfig config;
    NodeOverrides overrides;
    try {
        config = configFile.empty() ? config::defaultConfig() : config::loadConfig(configFile);
        if (vm.count("aet")) overrides.aeTitle = aet;
        if (vm.count("port")) overrides.port = port;
        if (vm.count("http-port")) overrides.httpPort = httpPort;
        if (!stateDir.empty()) overrides.stateDirectory = stateDir;
        if (vm.count("quiet-period")) overrides.quietPeriodSeconds = quiet;
        overrides.destinations = destinations;
        applyOverrides(config, overrides);
        setLogThreshold(parseLogLevel(config.logLevel));
    } catch (const std::exception& error) {
        std::cerr << "radnode serve: " << error.what() << "\n";
        return 2;
    }

    // Signals are taken synchronously by this thread; every thread the service starts
    // inherits the blocked mask, so none of them is interrupted by SIGTERM.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    NodeService service(config);
    try {
        service.start();
    } catch (const std::exception& error) {
        logEvent(LogLevel::Error, "node.start_failed", {{"reason", error.what()}});
        std::cerr << "radnode serve: " << error.what() << "\n";
        return 1;
    }
    service.store().audit(storage::AuditEvent{"config.loaded", "", "", "", "", std::nullopt,
                                              configFile.empty() ? "embedded defaults" : configFile});
    notifySystemd("READY=1\nSTATUS=listening as " + config.listener.aeTitle + " on port " +
                  std::to_string(config.listener.port) +
                  (service.httpPort() ? ", HTTP on port " + std::to_string(service.httpPort()) : ""));
    // With a systemd watchdog, ping at half its interval while the node is healthy; a node
    // whose listener died stops pinging and systemd restarts it.
    const auto watchdog = systemdWatchdogInterval();
    timespec wait{};
    if (watchdog) {
        const auto half = *watchdog / 2;
        wait.tv_sec = static_cast<time_t>(std::chrono::duration_cast<std::chrono::seconds>(half).count());
        wait.tv_nsec = static_cast<long>((half - std::chrono::seconds(wait.tv_sec)).count() * 1000);
    }
    for (;;) {
        int received = 0;
        if (watchdog) {
            received = sigtimedwait(&signals, nullptr, &wait);
            if (received < 0) {
                if (service.healthy()) notifySystemd("WATCHDOG=1");
                continue;
            }
        } else {
            sigwait(&signals, &received);
        }
        if (received == SIGHUP) {
            reload(service, configFile, overrides);
            continue;
        }
        logEvent(LogLevel::Info, "node.stopping", {{"signal", received == SIGTERM ? "SIGTERM" : "SIGINT"}});
        break;
    }
    notifySystemd("STOPPING=1\nSTATUS=draining associations and jobs");
    service.stop();
    return 0;
}

} // namespace radnode::node
