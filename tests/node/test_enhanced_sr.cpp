// Per-destination SR format: a destination with sr_format: enhanced receives an Enhanced SR
// (same content, own SOP Instance UID, same series) in place of the Comprehensive 3D SR; every
// other destination receives the Comprehensive 3D SR only. Both carry the same numbers.
#include "dicom/sr_reader.h"
#include "node/live_node.h"
#include "node/outbox_sender.h"
#include "test_support.h"

#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <functional>
#include <thread>

using namespace radnode;
using namespace radnode::test;

namespace {

// What a storescp folder received: the SRs read back, and how many other objects came.
struct Received {
    std::vector<dicom::SrDocumentContent> srs;
    int otherObjects = 0;
};

Received receivedAt(const std::filesystem::path& folder) {
    Received received;
    for (const auto& entry : std::filesystem::directory_iterator(folder)) {
        // storescp names files "<modality abbreviation>.<SOP Instance UID>": "SR..." for SRs.
        if (entry.path().filename().string().rfind("SR", 0) == 0) {
            received.srs.push_back(dicom::readSr(entry.path()));
        } else {
            ++received.otherObjects; // the summary Secondary Capture images
        }
    }
    return received;
}

} // namespace

TEST_CASE("outbox: the Enhanced SR replaces the SR for enhanced destinations and goes nowhere else") {
    storage::DeliveryRow delivery;
    delivery.srPath = "r/sr.dcm";
    delivery.objects = {{"1.1", "1.2.840.10008.5.1.4.1.1.7", "r/sc1.dcm"},
                        {"1.2", dicom::kEnhancedSrSopClassUid, "r/enhanced.dcm"},
                        {"1.3", "1.2.840.10008.5.1.4.1.1.7", "r/sc2.dcm"}};
    using Files = std::vector<std::filesystem::path>;
    CHECK(node::filesToSend(delivery, config::SrFormat::Comprehensive3d) == Files{"r/sr.dcm", "r/sc1.dcm", "r/sc2.dcm"});
    CHECK(node::filesToSend(delivery, config::SrFormat::Enhanced) == Files{"r/enhanced.dcm", "r/sc1.dcm", "r/sc2.dcm"});
    // A result written before the destination asked for Enhanced SR has none: it gets the SR it has.
    delivery.objects.erase(delivery.objects.begin() + 1);
    CHECK(node::filesToSend(delivery, config::SrFormat::Enhanced) == Files{"r/sr.dcm", "r/sc1.dcm", "r/sc2.dcm"});
}

TEST_CASE("a comprehensive and an enhanced destination each receive their own SR class with the same content") {
    REQUIRE(haveProgram("storescu"));
    REQUIRE(haveProgram("storescp"));
    TempDir dir;
    const int plainPort = freeLoopbackPort();
    int enhancedPort = freeLoopbackPort();
    while (enhancedPort == plainPort) enhancedPort = freeLoopbackPort();
    std::filesystem::create_directories(dir / "plain");
    std::filesystem::create_directories(dir / "enhanced");
    ChildProcess plainPacs({"storescp", "--aetitle", "PLAIN", "--output-directory", (dir / "plain").string(),
                            std::to_string(plainPort)},
                           dir / "storescp-plain.log");
    ChildProcess enhancedPacs({"storescp", "--aetitle", "ENHANCED", "--output-directory", (dir / "enhanced").string(),
                               std::to_string(enhancedPort)},
                              dir / "storescp-enhanced.log");
    REQUIRE(waitForPort(plainPort, 10000));
    REQUIRE(waitForPort(enhancedPort, 10000));
    const auto configFile = dir / "node.yaml";
    writeText(configFile, "destinations:\n"
                          "  - {name: plain, ae_title: PLAIN, host: 127.0.0.1, port: " +
                              std::to_string(plainPort) +
                              "}\n"
                              "  - {name: enhanced, ae_title: ENHANCED, host: 127.0.0.1, port: " +
                              std::to_string(enhancedPort) + ", sr_format: enhanced}\n");
    const auto synth = runCommand(kRadnode + " synth --modality us --seed 61 --out '" + (dir / "study").string() + "'");
    REQUIRE(synth.exitCode == 0);
    LiveNode node(dir, {"--config", configFile.string()});
    const auto database = dir / "state" / "radnode.sqlite";
    REQUIRE(runCommand("storescu -aec RADNODE -R +sd 127.0.0.1 " + std::to_string(node.port) + " '" +
                       (dir / "study").string() + "'")
                .exitCode == 0);
    REQUIRE_MESSAGE(waitFor([&] { return sqlite(database, "SELECT count(*) FROM deliveries WHERE state = 'delivered'") == "2"; },
                            120),
                    (readText(dir / "node.log") + sqlite(database, "SELECT * FROM deliveries")));
    CHECK(node.process->stop() == 0);

    const std::string srUid = sqlite(database, "SELECT sr_sop_instance_uid FROM results");
    const std::string enhancedUid = sqlite(database, std::string("SELECT sop_instance_uid FROM result_objects "
                                                                 "WHERE sop_class_uid = '") +
                                                         dicom::kEnhancedSrSopClassUid + "'");
    REQUIRE_FALSE(enhancedUid.empty());
    CHECK(enhancedUid != srUid);

    const Received plain = receivedAt(dir / "plain");
    const Received enhanced = receivedAt(dir / "enhanced");
    REQUIRE(plain.srs.size() == 1);
    REQUIRE(enhanced.srs.size() == 1);
    const auto& comprehensiveSr = plain.srs.front();
    const auto& enhancedSr = enhanced.srs.front();
    CHECK(comprehensiveSr.sopClassUid == dicom::kComprehensive3dSrSopClassUid);
    CHECK(comprehensiveSr.sopInstanceUid == srUid);
    CHECK(enhancedSr.sopClassUid == dicom::kEnhancedSrSopClassUid);
    CHECK(enhancedSr.sopInstanceUid == enhancedUid);
    CHECK(enhancedSr.seriesInstanceUid == comprehensiveSr.seriesInstanceUid);
    CHECK(plain.otherObjects > 0);
    CHECK(enhanced.otherObjects == plain.otherObjects);

    // The same content: every group's every number (models: tests/dicom/test_sr.cpp).
    REQUIRE(enhancedSr.groups.size() == comprehensiveSr.groups.size());
    for (const auto& group : comprehensiveSr.groups) {
        CAPTURE(group.roiName);
        const auto* twin = dicom::findGroup(enhancedSr, group.roiName, group.view);
        REQUIRE(twin != nullptr);
        CHECK(twin->trackingUid == group.trackingUid);
        REQUIRE(twin->measurements.size() == group.measurements.size());
        for (std::size_t i = 0; i < group.measurements.size(); ++i) {
            const auto& a = group.measurements[i];
            const auto& b = twin->measurements[i];
            CHECK(b.featureName == a.featureName);
            CHECK(b.ucumUnit == a.ucumUnit);
            CHECK((b.value == a.value || (std::isnan(a.value) && std::isnan(b.value))));
        }
    }
    plainPacs.stop();
    enhancedPacs.stop();
}
