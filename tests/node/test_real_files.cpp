// Real DICOM files from public collections, sent by real peers: DCMTK storescu and an Orthanc
// that pushes through its REST API. Everything is stored; the CT + SEG pair forms a job and
// an SR; a SEG whose sources never arrive fails with the missing UIDs named.
#include "node/live_node.h"
#include "test_support.h"

#include <doctest/doctest.h>

#include <chrono>
#include <functional>
#include <thread>

using namespace radnode::test;

namespace {

const std::filesystem::path kDicom = std::filesystem::path(RADNODE_TEST_DATA_DIR) / "dicom";

// dcmsend rather than storescu: storescu cannot convert JPEG 2000 and then picks a context
// it cannot use; dcmsend proposes the file's own transfer syntax, which the node stores as is.
std::string send(int port, const std::vector<std::filesystem::path>& files) {
    std::string command = "dcmsend -aec RADNODE 127.0.0.1 " + std::to_string(port);
    for (const auto& file : files) command += " '" + file.string() + "'";
    const auto result = runCommand(command);
    CHECK_MESSAGE(result.exitCode == 0, result.output);
    return result.output;
}

} // namespace

TEST_CASE("real files: every one is stored, the CT + SEG pair becomes an SR, a SEG without sources fails") {
    REQUIRE(haveProgram("dcmsend"));
    TempDir dir;
    writeText(dir / "node.yaml", "assembly:\n  seg_window: 3s\n");
    LiveNode node(dir, {"--config", (dir / "node.yaml").string()});
    const auto database = dir / "state" / "radnode.sqlite";

    const std::vector<std::filesystem::path> images{
        kDicom / "us/gdcm-US-ALOKA-16.dcm", kDicom / "us/US1_UNCR.dcm", kDicom / "us/US1_J2KR.dcm",
        kDicom / "us/us-multiframe-rle-0020.dcm", kDicom / "mg/MG_Explicit_Little.dcm", kDicom / "dx/dx_image.dcm",
        kDicom / "enhanced/emri_small.dcm"};
    send(node.port, images);
    send(node.port, {kDicom / "seg/ct-3slice/01.dcm", kDicom / "seg/ct-3slice/02.dcm", kDicom / "seg/ct-3slice/03.dcm",
                     kDicom / "seg/liver.dcm"});
    send(node.port, {kDicom / "sr/sr.dcm", kDicom / "sr/seg.dcm"}); // the SR's PET sources are not here

    CHECK(sqlite(database, "SELECT count(*) FROM instances") == std::to_string(images.size() + 4 + 2));
    CHECK(sqlite(database, "SELECT count(*) FROM audit_log WHERE event = 'instance.refused'") == "0");
    // Stored as received: the JPEG 2000 file keeps its transfer syntax.
    CHECK(sqlite(database, "SELECT count(*) FROM instances WHERE transfer_syntax = '1.2.840.10008.1.2.4.90'") == "1");

    // The CT + liver SEG study: analysed in 3D, one SR.
    const std::string ctStudy = sqlite(database, "SELECT study_uid FROM instances WHERE modality = 'CT' LIMIT 1");
    REQUIRE(!ctStudy.empty());
    CHECK_MESSAGE(waitFor([&] { return sqlite(database, "SELECT count(*) FROM results WHERE study_uid = '" + ctStudy + "'") == "1"; }, 120),
                  readText(dir / "node.log"));

    // The head-and-neck SEG references PET images that never arrive: a failed job that names them.
    CHECK_MESSAGE(waitFor([&] { return sqlite(database, "SELECT count(*) FROM jobs WHERE state = 'failed'") == "1"; }, 60),
                  readText(dir / "node.log"));
    const auto reason = sqlite(database, "SELECT last_error FROM jobs WHERE state = 'failed'");
    CHECK_MESSAGE(reason.find("never arrived: ") != std::string::npos, reason);
    CHECK(node.process->stop() == 0);
}

TEST_CASE("Orthanc pushes a study to the node through its REST API") {
    REQUIRE(haveProgram("Orthanc"));
    REQUIRE(haveProgram("curl"));
    TempDir dir;
    LiveNode node(dir, {});
    const int orthancDicom = freeLoopbackPort();
    const int orthancHttp = freeLoopbackPort();
    writeText(dir / "orthanc.json", "{\n"
                                    "  \"Name\": \"radnode-test\",\n"
                                    "  \"StorageDirectory\": \"" + (dir / "orthanc-db").string() + "\",\n"
                                    "  \"IndexDirectory\": \"" + (dir / "orthanc-db").string() + "\",\n"
                                    "  \"DicomAet\": \"ORTHANC\",\n"
                                    "  \"DicomPort\": " + std::to_string(orthancDicom) + ",\n"
                                    "  \"HttpPort\": " + std::to_string(orthancHttp) + ",\n"
                                    "  \"RemoteAccessAllowed\": false,\n"
                                    "  \"AuthenticationEnabled\": false,\n"
                                    "  \"Plugins\": [],\n"
                                    "  \"DicomModalities\": { \"radnode\": [\"RADNODE\", \"127.0.0.1\", " +
                                        std::to_string(node.port) + "] }\n"
                                    "}\n");
    ChildProcess orthanc({"Orthanc", (dir / "orthanc.json").string()}, dir / "orthanc.log");
    REQUIRE_MESSAGE(waitForPort(orthancHttp, 30000), readText(dir / "orthanc.log"));
    const std::string base = "http://127.0.0.1:" + std::to_string(orthancHttp);

    const auto synth = runCommand(kRadnode + " synth --modality us --seed 41 --out '" + (dir / "study").string() + "'");
    REQUIRE(synth.exitCode == 0);
    int uploaded = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir / "study")) {
        const auto upload = runCommand("curl -s -X POST " + base + "/instances --data-binary @'" + entry.path().string() + "'");
        CHECK_MESSAGE(upload.output.find("\"Status\"") != std::string::npos, upload.output);
        ++uploaded;
    }
    const auto studies = runCommand("curl -s " + base + "/studies").output;
    const auto open = studies.find('"', studies.find('['));
    REQUIRE(open != std::string::npos);
    const std::string studyId = studies.substr(open + 1, studies.find('"', open + 1) - open - 1);
    const auto push = runCommand("curl -s -X POST " + base + "/modalities/radnode/store -d '\"" + studyId + "\"'");
    CHECK_MESSAGE(push.output.find("\"FailedInstancesCount\" : 0") != std::string::npos, push.output);

    const auto database = dir / "state" / "radnode.sqlite";
    CHECK(sqlite(database, "SELECT count(*) FROM instances") == std::to_string(uploaded));
    CHECK(sqlite(database, "SELECT count(DISTINCT calling_ae) FROM instances WHERE calling_ae = 'ORTHANC'") == "1");
    CHECK_MESSAGE(waitFor([&] { return sqlite(database, "SELECT count(*) FROM results") == "1"; }, 120),
                  readText(dir / "node.log"));
    CHECK(node.process->stop() == 0);
    orthanc.stop();
}
