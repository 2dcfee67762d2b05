// The demo model inside the binary is node/demo-model.yaml as committed (what
// scripts/train-demo-model.sh reproduces), loads against the demo's analysis settings, and
// says it is synthetic and for demonstration only.
#include "config/config_loader.h"
#include "config/model_file.h"
#include "dicom/synth.h"
#include "node/demo_model.h"
#include "node/live_node.h"
#include "node/pathology_labels.h"
#include "test_support.h"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using namespace radnode::test;

namespace {

std::string committedDemoModel() {
    const std::string path = std::string(RADNODE_TEST_DATA_DIR) + "/../../node/demo-model.yaml";
    std::ifstream in(path, std::ios::binary);
    REQUIRE_MESSAGE(in, "cannot read " << path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

} // namespace

TEST_CASE("the embedded demo model is the committed node/demo-model.yaml") {
    CHECK(radnode::node::demoModelYaml() == committedDemoModel());
}

TEST_CASE("the demo model loads under the demo's analysis settings and says it is synthetic") {
    const auto settings = radnode::config::defaultConfig().analysis;
    const auto model = radnode::config::parseModel(radnode::node::demoModelYaml(), "demo-model.yaml", &settings);
    CHECK(model.name == "radnode-demo-us");
    CHECK(model.intendedUse == "research");
    CHECK(model.modality == "US");
    CHECK(model.description.find("Synthetic data, for demonstration only") != std::string::npos);
    CHECK(model.trainingCohort.find("synthetic cohort") != std::string::npos);
    REQUIRE(model.validationAuc.has_value());
    CHECK(model.validationAuc->auc > 0.7);
    REQUIRE_FALSE(model.first.thresholds.empty());
    CHECK(model.first.thresholds.front().value > 0.0);
    CHECK(model.first.thresholds.front().value < 1.0);
}

TEST_CASE("radnode synth --truth appends the same simulated node status for the same study") {
    TempDir dir;
    const std::string truth = (dir / "truth.csv").string();
    const auto synth = [&](int seed, const std::string& folder) {
        return runCommand(kRadnode + " synth --modality us --no-node --lesion-mm 20 --seed " + std::to_string(seed) +
                          " --out '" + (dir / folder).string() + "' --truth '" + truth + "'");
    };
    for (const std::string folder : {"first", "second"}) {
        for (int seed : {3, 4}) {
            const auto result = synth(seed, folder);
            REQUIRE_MESSAGE(result.exitCode == 0, result.output);
        }
    }
    std::istringstream lines(readText(truth));
    std::vector<std::string> rows;
    for (std::string line; std::getline(lines, line);) rows.push_back(line);
    REQUIRE(rows.size() == 5);
    CHECK(rows[0] == "accession,pN,positive_nodes");
    CHECK(rows[1] == rows[3]);
    CHECK(rows[2] == rows[4]);
    CHECK(rows[1] != rows[2]); // different studies, different accession numbers
    for (std::size_t row = 1; row < rows.size(); ++row) {
        const auto first = rows[row].find(','), second = rows[row].rfind(',');
        // The category agrees with the count, as `radnode export` will check.
        CHECK_NOTHROW(radnode::node::nodeLabels(rows[row].substr(first + 1, second - first - 1),
                                                std::stoi(rows[row].substr(second + 1))));
    }
    const auto tomosynthesis = runCommand(kRadnode + " synth --modality dbt --out '" + (dir / "dbt").string() +
                                          "' --truth '" + truth + "'");
    CHECK(tomosynthesis.exitCode == 2);
}

TEST_CASE("the simulated node status follows the lesion: large tumours are N+ more often") {
    TempDir dir;
    const auto positives = [&](double diameterMm) {
        int count = 0;
        for (std::uint64_t seed = 1; seed <= 16; ++seed) {
            radnode::dicom::SynthOptions options;
            options.seed = seed;
            options.lesionDiameterMm = diameterMm;
            options.includeLymphNode = false;
            const auto study = radnode::dicom::writeSyntheticStudy(options, dir / "cohort");
            CHECK(study.tumourSpiculeCount >= 14);
            CHECK(study.tumourSpiculeCount <= 24);
            const auto status = radnode::dicom::simulatedNodeStatus(options, study);
            CHECK(status.positive == (status.positiveNodes > 0));
            count += status.positive;
        }
        return count;
    };
    // P(N+) is about 0.05-0.2 at 6 mm and 0.9-0.98 at 24 mm.
    const int small = positives(6.0), large = positives(24.0);
    CHECK(small <= 6);
    CHECK(large >= 11);
}
