// The walking skeleton end to end with real peers: DCMTK storescu sends a synthetic study
// to `radnode serve`, which analyses it and delivers a TID 1500 SR to DCMTK storescp.
#include "node/live_node.h"
#include "test_support.h"

#include <doctest/doctest.h>

#include <chrono>
#include <thread>

using namespace radnode::test;

namespace {

std::vector<std::filesystem::path> filesIn(const std::filesystem::path& folder) {
    std::vector<std::filesystem::path> files;
    if (!std::filesystem::exists(folder)) return files;
    for (const auto& entry : std::filesystem::directory_iterator(folder)) {
        if (entry.is_regular_file()) files.push_back(entry.path());
    }
    return files;
}


} // namespace

TEST_CASE("a synthetic ultrasound study goes from storescu through radnode to storescp as a valid SR") {
    REQUIRE(haveProgram("storescu"));
    REQUIRE(haveProgram("storescp"));
    REQUIRE(haveProgram("dciodvfy"));
    REQUIRE(haveProgram("sqlite3"));
    TempDir dir;
    std::filesystem::create_directories(dir / "pacs");
    const int pacsPort = freeLoopbackPort();
    ChildProcess pacs({"storescp", "--aetitle", "PACS", "--output-directory", (dir / "pacs").string(),
                       std::to_string(pacsPort)},
                      dir / "storescp.log");
    REQUIRE(waitForPort(pacsPort, 10000));

    const auto synth = runCommand(kRadnode + " synth --modality us --seed 7 --out '" + (dir / "study").string() + "'");
    REQUIRE_MESSAGE(synth.exitCode == 0, synth.output);
    const auto studyFiles = filesIn(dir / "study");
    REQUIRE(studyFiles.size() >= 2);

    LiveNode node(dir, {"--destination", "PACS@127.0.0.1:" + std::to_string(pacsPort)});
    const auto echo = runCommand("echoscu -aec RADNODE 127.0.0.1 " + std::to_string(node.port));
    CHECK_MESSAGE(echo.exitCode == 0, std::string(echo.output + readText(dir / "node.log")));

    const auto sent = runCommand("storescu -aec RADNODE -aet TESTSCU -R +sd 127.0.0.1 " + std::to_string(node.port) +
                                 " '" + (dir / "study").string() + "'");
    REQUIRE_MESSAGE(sent.exitCode == 0, sent.output);

    std::vector<std::filesystem::path> delivered;
    for (int waited = 0; waited < 240 && delivered.empty(); ++waited) {
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        for (const auto& file : filesIn(dir / "pacs")) {
            if (file.filename().string().rfind("SR", 0) == 0) delivered.push_back(file);
        }
    }
    REQUIRE_MESSAGE(delivered.size() == 1, readText(dir / "node.log"));

    const auto validation = runCommand("dciodvfy '" + delivered[0].string() + "'");
    CHECK_MESSAGE(countOccurrences(validation.output, "Error") == 0, validation.output);
    const auto dump = runCommand("dsrdump '" + delivered[0].string() + "'");
    CHECK(dump.exitCode == 0);
    CHECK(dump.output.find("Imaging Measurement Report") != std::string::npos);

    CHECK(node.process->stop() == 0); // SIGTERM drains and exits cleanly

    const auto database = dir / "state" / "radnode.sqlite";
    CHECK(sqlite(database, "SELECT count(*) FROM audit_log WHERE event = 'instance.received'") ==
          std::to_string(studyFiles.size()));
    CHECK(sqlite(database, "SELECT count(*) FROM jobs WHERE state = 'done'") == "1");
    CHECK(sqlite(database, "SELECT count(*) FROM deliveries WHERE state = 'delivered'") == "1");
    CHECK(sqlite(database, "SELECT count(*) FROM audit_log WHERE event = 'delivery.succeeded'") == "1");
    // The result is queryable, not only inside the SR: every feature of every ROI.
    CHECK(std::stoi(sqlite(database, "SELECT count(DISTINCT roi) FROM result_features")) >= 7);
    CHECK(std::stoi(sqlite(database, "SELECT count(*) FROM result_features WHERE value IS NOT NULL")) > 700);

    const auto audit = runCommand(kRadnode + " audit --state-dir '" + (dir / "state").string() + "' --format json");
    REQUIRE_MESSAGE(audit.exitCode == 0, audit.output);
    CHECK(audit.output.front() == '[');
    CHECK(audit.output.find("\"event\":\"result.created\"") != std::string::npos);
    const auto outbox = runCommand(kRadnode + " outbox --state-dir '" + (dir / "state").string() + "'");
    CHECK(outbox.exitCode == 0);
    CHECK(outbox.output.find("delivered") != std::string::npos);
    pacs.stop();
}

