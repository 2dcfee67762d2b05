// `radnode extract`: PyRadiomics-compatible features from an image file and a mask file, for
// research and for checking a site's parameter file against PyRadiomics, optionally with
// peritumoral rings. CSV or JSON on standard output.
#include "analysis/extractor.h"
#include "analysis/image_io_itk.h"
#include "analysis/peritumoral.h"
#include "config/pyradiomics_params.h"
#include "node/command_line.h"
#include "node/commands.h"
#include "node/csv.h"
#include "node/json_writer.h"

#include <boost/program_options.hpp>

#include <charconv>
#include <cmath>
#include <iostream>
#include <optional>
#include <sstream>
#include <stdexcept>

namespace radnode::node {

namespace po = boost::program_options;

namespace {

struct ExtractOptions {
    std::string image;
    std::string mask;
    std::optional<int> label;
    std::string params;
    std::string rings;
    bool ringsInPlane = false;
    std::string format = "csv";
    bool diagnostics = false;
};

struct RoiResult {
    std::string roi;
    analysis::ExtractionResult result;
};

// Shortest text that reads back as the same double; "nan" as PyRadiomics writes it.
std::string csvNumber(double value) {
    if (std::isnan(value)) return "nan";
    if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
    char text[64];
    const auto end = std::to_chars(text, text + sizeof text, value).ptr;
    return std::string(text, end);
}

std::vector<double> parseRings(const std::string& text) {
    std::vector<double> distances;
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, ',')) {
        double value = 0;
        const auto result = std::from_chars(item.data(), item.data() + item.size(), value);
        if (item.empty() || result.ec != std::errc() || result.ptr != item.data() + item.size() || !(value > 0)) {
            throw std::invalid_argument("--rings: '" + item + "' is not a positive distance in mm (example: --rings 3,5,10)");
        }
        distances.push_back(value);
    }
    if (distances.empty()) throw std::invalid_argument("--rings: no distance given (example: --rings 3,5,10)");
    return distances;
}

void writeCsv(const std::vector<RoiResult>& results, bool withRoi, bool diagnostics, std::ostream& out) {
    out << (withRoi ? "roi,feature,value\n" : "feature,value\n");
    for (const auto& [roi, result] : results) {
        const std::string prefix = withRoi ? csvField(roi) + "," : "";
        if (diagnostics) {
            for (const auto& d : result.diagnostics) out << prefix << csvField(d.feature) << "," << csvField(d.message) << "\n";
        }
        for (const auto& f : result.features) out << prefix << csvField(f.name) << "," << csvNumber(f.value) << "\n";
    }
}

void writeJsonObject(JsonWriter& json, const analysis::ExtractionResult& result, bool diagnostics) {
    json.beginObject();
    if (diagnostics) {
        // Class remarks may name one feature more than once; keep them all, in order.
        json.key("diagnostics");
        json.beginArray();
        for (const auto& d : result.diagnostics) {
            json.beginObject();
            json.field("name", d.feature);
            json.field("message", d.message);
            json.endObject();
        }
        json.endArray();
    }
    for (const auto& f : result.features) json.field(f.name, f.value);
    json.endObject();
}

void writeJson(const std::vector<RoiResult>& results, bool withRoi, bool diagnostics, std::ostream& out) {
    JsonWriter json;
    if (withRoi) {
        json.beginObject();
        for (const auto& [roi, result] : results) {
            json.key(roi);
            writeJsonObject(json, result, diagnostics);
        }
        json.endObject();
    } else {
        writeJsonObject(json, results.front().result, diagnostics);
    }
    out << json.str() << "\n";
}

int run(const ExtractOptions& options) {
    analysis::ExtractionParams params;
    if (!options.params.empty()) params = config::readPyradiomicsParams(options.params);
    if (options.label) {
        if (*options.label < 1) throw std::invalid_argument("--label must be a positive label value");
        params.settings.label = *options.label;
        for (auto& spec : params.imageTypes) spec.settings.label = *options.label;
    }
    if (options.format != "csv" && options.format != "json") {
        throw std::invalid_argument("--format must be csv or json, not '" + options.format + "'");
    }
    const auto distances = options.rings.empty() ? std::vector<double>{} : parseRings(options.rings);

    const analysis::Image image = analysis::readImage(options.image);
    const analysis::Mask mask = analysis::readMask(options.mask, params.settings.label);

    std::vector<RoiResult> results;
    if (distances.empty()) {
        results.push_back({"tumor", analysis::extract(image, mask, params)});
    } else {
        const bool inPlane = options.ringsInPlane || params.settings.force2D;
        for (const auto& roi : analysis::peritumoralRois(mask, distances, inPlane)) {
            try {
                results.push_back({roi.name, analysis::extract(image, roi.mask, params)});
            } catch (const std::invalid_argument& error) {
                throw std::invalid_argument("ROI " + roi.name + ": " + error.what());
            }
        }
    }
    if (options.format == "json") {
        writeJson(results, !distances.empty(), options.diagnostics, std::cout);
    } else {
        writeCsv(results, !distances.empty(), options.diagnostics, std::cout);
    }
    return 0;
}

} // namespace

int runExtractCommand(int argc, char** argv) {
    ExtractOptions options;
    po::options_description described("radnode extract: PyRadiomics-compatible features from image and mask files\n"
                                      "(NRRD, NIfTI, MetaImage)\n\noptions");
    int label = 0;
    described.add_options()
        ("help,h", "show this help")
        ("image", po::value(&options.image)->required(), "image file")
        ("mask", po::value(&options.mask)->required(), "mask (label map) file")
        ("label", po::value(&label), "label value of the ROI in the mask (default: the parameter file's, else 1)")
        ("params", po::value(&options.params), "PyRadiomics parameter file (YAML); default: PyRadiomics' defaults")
        ("rings", po::value(&options.rings), "peritumoral rings in mm, e.g. 3,5,10: adds ring-<d>mm and tumor+<d>mm ROIs")
        ("rings-in-plane", po::bool_switch(&options.ringsInPlane),
         "measure ring distances within each slice (always so for one-slice images and with force2D)")
        ("format", po::value(&options.format), "csv (default) or json")
        ("diagnostics", po::bool_switch(&options.diagnostics), "include PyRadiomics' diagnostics_* entries");
    po::variables_map values;
    if (const auto exitCode = parseOptions("extract", argc, argv, described, values)) return *exitCode;
    if (values.count("label")) options.label = label;
    try {
        return run(options);
    } catch (const std::invalid_argument& error) {
        std::cerr << "radnode extract: " << error.what() << "\n";
        return 2;
    } catch (const std::runtime_error& error) { // unreadable image or mask file
        std::cerr << "radnode extract: " << error.what() << "\n";
        return 2;
    }
}

} // namespace radnode::node
