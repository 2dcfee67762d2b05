#include "dicom/uid.h"

#include <dcmtk/dcmdata/dcuid.h>

#include <cstdint>

namespace radnode::dicom {

std::string newUid() {
    char buffer[100];
    // DCMTK's generator: site root plus host, process and time components.
    dcmGenerateUniqueIdentifier(buffer, SITE_INSTANCE_UID_ROOT);
    return buffer;
}

namespace {
// Two independent 64-bit FNV-1a hashes give 128 bits for the 2.25 form.
std::uint64_t fnv1a(const std::string& text, std::uint64_t basis) {
    std::uint64_t hash = basis;
    for (unsigned char c : text) {
        hash ^= c;
        hash *= 1099511628211ULL;
    }
    return hash;
}

// Decimal digits of the 128-bit number high:low (schoolbook division by 10).
std::string toDecimal(std::uint64_t high, std::uint64_t low) {
    std::uint32_t words[4] = {static_cast<std::uint32_t>(high >> 32), static_cast<std::uint32_t>(high),
                              static_cast<std::uint32_t>(low >> 32), static_cast<std::uint32_t>(low)};
    std::string digits;
    bool nonZero = true;
    while (nonZero) {
        std::uint64_t remainder = 0;
        nonZero = false;
        for (auto& word : words) {
            const std::uint64_t current = (remainder << 32) | word;
            word = static_cast<std::uint32_t>(current / 10);
            remainder = current % 10;
            if (word) nonZero = true;
        }
        digits.insert(digits.begin(), static_cast<char>('0' + remainder));
    }
    return digits;
}
} // namespace

std::string uidFromSeed(const std::string& seed) {
    const std::uint64_t high = fnv1a(seed, 14695981039346656037ULL) & 0x7fffffffffffffffULL;
    const std::uint64_t low = fnv1a(seed + "#radnode", 0x84222325cbf29ce4ULL);
    return "2.25." + toDecimal(high, low);
}

} // namespace radnode::dicom
