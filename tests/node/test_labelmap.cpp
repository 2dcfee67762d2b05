// A label-map Segmentation (Sup 243, newer than DCMTK 3.6.7's SOP class list) is accepted by
// the listener and analysed like a binary SEG.
#include "node/live_node.h"
#include "test_support.h"

#include <doctest/doctest.h>

#include <chrono>
#include <thread>

using namespace radnode::test;

TEST_CASE("a study whose SEG is a label map is stored and analysed into an SR") {
    REQUIRE(haveProgram("dcmsend"));
    TempDir dir;
    const auto synth =
        runCommand(kRadnode + " synth --modality us --labelmap --seed 17 --out '" + (dir / "study").string() + "'");
    REQUIRE_MESSAGE(synth.exitCode == 0, synth.output);
    bool haveLabelMap = false;
    for (const auto& entry : std::filesystem::directory_iterator(dir / "study")) {
        haveLabelMap |= entry.path().filename().string().find("_labelmap_seg") != std::string::npos;
    }
    REQUIRE(haveLabelMap);

    LiveNode node(dir, {});
    // dcmsend -nuc: DCMTK's own tools do not know the label-map SOP class yet either.
    const auto sent = runCommand("dcmsend -nuc -aec RADNODE +sd 127.0.0.1 " + std::to_string(node.port) + " '" +
                                 (dir / "study").string() + "'");
    REQUIRE_MESSAGE(sent.exitCode == 0, sent.output);
    const auto database = dir / "state" / "radnode.sqlite";
    bool done = false;
    for (int waited = 0; waited < 300 && !done; ++waited) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        done = sqlite(database, "SELECT count(*) FROM jobs WHERE state IN ('done', 'failed')") == "1";
    }
    REQUIRE_MESSAGE(done, readText(dir / "node.log"));
    CHECK(sqlite(database, "SELECT count(*) FROM instances WHERE sop_class_uid = '1.2.840.10008.5.1.4.1.1.66.7'") == "1");
    CHECK_MESSAGE(sqlite(database, "SELECT state FROM jobs") == "done",
                  sqlite(database, "SELECT last_error FROM jobs"));
    CHECK(std::stoi(sqlite(database, "SELECT count(DISTINCT roi) FROM result_features")) >= 7);
    CHECK(node.process->stop() == 0);
}
