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

namespace {

std::int64_t countRows(const std::filesystem::path& database, const std::string& query) {
    const auto text = sqlite(database, query);
    return text.empty() ? -1 : std::stoll(text);
}

// SR SOP Instance UIDs storescp wrote (file names "<SR abbreviation>.<uid>"), each once.
std::set<std::string> deliveredSrUids(const std::filesystem::path& folder) {
    std::set<std::string> uids;
    for (const auto& entry : std::filesystem::directory_iterator(folder)) {
        const auto name = entry.path().filename().string();
        const auto dot = name.find('.');
        if (name.rfind("SR", 0) == 0 && dot != std::string::npos) uids.insert(name.substr(dot + 1));
    }
    return uids;
}

} // namespace

TEST_CASE("kill -9 in twenty rounds of ingest, analysis and delivery: exact counts after recovery") {
    REQUIRE(haveProgram("storescu"));
    REQUIRE(haveProgram("storescp"));
    TempDir dir;
    // Twenty small ultrasound studies (tumour image, node image, SEG each), one new per round.
    constexpr int kRounds = 20;
    std::size_t instanceFiles = 0;
    for (int study = 0; study < kRounds; ++study) {
        const auto folder = dir / "studies" / std::to_string(study);
        const auto synth = runCommand(kRadnode + " synth --modality us --seed " + std::to_string(300 + study) +
                                      " --out '" + folder.string() + "'");
        REQUIRE_MESSAGE(synth.exitCode == 0, synth.output);
        for (const auto& entry : std::filesystem::directory_iterator(folder)) instanceFiles += entry.is_regular_file();
    }
    std::filesystem::create_directories(dir / "pacs");
    const int pacsPort = freeLoopbackPort();
    ChildProcess pacs({"storescp", "--aetitle", "PACS", "--output-directory", (dir / "pacs").string(),
                       std::to_string(pacsPort)},
                      dir / "storescp.log");
    REQUIRE(waitForPort(pacsPort, 10000));
    const std::vector<std::string> destination{"--destination", "PACS@127.0.0.1:" + std::to_string(pacsPort)};
    const auto database = dir / "state" / "radnode.sqlite";
    const std::string send = "storescu -aec RADNODE -R +sd +r 127.0.0.1 ";

    // Each round sends a new study and kills the node at a moment that cycles through
    // receiving, the quiet period, analysis, writing the SR and delivering it; the work the
    // previous kill interrupted resumes at each start.
    int killedAnalysing = 0, killedDelivering = 0;
    for (int round = 0; round < kRounds; ++round) {
        LiveNode node(dir, destination);
        const auto study = dir / "studies" / std::to_string(round);
        ChildProcess sender({"sh", "-c", send + std::to_string(node.port) + " '" + study.string() + "'"},
                            dir / ("storescu-" + std::to_string(round) + ".log"));
        std::this_thread::sleep_for(std::chrono::milliseconds(30 + 170 * (round % 10)));
        node.process->kill9();
        sender.stop(30);
        // Where the kill landed, for the record (timing decides; the checks below do not).
        if (countRows(database, "SELECT count(*) FROM jobs WHERE state = 'running'") > 0) ++killedAnalysing;
        if (countRows(database, "SELECT count(*) FROM deliveries WHERE state = 'pending'") > 0) ++killedDelivering;
    }
    MESSAGE("kills during analysis: " << killedAnalysing << ", with deliveries pending: " << killedDelivering);

    // The last start recovers; the senders' retry completes; the queue drains.
    {
        LiveNode node(dir, destination);
        const auto retry = runCommand(send + std::to_string(node.port) + " '" + (dir / "studies").string() + "'");
        CHECK_MESSAGE(retry.exitCode == 0, retry.output);
        bool drained = false;
        for (int waited = 0; waited < 600 && !drained; ++waited) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            drained = countRows(database, "SELECT count(*) FROM jobs WHERE state IN ('queued', 'running')") == 0 &&
                      countRows(database, "SELECT count(*) FROM deliveries WHERE state = 'pending'") == 0 &&
                      countRows(database, "SELECT count(DISTINCT study_uid) FROM results") == kRounds;
        }
        CHECK_MESSAGE(drained, readText(dir / "node.log"));
        CHECK(node.process->stop() == 0);
    }

    // Instances: every file exactly once, file and row one to one, nothing half-written.
    CHECK(countRows(database, "SELECT count(*) FROM instances") == static_cast<std::int64_t>(instanceFiles));
    CHECK(countRows(database, "SELECT count(DISTINCT sop_instance_uid) FROM instances") ==
          static_cast<std::int64_t>(instanceFiles));
    CHECK(std::filesystem::is_empty(dir / "state" / "files" / "incoming"));
    // Results: each study has one current result; every result has exactly one delivery and it
    // was delivered; the destination holds exactly the SRs of those results, none twice.
    const auto results = countRows(database, "SELECT count(*) FROM results");
    CHECK(countRows(database, "SELECT count(*) FROM results r WHERE NOT EXISTS "
                              "(SELECT 1 FROM results s WHERE s.supersedes_result_id = r.id)") == kRounds);
    CHECK(countRows(database, "SELECT count(*) FROM deliveries") == results);
    CHECK_MESSAGE(countRows(database, "SELECT count(*) FROM deliveries WHERE state = 'delivered'") == results,
                  sqlite(database, "SELECT state, last_status, last_error FROM deliveries WHERE state <> 'delivered'"));
    CHECK(countRows(database, "SELECT count(*) FROM jobs WHERE state = 'running'") == 0);
    const auto delivered = deliveredSrUids(dir / "pacs");
    CHECK(static_cast<std::int64_t>(delivered.size()) == results);
    for (const auto& uid : delivered) {
        CHECK_MESSAGE(countRows(database, "SELECT count(*) FROM results WHERE sr_sop_instance_uid = '" + uid + "'") == 1,
                      uid);
    }
    pacs.stop();
}
