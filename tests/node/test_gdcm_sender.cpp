// GDCM's gdcmscu as a real sender: real ultrasound files (implicit VR, JPEG 2000, RLE
// multi-frame) and the CT + SEG pair are each indexed once, and the pair becomes an SR.
// Debian's gdcmscu 3.0.21 aborts after every association it releases (docs/testing.md,
// "gdcmscu"), so the sender is judged by its own per-file success lines, not its exit status.
#include "node/live_node.h"
#include "test_support.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

using namespace radnode::test;

namespace {

const std::filesystem::path kDicom = std::filesystem::path(RADNODE_TEST_DATA_DIR) / "dicom";

// GDCM's own message when RunEventLoop goes round once more after the A-RELEASE-RP closed the
// socket; it is thrown after the release is complete, so nothing on the wire is lost.
const std::string kReleaseAbort = "ProtocolStream as nullptr is invalid";
// What gdcmscu -D logs on reading an A-RELEASE-RP (PDU type 6).
const std::string kReleaseReply = "Received ItemType #6";

// Runs gdcmscu with debug output (the only mode in which it reports each file's C-STORE status)
// and returns its output followed by a line "gdcmscu exit status N".
std::string gdcmscu(const std::string& arguments) {
    return runCommand("gdcmscu -D --aetitle GDCMSCU --call RADNODE " + arguments +
                      " 2>&1; echo \"gdcmscu exit status $?\"")
        .output;
}

// The sender finished cleanly, or died only in GDCM's release bug (SIGABRT: 134 from the shell)
// after the node had answered its A-RELEASE-RQ.
bool endedCleanlyOrInReleaseBug(const std::string& output) {
    if (output.find("gdcmscu exit status 0\n") != std::string::npos) return true;
    const auto released = output.find(kReleaseReply);
    return output.find("gdcmscu exit status 134\n") != std::string::npos && released != std::string::npos &&
           output.find(kReleaseAbort, released) != std::string::npos;
}

void store(int port, const std::vector<std::filesystem::path>& files) {
    std::string arguments = "--store 127.0.0.1 " + std::to_string(port);
    for (const auto& file : files) arguments += " '" + file.string() + "'";
    const auto output = gdcmscu(arguments);
    for (const auto& file : files) {
        // CompositeNetworkFunctions::CStore logs this only for a response status of 0000 (Success).
        CHECK_MESSAGE(output.find("C-Store of file " + file.string() + " was successful.") != std::string::npos,
                      (file.string() + "\n" + output));
    }
    CHECK_MESSAGE(endedCleanlyOrInReleaseBug(output), output);
}

} // namespace

TEST_CASE("gdcmscu (GDCM) echoes and sends real files: each is indexed once, the CT + SEG pair becomes an SR") {
    if (!haveProgram("gdcmscu")) {
        MESSAGE("gdcmscu is not installed (Debian package libgdcm-tools): GDCM sender test skipped");
        return;
    }
    TempDir dir;
    LiveNode node(dir, {});
    const auto database = dir / "state" / "radnode.sqlite";

    const auto echo = gdcmscu("--echo 127.0.0.1 " + std::to_string(node.port));
    CHECK_MESSAGE(echo.find("(0000,0100) ?? (US) 32816") != std::string::npos, echo); // C-ECHO-RSP
    CHECK_MESSAGE(echo.find("(0000,0900) ?? (US) 0 ") != std::string::npos, echo);    // Success
    CHECK_MESSAGE(endedCleanlyOrInReleaseBug(echo), echo);

    const auto aloka = kDicom / "us/gdcm-US-ALOKA-16.dcm";
    const std::vector<std::filesystem::path> files{aloka,
                                                   kDicom / "us/US1_J2KR.dcm",
                                                   kDicom / "us/us-multiframe-rle-0020.dcm",
                                                   kDicom / "seg/ct-3slice/01.dcm",
                                                   kDicom / "seg/ct-3slice/02.dcm",
                                                   kDicom / "seg/ct-3slice/03.dcm",
                                                   kDicom / "seg/liver.dcm"};
    store(node.port, files); // one association for all seven
    store(node.port, {aloka}); // the same instance again: acknowledged, not indexed twice

    const auto count = std::to_string(files.size());
    CHECK(sqlite(database, "SELECT count(*) FROM instances") == count);
    CHECK(sqlite(database, "SELECT count(DISTINCT sop_instance_uid) FROM instances") == count);
    CHECK(sqlite(database, "SELECT count(*) FROM instances WHERE calling_ae = 'GDCMSCU'") == count);
    CHECK(sqlite(database, "SELECT count(*) FROM audit_log WHERE event = 'instance.received'") == count);
    CHECK(sqlite(database, "SELECT count(*) FROM audit_log WHERE event = 'instance.duplicate'") == "1");
    CHECK(sqlite(database, "SELECT count(*) FROM audit_log WHERE event = 'instance.refused'") == "0");
    // Stored as GDCM sent them: JPEG 2000 lossless and RLE stay compressed.
    CHECK(sqlite(database, "SELECT count(*) FROM instances WHERE transfer_syntax = '1.2.840.10008.1.2.4.90'") == "1");
    CHECK(sqlite(database, "SELECT count(*) FROM instances WHERE transfer_syntax = '1.2.840.10008.1.2.5'") == "1");
    std::size_t stored = 0;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir / "state" / "files" / "instances")) {
        stored += entry.is_regular_file();
    }
    CHECK(stored == files.size());

    const std::string ctStudy = sqlite(database, "SELECT study_uid FROM instances WHERE modality = 'CT' LIMIT 1");
    REQUIRE(!ctStudy.empty());
    CHECK_MESSAGE(waitFor([&] { return sqlite(database, "SELECT count(*) FROM results WHERE study_uid = '" + ctStudy + "'") == "1"; }, 120),
                  readText(dir / "node.log"));
    CHECK(node.process->stop() == 0);
}
