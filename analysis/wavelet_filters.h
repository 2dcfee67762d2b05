// Orthogonal wavelet filter banks by PyWavelets name (haar, dbN, symN, coifN), computed from
// their mathematical definitions rather than tabulated, with PyWavelets' orientation conventions.
#pragma once

#include <string>
#include <vector>

namespace radnode::analysis {

// Decomposition filters as `pywt.Wavelet(name).dec_lo` / `.dec_hi`.
struct WaveletFilterBank {
    std::vector<double> decLow;
    std::vector<double> decHigh;
};

// Supported: haar, db1-db20, sym2-sym20, coif1-coif17. Anything else -> std::invalid_argument.
WaveletFilterBank waveletFilterBank(const std::string& name);

// The reconstruction low-pass filter (`pywt.Wavelet(name).rec_lo`, sum sqrt(2)) of each family;
// exposed so tests can check the defining equations.
std::vector<double> daubechiesLowPass(int order);
std::vector<double> symletLowPass(int order);
std::vector<double> coifletLowPass(int order);

} // namespace radnode::analysis
