// Every radnode subcommand parses its command line the same way (node/command_line.h): --help
// lists the options and exits 0; an unknown option, a stray argument, a missing or bad value is
// one line on stderr naming it and pointing at --help, exit 2. No node is started here.
#include "node/commands.h"
#include "test_support.h"

#include <doctest/doctest.h>

#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// The built executable. `timeout` guards against a regression that lets `serve` start for real.
radnode::test::CommandResult runRadnode(const std::string& arguments) {
    return radnode::test::runCommand("timeout 20 '" + std::string(RADNODE_BINARY) + "' " + arguments + " </dev/null");
}

struct Outcome {
    int exitCode = -1;
    std::string out, err;
};

// A subcommand called in-process, as main() calls it, with its output captured: the same
// code as the executable's, for the many cases that need no process of their own.
Outcome runInProcess(int (*command)(int, char**), const std::string& name, std::vector<std::string> arguments) {
    arguments.insert(arguments.begin(), name);
    std::vector<char*> argv;
    for (auto& argument : arguments) argv.push_back(argument.data());
    argv.push_back(nullptr);
    std::ostringstream out, err;
    auto* oldOut = std::cout.rdbuf(out.rdbuf());
    auto* oldErr = std::cerr.rdbuf(err.rdbuf());
    Outcome outcome;
    outcome.exitCode = command(static_cast<int>(arguments.size()), argv.data());
    std::cout.rdbuf(oldOut);
    std::cerr.rdbuf(oldErr);
    outcome.out = out.str();
    outcome.err = err.str();
    return outcome;
}

// A refusal: exit 2, nothing on stdout, one line on stderr naming the culprit and pointing at --help.
void checkRefused(int (*command)(int, char**), const std::string& name, const std::vector<std::string>& arguments,
                  const std::string& named) {
    const auto outcome = runInProcess(command, name, arguments);
    std::string line;
    for (const auto& argument : arguments) line += " " + argument;
    INFO("radnode " << name << line << " -> " << outcome.err);
    CHECK(outcome.exitCode == 2);
    CHECK(outcome.out.empty());
    CHECK(contains(outcome.err, named));
    CHECK(outcome.err.rfind("radnode " + name + ": ", 0) == 0);
    CHECK(contains(outcome.err, " (see radnode " + name + " --help)\n"));
    CHECK(radnode::test::countOccurrences(outcome.err, "\n") == 1);
}

struct CommandCase {
    std::string command;
    std::vector<std::string> options;   // --help must list each
    std::string badValue, badValueNamed; // a malformed or missing value, and the option it must name
};

} // namespace

TEST_CASE("the radnode executable: every subcommand answers --help and refuses an unknown option or a bad value") {
    const std::vector<CommandCase> cases{
        {"serve", {"--config", "--aet", "--port", "--state-dir", "--http-port", "--quiet-period", "--destination"},
         "--port abc", "'--port'"},
        {"demo", {"--state-dir", "--timeout"}, "--timeout soon", "'--timeout'"},
        {"synth", {"--modality", "--out", "--seed", "--lesion-mm", "--no-node", "--frames", "--frame-size", "--truth"},
         "--modality us --out /tmp --seed abc", "'--seed'"},
        {"extract", {"--image", "--mask", "--label", "--params", "--rings", "--format"}, "--image a --mask b --label x",
         "'--label'"},
        {"check-config", {"usage: radnode check-config FILE"}, "a.yaml b.yaml", "'b.yaml'"},
        {"evaluate", {"--input", "--label", "--score", "--bootstrap"}, "--input s --label y --score p --bootstrap many",
         "'--bootstrap'"},
        {"train", {"--features", "--label", "--folds", "--out"}, "--features f --label y --out m --folds ten", "'--folds'"},
        {"export", {"--state-dir", "--pathology", "--labelled-only", "--out"}, "--out", "'--out'"},
        {"clinical", {"clinical set", "clinical import", "clinical show", "--state-dir", "--study", "ki67"},
         "show --study", "'--study'"},
        {"audit", {"--state-dir", "--study", "--event", "--since", "--limit", "--format"}, "--limit abc", "'--limit'"},
        {"outbox", {"--state-dir", "--config", "--retry"}, "--retry abc", "'--retry'"},
    };
    for (const auto& c : cases) {
        const auto help = runRadnode(c.command + " --help");
        INFO("radnode " << c.command << " --help ->\n" << help.output);
        CHECK(help.exitCode == 0);
        for (const auto& option : c.options) CHECK_MESSAGE(contains(help.output, option), option);

        const auto unknown = runRadnode(c.command + " --bogus");
        INFO("radnode " << c.command << " --bogus ->\n" << unknown.output);
        CHECK(unknown.exitCode == 2);
        CHECK(unknown.output == "radnode " + c.command + ": unrecognised option '--bogus' (see radnode " + c.command +
                                    " --help)\n");

        const auto bad = runRadnode(c.command + " " + c.badValue);
        INFO("radnode " << c.command << " " << c.badValue << " ->\n" << bad.output);
        CHECK(bad.exitCode == 2);
        CHECK(contains(bad.output, c.badValueNamed));
        CHECK(contains(bad.output, "(see radnode " + c.command + " --help)"));
    }
    // A stray argument used to be dropped silently: `serve` then started a node.
    const auto stray = runRadnode("serve --state-dir /nonexistent/radnode extra");
    CHECK(stray.exitCode == 2);
    CHECK(stray.output == "radnode serve: unexpected argument 'extra' (see radnode serve --help)\n");
}

