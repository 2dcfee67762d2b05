// A 5x7 bitmap font for the text burned into summary images: digits, capital letters and the
// punctuation scores need. Lower-case letters are drawn as capitals.
#pragma once

#include <array>
#include <cstdint>

namespace radnode::dicom {

inline constexpr int kGlyphWidth = 5;
inline constexpr int kGlyphHeight = 7;

// Rows top to bottom; bit 4 is the leftmost column. A character the font lacks gets '?'.
std::array<std::uint8_t, kGlyphHeight> glyphRows(char c);

} // namespace radnode::dicom
