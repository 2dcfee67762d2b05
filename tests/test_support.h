// Small helpers shared by the test suites: temporary directories and child processes.
#pragma once

#include <functional>

#include <filesystem>
#include <string>
#include <vector>

namespace radnode::test {

// A fresh directory under the system temp dir, removed (recursively) on destruction.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

private:
    std::filesystem::path path_;
};

void writeText(const std::filesystem::path& path, const std::string& text);
std::string readText(const std::filesystem::path& path);

// Runs a command line through /bin/sh; returns its exit status and captures stdout+stderr.
struct CommandResult {
    int exitCode = -1;
    std::string output;
};
CommandResult runCommand(const std::string& commandLine);

// How often `needle` occurs in `text`.
int countOccurrences(const std::string& text, const std::string& needle);

// True when `program` is on PATH.
bool haveProgram(const std::string& program);

// A free TCP port on 127.0.0.1 (bound and released; good enough for tests).
int freeLoopbackPort();

// A child process started without a shell, stopped by PID (SIGTERM, then SIGKILL).
class ChildProcess {
public:
    ChildProcess(const std::vector<std::string>& arguments, const std::filesystem::path& logFile);
    ~ChildProcess();
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;
    int pid() const { return pid_; }
    bool running();
    // Sends SIGTERM and waits up to `seconds`; returns the exit code (or -signal).
    int stop(int seconds = 20);
    void kill9();

private:
    int pid_ = -1;
    int exitCode_ = -1;
    bool reaped_ = false;
};

// Waits until something accepts TCP connections on 127.0.0.1:port.
bool waitForPort(int port, int timeoutMs);

// Polls the condition every 250 ms for up to `seconds`; true as soon as it holds.
bool waitFor(const std::function<bool()>& condition, int seconds);

} // namespace radnode::test
