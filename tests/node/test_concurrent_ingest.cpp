// Four storescu processes send 1,000 instances at once: every one is indexed exactly once,
// and files and rows agree one to one.
#include "node/live_node.h"
#include "test_support.h"

#include <doctest/doctest.h>

#include <chrono>
#include <fstream>
#include <iomanip>
#include <iterator>
#include <sstream>
#include <thread>

using namespace radnode::test;

namespace {

// The template's SOP Instance UID; copies get UIDs of the same length, so the file's element
// lengths stay valid when the bytes are replaced (in the meta header and in the dataset).
const std::string kTemplateUid = "2.25.100000000000000000000000000";

std::string uidNumber(int n) {
    std::ostringstream text;
    text << "2.25.2" << std::setw(static_cast<int>(kTemplateUid.size()) - 6) << std::setfill('0') << n;
    return text.str();
}

} // namespace

TEST_CASE("a thousand instances from four concurrent storescu processes are each indexed exactly once") {
    REQUIRE(haveProgram("dump2dcm"));
    REQUIRE(haveProgram("storescu"));
    TempDir dir;
    // A tiny Secondary Capture image: the test is about concurrency, not pixels.
    {
        std::ofstream dump(dir / "template.dump");
        dump << "(0008,0016) UI =SecondaryCaptureImageStorage\n"
             << "(0008,0018) UI [" << kTemplateUid << "]\n"
             << "(0008,0060) CS [OT]\n(0010,0010) PN [Concurrent^Test]\n(0010,0020) LO [CONC-1]\n"
             << "(0020,000d) UI [2.25.4711]\n(0020,000e) UI [2.25.4712]\n"
             << "(0028,0002) US 1\n(0028,0004) CS [MONOCHROME2]\n(0028,0010) US 4\n(0028,0011) US 4\n"
             << "(0028,0100) US 8\n(0028,0101) US 8\n(0028,0102) US 7\n(0028,0103) US 0\n"
             << "(7fe0,0010) OB 01\\02\\03\\04\\05\\06\\07\\08\\09\\0a\\0b\\0c\\0d\\0e\\0f\\10\n";
    }
    const auto made = runCommand("dump2dcm '" + (dir / "template.dump").string() + "' '" +
                                 (dir / "template.dcm").string() + "'");
    REQUIRE_MESSAGE(made.exitCode == 0, made.output);
    std::ifstream in(dir / "template.dcm", std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    REQUIRE(countOccurrences(bytes, kTemplateUid) == 2);

    constexpr int kSenders = 4, kPerSender = 250;
    for (int sender = 0; sender < kSenders; ++sender) {
        const auto folder = dir / ("batch" + std::to_string(sender));
        std::filesystem::create_directories(folder);
        for (int i = 0; i < kPerSender; ++i) {
            const int n = sender * kPerSender + i;
            std::string copy = bytes;
            for (auto at = copy.find(kTemplateUid); at != std::string::npos; at = copy.find(kTemplateUid, at)) {
                copy.replace(at, kTemplateUid.size(), uidNumber(n));
            }
            std::ofstream(folder / ("img" + std::to_string(n) + ".dcm"), std::ios::binary) << copy;
        }
    }

    LiveNode node(dir, {});
    std::vector<std::unique_ptr<ChildProcess>> senders;
    for (int sender = 0; sender < kSenders; ++sender) {
        const auto folder = dir / ("batch" + std::to_string(sender));
        senders.push_back(std::make_unique<ChildProcess>(
            std::vector<std::string>{"storescu", "-aec", "RADNODE", "-aet", "SENDER" + std::to_string(sender), "+sd",
                                     "127.0.0.1", std::to_string(node.port), folder.string()},
            dir / ("storescu" + std::to_string(sender) + ".log")));
    }
    for (int sender = 0; sender < kSenders; ++sender) {
        // storescu ends on its own; stop() then only collects its exit code.
        for (int waited = 0; waited < 1200 && senders[sender]->running(); ++waited) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        const int exitCode = senders[sender]->stop(5);
        CHECK_MESSAGE(exitCode == 0, readText(dir / ("storescu" + std::to_string(sender) + ".log")));
    }
    CHECK(node.process->stop() == 0);

    const auto database = dir / "state" / "radnode.sqlite";
    CHECK(sqlite(database, "SELECT count(*) FROM instances") == "1000");
    CHECK(sqlite(database, "SELECT count(DISTINCT sop_instance_uid) FROM instances") == "1000");
    CHECK(sqlite(database, "SELECT count(DISTINCT calling_ae) FROM instances") == "4");
    CHECK(sqlite(database, "SELECT count(*) FROM audit_log WHERE event = 'instance.received'") == "1000");
    std::size_t files = 0;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir / "state" / "files" / "instances")) {
        files += entry.is_regular_file();
    }
    CHECK(files == 1000);
}
