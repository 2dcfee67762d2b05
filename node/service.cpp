#include "node/service.h"

#include "dicom/store_scp.h"
#include "config/model_file.h"
#include "node/ingest.h"
#include "node/log.h"
#include "node/outbox_sender.h"
#include "node/study_analysis.h"
#include "node/study_assembler.h"
#include "storage/node_store.h"

#include <sys/stat.h>

#include <cerrno>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace radnode::node {

namespace {

dicom::ListenerSettings listenerSettings(const config::ListenerConfig& listener) {
    dicom::ListenerSettings settings;
    settings.aeTitle = listener.aeTitle;
    settings.port = listener.port;
    for (const auto& peer : listener.allowedPeers) settings.allowedPeers.push_back(dicom::PeerRule{peer.aeTitle, peer.host});
    settings.maxAssociations = listener.maxAssociations;
    settings.maxAssociationsPerPeer = listener.maxAssociationsPerPeer;
    settings.maxPdu = listener.maxPdu;
    settings.acseTimeoutSeconds = listener.acseTimeoutSeconds;
    settings.dimseTimeoutSeconds = listener.dimseTimeoutSeconds;
    settings.minimumFreeDiskBytes = listener.minimumFreeDiskBytes;
    return settings;
}

// True once something listens on the port. Probing with bind() rather than connect() keeps
// the listener from seeing (and auditing) an empty association.
bool portInUse(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_ANY);
    address.sin_port = htons(static_cast<uint16_t>(port));
    const bool inUse = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 && errno == EADDRINUSE;
    ::close(fd);
    return inUse;
}

bool samePeers(const std::vector<config::AllowedPeer>& a, const std::vector<config::AllowedPeer>& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const config::AllowedPeer& x, const config::AllowedPeer& y) {
        return x.aeTitle == y.aeTitle && x.host == y.host;
    });
}

} // namespace

// What a SIGHUP may change while the node runs: read as one consistent snapshot per job,
// per assembler pass and per outbox pass.
struct LiveSettings {
    config::NodeConfig config;
    std::vector<analysis::Model> models;
};

struct NodeService::Impl {
    explicit Impl(config::NodeConfig c) : config(std::move(c)) {}

    config::NodeConfig config; // as started: listener, storage and worker count never change live
    std::shared_ptr<const LiveSettings> live;
    std::mutex liveMutex;
    std::shared_ptr<const LiveSettings> settings() {
        std::lock_guard lock(liveMutex);
        return live;
    }
    std::unique_ptr<storage::NodeStore> store;
    std::unique_ptr<Ingest> ingest;
    std::unique_ptr<dicom::StoreScp> scp;
    std::thread listenerThread;
    std::vector<std::thread> threads;
    std::exception_ptr listenerFailure;
    std::atomic<bool> listenerDone{false};

    std::mutex mutex;
    std::condition_variable wake;
    bool stopping = false;

    // Sleeps up to `ms`; returns false once the node is stopping.
    bool pause(int ms) {
        std::unique_lock lock(mutex);
        wake.wait_for(lock, std::chrono::milliseconds(ms), [this] { return stopping; });
        return !stopping;
    }
    bool running() {
        std::lock_guard lock(mutex);
        return !stopping;
    }

    void assemblerLoop();
    void workerLoop(int index);
    void outboxLoop();
    void runJob(const storage::JobRow& job);
};

void NodeService::Impl::assemblerLoop() {
    while (pause(200)) {
        try {
            const auto& assembly = settings()->config.assembly;
            StudyAssembler(*store, AssemblyTiming{assembly.quietPeriod, assembly.segWindow}).tick(storage::nowMs());
        } catch (const std::exception& error) {
            logEvent(LogLevel::Error, "assembler.error", {{"reason", error.what()}});
        }
    }
}

void NodeService::Impl::runJob(const storage::JobRow& job) {
    const auto started = std::chrono::steady_clock::now();
    const auto current = settings();
    try {
        const auto output = analyzeStudy(*store, job, current->config, current->models);
        std::vector<std::string> destinations;
        for (const auto& destination : current->config.destinations) destinations.push_back(destination.name);
        store->completeJob(job.id, output.result, destinations);
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
        logEvent(LogLevel::Info, "job.done",
                 {{"job", std::to_string(job.id)}, {"sr", output.result.srSopInstanceUid},
                  {"features", std::to_string(output.featureCount)}, {"ms", std::to_string(ms.count())}});
    } catch (const JobError& error) {
        store->failJob(job.id, error.what(), error.retryable, current->config.workers.maxAttempts);
        logEvent(LogLevel::Error, "job.error", {{"job", std::to_string(job.id)}, {"reason", error.what()}});
    } catch (const std::exception& error) {
        // Unexpected failures (database, disk) may pass: try again within the attempt limit.
        store->failJob(job.id, error.what(), true, current->config.workers.maxAttempts);
        logEvent(LogLevel::Error, "job.error", {{"job", std::to_string(job.id)}, {"reason", error.what()}});
    }
}

void NodeService::Impl::workerLoop(int index) {
    const std::string name = "worker-" + std::to_string(index);
    const auto leaseMs = std::chrono::duration_cast<std::chrono::milliseconds>(config.workers.leaseDuration).count();
    while (running()) {
        std::optional<storage::JobRow> job;
        try {
            job = store->leaseJob(name, leaseMs);
        } catch (const std::exception& error) {
            logEvent(LogLevel::Error, "worker.error", {{"reason", error.what()}});
        }
        if (!job) {
            if (!pause(100)) break;
            continue;
        }
        runJob(*job); // a job that started is finished (or failed) before the worker stops
    }
}