TEST_CASE("radnode serve refuses missing and bad values and out-of-range overrides") {
    using radnode::node::runServeCommand;
    CHECK(runInProcess(runServeCommand, "serve", {"-h"}).exitCode == 0);
    // --help wins over a value only the configuration step would refuse.
    CHECK(runInProcess(runServeCommand, "serve", {"--port", "0", "--help"}).exitCode == 0);
    checkRefused(runServeCommand, "serve", {"--port"}, "'--port'");
    checkRefused(runServeCommand, "serve", {"--http-port", "1.5"}, "'--http-port'");
    checkRefused(runServeCommand, "serve", {"--quiet-period", "soon"}, "'--quiet-period'");
    checkRefused(runServeCommand, "serve", {"--destination"}, "'--destination'");
    // Values program_options reads but the node refuses: exit 2 before anything starts.
    for (const auto& [arguments, message] : std::vector<std::pair<std::vector<std::string>, std::string>>{
             {{"--port", "0"}, "radnode serve: --port must be 1..65535\n"},
             {{"--http-port", "70000"}, "radnode serve: --http-port must be 1..65535\n"},
             {{"--quiet-period", "-1"}, "radnode serve: --quiet-period must be 0 to 86400 seconds\n"},
             {{"--quiet-period", "nan"}, "radnode serve: --quiet-period must be 0 to 86400 seconds\n"},
             {{"--aet", ""}, "radnode serve: --aet must be 1 to 16 characters\n"},
             {{"--destination", "PACS@host"}, "radnode serve: --destination 'PACS@host': expected AET@HOST:PORT\n"}}) {
        std::vector<std::string> all{"--state-dir", "/nonexistent/radnode"};
        all.insert(all.end(), arguments.begin(), arguments.end());
        const auto outcome = runInProcess(runServeCommand, "serve", all);
        CHECK(outcome.exitCode == 2);
        CHECK(outcome.err == message);
    }
}

TEST_CASE("radnode demo synth export and audit refuse missing and bad values and stray arguments") {
    using namespace radnode::node;
    checkRefused(runDemoCommand, "demo", {"--timeout"}, "'--timeout'");
    checkRefused(runDemoCommand, "demo", {"--timeout", "0"}, "--timeout must be at least 1 second");
    checkRefused(runDemoCommand, "demo", {"now"}, "unexpected argument 'now'");

    checkRefused(runSynthCommand, "synth", {"--modality", "us"}, "'--out'"); // a required option
    checkRefused(runSynthCommand, "synth", {"--modality", "us", "--out", "/tmp", "--seed"}, "'--seed'");
    checkRefused(runSynthCommand, "synth", {"--modality", "dbt", "--out", "/tmp", "--lesion-mm", "big"}, "'--lesion-mm'");
    // Read as an unsigned number, -1 would have been 4294967295 frames.
    checkRefused(runSynthCommand, "synth", {"--modality", "dbt", "--out", "/tmp", "--frames", "-1"},
                 "--frames must be a whole number from 0 to 4294967295");
    checkRefused(runSynthCommand, "synth", {"--modality", "us", "--out", "/tmp", "extra"}, "unexpected argument 'extra'");

    checkRefused(runExportCommand, "export", {"--labelled-only=yes"}, "'--labelled-only'");
    checkRefused(runExportCommand, "export", {"table.csv"}, "unexpected argument 'table.csv'");

    checkRefused(runAuditCommand, "audit", {"--limit"}, "'--limit'");
    checkRefused(runAuditCommand, "audit", {"--limit", "0"}, "--limit must be at least 1");
    checkRefused(runAuditCommand, "audit", {"job.failed"}, "unexpected argument 'job.failed'");
}

TEST_CASE("radnode clinical and check-config: arguments by position") {
    using namespace radnode::node;
    const auto help = runInProcess(runClinicalCommand, "clinical", {"set", "--help"});
    CHECK(help.exitCode == 0);
    CHECK(contains(help.out, "--accession"));
    checkRefused(runClinicalCommand, "clinical", {}, "no action given (set, import, show)");
    checkRefused(runClinicalCommand, "clinical", {"--bogus"}, "unrecognised option '--bogus'");
    checkRefused(runClinicalCommand, "clinical", {"frob", "--state-dir", "/tmp"}, "unknown action 'frob'");
    checkRefused(runClinicalCommand, "clinical", {"show", "--state-dir", "/tmp", "--study", "1.2.3", "ki67=5"},
                 "show takes no argument (got 'ki67=5')");
    // The action may come after the options; key=value arguments still reach `set`.
    const auto set = runInProcess(runClinicalCommand, "clinical",
                                  {"--state-dir", "/nonexistent/radnode", "set", "--study", "1.2.3", "ki67"});
    CHECK(set.exitCode == 2);
    CHECK(set.err == "radnode clinical: 'ki67' is not key=value (e.g. ki67=35)\n");

    const auto checkHelp = runInProcess(runCheckConfigCommand, "check-config", {"-h"});
    CHECK(checkHelp.exitCode == 0);
    CHECK(contains(checkHelp.out, "FILE:LINE: KEY: reason"));
    checkRefused(runCheckConfigCommand, "check-config", {}, "no configuration file given");
    checkRefused(runCheckConfigCommand, "check-config", {"--bogus"}, "unrecognised option '--bogus'");
    checkRefused(runCheckConfigCommand, "check-config", {"a.yaml", "b.yaml"}, "unexpected argument 'b.yaml'");
    // A file is still read and judged, by name.
    const auto missing = runInProcess(runCheckConfigCommand, "check-config", {"/nonexistent/radnode.yaml"});
    CHECK(missing.exitCode == 2);
    CHECK(missing.err == "/nonexistent/radnode.yaml: cannot read the configuration file\n");
}
