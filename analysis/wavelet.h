// PyRadiomics' "Wavelet" image type: the undecimated (stationary) wavelet transform of
// imageoperations._swt3, i.e. pywt.swtn one level at a time on the previous approximation.
#pragma once

#include "analysis/image_types.h"
#include "analysis/settings.h"

#include <vector>

namespace radnode::analysis {

// Uses settings.wavelet, level, start_level, force2D and force2Ddimension. Yields, per level, the
// detail bands ("wavelet-LLH" ... "wavelet-HHH", "wavelet2-..." from level 2 on; two letters, e.g.
// "wavelet-LH", with force2D), letters in x, y, z order, then the last approximation
// ("wavelet-LLL" / "wavelet<levels>-LLL"). Computed in float64; pywt transforms float32 input in
// float32, so for such images the two agree to float precision only. Bad settings -> std::invalid_argument.
std::vector<DerivedImage> waveletImages(const Image& image, const Settings& settings);

} // namespace radnode::analysis
