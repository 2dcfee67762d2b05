#include "node/command_line.h"

#include <iostream>

namespace radnode::node {

namespace po = boost::program_options;

namespace {

std::optional<int> parse(const std::string& command, int argc, char** argv, const po::options_description& described,
                         const PositionalArguments* positional, po::variables_map& values) {
    po::options_description all;
    all.add(described);
    po::positional_options_description order; // none, unless the command takes some
    if (positional) {
        all.add(positional->options);
        order = positional->order;
    }
    try {
        // Without a position for it, program_options would drop a stray argument silently (or
        // say "too many positional options" without naming it): name the first one over.
        const auto loose = po::command_line_parser(argc, argv).options(all).run();
        const auto arguments = po::collect_unrecognized(loose.options, po::include_positional);
        if (arguments.size() > order.max_total_count()) {
            throw po::error("unexpected argument '" + arguments[order.max_total_count()] + "'");
        }
        po::store(po::command_line_parser(argc, argv).options(all).positional(order).run(), values);
        // --help wins over missing required options, so it is looked at before notify().
        if (values.count("help")) {
            std::cout << described << "\n";
            return 0;
        }
        po::notify(values);
    } catch (const po::error& error) {
        return usageError(command, error.what());
    }
    return std::nullopt;
}

} // namespace

std::optional<int> parseOptions(const std::string& command, int argc, char** argv,
                                const po::options_description& described, po::variables_map& values) {
    return parse(command, argc, argv, described, nullptr, values);
}

std::optional<int> parseOptions(const std::string& command, int argc, char** argv,
                                const po::options_description& described, const PositionalArguments& positional,
                                po::variables_map& values) {
    return parse(command, argc, argv, described, &positional, values);
}

int usageError(const std::string& command, const std::string& message) {
    std::cerr << "radnode " << command << ": " << message << " (see radnode " << command << " --help)\n";
    return 2;
}

} // namespace radnode::node
