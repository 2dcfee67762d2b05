// `radnode synth`: writes one synthetic breast study (ultrasound or tomosynthesis images and
// their SEG) into a folder and prints the files written. Same options, same bytes.
#include "dicom/synth.h"
#include "node/command_line.h"
#include "node/commands.h"

#include <boost/program_options.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <stdexcept>

namespace radnode::node {

namespace po = boost::program_options;

namespace {

// pN from the count as the TNM rules group it: pN1 1-3 nodes, pN2 4-9.
void appendTruth(const std::string& file, const dicom::SynthStudy& study, const dicom::SynthNodeStatus& status) {
    const bool fresh = !std::filesystem::exists(file) || std::filesystem::file_size(file) == 0;
    std::ofstream out(file, std::ios::app | std::ios::binary);
    if (fresh) out << "accession,pN,positive_nodes\n";
    const char* category = status.positiveNodes == 0 ? "pN0" : status.positiveNodes <= 3 ? "pN1a" : "pN2a";
    out << study.accessionNumber << ',' << category << ',' << status.positiveNodes << '\n';
    if (!out) throw std::runtime_error("cannot append the node status to " + file);
}

} // namespace

int runSynthCommand(int argc, char** argv) {
    dicom::SynthOptions options;
    std::string modality;
    std::string outDir;
    bool node = false, noNode = false;
    std::string frameSize;
    std::string truthFile;
    long long frames = 0; // signed, so that "-1" is refused rather than read as 2^32-1
    po::options_description described(
        "radnode synth: write a synthetic breast study (images + DICOM SEG), reproducible from its seed\n\noptions");
    described.add_options()
        ("help,h", "show this help")
        ("modality", po::value(&modality)->required(), "us (ultrasound: tumour image + axillary node image) or dbt (tomosynthesis)")
        ("out", po::value(&outDir)->required(), "folder to write into (created if missing)")
        ("seed", po::value(&options.seed)->default_value(options.seed), "seed: picks the patient and every random detail")
        ("lesion-mm", po::value(&options.lesionDiameterMm)->default_value(options.lesionDiameterMm),
         "nominal tumour diameter in mm (3..25)")
        ("node", po::bool_switch(&node), "ultrasound: add the lymph node image and segment (default)")
        ("no-node", po::bool_switch(&noNode), "ultrasound: tumour image only")
        ("metastatic", po::bool_switch(&options.metastaticNode),
         "ultrasound: the node looks metastatic (round, thick cortex, effaced hilum)")
        ("view", po::value(&options.view)->default_value(options.view), "tomosynthesis view: CC or MLO")
        ("laterality", po::value(&options.laterality)->default_value(options.laterality), "L or R")
        ("frames", po::value(&frames)->default_value(0),
         "tomosynthesis: at least this many frames of 256x256x16 bits (128 KiB each; extra frames repeat "
         "the tissue), for large-object benchmarks; 0: as many as the mass needs")
        ("frame-size", po::value(&frameSize),
         "tomosynthesis: COLUMNSxROWS of each frame, 256..4096 (e.g. 1500x1200, full-field at 0.2 mm); the "
         "rendered 256x256 block sits in the middle, surrounded by mirrored tissue")
        ("truth", po::value(&truthFile),
         "ultrasound: append 'accession,pN,positive_nodes' to this CSV (header written when the file is new): a "
         "node status simulated from the lesion's diameter and spiculation (docs/training.md, \"The demo model\")")
        ("labelmap", po::bool_switch(&options.labelMapSegmentation),
         "write the SEG as a Label Map Segmentation (LABELMAP, pixel = segment number) instead of BINARY");
    po::variables_map values;
    if (const auto exitCode = parseOptions("synth", argc, argv, described, values)) return *exitCode;
    if (frames < 0 || frames > std::numeric_limits<unsigned>::max()) {
        return usageError("synth", "--frames must be a whole number from 0 to " +
                                       std::to_string(std::numeric_limits<unsigned>::max()));
    }
    options.tomosynthesisFrames = static_cast<unsigned>(frames);
    try {
        if (node && noNode) throw std::invalid_argument("--node and --no-node contradict each other");
        options.includeLymphNode = !noNode;
        options.modality = dicom::parseSynthModality(modality);
        if (options.modality == dicom::SynthModality::Tomosynthesis && (node || options.metastaticNode)) {
            throw std::invalid_argument("--node and --metastatic apply to ultrasound only");
        }
        if (options.modality != dicom::SynthModality::Tomosynthesis && options.tomosynthesisFrames > 0) {
            throw std::invalid_argument("--frames applies to tomosynthesis only");
        }
        if (!frameSize.empty()) {
            if (options.modality != dicom::SynthModality::Tomosynthesis) {
                throw std::invalid_argument("--frame-size applies to tomosynthesis only");
            }
            unsigned columns = 0, rows = 0;
            char separator = 0, extra = 0;
            if (std::sscanf(frameSize.c_str(), "%u%c%u%c", &columns, &separator, &rows, &extra) != 3 || separator != 'x') {
                throw std::invalid_argument("--frame-size '" + frameSize + "' is not COLUMNSxROWS (e.g. 1500x1200)");
            }
            options.tomosynthesisColumns = columns;
            options.tomosynthesisRows = rows;
        }

        if (!truthFile.empty() && options.modality != dicom::SynthModality::Ultrasound) {
            throw std::invalid_argument("--truth applies to ultrasound only");
        }
        const dicom::SynthStudy study = dicom::writeSyntheticStudy(options, outDir);
        if (!truthFile.empty()) appendTruth(truthFile, study, dicom::simulatedNodeStatus(options, study));
        std::cout << "patient " << study.patientId << ", accession " << study.accessionNumber << ", study "
                  << study.studyInstanceUid << "\n";
        for (const auto& file : study.imageFiles) std::cout << file.string() << "\n";
        for (const auto& file : study.segFiles) std::cout << file.string() << "\n";
        return 0;
    } catch (const std::invalid_argument& error) {
        std::cerr << "radnode synth: " << error.what() << "\n";
        return 2;
    } catch (const std::runtime_error& error) {  // a file could not be written
        std::cerr << "radnode synth: " << error.what() << "\n";
        return 1;
    }
}

} // namespace radnode::node
