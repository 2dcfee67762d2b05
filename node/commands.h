// The radnode subcommands. Each takes the arguments after "radnode" (argv[0] is the
// subcommand's name) and returns the process exit code: 0 success, 1 runtime failure,
// 2 usage or input error.
#pragma once

namespace radnode::node {

int runServeCommand(int argc, char** argv);
int runDemoCommand(int argc, char** argv);
int runSynthCommand(int argc, char** argv);
int runExtractCommand(int argc, char** argv);
int runCheckConfigCommand(int argc, char** argv);
int runEvaluateCommand(int argc, char** argv);
int runTrainCommand(int argc, char** argv);
int runExportCommand(int argc, char** argv);
int runAuditCommand(int argc, char** argv);
int runOutboxCommand(int argc, char** argv);
int runClinicalCommand(int argc, char** argv);

} // namespace radnode::node
