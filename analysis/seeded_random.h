// A small seeded pseudo-random generator (SplitMix64) for bootstrap resampling. The C++
// standard fixes the engines but not the distributions, so results drawn through
// std::uniform_int_distribution differ between standard libraries; this gives the same
// stream, and so the same confidence intervals, on every platform.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>

namespace radnode::analysis {

class SeededRandom {
public:
    explicit SeededRandom(std::uint64_t seed) : state_(seed) {}

    std::uint64_t next() {
        // SplitMix64 (Steele, Lea & Flood 2014): a Weyl sequence through a 64-bit mixer.
        state_ += 0x9E3779B97F4A7C15ull;
        std::uint64_t z = state_;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }

    // Uniform on 0 .. count - 1, without modulo bias (draws past the last whole multiple of
    // `count` are rejected).
    std::size_t index(std::size_t count) {
        if (count == 0) throw std::invalid_argument("SeededRandom::index: empty range");
        const std::uint64_t n = count;
        const std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
        const std::uint64_t limit = max - (max % n + 1) % n; // last accepted value
        std::uint64_t draw = next();
        while (draw > limit) draw = next();
        return static_cast<std::size_t>(draw % n);
    }

private:
    std::uint64_t state_;
};

} // namespace radnode::analysis
