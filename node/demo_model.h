// The demonstration model shipped inside the binary, so `radnode demo` scores something
// without any file: node/demo-model.yaml, trained by scripts/train-demo-model.sh on a
// synthetic cohort. Synthetic and for demonstration only: its metadata says so.
#pragma once

#include <string>

namespace radnode::node {

// Model-file YAML (config/model_file.h schema) of the built-in demo model.
const std::string& demoModelYaml();

} // namespace radnode::node
