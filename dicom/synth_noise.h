// Portable seeded randomness and smoothing for the synthetic studies (internal to dicom/).
// std:: distributions differ between standard libraries, and libm's transcendental functions
// may differ in the last bit between versions, so everything here uses only integer
// arithmetic, IEEE +, -, *, / and sqrt: the same seed gives the same pixels everywhere.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace radnode::dicom::synth {

// 64-bit mixer (SplitMix64 finaliser); also used to derive numbers from seeds.
inline std::uint64_t mix64(std::uint64_t value) {
    value += 0x9e3779b97f4a7c15ULL;
    value = (value ^ (value >> 30)) * 0xbf58476d1ce4e5b9ULL;
    value = (value ^ (value >> 27)) * 0x94d049bb133111ebULL;
    return value ^ (value >> 31);
}

// FNV-1a of a text, to turn a stream name ("us/speckle") into a seed component.
inline std::uint64_t hashText(const std::string& text) {
    std::uint64_t hash = 14695981039346656037ULL;
    for (unsigned char c : text) {
        hash ^= c;
        hash *= 1099511628211ULL;
    }
    return hash;
}

// xoshiro256** generator, seeded through SplitMix64 from (seed, stream name), so every
// image component draws from its own stream and adding one does not shift the others.
class Random {
public:
    Random(std::uint64_t seed, const std::string& stream) {
        std::uint64_t state = seed ^ hashText(stream);
        for (auto& word : state_) {
            state = mix64(state);
            word = state;
        }
    }

    std::uint64_t next() {
        const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
        const std::uint64_t t = state_[1] << 17;
        state_[2] ^= state_[0];
        state_[3] ^= state_[1];
        state_[1] ^= state_[2];
        state_[0] ^= state_[3];
        state_[2] ^= t;
        state_[3] = rotl(state_[3], 45);
        return result;
    }

    // Uniform in [0, 1) with 53 random bits.
    double uniform() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }
    double uniform(double low, double high) { return low + (high - low) * uniform(); }

    // Approximately standard normal: Irwin-Hall sum of four uniforms, rescaled to unit
    // variance. Bounded (|x| <= 3.46), which suits image noise better than true tails.
    double gaussian() {
        const double sum = uniform() + uniform() + uniform() + uniform() - 2.0;
        return sum * 1.7320508075688772; // sqrt(12 / 4)
    }

    // Uniformly distributed direction in 2D / 3D (rejection sampling in the unit ball).
    void direction2(double& x, double& y) {
        for (;;) {
            x = uniform(-1.0, 1.0);
            y = uniform(-1.0, 1.0);
            const double norm2 = x * x + y * y;
            if (norm2 > 1e-4 && norm2 <= 1.0) {
                const double norm = std::sqrt(norm2);
                x /= norm;
                y /= norm;
                return;
            }
        }
    }
    void direction3(double& x, double& y, double& z) {
        for (;;) {
            x = uniform(-1.0, 1.0);
            y = uniform(-1.0, 1.0);
            z = uniform(-1.0, 1.0);
            const double norm2 = x * x + y * y + z * z;
            if (norm2 > 1e-4 && norm2 <= 1.0) {
                const double norm = std::sqrt(norm2);
                x /= norm;
                y /= norm;
                z /= norm;
                return;
            }
        }
    }

private:
    static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    std::uint64_t state_[4];
};

// In-place moving average of width 2*radius+1 along one axis of a row-major grid of
// size nx * ny * nz (axis 0 = x, fastest). Edges are clamped. Repeated passes approach a
// Gaussian, which is how the correlated speckle and tissue textures are made.
inline void boxBlurAxis(std::vector<double>& grid, std::size_t nx, std::size_t ny, std::size_t nz,
                        int axis, int radius) {
    const std::size_t length = axis == 0 ? nx : (axis == 1 ? ny : nz);
    if (radius <= 0 || length < 2) return;
    const std::size_t stride = axis == 0 ? 1 : (axis == 1 ? nx : nx * ny);
    const std::size_t lines = nx * ny * nz / length;
    std::vector<double> line(length);
    const double scale = 1.0 / (2 * radius + 1);
    for (std::size_t lineIndex = 0; lineIndex < lines; ++lineIndex) {
        // The first element of this line: walk every index whose coordinate on `axis` is 0.
        std::size_t start;
        if (axis == 0) {
            start = lineIndex * nx;
        } else if (axis == 1) {
            start = (lineIndex / nx) * nx * ny + lineIndex % nx;
        } else {
            start = lineIndex;
        }
        for (std::size_t i = 0; i < length; ++i) line[i] = grid[start + i * stride];
        const auto at = [&](long i) {
            if (i < 0) i = 0;
            if (i >= static_cast<long>(length)) i = static_cast<long>(length) - 1;
            return line[static_cast<std::size_t>(i)];
        };
        double sum = 0.0;
        for (long i = -radius; i <= radius; ++i) sum += at(i);
        for (std::size_t i = 0; i < length; ++i) {
            grid[start + i * stride] = sum * scale;
            sum += at(static_cast<long>(i) + radius + 1) - at(static_cast<long>(i) - radius);
        }
    }
}

// A smooth random field with zero mean and unit standard deviation: white noise through
// `passes` box blurs of the given radii (0 leaves an axis uncorrelated).
inline std::vector<double> smoothNoise(Random& random, std::size_t nx, std::size_t ny, std::size_t nz,
                                       int radiusX, int radiusY, int radiusZ, int passes = 3) {
    std::vector<double> grid(nx * ny * nz);
    for (auto& value : grid) value = random.gaussian();
    for (int pass = 0; pass < passes; ++pass) {
        boxBlurAxis(grid, nx, ny, nz, 0, radiusX);
        boxBlurAxis(grid, nx, ny, nz, 1, radiusY);
        boxBlurAxis(grid, nx, ny, nz, 2, radiusZ);
    }
    double sum = 0.0, sum2 = 0.0;
    for (double value : grid) {
        sum += value;
        sum2 += value * value;
    }
    const double count = static_cast<double>(grid.size());
    const double mean = sum / count;
    const double variance = sum2 / count - mean * mean;
    const double scale = variance > 0.0 ? 1.0 / std::sqrt(variance) : 1.0;
    for (auto& value : grid) value = (value - mean) * scale;
    return grid;
}

// 0 below edge - width/2, 1 above edge + width/2, linear between: soft tissue boundaries.
inline double ramp(double value, double edge, double width) {
    const double t = (value - edge) / width + 0.5;
    return t < 0.0 ? 0.0 : (t > 1.0 ? 1.0 : t);
}

} // namespace radnode::dicom::synth
