// Neighbour offsets of a texture grid in a fixed-size array for the usual direction counts, so
// that the per-voxel loops over neighbours (GLCM, GLDM, GLSZM, NGTDM) have a constant trip count
// the compiler unrolls; these loops are most of the texture classes' time.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <vector>

namespace radnode::analysis {

template <std::size_t N>
std::array<std::ptrdiff_t, N> fixedOffsets(const std::vector<std::ptrdiff_t>& offsets) {
    std::array<std::ptrdiff_t, N> fixed{};
    std::copy(offsets.begin(), offsets.end(), fixed.begin());
    return fixed;
}

// Calls `walk(offsets)` with a std::array when there are 4 or 13 (one of each +/- pair at
// distance 1 in 2D or 3D) or 8 or 26 (all neighbours at distance 1) offsets, with the vector
// itself otherwise (other distances). `walk` takes `const auto&` and loops with range-for.
template <typename Walk>
void withNeighbourOffsets(const std::vector<std::ptrdiff_t>& offsets, Walk&& walk) {
    switch (offsets.size()) {
    case 4: walk(fixedOffsets<4>(offsets)); return;
    case 8: walk(fixedOffsets<8>(offsets)); return;
    case 13: walk(fixedOffsets<13>(offsets)); return;
    case 26: walk(fixedOffsets<26>(offsets)); return;
    default: walk(offsets); return;
    }
}

} // namespace radnode::analysis
