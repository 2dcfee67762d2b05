// Option parsing as every radnode subcommand answers it: --help prints the options and exits
// 0; an unknown, malformed or missing option names itself and points at --help, exit 2.
#pragma once

#include <boost/program_options.hpp>

#include <optional>
#include <string>

namespace radnode::node {

// nullopt: `values` holds the parsed and notified options, go on; otherwise the exit code.
std::optional<int> parseOptions(const std::string& command, int argc, char** argv,
                                const boost::program_options::options_description& described,
                                boost::program_options::variables_map& values);

} // namespace radnode::node
