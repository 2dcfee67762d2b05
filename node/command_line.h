// Option parsing as every radnode subcommand answers it: --help prints the options and exits
// 0; an unknown, malformed or missing option names itself and points at --help, exit 2.
#pragma once

#include <boost/program_options.hpp>

#include <optional>
#include <string>

namespace radnode::node {

// Arguments a command takes by position (check-config's FILE, clinical's action): `options`
// declares them, parsed but left out of --help (the description's caption shows the usage),
// `order` gives each position its option's name.
struct PositionalArguments {
    boost::program_options::options_description options;
    boost::program_options::positional_options_description order;
};

// nullopt: `values` holds the parsed and notified options, go on; otherwise the exit code.
// An argument that is not an option is refused, naming it.
std::optional<int> parseOptions(const std::string& command, int argc, char** argv,
                                const boost::program_options::options_description& described,
                                boost::program_options::variables_map& values);

// The same for a command that also takes arguments by position.
std::optional<int> parseOptions(const std::string& command, int argc, char** argv,
                                const boost::program_options::options_description& described,
                                const PositionalArguments& positional, boost::program_options::variables_map& values);

// A usage error found after parsing (a missing FILE, an unknown action, a value out of range),
// reported as parseOptions reports its own: one line pointing at --help. Returns 2.
int usageError(const std::string& command, const std::string& message);

} // namespace radnode::node
