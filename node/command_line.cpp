#include "node/command_line.h"

#include <iostream>

namespace radnode::node {

namespace po = boost::program_options;

std::optional<int> parseOptions(const std::string& command, int argc, char** argv,
                                const po::options_description& described, po::variables_map& values) {
    try {
        po::store(po::command_line_parser(argc, argv).options(described).run(), values);
        // --help wins over missing required options, so it is looked at before notify().
        if (values.count("help")) {
            std::cout << described << "\n";
            return 0;
        }
        po::notify(values);
    } catch (const po::error& error) {
        std::cerr << "radnode " << command << ": " << error.what() << " (see radnode " << command << " --help)\n";
        return 2;
    }
    return std::nullopt;
}

} // namespace radnode::node
