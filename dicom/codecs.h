// DCMTK's pixel data decoders (JPEG, JPEG-LS, RLE) registered once per process. JPEG 2000 is
// not among them: DCMTK has no free decoder for it, pixel_decoder uses GDCM instead.
#pragma once

namespace radnode::dicom {

// Safe to call from any thread, any number of times. JPEG streams in YCbCr keep YCbCr (no
// conversion to RGB), so that the grey conversion can take the Y channel as it was coded.
// Also turns off GDCM's warnings and errors, which it would print straight to stderr.
void registerDecoders();

} // namespace radnode::dicom
