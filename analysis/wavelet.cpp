#include "analysis/wavelet.h"

#include "analysis/wavelet_filters.h"

#include <stdexcept>
#include <string>
#include <utility>

namespace radnode::analysis {

namespace {

struct Volume {
    std::array<std::size_t, 3> size{1, 1, 1};
    std::vector<double> values;
};

std::size_t strideOf(const std::array<std::size_t, 3>& size, int axis) {
    return axis == 0 ? 1 : axis == 1 ? size[0] : size[0] * size[1];
}

// PyRadiomics makes every odd dimension even by repeating the first slice at the end
// (numpy.pad 'wrap'), because pywt.swtn needs even lengths.
Volume wrapPadToEven(const Image& image) {
    const auto& in = image.geometry.size;
    Volume out;
    for (int a = 0; a < 3; ++a) out.size[a] = in[a] + in[a] % 2;
    out.values.resize(out.size[0] * out.size[1] * out.size[2]);
    std::size_t i = 0;
    for (std::size_t z = 0; z < out.size[2]; ++z) {
        for (std::size_t y = 0; y < out.size[1]; ++y) {
            for (std::size_t x = 0; x < out.size[0]; ++x, ++i) {
                out.values[i] = image.voxels[image.geometry.offset(x % in[0], y % in[1], z % in[2])];
            }
        }
    }
    return out;
}

Image cropToImage(const Volume& volume, const Geometry& geometry) {
    Image out;
    out.geometry = geometry;
    out.voxels.reserve(geometry.voxelCount());
    for (std::size_t z = 0; z < geometry.size[2]; ++z) {
        for (std::size_t y = 0; y < geometry.size[1]; ++y) {
            const std::size_t row = volume.size[0] * (y + volume.size[1] * z);
            out.voxels.insert(out.voxels.end(), volume.values.begin() + static_cast<std::ptrdiff_t>(row),
                              volume.values.begin() + static_cast<std::ptrdiff_t>(row + geometry.size[0]));
        }
    }
    return out;
}

// One level of pywt's stationary transform along one axis (its swt_a/swt_d at level 1): a periodic
// convolution read from F/2 on, out[o] = sum_j filter[j] * in[(o + F/2 - j) mod n].
Volume filterAlongAxis(const Volume& in, int axis, const std::vector<double>& filter) {
    const std::size_t n = in.size[axis];
    const std::size_t taps = filter.size();
    const std::size_t stride = strideOf(in.size, axis);
    const long long period = static_cast<long long>(n);
    std::vector<std::size_t> source(n * taps); // sample offset (in strides) for output o, tap j
    for (std::size_t o = 0; o < n; ++o) {
        for (std::size_t j = 0; j < taps; ++j) {
            const long long index = static_cast<long long>(o + taps / 2) - static_cast<long long>(j);
            source[o * taps + j] = static_cast<std::size_t>(((index % period) + period) % period) * stride;
        }
    }
    Volume out{in.size, std::vector<double>(in.values.size())};
    // Visit each line along `axis` by its first sample.
    const int axisB = axis == 0 ? 1 : 0;
    const int axisC = axis == 2 ? 1 : 2;
    const std::size_t strideB = strideOf(in.size, axisB);
    const std::size_t strideC = strideOf(in.size, axisC);
    for (std::size_t c = 0; c < in.size[axisC]; ++c) {
        for (std::size_t b = 0; b < in.size[axisB]; ++b) {
            const std::size_t first = b * strideB + c * strideC;
            const double* line = in.values.data() + first;
            for (std::size_t o = 0; o < n; ++o) {
                const std::size_t* offsets = source.data() + o * taps;
                double sum = 0.0;
                for (std::size_t j = 0; j < taps; ++j) sum += filter[j] * line[offsets[j]];
                out.values[first + o * stride] = sum;
            }
        }
    }
    return out;
}

struct Band {
    std::string letters; // 'L' low / 'H' high per transformed axis, in x, y, z order
    Volume volume;
};

// pywt.swtn(data, wavelet, level=1, start_level=0, axes): every band split into L and H along each
// axis in turn, so the bands come out as LLL, LLH, LHL, ..., HHH (first letter = first axis).
std::vector<Band> decomposeOnce(const Volume& data, const std::vector<int>& axes, const WaveletFilterBank& bank) {
    std::vector<Band> bands{{"", data}};
    for (int axis : axes) {
        std::vector<Band> split;
        for (const Band& band : bands) {
            split.push_back({band.letters + "L", filterAlongAxis(band.volume, axis, bank.decLow)});
            split.push_back({band.letters + "H", filterAlongAxis(band.volume, axis, bank.decHigh)});
        }
        bands = std::move(split);
    }
    return bands;
}

// Only the all-low band of decomposeOnce (same operations, same order): the levels below start_level.
Volume approximationOnce(Volume data, const std::vector<int>& axes, const WaveletFilterBank& bank) {
    for (int axis : axes) data = filterAlongAxis(data, axis, bank.decLow);
    return data;
}

} // namespace

std::vector<DerivedImage> waveletImages(const Image& image, const Settings& settings) {
    if (settings.level < 1) {
        throw std::invalid_argument("wavelet setting 'level' must be at least 1, got " + std::to_string(settings.level));
    }
    if (settings.start_level < 0) {
        throw std::invalid_argument("wavelet setting 'start_level' must not be negative, got " +
                                    std::to_string(settings.start_level));
    }
    if (image.voxels.size() != image.geometry.voxelCount() || image.voxels.empty()) {
        throw std::invalid_argument("wavelet: image voxel count does not match its geometry");
    }
    const WaveletFilterBank bank = waveletFilterBank(settings.wavelet);

    // PyRadiomics transforms numpy axes (2, 1, 0) = x, y, z; force2D drops the out-of-plane axis
    // (force2Ddimension counts numpy axes: 0 = z, 1 = y, 2 = x).
    std::vector<int> axes{0, 1, 2};
    if (settings.force2D) {
        if (settings.force2Ddimension < 0 || settings.force2Ddimension > 2) {
            throw std::invalid_argument("setting 'force2Ddimension' must be 0, 1 or 2, got " +
                                        std::to_string(settings.force2Ddimension));
        }
        axes.erase(axes.begin() + (2 - settings.force2Ddimension));
    }

    Volume data = wrapPadToEven(image);
    for (int i = 0; i < settings.start_level; ++i) data = approximationOnce(std::move(data), axes, bank);

    std::vector<DerivedImage> derived;
    for (int level = 1; level <= settings.level; ++level) {
        std::vector<Band> bands = decomposeOnce(data, axes, bank);
        const std::string prefix = level == 1 ? "wavelet-" : "wavelet" + std::to_string(level) + "-";
        for (std::size_t b = 1; b < bands.size(); ++b) {
            derived.push_back({prefix + bands[b].letters, cropToImage(bands[b].volume, image.geometry)});
            std::vector<double>().swap(bands[b].volume.values); // free each padded band once cropped
        }
        data = std::move(bands.front().volume);
    }
    const std::string lastPrefix = settings.level == 1 ? "wavelet-" : "wavelet" + std::to_string(settings.level) + "-";
    derived.push_back({lastPrefix + std::string(axes.size(), 'L'), cropToImage(data, image.geometry)});
    return derived;
}

} // namespace radnode::analysis
