// `radnode demo`: a real node on loopback with embedded defaults, a stand-in PACS, the
// synthetic studies sent over real DICOM associations, and a short summary of what came back.
#include "config/config_loader.h"
#include "dicom/sr_reader.h"
#include "dicom/store_scp.h"
#include "dicom/store_scu.h"
#include "dicom/synth.h"
#include "node/command_line.h"
#include "node/commands.h"
#include "node/demo_model.h"
#include "node/folder_receiver.h"
#include "node/log.h"
#include "node/service.h"
#include "storage/file_store.h"
#include "storage/node_store.h"

#include <boost/program_options.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <thread>

namespace radnode::node {

namespace po = boost::program_options;

namespace {

int freePort() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        ::close(fd);
        throw std::runtime_error("cannot find a free loopback port");
    }
    socklen_t length = sizeof address;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    ::close(fd);
    return ntohs(address.sin_port);
}

std::filesystem::path freshStateDirectory() {
    std::string pattern = (std::filesystem::temp_directory_path() / "radnode-demo-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("cannot create a demo state directory");
    return pattern;
}

void printValue(double value) {
    if (std::abs(value) >= 1000 || (std::abs(value) < 0.01 && value != 0)) {
        std::cout << std::scientific << std::setprecision(3) << value << std::defaultfloat;
    } else {
        std::cout << std::fixed << std::setprecision(3) << value << std::defaultfloat;
    }
}

void printSr(const std::filesystem::path& srFile, const std::filesystem::path& pacsCopy, const std::string& pacs) {
    const auto sr = dicom::readSr(srFile);
    std::cout << "  study " << sr.studyInstanceUid << " (accession " << sr.accessionNumber << ")\n";
    for (const auto& group : sr.groups) {
        std::cout << "    ROI " << std::left << std::setw(12) << group.roiName << std::right
                  << (group.view.empty() ? "" : " view " + group.view) << "  " << group.measurements.size()
                  << " features";
        int shown = 0;
        for (const auto& measurement : group.measurements) {
            const bool highlight = measurement.featureName == "original_shape2D_MaximumDiameter" ||
                                   measurement.featureName == "original_shape_Maximum3DDiameter" ||
                                   measurement.featureName == "original_firstorder_Mean" ||
                                   measurement.featureName == "original_glcm_Contrast";
            if (!highlight || shown >= 3) continue;
            std::cout << (shown++ ? ", " : ": ") << measurement.featureName << " = ";
            printValue(measurement.value);
            if (measurement.ucumUnit != "1") std::cout << " " << measurement.ucumUnit;
        }
        std::cout << "\n";
    }
    for (const auto& model : sr.models) std::cout << "    " << model.summaryText << "\n";
    if (sr.models.empty()) std::cout << "    (no model applies to this study)\n";
    std::cout << "    SR " << sr.sopInstanceUid << "\n       written to " << srFile.string() << "\n";
    if (!pacs.empty()) std::cout << "       delivered to " << pacs << ", stored as " << pacsCopy.string() << "\n";
}

} // namespace

