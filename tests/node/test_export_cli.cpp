// `radnode export`: pathology labels by the TNM rules, and the feature table of a live node's
// results joined to a pathology CSV by accession number.
#include "node/live_node.h"
#include "node/clinical_inputs.h"
#include "node/pathology_labels.h"
#include "test_support.h"

#include <doctest/doctest.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

using namespace radnode::test;
using radnode::node::nodeLabels;

TEST_CASE("pathology labels: N0 vs N+, then 1-2 vs 3 or more nodes") {
    CHECK(nodeLabels("pN0", std::nullopt).status == 0);
    CHECK(!nodeLabels("pN0", std::nullopt).burden);
    CHECK(nodeLabels("pN0(i+)", std::nullopt).status == 0); // isolated tumour cells are N0
    CHECK(nodeLabels("ypN1a", std::nullopt).status == 1);
    CHECK(!nodeLabels("pN1a", std::nullopt).burden); // 1-3 nodes: the count decides
    CHECK(nodeLabels("pN1a", 2).burden == 0);
    CHECK(nodeLabels("pN1a", 3).burden == 1);
    CHECK(nodeLabels("pN2a", std::nullopt).burden == 1);
    CHECK(nodeLabels("N3c", std::nullopt).burden == 1);
    CHECK(nodeLabels("", 0).status == 0);
    CHECK(nodeLabels("", 1).burden == 0);
    CHECK(!nodeLabels("pNX", std::nullopt).status);
    CHECK_THROWS_WITH_AS(nodeLabels("pN0", 2), "pN category 'pN0' contradicts 2 metastatic node(s)", std::invalid_argument);
    CHECK_THROWS_AS(nodeLabels("pN1", 5), std::invalid_argument);
    CHECK_THROWS_AS(nodeLabels("pN2", 2), std::invalid_argument);
    CHECK_THROWS_AS(nodeLabels("stage II", std::nullopt), std::invalid_argument);
}

TEST_CASE("radnode export writes one row per study with features and joined labels") {
    REQUIRE(haveProgram("storescu"));
    TempDir dir;
    const auto synth = runCommand(kRadnode + " synth --modality us --seed 11 --out '" + (dir / "study").string() + "'");
    REQUIRE_MESSAGE(synth.exitCode == 0, synth.output);
    std::string accession;
    for (const auto& entry : std::filesystem::directory_iterator(dir / "study")) {
        accession = entry.path().filename().string().substr(0, 12); // SYN + 9 digits
    }
    REQUIRE(accession.rfind("SYN", 0) == 0);
    {
        LiveNode node(dir, {});
        const auto sent = runCommand("storescu -aec RADNODE -R +sd 127.0.0.1 " + std::to_string(node.port) + " '" +
                                     (dir / "study").string() + "'");
        REQUIRE_MESSAGE(sent.exitCode == 0, sent.output);
        bool done = false;
        for (int waited = 0; waited < 300 && !done; ++waited) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            done = sqlite(dir / "state" / "radnode.sqlite", "SELECT count(*) FROM results") == "1";
        }
        REQUIRE_MESSAGE(done, readText(dir / "node.log"));
        CHECK(node.process->stop() == 0);
    }
    {
        std::ofstream pathology(dir / "pathology.csv");
        pathology << "accession,pN,positive_nodes\n" << accession << ",pN1a,3\nOTHER,pN0,0\n";
    }
    const std::string state = " --state-dir '" + (dir / "state").string() + "'";
    const auto exported = runCommand(kRadnode + " export" + state + " --pathology '" + (dir / "pathology.csv").string() +
                                     "' --out '" + (dir / "features.csv").string() + "'");
    REQUIRE_MESSAGE(exported.exitCode == 0, exported.output);
    std::istringstream table(readText(dir / "features.csv"));
    std::string header, row, extra;
    std::getline(table, header);
    std::getline(table, row);
    CHECK(!std::getline(table, extra));
    CHECK(header.rfind("study_uid,accession_number,n_status,n_burden,", 0) == 0);
    CHECK(header.find(",tumor/*/original_firstorder_Mean") != std::string::npos);
    CHECK(header.find(",ring-5mm/*/original_glcm_Contrast") != std::string::npos);
    CHECK(row.find("," + accession + ",1,1,") != std::string::npos);
    CHECK(countOccurrences(header, ",") == countOccurrences(row, ","));
    CHECK(!std::filesystem::exists(dir / "features.csv.partial"));

    // Errors name the thing at fault and exit 2.
    const auto missingState = runCommand(kRadnode + " export --state-dir '" + (dir / "nowhere").string() + "'");
    CHECK(missingState.exitCode == 2);
    CHECK(missingState.output.find("no radnode database at") != std::string::npos);
    {
        std::ofstream bad(dir / "bad.csv");
        bad << "accession,pN\n" << accession << ",stage 2\n";
    }
    const auto badCategory = runCommand(kRadnode + " export" + state + " --pathology '" + (dir / "bad.csv").string() + "'");
    CHECK(badCategory.exitCode == 2);
    CHECK(badCategory.output.find("bad.csv line 2: unknown pN category 'stage 2'") != std::string::npos);
}

TEST_CASE("the age covariate from DICOM dates: whole years on the study date") {
    using radnode::node::ageAtStudy;
    CHECK(ageAtStudy("19700615", "20260614") == 55); // the day before the birthday
    CHECK(ageAtStudy("19700615", "20260615") == 56);
    CHECK(ageAtStudy("19800229", "20260228") == 45);
    CHECK(!ageAtStudy("", "20260615"));
    CHECK(!ageAtStudy("1970-06-15", "20260615"));
    CHECK(!ageAtStudy("19701315", "20260615"));
    CHECK(!ageAtStudy("20300101", "20260615")); // born after the study
}
