#include "node/service.h"

#include "dicom/store_scp.h"
#include "config/model_file.h"
#include "node/dicom_audit_forwarder.h"
#include "node/http_api.h"
#include "node/http_server.h"
#include "node/ingest.h"
#include "node/log.h"
#include "node/metrics.h"
#include "node/outbox_sender.h"
#include "node/study_analysis.h"
#include "node/study_assembler.h"
#include "node/tls_settings.h"
#include "storage/node_store.h"

#include <malloc.h>
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
    for (const auto& peer : listener.allowedPeers) {
        settings.allowedPeers.push_back(dicom::PeerRule{peer.aeTitle, peer.host, peer.certificateCn, peer.certificateSha256});
    }
    if (listener.tls) settings.tls = tlsSettings(*listener.tls);
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

// The listener's handler as the node runs it: Ingest, counted and timed for /metrics.
class MeasuredIngest : public dicom::StoreHandler {
public:
    MeasuredIngest(Ingest& ingest, Metrics& metrics) : ingest_(ingest), metrics_(metrics) {}
    std::filesystem::path incomingPath() override { return ingest_.incomingPath(); }
    dicom::StoreStatus store(const dicom::ReceivedInstance& instance) override {
        const auto started = std::chrono::steady_clock::now();
        const auto status = ingest_.store(instance);
        metrics_.observe(Stage::Receive, std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
        return status;
    }
    void refused(const dicom::AssociationInfo& association, const std::string& sopInstanceUid,
                 const dicom::StoreStatus& status) override {
        ingest_.refused(association, sopInstanceUid, status);
    }
    void accepted(const dicom::AssociationInfo& association) override {
        metrics_.associationAccepted();
        ingest_.accepted(association);
    }
    std::uint16_t commitmentReported(const dicom::CommitmentReport& report) override {
        return ingest_.commitmentReported(report);
    }

private:
    Ingest& ingest_;
    Metrics& metrics_;
};

bool sameHttp(const config::HttpConfig& a, const config::HttpConfig& b) {
    return a.enabled == b.enabled && a.bind == b.bind && a.port == b.port && a.tokenFile == b.tokenFile;
}

bool samePeers(const std::vector<config::AllowedPeer>& a, const std::vector<config::AllowedPeer>& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const config::AllowedPeer& x, const config::AllowedPeer& y) {
        return x.aeTitle == y.aeTitle && x.host == y.host && x.certificateCn == y.certificateCn &&
               x.certificateSha256 == y.certificateSha256;
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
    std::unique_ptr<DicomAuditForwarder> auditForwarder; // audit.syslog enabled
    Metrics metrics;
    std::unique_ptr<Ingest> ingest;
    std::unique_ptr<MeasuredIngest> measuredIngest;
    std::unique_ptr<dicom::StoreScp> scp;
    std::unique_ptr<HttpApi> httpApi;
    std::unique_ptr<HttpServer> http;
    std::thread listenerThread;
    std::vector<std::thread> threads;
    std::exception_ptr listenerFailure;
    std::atomic<bool> listenerDone{false};

    std::mutex mutex;
    std::condition_variable wake;
    bool stopping = false;
    std::uint64_t nudges = 0; // counts hand-overs (a job queued, a result to send)

    // Sleeps up to `ms` or until the next nudge(); returns false once the node is stopping.
    // The loops still poll, but a hand-over between them does not wait for a poll: that
    // would add up to half a second to every result.
    bool pause(int ms) {
        std::unique_lock lock(mutex);
        const std::uint64_t seen = nudges;
        wake.wait_for(lock, std::chrono::milliseconds(ms), [this, seen] { return stopping || nudges != seen; });
        return !stopping;
    }
    void nudge() {
        {
            std::lock_guard lock(mutex);
            ++nudges;
        }
        wake.notify_all();
    }
    bool running() {
        std::lock_guard lock(mutex);
        return !stopping;
    }

    void assemblerLoop();
    void workerLoop(int index);
    void outboxLoop();
    void runJob(const storage::JobRow& job);
    void startHttp();
};

void NodeService::Impl::assemblerLoop() {
    // Every 100 ms: a study is assembled at most that long after its quiet period ends.
    // The retention policy runs on the same thread, once a minute: it must not race with
    // assembly deciding that a study's instances are all present.
    auto nextPurge = std::chrono::steady_clock::now();
    while (pause(100)) {
        try {
            const auto retention = settings()->config.storage.retention;
            if (retention.count() > 0 && std::chrono::steady_clock::now() >= nextPurge) {
                nextPurge = std::chrono::steady_clock::now() + std::chrono::minutes(1);
                const auto purged = store->purgeReceivedBefore(storage::nowMs() - retention.count());
                if (purged.instances > 0) {
                    logEvent(LogLevel::Info, "retention.purged",
                             {{"instances", std::to_string(purged.instances)},
                              {"studies", std::to_string(purged.studies)},
                              {"bytes", std::to_string(purged.bytes)}});
                }
            }
            const auto& assembly = settings()->config.assembly;
            const int formed =
                StudyAssembler(*store, AssemblyTiming{assembly.quietPeriod, assembly.segWindow}).tick(storage::nowMs());
            if (formed > 0) nudge(); // the workers take the jobs now
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
        metrics.observe(Stage::Analysis, std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
        std::vector<std::string> destinations;
        for (const auto& destination : current->config.destinations) destinations.push_back(destination.name);
        store->completeJob(job.id, output.result, destinations);
        nudge(); // the outbox sends the result now
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
        LogFields fields{{"job", std::to_string(job.id)}, {"sr", output.result.srSopInstanceUid},
                         {"features", std::to_string(output.featureCount)}, {"ms", std::to_string(ms.count())}};
        if (loggingPatientIdentifiers()) {
            addPatientIdentifiers(fields, store->patientId(job.studyUid), store->accessionNumber(job.studyUid));
        }
        logEvent(LogLevel::Info, "job.done", fields);
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
        // A DBT job frees hundreds of MB of pixel and filter buffers. glibc keeps freed heap
        // memory in each thread's arena and, after one large free, raises its mmap threshold
        // so later large buffers come from those arenas too; without a trim the node's RSS
        // settles at the largest job of each worker instead of returning to its idle size.
        malloc_trim(0);
    }
}

void NodeService::Impl::outboxLoop() {
    while (pause(250)) {
        try {
            const auto current = settings();
            OutboxSender(*store, current->config.destinations, current->config.delivery, config.listener.aeTitle, &metrics)
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
    auto models = config::readModelFiles(next.models, next.analysis);
    std::vector<std::string> needRestart;
    const auto& running = impl.config;
    if (next.listener.aeTitle != running.listener.aeTitle || next.listener.port != running.listener.port ||
        next.listener.maxAssociations != running.listener.maxAssociations ||
        next.listener.maxAssociationsPerPeer != running.listener.maxAssociationsPerPeer ||
        next.listener.maxPdu != running.listener.maxPdu || !samePeers(next.listener.allowedPeers, running.listener.allowedPeers) ||
        !sameTls(next.listener.tls, running.listener.tls)) {
        needRestart.push_back("listener");
    }
    if (next.storage.database != running.storage.database || next.storage.fileStore != running.storage.fileStore) {
        needRestart.push_back("storage");
    }
    if (next.workers.workers != running.workers.workers) needRestart.push_back("workers.count");
    if (!sameHttp(next.http, running.http)) needRestart.push_back("http");
    const auto& syslog = next.auditSyslog;
    if (syslog.enabled != running.auditSyslog.enabled || syslog.host != running.auditSyslog.host ||
        syslog.port != running.auditSyslog.port || syslog.appName != running.auditSyslog.appName ||
        syslog.sourceId != running.auditSyslog.sourceId || syslog.transport != running.auditSyslog.transport ||
        syslog.caFile != running.auditSyslog.caFile || syslog.certificateFile != running.auditSyslog.certificateFile ||
        syslog.privateKeyFile != running.auditSyslog.privateKeyFile) {
        needRestart.push_back("audit");
    }
    // What cannot change live keeps its running value, so the snapshot never lies.
    next.listener = running.listener;
    const auto retention = next.storage.retention; // the retention policy applies live
    next.storage = running.storage;
    next.storage.retention = retention;
    next.workers.workers = running.workers.workers;
    next.http = running.http;
    next.auditSyslog = running.auditSyslog;
    if (impl.auditForwarder) impl.auditForwarder->setDestinations(next.destinations);
    setLogPatientIdentifiers(next.logIncludePhi);
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
    impl.live = std::make_shared<const LiveSettings>(LiveSettings{config, config::readModelFiles(config.models, config.analysis)});
    impl.store = std::make_unique<storage::NodeStore>(config.storage.database, config.storage.fileStore);
    setLogPatientIdentifiers(config.logIncludePhi);
    if (config.logIncludePhi) {
        logEvent(LogLevel::Warning, "log.patient_identifiers",
                 {{"reason", "log_include_phi is on: patient IDs and accession numbers are written to this log"}});
    }
    // Before the first audit event of this run, so that node.started is among those it sends.
    if (config.auditSyslog.enabled) {
        impl.auditForwarder =
            std::make_unique<DicomAuditForwarder>(*impl.store, config.auditSyslog, config.listener.aeTitle, config.destinations);
    }
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
    impl.measuredIngest = std::make_unique<MeasuredIngest>(*impl.ingest, impl.metrics);
    impl.scp = std::make_unique<dicom::StoreScp>(listenerSettings(config.listener), *impl.measuredIngest);
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
    if (config.http.enabled) impl.startHttp();
    logEvent(LogLevel::Info, "node.listening",
             {{"ae_title", config.listener.aeTitle}, {"port", std::to_string(config.listener.port)},
              {"workers", std::to_string(config.workers.workers)}, {"models", std::to_string(impl.live->models.size())}});
}

void NodeService::Impl::startHttp() {
    const auto& httpConfig = config.http;
    // Refused here too (not only by the config loader): no way around the token off loopback.
    if (!config::isLoopbackAddress(httpConfig.bind) && !httpConfig.tokenFile) {
        throw std::runtime_error("HTTP API on " + httpConfig.bind + " (not loopback) needs http.token_file");
    }
    const std::string token = httpConfig.tokenFile ? readBearerToken(*httpConfig.tokenFile) : "";
    httpApi = std::make_unique<HttpApi>(HttpApiContext{config, *store, metrics, [this] { return scp && !listenerDone; }}, token);
    HttpServerSettings serverSettings;
    serverSettings.bindAddress = httpConfig.bind;
    serverSettings.port = httpConfig.port;
    http = std::make_unique<HttpServer>(serverSettings, [api = httpApi.get()](const HttpRequest& request) {
        return api->handle(request);
    });
    http->start();
    logEvent(LogLevel::Info, "http.listening", {{"bind", httpConfig.bind}, {"port", std::to_string(http->port())},
                                                {"token", token.empty() ? "none" : "required"}});
}

int NodeService::httpPort() const { return impl_->http ? impl_->http->port() : 0; }

void NodeService::stop() {
    auto& impl = *impl_;
    if (!impl.scp) return;
    impl.http.reset(); // the API goes first: it reads what the rest is about to stop
    impl.httpApi.reset();
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
    if (impl.auditForwarder) impl.auditForwarder->stop(); // sends the stop and what came before it
    impl.scp.reset();
    logEvent(LogLevel::Info, "node.stopped");
}

} // namespace radnode::node