int runDemoCommand(int argc, char** argv) {
    po::options_description options("radnode demo [options]");
    std::string stateDir;
    int timeoutSeconds = 300;
    options.add_options()("help,h", "this help")
        ("state-dir", po::value(&stateDir), "state directory (default: a fresh one under the temp directory)")
        ("timeout", po::value(&timeoutSeconds), "seconds to wait for the results");
    po::variables_map vm;
    if (const auto exitCode = parseOptions("demo", argc, argv, options, vm)) return *exitCode;
    if (timeoutSeconds < 1) return usageError("demo", "--timeout must be at least 1 second");
    setLogThreshold(LogLevel::Warning); // the summary is the demo's output; logs only for trouble

    const std::filesystem::path state = stateDir.empty() ? freshStateDirectory() : std::filesystem::path(stateDir);
    std::filesystem::create_directories(state / "models");
    storage::writeFileDurably(state / "models" / "radnode-demo-us.yaml", demoModelYaml());

    // A stand-in PACS on loopback, so the SR has somewhere to go.
    FolderReceiver pacsFolder(state / "pacs");
    dicom::ListenerSettings pacsSettings;
    pacsSettings.aeTitle = "DEMOPACS";
    pacsSettings.port = freePort();
    dicom::StoreScp pacs(pacsSettings, pacsFolder);
    std::thread pacsThread([&pacs] { pacs.run(); });

    config::NodeConfig config = config::defaultConfig();
    config.storage.stateDirectory = state / "node";
    config.storage.database.clear();
    config.storage.fileStore.clear();
    config.listener.port = freePort();
    config.assembly.quietPeriod = std::chrono::milliseconds(1000);
    config.models = {config::ModelRef{state / "models" / "radnode-demo-us.yaml"}};
    config::Destination destination;
    destination.name = "DEMOPACS";
    destination.aeTitle = "DEMOPACS";
    destination.host = "127.0.0.1";
    destination.port = pacsSettings.port;
    config.destinations = {destination};
    const std::string pacsName = "DEMOPACS@127.0.0.1:" + std::to_string(pacsSettings.port);

    int exitCode = 0;
    {
        NodeService service(config);
        service.start();
        std::cout << "radnode demo: node " << config.listener.aeTitle << " listening on 127.0.0.1:" << config.listener.port
                  << ", state in " << state.string() << "\n";

        std::vector<dicom::SynthStudy> studies;
        dicom::SynthOptions ultrasound;
        ultrasound.modality = dicom::SynthModality::Ultrasound;
        ultrasound.seed = 1;
        ultrasound.lesionDiameterMm = 14.0;
        ultrasound.metastaticNode = true;
        studies.push_back(dicom::writeSyntheticStudy(ultrasound, state / "synth" / "us"));
        dicom::SynthOptions tomosynthesis;
        tomosynthesis.modality = dicom::SynthModality::Tomosynthesis;
        tomosynthesis.seed = 2;
        studies.push_back(dicom::writeSyntheticStudy(tomosynthesis, state / "synth" / "dbt"));

        const dicom::StoreTarget node{config.listener.aeTitle, "127.0.0.1", config.listener.port, "DEMOSCU", 30, std::nullopt};
        int sent = 0;
        for (const auto& study : studies) {
            std::vector<std::filesystem::path> files = study.imageFiles;
            files.insert(files.end(), study.segFiles.begin(), study.segFiles.end());
            for (const auto& file : files) {
                const auto outcome = dicom::sendFile(node, file);
                if (!outcome.ok()) throw std::runtime_error("sending " + file.string() + " failed: " + outcome.detail);
                ++sent;
            }
        }
        std::cout << "radnode demo: sent " << sent << " instances of " << studies.size()
                  << " synthetic studies (ultrasound, tomosynthesis) by C-STORE\n";

        auto& store = service.store();
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeoutSeconds);
        bool finished = false;
        while (!finished && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
            const auto jobs = store.jobs();
            const auto deliveries = store.deliveries();
            const bool jobsDone = jobs.size() >= studies.size() &&
                                  std::all_of(jobs.begin(), jobs.end(), [](const storage::JobRow& job) {
                                      return job.state == storage::JobState::Done || job.state == storage::JobState::Failed;
                                  });
            const bool delivered = std::all_of(deliveries.begin(), deliveries.end(), [](const storage::DeliveryRow& d) {
                return d.state != storage::DeliveryState::Pending;
            });
            finished = jobsDone && delivered && deliveries.size() >= store.results().size();
        }
        std::cout << "\n";
        for (const auto& job : store.jobs()) {
            if (job.state == storage::JobState::Failed) {
                std::cout << "  study " << job.studyUid << ": job " << job.id << " FAILED: " << job.lastError << "\n";
                exitCode = 1;
            }
        }
        for (const auto& result : store.results()) {
            std::string where;
            for (const auto& delivery : store.deliveries()) {
                if (delivery.resultId == result.id && delivery.state == storage::DeliveryState::Delivered) where = pacsName;
            }
            printSr(result.srPath, pacsFolder.pathOf(result.srSopInstanceUid), where);
            if (where.empty()) exitCode = 1;
        }
        if (!finished) {
            std::cout << "radnode demo: timed out after " << timeoutSeconds << " s waiting for results\n";
            exitCode = 1;
        }
        service.stop();
    }
    pacs.stop();
    pacsThread.join();
    std::cout << "\nEvery result above is research output from unverified decision support, not a diagnosis.\n"
              << "Audit trail and job state: " << (state / "node" / "radnode.sqlite").string() << "\n";
    return exitCode;
}

} // namespace radnode::node