TEST_CASE("corrupt data and unknown SOP classes are refused with a status, audited, and the node keeps serving") {
    REQUIRE(haveProgram("dcmodify"));
    REQUIRE(haveProgram("dcmsend"));
    TempDir dir;
    const auto synth = runCommand(kRadnode + " synth --modality us --seed 8 --no-node --out '" + (dir / "study").string() + "'");
    REQUIRE_MESSAGE(synth.exitCode == 0, synth.output);
    std::filesystem::path image;
    for (const auto& file : filesIn(dir / "study")) {
        if (runCommand("dcmdump +P 0008,0060 '" + file.string() + "'").output.find("US") != std::string::npos) image = file;
    }
    REQUIRE(!image.empty());

    // No Study Instance UID: the data set does not match its SOP class (A900).
    const auto noStudy = dir / "no-study.dcm";
    std::filesystem::copy_file(image, noStudy);
    REQUIRE(runCommand("dcmodify -nb -ea '(0020,000d)' '" + noStudy.string() + "'").exitCode == 0);
    // A SOP class no one knows: not a storage SOP class radnode accepts (0122).
    const auto unknownClass = dir / "unknown-class.dcm";
    std::filesystem::copy_file(image, unknownClass);
    REQUIRE(runCommand("dcmodify -nb -m '(0008,0016)=1.2.826.0.1.3680043.9.7433.99.1' '" + unknownClass.string() + "'")
                .exitCode == 0);

    LiveNode node(dir, {});
    const auto port = std::to_string(node.port);
    const auto first = runCommand("storescu -v -aec RADNODE -R 127.0.0.1 " + port + " '" + noStudy.string() + "'");
    CHECK_MESSAGE(first.output.find("Error: DataSetDoesNotMatchSOPClass") != std::string::npos, first.output);
    // storescu will not send a SOP class it does not know; dcmsend can be told to.
    const auto second = runCommand("dcmsend -v -nuc -aec RADNODE 127.0.0.1 " + port + " '" + unknownClass.string() + "'");
    CHECK_MESSAGE(second.output.find("Refused: SOPClassNotSupported") != std::string::npos, second.output);

    const auto echo = runCommand("echoscu -aec RADNODE 127.0.0.1 " + port);
    CHECK_MESSAGE(echo.exitCode == 0, echo.output);
    const auto good = runCommand("storescu -aec RADNODE -R 127.0.0.1 " + port + " '" + image.string() + "'");
    CHECK_MESSAGE(good.exitCode == 0, good.output);

    CHECK(node.process->stop() == 0);
    const auto database = dir / "state" / "radnode.sqlite";
    CHECK(sqlite(database, "SELECT count(*) FROM audit_log WHERE event = 'instance.refused'") == "2");
    CHECK(sqlite(database, "SELECT count(*) FROM instances") == "1");
    CHECK(filesIn(dir / "state" / "files" / "incoming").empty());
}

TEST_CASE("an unknown calling host or AE title is refused at association time") {
    TempDir dir;
    // Only AE "MODALITY" from 127.0.0.1 may send.
    writeText(dir / "node.yaml", "listener:\n  allowed_peers:\n    - ae_title: MODALITY\n      host: 127.0.0.1\n");
    LiveNode node(dir, {"--config", (dir / "node.yaml").string()});
    const auto port = std::to_string(node.port);
    CHECK(runCommand("echoscu -aet MODALITY -aec RADNODE 127.0.0.1 " + port).exitCode == 0);
    const auto stranger = runCommand("echoscu -aet STRANGER -aec RADNODE 127.0.0.1 " + port);
    CHECK(stranger.exitCode != 0);
    CHECK_MESSAGE(stranger.output.find("Calling AE Title Not Recognized") != std::string::npos, stranger.output);
    const auto wrongCalled = runCommand("echoscu -aet MODALITY -aec OTHERNODE 127.0.0.1 " + port);
    CHECK(wrongCalled.exitCode != 0);
    CHECK(node.process->stop() == 0);
    const auto refused = sqlite(dir / "state" / "radnode.sqlite",
                                "SELECT detail FROM audit_log WHERE event = 'association.refused' ORDER BY id");
    CHECK_MESSAGE(refused.find("unknown peer STRANGER@127.0.0.1") != std::string::npos, refused);
    CHECK_MESSAGE(refused.find("called AE title 'OTHERNODE'") != std::string::npos, refused);
    CHECK(sqlite(dir / "state" / "radnode.sqlite", "SELECT count(*) FROM audit_log WHERE event = 'association.refused'") == "2");
}
