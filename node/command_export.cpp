// `radnode export`: the node's feature table for research, one row per study (its current
// result), columns roi/view/feature as model files name them, with outcome labels joined
// from a pathology CSV by accession number. Patient identifiers are not exported: the
// accession number is the join key a research team already holds.
#include "analysis/model.h"
#include "node/command_line.h"
#include "node/commands.h"
#include "node/csv.h"
#include "node/pathology_labels.h"
#include "node/state_directory.h"

#include <boost/program_options.hpp>

#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <sstream>

namespace radnode::node {

namespace po = boost::program_options;

namespace {

struct ExportOptions {
    std::string config, stateDirectory, pathology, out;
    std::string accessionColumn = "accession", categoryColumn = "pN", countColumn = "positive_nodes";
    bool labelledOnly = false;
};

std::map<std::string, NodeLabels> readPathology(const ExportOptions& options) {
    const CsvTable table = readCsvFile(options.pathology);
    const std::size_t accession = table.column(options.accessionColumn, "--accession-column");
    const auto category = table.findColumn(options.categoryColumn);
    const auto count = table.findColumn(options.countColumn);
    if (!category && !count) {
        throw std::invalid_argument(options.pathology + " has neither a '" + options.categoryColumn + "' nor a '" +
                                    options.countColumn + "' column (the pN category or the count of metastatic nodes)");
    }
    std::map<std::string, NodeLabels> labels;
    for (std::size_t row = 0; row < table.rows.size(); ++row) {
        const auto& fields = table.rows[row];
        const std::string& key = fields[accession];
        if (key.empty()) throw std::invalid_argument(table.where(row) + ": empty accession number");
        std::optional<int> nodes;
        if (count && !fields[*count].empty()) {
            const auto value = parseCsvNumber(fields[*count]);
            if (!value || *value != static_cast<int>(*value)) {
                throw std::invalid_argument(table.where(row) + ": '" + fields[*count] + "' in column '" +
                                            options.countColumn + "' is not a whole number");
            }
            nodes = static_cast<int>(*value);
        }
        try {
            if (!labels.emplace(key, nodeLabels(category ? fields[*category] : "", nodes)).second) {
                throw std::invalid_argument("accession '" + key + "' appears twice");
            }
        } catch (const std::invalid_argument& error) {
            throw std::invalid_argument(table.where(row) + ": " + error.what());
        }
    }
    return labels;
}

std::string number(std::optional<double> value) {
    if (!value) return "";
    std::ostringstream text;
    text.precision(std::numeric_limits<double>::max_digits10);
    text << *value;
    return text.str();
}

std::string label(std::optional<int> value) { return value ? std::to_string(*value) : ""; }

void writeTable(const ExportOptions& options, std::ostream& out) {
    auto store = openStateStore(options.config, options.stateDirectory);
    std::map<std::string, NodeLabels> pathology;
    if (!options.pathology.empty()) pathology = readPathology(options);

    struct Row {
        std::string studyUid, accession;
        NodeLabels labels;
        std::map<std::string, std::optional<double>> values;
    };
    std::vector<Row> rows;
    std::vector<std::string> columns; // in the order features first appear: ROI by ROI
    std::map<std::string, bool> known;
    for (const auto& result : store->currentResults()) {
        Row row{result.studyUid, store->accessionNumber(result.studyUid), {}, {}};
        if (const auto found = pathology.find(row.accession); found != pathology.end()) row.labels = found->second;
        if (options.labelledOnly && !row.labels.status) continue;
        for (const auto& feature : store->resultFeatures(result.id)) {
            analysis::ModelInput input;
            input.roi = feature.roi;
            input.view = feature.view;
            input.feature = feature.feature;
            const std::string column = analysis::inputLabel(input);
            if (!known[column]) {
                known[column] = true;
                columns.push_back(column);
            }
            row.values[column] = feature.value;
        }
        rows.push_back(std::move(row));
    }

    out << "study_uid,accession_number,n_status,n_burden";
    for (const auto& column : columns) out << ',' << csvField(column);
    out << '\n';
    for (const auto& row : rows) {
        out << csvField(row.studyUid) << ',' << csvField(row.accession) << ',' << label(row.labels.status) << ','
            << label(row.labels.burden);
        for (const auto& column : columns) {
            const auto value = row.values.find(column);
            out << ',' << (value == row.values.end() ? "" : number(value->second));
        }
        out << '\n';
    }
    std::cerr << "radnode export: " << rows.size() << " studies, " << columns.size() << " feature columns\n";
}

} // namespace

int runExportCommand(int argc, char** argv) {
    ExportOptions options;
    po::options_description described("radnode export [options]: the feature table of a node's results, with labels");
    described.add_options()("help,h", "this help")
        ("state-dir", po::value(&options.stateDirectory), "the node's state directory")
        ("config", po::value(&options.config), "the node's configuration (to find the state directory)")
        ("pathology", po::value(&options.pathology),
         "CSV with the accession number and the pN category and/or the count of metastatic nodes")
        ("accession-column", po::value(&options.accessionColumn), "pathology column with the accession (default accession)")
        ("pn-column", po::value(&options.categoryColumn), "pathology column with the pN category (default pN)")
        ("count-column", po::value(&options.countColumn),
         "pathology column with the count of metastatic nodes (default positive_nodes)")
        ("labelled-only", po::bool_switch(&options.labelledOnly), "only studies with a known node status")
        ("out", po::value(&options.out), "write the table here (default: standard output)");
    po::variables_map values;
    if (const auto exitCode = parseOptions("export", argc, argv, described, values)) return *exitCode;
    try {
        if (options.out.empty()) {
            writeTable(options, std::cout);
            return 0;
        }
        // Written beside the target and renamed: a failed export never leaves half a table.
        const std::string partial = options.out + ".partial";
        {
            std::ofstream out(partial, std::ios::trunc);
            if (!out) throw std::invalid_argument("cannot write " + partial);
            writeTable(options, out);
            out.flush();
            if (!out) throw std::runtime_error("writing " + partial + " failed (disk full?)");
        }
        std::filesystem::rename(partial, options.out);
    } catch (const std::invalid_argument& error) {
        std::cerr << "radnode export: " << error.what() << "\n";
        return 2;
    } catch (const std::exception& error) {
        std::cerr << "radnode export: " << error.what() << "\n";
        return 1;
    }
    return 0;
}

} // namespace radnode::node
