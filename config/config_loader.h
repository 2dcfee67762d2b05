// Reads the node's YAML configuration (schema and defaults: config/radnode.example.yaml) into a
// NodeConfig, rejecting anything it does not understand with the file, line and key at fault.
#pragma once

#include "config/node_config.h"

#include <filesystem>
#include <stdexcept>
#include <string>

namespace radnode::config {

// "FILE:LINE: KEY: reason"; the line (1-based) is 0 and left out when the whole file is at
// fault (unreadable), the key is empty and left out for YAML syntax errors.
struct ConfigError : std::runtime_error {
    ConfigError(std::string file, int line, std::string key, std::string reason);

    std::string file;
    int line;
    std::string key; // "listener.port", "destinations[1].ae_title"
    std::string reason;
};

// The embedded defaults: AE RADNODE on port 11112, loopback peers only, state in
// /var/lib/radnode, 10 s quiet period, 2 workers, no destinations, rings 3/5/10 mm, built-in
// PyRadiomics parameters. Derived paths (database, file store) are filled in.
NodeConfig defaultConfig();

// Relative paths in the text (state directory, PyRadiomics parameters, models) resolve against
// the directory of `sourceName`. Referenced files are read (PyRadiomics parameters) or checked
// to exist (models). Throws ConfigError.
NodeConfig parseConfig(const std::string& yamlText, const std::string& sourceName);

// The same, from a file. Throws ConfigError, also when the file cannot be read.
NodeConfig loadConfig(const std::filesystem::path& file);

} // namespace radnode::config
