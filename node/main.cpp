// radnode: a DICOM node that computes breast radiomics and returns TID 1500 SRs.
#include "dicom/dcmtk_logging.h"
#include "node/commands.h"
#include "node/version.h"

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

namespace {

void usage(std::ostream& out) {
    out << "radnode " << radnode::node::version() << " - breast radiomics DICOM node (research use)\n\n"
        << "usage: radnode <command> [options]\n\n"
        << "commands:\n"
        << "  serve          run the node: DICOM listener, analysis workers, delivery to PACS\n"
        << "  demo           run a node on loopback, send it synthetic studies, print the results\n"
        << "  synth          write a synthetic breast study (US or DBT images with DICOM-SEG)\n"
        << "  extract        PyRadiomics-compatible features from image and mask files\n"
        << "  check-config   validate a node configuration file\n"
        << "  evaluate       validation statistics of a model's scores: AUC, DeLong, calibration, NRI\n"
        << "  train          fit a site's LASSO logistic model from a feature table; writes a model file\n"
        << "  export         the feature table of the node's results, with pathology labels (CSV)\n"
        << "  clinical       enter clinical covariates for a study (set, CSV import, show); re-scores it\n"
        << "  audit          query the audit trail (table, CSV or JSON)\n"
        << "  outbox         list pending and failed deliveries; retry one\n"
        << "  version        print the version\n\n"
        << "`radnode <command> --help` describes a command's options.\n";
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        usage(std::cerr);
        return 2;
    }
    const std::string command = argv[1];
    radnode::dicom::configureDcmtkLogging(std::getenv("RADNODE_DCMTK_VERBOSE") != nullptr);
    // A peer that hangs up while we answer must cost an error on that socket, not the process.
    std::signal(SIGPIPE, SIG_IGN);
    int subArgc = argc - 1;
    char** subArgv = argv + 1;
    try {
        if (command == "serve") return radnode::node::runServeCommand(subArgc, subArgv);
        if (command == "demo") return radnode::node::runDemoCommand(subArgc, subArgv);
        if (command == "synth") return radnode::node::runSynthCommand(subArgc, subArgv);
        if (command == "extract") return radnode::node::runExtractCommand(subArgc, subArgv);
        if (command == "check-config") return radnode::node::runCheckConfigCommand(subArgc, subArgv);
        if (command == "evaluate") return radnode::node::runEvaluateCommand(subArgc, subArgv);
        if (command == "train") return radnode::node::runTrainCommand(subArgc, subArgv);
        if (command == "export") return radnode::node::runExportCommand(subArgc, subArgv);
        if (command == "audit") return radnode::node::runAuditCommand(subArgc, subArgv);
        if (command == "outbox") return radnode::node::runOutboxCommand(subArgc, subArgv);
        if (command == "clinical") return radnode::node::runClinicalCommand(subArgc, subArgv);
        if (command == "version" || command == "--version") {
            std::cout << "radnode " << radnode::node::version() << "\n";
            return 0;
        }
        if (command == "help" || command == "--help" || command == "-h") {
            usage(std::cout);
            return 0;
        }
    } catch (const std::exception& error) {
        std::cerr << "radnode " << command << ": " << error.what() << "\n";
        return 1;
    }
    std::cerr << "radnode: unknown command '" << command << "'\n\n";
    usage(std::cerr);
    return 2;
}
