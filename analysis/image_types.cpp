#include "analysis/image_types.h"

#include "analysis/gradient.h"
#include "analysis/lbp.h"
#include "analysis/log_filter.h"
#include "analysis/simple_filters.h"
#include "analysis/wavelet.h"

#include <stdexcept>

namespace radnode::analysis {

std::vector<DerivedImage> deriveImages(const ImageTypeSpec& spec, const Image& image, const Mask& mask) {
    const Settings& settings = spec.settings;
    if (image.voxels.size() != image.geometry.voxelCount()) {
        throw std::invalid_argument("image type " + spec.name + ": image voxel count does not match its geometry");
    }
    if (spec.name == "Original") return {{"original", image}};
    if (spec.name == "Wavelet") return waveletImages(image, settings);
    if (spec.name == "LoG") return laplacianOfGaussianImages(image, settings.sigma);
    if (spec.name == "Square") return {{"square", squareImage(image)}};
    if (spec.name == "SquareRoot") return {{"squareroot", squareRootImage(image)}};
    if (spec.name == "Logarithm") return {{"logarithm", logarithmImage(image)}};
    if (spec.name == "Exponential") return {{"exponential", exponentialImage(image)}};
    if (spec.name == "Gradient") return {{"gradient", gradientMagnitudeImage(image, settings.gradientUseSpacing)}};
    if (spec.name == "LBP2D") {
        Lbp2DParameters parameters;
        parameters.radius = settings.lbp2DRadius;
        parameters.samples = settings.lbp2DSamples;
        parameters.method = settings.lbp2DMethod;
        parameters.sliceAxis = settings.force2Ddimension;
        return {{"lbp-2D", localBinaryPattern2D(image, parameters)}};
    }
    if (spec.name == "LBP3D") {
        Lbp3DParameters parameters;
        parameters.levels = settings.lbp3DLevels;
        parameters.icosphereRadius = settings.lbp3DIcosphereRadius;
        parameters.icosphereSubdivision = settings.lbp3DIcosphereSubdivision;
        return localBinaryPattern3DImages(image, mask, parameters);
    }
    throw std::invalid_argument("unknown image type '" + spec.name +
                                "' (Original, Wavelet, LoG, Square, SquareRoot, Logarithm, Exponential, "
                                "Gradient, LBP2D, LBP3D)");
}

} // namespace radnode::analysis
