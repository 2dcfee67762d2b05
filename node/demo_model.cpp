#include "node/demo_model.h"

#include "node/demo_model_yaml.h" // generated from node/demo-model.yaml

namespace radnode::node {

const std::string& demoModelYaml() {
    static const std::string yaml = generated::kDemoModelYaml;
    return yaml;
}

} // namespace radnode::node