void NodeService::Impl::outboxLoop() {
    while (pause(250)) {
        try {
            const auto current = settings();
            OutboxSender(*store, current->config.destinations, current->config.delivery, config.listener.aeTitle)
                .tick(storage::nowMs());
        } catch (const std::exception& error) {
            logEvent(LogLevel::Error, "outbox.error", {{"reason", error.what()}});
        }
    }
}

NodeService::NodeService(config::NodeConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {
    config::resolveDerivedPaths(impl_->config);
}

NodeService::~NodeService() { stop(); }

storage::NodeStore& NodeService::store() { return *impl_->store; }

std::vector<std::string> NodeService::reload(config::NodeConfig next) {
    auto& impl = *impl_;
    config::resolveDerivedPaths(next);
    // Models are read first: a model file that does not load leaves everything as it was.
    auto models = config::readModelFiles(next.models);
    std::vector<std::string> needRestart;
    const auto& running = impl.config;
    if (next.listener.aeTitle != running.listener.aeTitle || next.listener.port != running.listener.port ||
        next.listener.maxAssociations != running.listener.maxAssociations ||
        next.listener.maxAssociationsPerPeer != running.listener.maxAssociationsPerPeer ||
        next.listener.maxPdu != running.listener.maxPdu || !samePeers(next.listener.allowedPeers, running.listener.allowedPeers)) {
        needRestart.push_back("listener");
    }
    if (next.storage.database != running.storage.database || next.storage.fileStore != running.storage.fileStore) {
        needRestart.push_back("storage");
    }
    if (next.workers.workers != running.workers.workers) needRestart.push_back("workers.count");
    // What cannot change live keeps its running value, so the snapshot never lies.
    next.listener = running.listener;
    next.storage = running.storage;
    next.workers.workers = running.workers.workers;
    {
        std::lock_guard lock(impl.liveMutex);
        impl.live = std::make_shared<const LiveSettings>(LiveSettings{next, std::move(models)});
    }
    std::string detail = "destinations " + std::to_string(next.destinations.size()) + ", models " +
                         std::to_string(next.models.size());
    for (const auto& section : needRestart) detail += "; " + section + " changes need a restart";
    impl.store->audit(storage::AuditEvent{"config.reloaded", "", "", "", "", std::nullopt, detail});
    return needRestart;
}

bool NodeService::healthy() const { return impl_->scp && !impl_->listenerDone; }
const config::NodeConfig& NodeService::config() const { return impl_->config; }

void NodeService::start() {
    auto& impl = *impl_;
    const auto& config = impl.config;
    ::umask(0077); // images and results are PHI: owner-only files and directories
    std::filesystem::create_directories(config.storage.stateDirectory);
    impl.live = std::make_shared<const LiveSettings>(LiveSettings{config, config::readModelFiles(config.models)});
    impl.store = std::make_unique<storage::NodeStore>(config.storage.database, config.storage.fileStore);
    const auto report = impl.store->reconcile();
    logEvent(LogLevel::Info, "node.recovered",
             {{"partial_files_removed", std::to_string(report.partialFilesRemoved)},
              {"orphan_files_removed", std::to_string(report.orphanFilesRemoved)},
              {"leases_released", std::to_string(report.leasesReleased)}});
    impl.store->audit(storage::AuditEvent{"node.started", "", "", "", "", std::nullopt,
                                          "AE " + config.listener.aeTitle + ", port " + std::to_string(config.listener.port)});

    if (portInUse(config.listener.port)) {
        throw std::runtime_error("listener port " + std::to_string(config.listener.port) + " is already in use");
    }
    impl.ingest = std::make_unique<Ingest>(*impl.store);
    impl.scp = std::make_unique<dicom::StoreScp>(listenerSettings(config.listener), *impl.ingest);
    impl.listenerThread = std::thread([&impl] {
        try {
            impl.scp->run();
        } catch (...) {
            impl.listenerFailure = std::current_exception();
        }
        impl.listenerDone = true;
    });
    // Fail start() if the port cannot be opened, rather than running deaf.
    for (int waited = 0; waited < 5000 && !impl.listenerDone; waited += 20) {
        if (portInUse(config.listener.port)) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (impl.listenerDone) {
        impl.listenerThread.join();
        if (impl.listenerFailure) std::rethrow_exception(impl.listenerFailure);
        throw std::runtime_error("DICOM listener stopped unexpectedly");
    }

    impl.threads.emplace_back([&impl] { impl.assemblerLoop(); });
    for (int i = 0; i < config.workers.workers; ++i) impl.threads.emplace_back([&impl, i] { impl.workerLoop(i + 1); });
    impl.threads.emplace_back([&impl] { impl.outboxLoop(); });
    logEvent(LogLevel::Info, "node.listening",
             {{"ae_title", config.listener.aeTitle}, {"port", std::to_string(config.listener.port)},
              {"workers", std::to_string(config.workers.workers)}, {"models", std::to_string(impl.live->models.size())}});
}

void NodeService::stop() {
    auto& impl = *impl_;
    if (!impl.scp) return;
    impl.scp->stop(); // no new associations; running ones finish
    if (impl.listenerThread.joinable()) impl.listenerThread.join();
    {
        std::lock_guard lock(impl.mutex);
        impl.stopping = true;
    }
    impl.wake.notify_all();
    for (auto& thread : impl.threads) thread.join();
    impl.threads.clear();
    impl.store->audit(storage::AuditEvent{"node.stopped", "", "", "", "", std::nullopt, ""});
    impl.scp.reset();
    logEvent(LogLevel::Info, "node.stopped");
}

} // namespace radnode::node
