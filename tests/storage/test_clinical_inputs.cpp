// Clinical inputs in the store: append-only entries by study UID or accession number, the
// newest value per key counting, each entry audited; and node::setClinicalInputs on top.
#include "node/clinical_inputs.h"
#include "storage/node_store.h"
#include "test_support.h"

#include <doctest/doctest.h>

#include <stdexcept>

using namespace radnode;
using radnode::test::TempDir;
using radnode::test::writeText;

TEST_CASE("clinical inputs: latest per key, by study UID or by the study's accession number") {
    TempDir dir;
    storage::NodeStore store(dir / "db.sqlite", dir / "files");
    storage::InstanceRecord record;
    record.sopInstanceUid = "1.2.3.4";
    record.sopClassUid = "1.2.840.10008.5.1.4.1.1.6.1";
    record.studyUid = "1.2.3";
    record.seriesUid = "1.2.3.1";
    record.accessionNumber = "ACC7";
    const auto path = store.incomingPath();
    writeText(path, "instance");
    store.storeInstance(path, record);

    store.addClinicalInputs({{"1.2.3", "", "ki67", "20", "cli", 1000}, {"", "ACC7", "age", "61", "csv:a.csv", 1000}});
    store.addClinicalInputs({{"", "ACC7", "ki67", "35", "http", 2000}, {"", "OTHER", "ki67", "90", "http", 3000}});
    const auto inputs = store.clinicalInputs("1.2.3");
    REQUIRE(inputs.size() == 2);
    CHECK(inputs[0].key == "age");
    CHECK(inputs[0].value == "61");
    CHECK(inputs[1].key == "ki67");
    CHECK(inputs[1].value == "35"); // the newer entry, made by accession
    CHECK(inputs[1].source == "http");
    CHECK(store.studiesWithAccession("ACC7") == std::vector<std::string>{"1.2.3"});
    storage::AuditFilter filter;
    filter.event = "clinical.set";
    CHECK(store.auditEvents(filter).size() == 4);
    CHECK_THROWS_AS(store.addClinicalInputs({{"", "", "ki67", "1", "cli", 0}}), storage::DatabaseError);
}

TEST_CASE("setClinicalInputs validates everything first, then stores; a study without a result is not re-queued") {
    TempDir dir;
    storage::NodeStore store(dir / "db.sqlite", dir / "files");
    node::ClinicalUpdate update;
    update.studyUid = "1.2.9";
    update.source = "cli";
    update.values = {{"ki67", "30"}, {"subtype", "luminal"}};
    try {
        node::setClinicalInputs(store, update);
        FAIL("an invalid subtype was accepted");
    } catch (const std::invalid_argument& error) {
        CHECK(std::string(error.what()) ==
              "study 1.2.9: subtype: 'luminal' is not one of luminal_a|luminal_b|her2_enriched|triple_negative");
    }
    CHECK(store.clinicalInputs("1.2.9").empty());
    update.values = {{"ki67", "30"}, {"subtype", "luminal_a"}};
    const auto outcome = node::setClinicalInputs(store, update);
    CHECK(outcome.studiesRescored.empty());
    CHECK(outcome.studiesPending == std::vector<std::string>{"1.2.9"});
    CHECK(store.clinicalInputs("1.2.9").size() == 2);
    CHECK(store.jobCount(storage::JobState::Queued) == 0);
    CHECK(node::parseClinicalAssignment("age=52") == std::pair<std::string, std::string>{"age", "52"});
    CHECK_THROWS_AS(node::parseClinicalAssignment("age"), std::invalid_argument);
}
