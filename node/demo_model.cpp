#include "node/demo_model.h"

namespace radnode::node {

const std::string& demoModelYaml() {
    // Coefficients chosen by hand on synthetic lesions (larger, less round, darker lesions
    // score higher), NOT fitted to patients. Issue #6 replaces this with a model trained by
    // `radnode train` on a synthetic cohort, with the command that reproduces it.
    static const std::string yaml = R"yaml(schema: 1
model:
  name: radnode-demo-us
  version: "0.1"
  intended_use: research
  description: >-
    Demonstration only. A hand-set logistic rad-score on synthetic ultrasound lesions,
    showing how radnode scores a model and reports it. Not trained on patients; never use
    it for a clinical decision.
  training_cohort: none (synthetic demonstration coefficients)
  validation: not validated
  modality: US
  segmentation: tumour segment (SCT 108369006) on a calibrated US image
  intercept: -0.2
  threshold: 0.5
  classes: {negative: N0, positive: N+}
  inputs:
    - {roi: tumor, feature: original_shape2D_MaximumDiameter, mean: 22.0, sd: 8.0, coefficient: 0.6}
    - {roi: tumor, feature: original_shape2D_Sphericity, mean: 0.6, sd: 0.15, coefficient: -0.4}
    - {roi: tumor+5mm, feature: original_firstorder_Mean, mean: 70.0, sd: 20.0, coefficient: -0.3}
)yaml";
    return yaml;
}

} // namespace radnode::node
