// kill -9 in the middle of a transfer: after a restart nothing acknowledged is lost, nothing
// half-written is left, and the sender's retry completes with every instance indexed once.
#include "node/live_node.h"
#include "test_support.h"

#include <doctest/doctest.h>

#include <chrono>
#include <map>
#include <set>
#include <sstream>
#include <thread>

using namespace radnode::test;

namespace {

// SOP Instance UIDs storescu saw acknowledged with success, from its verbose log.
std::set<std::string> acknowledged(const std::string& log, const std::map<std::string, std::string>& uidOfFile) {
    std::set<std::string> uids;
    std::istringstream lines(log);
    std::string line, sending;
    while (std::getline(lines, line)) {
        const auto at = line.find("Sending file: ");
        if (at != std::string::npos) sending = line.substr(at + 14);
        if (line.find("Received Store Response (Success)") != std::string::npos && uidOfFile.count(sending)) {
            uids.insert(uidOfFile.at(sending));
        }
    }
    return uids;
}

} // namespace

TEST_CASE("kill -9 during a 100-instance transfer loses nothing acknowledged; the retry completes") {
    REQUIRE(haveProgram("storescu"));
    REQUIRE(haveProgram("dcmodify"));
    TempDir dir;
    const auto synth = runCommand(kRadnode + " synth --modality us --seed 21 --no-node --out '" + (dir / "seed").string() + "'");
    REQUIRE(synth.exitCode == 0);
    std::filesystem::path image;
    for (const auto& entry : std::filesystem::directory_iterator(dir / "seed")) {
        if (entry.path().string().find("_us_tumour") != std::string::npos) image = entry.path();
    }
    REQUIRE(!image.empty());

    // 100 distinct instances of one study.
    std::filesystem::create_directories(dir / "batch");
    std::map<std::string, std::string> uidOfFile;
    for (int i = 0; i < 100; ++i) {
        const auto file = dir / "batch" / ("img" + std::to_string(1000 + i) + ".dcm");
        std::filesystem::copy_file(image, file);
        const std::string uid = "2.25.4242" + std::to_string(1000 + i);
        REQUIRE(runCommand("dcmodify -nb -m '(0008,0018)=" + uid + "' '" + file.string() + "'").exitCode == 0);
        uidOfFile[file.string()] = uid;
    }
    const auto database = dir / "state" / "radnode.sqlite";
    const std::string send = "storescu -v -aec RADNODE -R +sd 127.0.0.1 ";

    std::set<std::string> beforeCrash;
    {
        LiveNode node(dir, {});
        // The sender runs in the background; the node dies under it.
        const auto log = dir / "storescu-1.log";
        ChildProcess sender({"sh", "-c", send + std::to_string(node.port) + " '" + (dir / "batch").string() + "'"}, log);
        for (int waited = 0; waited < 200; ++waited) {
            std::this_thread::sleep_for(std::chrono::milliseconds(25));
            if (countOccurrences(readText(log), "Received Store Response (Success)") >= 20) break;
        }
        node.process->kill9();
        sender.stop(30);
        beforeCrash = acknowledged(readText(log), uidOfFile);
        INFO("acknowledged before the crash: " << beforeCrash.size());
        CHECK(beforeCrash.size() >= 20);
        CHECK(beforeCrash.size() < 100);
    }
    {
        LiveNode node(dir, {});
        // Every acknowledged instance survived the crash.
        for (const auto& uid : beforeCrash) {
            CHECK_MESSAGE(sqlite(database, "SELECT count(*) FROM instances WHERE sop_instance_uid = '" + uid + "'") == "1",
                          uid);
        }
        // The sender's retry: everything again.
        const auto retry = runCommand(send + std::to_string(node.port) + " '" + (dir / "batch").string() + "'");
        CHECK_MESSAGE(retry.exitCode == 0, retry.output);
        CHECK(node.process->stop() == 0);
    }
    CHECK(sqlite(database, "SELECT count(*) FROM instances") == "100");
    CHECK(sqlite(database, "SELECT count(DISTINCT sop_instance_uid) FROM instances") == "100");
    CHECK(std::filesystem::is_empty(dir / "state" / "files" / "incoming"));
    // Files on disk and rows agree one to one.
    std::size_t files = 0;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir / "state" / "files" / "instances")) {
        if (entry.is_regular_file()) ++files;
    }
    CHECK(files == 100);
}
