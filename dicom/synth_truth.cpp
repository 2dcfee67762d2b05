// The simulated node status of a synthetic ultrasound study: a known generating model that a
// demonstration model can be trained to recover (docs/training.md, "The demo model").
#include "dicom/synth.h"
#include "dicom/synth_noise.h"

#include <cmath>
#include <stdexcept>

namespace radnode::dicom {

namespace {

double logistic(double x) { return 1.0 / (1.0 + std::exp(-x)); }

} // namespace

SynthNodeStatus simulatedNodeStatus(const SynthOptions& options, const SynthStudy& study) {
    if (options.modality != SynthModality::Ultrasound) {
        throw std::invalid_argument("a simulated node status exists for ultrasound studies only");
    }
    // Larger and more spiculated tumours metastasise more often; both are visible to the
    // shape features (diameter, perimeter, sphericity) the demo model can use.
    const double diameter = options.lesionDiameterMm;
    const double spicules = study.tumourSpiculeCount;
    synth::Random random(options.seed, "truth/node-status");
    SynthNodeStatus status;
    status.probability = logistic(-0.5 + 0.30 * (diameter - 14.0) + 0.20 * (spicules - 19.0));
    status.positive = random.uniform() < status.probability;
    // Drawn whether or not N+, so the count never shifts the status draw of another study.
    const bool highBurden = random.uniform() < logistic(-1.5 + 0.25 * (diameter - 14.0));
    const double spread = random.uniform();
    if (status.positive) {
        status.positiveNodes = highBurden ? 3 + static_cast<int>(spread * 4.0) : 1 + static_cast<int>(spread * 2.0);
    }
    return status;
}

} // namespace radnode::dicom
