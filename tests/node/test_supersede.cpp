// An instance that arrives after a study's result re-opens the study: a new job runs and its
// SR supersedes the first, naming it in the Predecessor Documents Sequence.
#include "dicom/sr_reader.h"
#include "node/live_node.h"
#include "test_support.h"

#include <doctest/doctest.h>

#include <chrono>
#include <functional>
#include <thread>

using namespace radnode::test;

namespace {

} // namespace

TEST_CASE("a late instance re-analyses the study and the new SR supersedes the first") {
    REQUIRE(haveProgram("storescu"));
    REQUIRE(haveProgram("dcmodify"));
    TempDir dir;
    const auto synth = runCommand(kRadnode + " synth --modality us --seed 31 --out '" + (dir / "study").string() + "'");
    REQUIRE(synth.exitCode == 0);
    const auto database = dir / "state" / "radnode.sqlite";
    LiveNode node(dir, {});
    const auto port = std::to_string(node.port);
    REQUIRE(runCommand("storescu -aec RADNODE -R +sd 127.0.0.1 " + port + " '" + (dir / "study").string() + "'").exitCode == 0);
    REQUIRE_MESSAGE(waitFor([&] { return sqlite(database, "SELECT count(*) FROM results") == "1"; }, 120),
                    readText(dir / "node.log"));
    const std::string firstSr = sqlite(database, "SELECT sr_sop_instance_uid FROM results");

    // The modality re-sends the tumour image with a corrected comment: a new version.
    std::filesystem::path tumour;
    for (const auto& entry : std::filesystem::directory_iterator(dir / "study")) {
        if (entry.path().string().find("_us_tumour") != std::string::npos) tumour = entry.path();
    }
    REQUIRE(runCommand("dcmodify -nb -i '(0020,4000)=corrected' '" + tumour.string() + "'").exitCode == 0);
    REQUIRE(runCommand("storescu -aec RADNODE -R 127.0.0.1 " + port + " '" + tumour.string() + "'").exitCode == 0);

    REQUIRE_MESSAGE(waitFor([&] { return sqlite(database, "SELECT count(*) FROM results") == "2"; }, 120),
                    readText(dir / "node.log"));
    CHECK(sqlite(database, "SELECT count(*) FROM audit_log WHERE event = 'instance.new_version'") == "1");
    CHECK(sqlite(database, "SELECT count(*) FROM jobs WHERE state = 'done'") == "2");
    CHECK(sqlite(database, "SELECT supersedes_result_id FROM results ORDER BY id DESC LIMIT 1") ==
          sqlite(database, "SELECT id FROM results ORDER BY id LIMIT 1"));
    const std::string secondPath = sqlite(database, "SELECT sr_path FROM results ORDER BY id DESC LIMIT 1");
    const auto second = radnode::dicom::readSr(secondPath);
    REQUIRE(second.predecessor);
    CHECK(second.predecessor->sopInstanceUid == firstSr);
    CHECK(node.process->stop() == 0);
}
