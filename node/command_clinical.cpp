// `radnode clinical set|import|show`: clinical covariates for a study, entered by hand or from
// a CSV export, and what the node holds for a study.
#include "analysis/model_covariates.h"
#include "config/config_loader.h"
#include "node/clinical_inputs.h"
#include "node/command_line.h"
#include "node/commands.h"
#include "node/state_directory.h"
#include "node/csv.h"
#include "node/utc_time.h"
#include "storage/node_store.h"

#include <boost/program_options.hpp>

#include <iomanip>
#include <iostream>
#include <sstream>

namespace radnode::node {

namespace po = boost::program_options;

namespace {

// The usage lines and the covariate keys, ahead of the options in --help.
std::string usage() {
    std::ostringstream out;
    out << "usage: radnode clinical set    --state-dir D (--study UID | --accession A) key=value...\n"
           "       radnode clinical import --state-dir D FILE.csv\n"
           "       radnode clinical show   --state-dir D (--study UID | --accession A)\n"
           "(--config FILE instead of --state-dir finds the state directory in the node's configuration)\n\n"
           "keys:\n";
    for (const auto& covariate : analysis::clinicalCovariates()) {
        out << "  " << std::left << std::setw(16) << covariate.key << covariate.description;
        if (covariate.levels.empty()) {
            out << ", " << covariate.minimum << "-" << covariate.maximum << " " << covariate.unit;
        } else {
            std::string levels;
            for (const auto& level : covariate.levels) levels += (levels.empty() ? "" : "|") + level;
            out << ": " << levels;
        }
        out << "\n";
    }
    out << "\nA CSV has a study_uid or accession_number column and one column per key (empty cells are\n"
           "skipped). A study that already has a result is re-scored; the new SR supersedes the last.\n\noptions";
    return out.str();
}

// The store named by --state-dir or --config (node/state_directory.h).
std::unique_ptr<storage::NodeStore> openStore(const po::variables_map& vm) {
    return openStateStore(vm.count("config") ? vm["config"].as<std::string>() : std::string(),
                          vm.count("state-dir") ? vm["state-dir"].as<std::string>() : std::string());
}

void report(const std::string& subject, const ClinicalUpdateOutcome& outcome) {
    for (const auto& study : outcome.studiesRescored) std::cout << "study " << study << ": stored, re-scoring queued\n";
    for (const auto& study : outcome.studiesPending) std::cout << "study " << study << ": stored, no result yet\n";
    if (outcome.studiesRescored.empty() && outcome.studiesPending.empty()) {
        std::cout << subject << ": stored; no study received with it yet\n";
    }
}

ClinicalUpdate subjectOf(const po::variables_map& vm) {
    ClinicalUpdate update;
    if (vm.count("study")) update.studyUid = vm["study"].as<std::string>();
    if (vm.count("accession")) update.accessionNumber = vm["accession"].as<std::string>();
    if (update.studyUid.empty() == update.accessionNumber.empty()) {
        throw std::invalid_argument("give --study UID or --accession A (one of the two)");
    }
    return update;
}

int runSet(const po::variables_map& vm, const std::vector<std::string>& arguments) {
    ClinicalUpdate update = subjectOf(vm);
    update.source = "cli";
    for (const auto& argument : arguments) update.values.push_back(parseClinicalAssignment(argument));
    auto store = openStore(vm);
    report(update.studyUid.empty() ? "accession " + update.accessionNumber : "study " + update.studyUid,
           setClinicalInputs(*store, update));
    return 0;
}

// Every row is checked before any is stored: a bad cell leaves the database as it was.
int runImport(const po::variables_map& vm, const std::vector<std::string>& arguments) {
    if (arguments.size() != 1) throw std::invalid_argument("import takes one CSV file");
    const CsvTable table = readCsvFile(arguments.front());
    const auto studyColumn = table.findColumn("study_uid");
    const auto accessionColumn = table.findColumn("accession_number");
    if (!studyColumn && !accessionColumn) {
        throw std::invalid_argument(table.source + ": needs a study_uid or an accession_number column");
    }
    std::vector<std::size_t> keyColumns;
    for (std::size_t c = 0; c < table.header.size(); ++c) {
        const std::string& name = table.header[c];
        if (name == "study_uid" || name == "accession_number") continue;
        if (!analysis::findCovariate(name)) {
            throw std::invalid_argument(table.source + ": column '" + name + "': " + analysis::covariateValueError(name, ""));
        }
        keyColumns.push_back(c);
    }
    std::vector<ClinicalUpdate> updates;
    for (std::size_t r = 0; r < table.rows.size(); ++r) {
        const auto& row = table.rows[r];
        ClinicalUpdate update;
        if (studyColumn) update.studyUid = row[*studyColumn];
        if (accessionColumn && update.studyUid.empty()) update.accessionNumber = row[*accessionColumn];
        if (update.studyUid.empty() && update.accessionNumber.empty()) {
            throw std::invalid_argument(table.where(r) + ": no study_uid or accession_number");
        }
        update.source = "csv:" + table.source;
        for (std::size_t c : keyColumns) {
            if (row[c].empty()) continue;
            const std::string error = analysis::covariateValueError(table.header[c], row[c]);
            if (!error.empty()) throw std::invalid_argument(table.where(r) + ": " + error);
            update.values.emplace_back(table.header[c], row[c]);
        }
        if (!update.values.empty()) updates.push_back(std::move(update));
    }
    auto store = openStore(vm);
    for (const auto& update : updates) {
        report(update.studyUid.empty() ? "accession " + update.accessionNumber : "study " + update.studyUid,
               setClinicalInputs(*store, update));
    }
    std::cout << updates.size() << " row(s) imported from " << table.source << "\n";
    return 0;
}

int runShow(const po::variables_map& vm) {
    const ClinicalUpdate subject = subjectOf(vm);
    auto store = openStore(vm);
    std::vector<std::string> studies{subject.studyUid};
    if (subject.studyUid.empty()) studies = store->studiesWithAccession(subject.accessionNumber);
    if (studies.empty()) {
        std::cout << "accession " << subject.accessionNumber << ": no study received with it\n";
        return 0;
    }
    for (const auto& study : studies) {
        std::cout << "study " << study << "\n";
        const auto inputs = store->clinicalInputs(study);
        if (inputs.empty()) std::cout << "  (no clinical inputs)\n";
        for (const auto& input : inputs) {
            std::cout << "  " << std::left << std::setw(16) << input.key << std::setw(18) << input.value
                      << isoTime(input.enteredAt) << "  " << input.source << "\n";
        }
    }
    return 0;
}

} // namespace

int runClinicalCommand(int argc, char** argv) {
    po::options_description options(usage());
    options.add_options()("help,h", "this help")
        ("state-dir", po::value<std::string>(), "the node's state directory")
        ("config", po::value<std::string>(), "the node's configuration (to find the state directory)")
        ("study", po::value<std::string>(), "Study Instance UID")
        ("accession", po::value<std::string>(), "Accession Number");
    PositionalArguments positional;
    positional.options.add_options()
        ("action", po::value<std::string>(), "set, import or show")
        ("argument", po::value<std::vector<std::string>>(), "key=value, or the CSV file");
    positional.order.add("action", 1).add("argument", -1);
    po::variables_map vm;
    if (const auto exitCode = parseOptions("clinical", argc, argv, options, positional, vm)) return *exitCode;
    if (!vm.count("action")) return usageError("clinical", "no action given (set, import, show)");
    const std::string action = vm["action"].as<std::string>();
    const auto arguments = vm.count("argument") ? vm["argument"].as<std::vector<std::string>>() : std::vector<std::string>{};
    try {
        if (action == "set") return runSet(vm, arguments);
        if (action == "import") return runImport(vm, arguments);
        if (action == "show") {
            if (!arguments.empty()) return usageError("clinical", "show takes no argument (got '" + arguments.front() + "')");
            return runShow(vm);
        }
        return usageError("clinical", "unknown action '" + action + "' (set, import, show)");
    } catch (const storage::DatabaseError& error) {
        std::cerr << "radnode clinical: " << error.what() << "\n";
        return 1;
    } catch (const std::exception& error) {
        std::cerr << "radnode clinical: " << error.what() << "\n";
        return 2;
    }
}

} // namespace radnode::node
