#include "analysis/wavelet_filters.h"

#include <boost/multiprecision/cpp_bin_float.hpp>

#include <algorithm>
#include <cmath>
#include <complex>
#include <stdexcept>

namespace radnode::analysis {

namespace {

using Complex = std::complex<long double>;

// Daubechies' half-band polynomial P(y) = sum_{k<N} C(N-1+k, k) y^k, whose roots decide the
// zeros of the low-pass filter besides the N zeros at z = -1 (Ten Lectures on Wavelets, ch. 6).
std::vector<long double> halfBandPolynomial(int order) {
    std::vector<long double> coefficients;
    long double binomial = 1.0L; // C(N-1+k, k)
    for (int k = 0; k < order; ++k) {
        coefficients.push_back(binomial);
        binomial = binomial * static_cast<long double>(order + k) / static_cast<long double>(k + 1);
    }
    return coefficients;
}

Complex evaluate(const std::vector<long double>& coefficients, Complex y) {
    Complex value = 0.0L;
    for (auto c = coefficients.rbegin(); c != coefficients.rend(); ++c) value = value * y + *c;
    return value;
}

Complex evaluateDerivative(const std::vector<long double>& coefficients, Complex y) {
    Complex value = 0.0L;
    for (std::size_t k = coefficients.size() - 1; k >= 1; --k) {
        value = value * y + coefficients[k] * static_cast<long double>(k);
    }
    return value;
}

// All roots of a polynomial with simple roots (Aberth-Ehrlich iteration, then Newton polishing).
std::vector<Complex> polynomialRoots(const std::vector<long double>& coefficients) {
    const std::size_t degree = coefficients.size() - 1;
    std::vector<Complex> roots(degree);
    // Start on a circle of the roots' mean modulus, slightly rotated so no start is real.
    const long double radius =
        std::pow(std::abs(coefficients.front() / coefficients.back()), 1.0L / static_cast<long double>(degree));
    for (std::size_t i = 0; i < degree; ++i) {
        const long double angle = 6.283185307179586476925L * (static_cast<long double>(i) + 0.25L) /
                                  static_cast<long double>(degree);
        roots[i] = std::polar(radius, angle);
    }
    for (int iteration = 0; iteration < 500; ++iteration) {
        long double largestStep = 0.0L;
        for (std::size_t i = 0; i < degree; ++i) {
            const Complex ratio = evaluate(coefficients, roots[i]) / evaluateDerivative(coefficients, roots[i]);
            Complex repulsion = 0.0L;
            for (std::size_t j = 0; j < degree; ++j) {
                if (j != i) repulsion += 1.0L / (roots[i] - roots[j]);
            }
            const Complex step = ratio / (1.0L - ratio * repulsion);
            roots[i] -= step;
            largestStep = std::max(largestStep, std::abs(step) / std::max(1.0L, std::abs(roots[i])));
        }
        if (largestStep < 1e-18L) break;
    }
    for (auto& root : roots) {
        for (int polish = 0; polish < 3; ++polish) {
            root -= evaluate(coefficients, root) / evaluateDerivative(coefficients, root);
        }
    }
    return roots;
}

// One root of P(y) stands for a real zero of H(z) or, with its conjugate, for a conjugate pair;
// each can be placed inside the unit circle or at its reciprocal outside.
struct ZeroGroup {
    Complex insideZero;
    bool conjugatePair;
};

// Groups in a fixed order (real ones first, then by real part), so a choice of placements can be
// written as a bit mask: bit g set puts group g outside the unit circle.
std::vector<ZeroGroup> zeroGroups(int order) {
    std::vector<ZeroGroup> groups;
    if (order < 2) return groups;
    for (const Complex& y : polynomialRoots(halfBandPolynomial(order))) {
        const bool real = std::abs(y.imag()) < 1e-12L * std::max(1.0L, std::abs(y));
        if (!real && y.imag() < 0) continue;
        // y = (2 - z - 1/z) / 4  <=>  z^2 - (2 - 4y) z + 1 = 0; the two solutions are reciprocal.
        const Complex b = 2.0L - 4.0L * (real ? Complex(y.real(), 0.0L) : y);
        const Complex d = std::sqrt(b * b - 4.0L);
        Complex z = (b + d) / 2.0L;
        if (std::abs(z) > 1.0L) z = (b - d) / 2.0L;
        if (real) z = Complex(z.real(), 0.0L);
        groups.push_back({z, !real});
    }
    std::sort(groups.begin(), groups.end(), [](const ZeroGroup& a, const ZeroGroup& b) {
        if (a.conjugatePair != b.conjugatePair) return !a.conjugatePair;
        return a.insideZero.real() < b.insideZero.real();
    });
    return groups;
}

// Coefficients of (1 + z^-1)^N * prod (1 - zero * z^-1), in rising powers of z^-1, scaled to sum sqrt(2).
std::vector<double> factorisedLowPass(int order, unsigned long outsideMask) {
    std::vector<Complex> polynomial{1.0L};
    auto multiplyByRoot = [&polynomial](Complex zero) {
        polynomial.push_back(0.0L);
        for (std::size_t k = polynomial.size() - 1; k >= 1; --k) polynomial[k] -= zero * polynomial[k - 1];
    };
    for (int k = 0; k < order; ++k) multiplyByRoot(-1.0L);
    const auto groups = zeroGroups(order);
    for (std::size_t g = 0; g < groups.size(); ++g) {
        const bool outside = (outsideMask >> g) & 1UL;
        const Complex zero = outside ? 1.0L / groups[g].insideZero : groups[g].insideZero;
        multiplyByRoot(zero);
        if (groups[g].conjugatePair) multiplyByRoot(std::conj(zero));
    }
    long double sum = 0.0L;
    for (const auto& c : polynomial) sum += c.real();
    const long double scale = std::sqrt(2.0L) / sum;
    std::vector<double> filter;
    for (const auto& c : polynomial) filter.push_back(static_cast<double>(c.real() * scale));
    return filter;
}

// Which zeros PyWavelets' symlets place outside the unit circle, as a mask over zeroGroups()
// (index: order). "Least asymmetric" has no single agreed measure, and no simple phase or
// time-domain criterion reproduces every order of the tables PyWavelets ships; these choices were
// found by comparing all 2^groups factorisations of each order with PyWavelets' filters (the match
// is unambiguous: every other factorisation differs by more than 1e-2). PyWavelets' symlet tables
// carry about 12 significant digits (its sym2 differs from its db2 by 3e-13); ours are exact to
// double precision, so the two differ by up to 1.5e-11 (sym20).
constexpr unsigned long kSymletOutsideMask[21] = {
    0, 0, 0, 0, 2, 2, 3, 4, 10, 6, 11, 12, 21, 14, 52, 28, 53, 113, 203, 92, 309,
};

using Real = boost::multiprecision::number<boost::multiprecision::cpp_bin_float<64>,
                                           boost::multiprecision::et_off>;
using RealMatrix = std::vector<std::vector<Real>>;

// Least-squares solution of a full-column-rank system by Householder QR.
std::vector<Real> leastSquares(RealMatrix a, std::vector<Real> b) {
    const std::size_t rows = a.size();
    const std::size_t cols = a.front().size();
    for (std::size_t k = 0; k < cols; ++k) {
        Real norm = 0;
        for (std::size_t i = k; i < rows; ++i) norm += a[i][k] * a[i][k];
        norm = sqrt(norm);
        if (norm == 0) continue;
        const Real alpha = a[k][k] > 0 ? Real(-norm) : norm;
        std::vector<Real> v(rows, Real(0));
        for (std::size_t i = k; i < rows; ++i) v[i] = a[i][k];
        v[k] -= alpha;
        Real vNorm2 = 0;
        for (std::size_t i = k; i < rows; ++i) vNorm2 += v[i] * v[i];
        for (std::size_t j = k; j < cols; ++j) {
            Real s = 0;
            for (std::size_t i = k; i < rows; ++i) s += v[i] * a[i][j];
            s = 2 * s / vNorm2;
            for (std::size_t i = k; i < rows; ++i) a[i][j] -= s * v[i];
        }
        Real s = 0;
        for (std::size_t i = k; i < rows; ++i) s += v[i] * b[i];
        s = 2 * s / vNorm2;
        for (std::size_t i = k; i < rows; ++i) b[i] -= s * v[i];
    }
    std::vector<Real> x(cols, Real(0));
    for (std::size_t k = cols; k-- > 0;) {
        Real s = b[k];
        for (std::size_t j = k + 1; j < cols; ++j) s -= a[k][j] * x[j];
        x[k] = s / a[k][k];
    }
    return x;
}

// Orthonormal discrete polynomials (degree 0..n-1) sampled on `points`, by Lanczos/Stieltjes with
// full re-orthogonalisation: a well-conditioned basis where monomials would be hopeless.
RealMatrix discreteOrthonormalPolynomials(const std::vector<Real>& points) {
    const std::size_t n = points.size();
    RealMatrix basis;
    basis.push_back(std::vector<Real>(n, Real(1) / sqrt(Real(n))));
    while (basis.size() < n) {
        std::vector<Real> v(n);
        for (std::size_t i = 0; i < n; ++i) v[i] = points[i] * basis.back()[i];
        for (int pass = 0; pass < 2; ++pass) {
            for (const auto& q : basis) {
                Real dot = 0;
                for (std::size_t i = 0; i < n; ++i) dot += v[i] * q[i];
                for (std::size_t i = 0; i < n; ++i) v[i] -= dot * q[i];
            }
        }
        Real norm = 0;
        for (const auto& value : v) norm += value * value;
        norm = sqrt(norm);
        for (auto& value : v) value /= norm;
        basis.push_back(std::move(v));
    }
    return basis;
}

} // namespace

std::vector<double> daubechiesLowPass(int order) {
    if (order < 1 || order > 20) throw std::invalid_argument("Daubechies order must be 1..20, got " + std::to_string(order));
    return factorisedLowPass(order, 0); // extremal phase: every zero inside the unit circle
}

std::vector<double> symletLowPass(int order) {
    if (order < 2 || order > 20) throw std::invalid_argument("symlet order must be 2..20, got " + std::to_string(order));
    return factorisedLowPass(order, kSymletOutsideMask[order]);
}

// Coiflet of order N (Daubechies, Ten Lectures, sec. 8.2): 6N taps h_k, k = -2N..4N-1, with
//   sum_k h_k h_{k+2m} = delta_m                         (orthonormality, m = 0..3N-1)
//   sum_k (-1)^k k^l h_k = 0,  l = 0..2N-1               (2N vanishing wavelet moments)
//   sum_k k^l h_k = sqrt(2) delta_l,  l = 0..2N-1        (2N-1 vanishing scaling moments)
// The moment conditions are linear: split into even and odd k, each half must reproduce the point
// evaluation at 0 on polynomials of degree < 2N. A particular solution is the delta at 0 (even half)
// and the Lagrange weights of the 2N odd nodes around 0 (odd half); the free part lies in the span of
// the discrete orthonormal polynomials of degree 2N..3N-1 on each half. Gauss-Newton on the
// orthonormality equations from the particular solution then converges to the coiflet PyWavelets
// (after Hatano) tabulates. The system is very ill-conditioned (about 10^(2N)), hence 64 digits.
std::vector<double> coifletLowPass(int order) {
    if (order < 1 || order > 17) throw std::invalid_argument("coiflet order must be 1..17, got " + std::to_string(order));
    const int n = order;
    const int taps = 6 * n;
    auto indexOf = [n](int k) { return static_cast<std::size_t>(k + 2 * n); };
    const Real halfRoot2 = 1 / sqrt(Real(2));

    std::vector<Real> particular(static_cast<std::size_t>(taps), Real(0));
    particular[indexOf(0)] = halfRoot2;
    for (int node = -(2 * n - 1); node <= 2 * n - 1; node += 2) {
        Real weight = 1;
        for (int other = -(2 * n - 1); other <= 2 * n - 1; other += 2) {
            if (other != node) weight *= Real(-other) / Real(node - other);
        }
        particular[indexOf(node)] = halfRoot2 * weight;
    }

    // Free directions: columns 0..N-1 on even k, N..2N-1 on odd k.
    RealMatrix freeDirections(static_cast<std::size_t>(taps), std::vector<Real>(static_cast<std::size_t>(2 * n), Real(0)));
    for (int parity = 0; parity < 2; ++parity) {
        std::vector<int> ks;
        std::vector<Real> points;
        for (int k = -2 * n; k < 4 * n; ++k) {
            if (((k % 2) + 2) % 2 != parity) continue;
            ks.push_back(k);
            points.push_back(Real(k) / Real(3 * n));
        }
        const RealMatrix polynomials = discreteOrthonormalPolynomials(points);
        for (int c = 0; c < n; ++c) {
            const auto& q = polynomials[static_cast<std::size_t>(2 * n + c)];
            for (std::size_t i = 0; i < ks.size(); ++i) {
                freeDirections[indexOf(ks[i])][static_cast<std::size_t>(parity * n + c)] = q[i];
            }
        }
    }

    const std::size_t unknowns = static_cast<std::size_t>(2 * n);
    const std::size_t equations = static_cast<std::size_t>(3 * n);
    const std::size_t length = static_cast<std::size_t>(taps);
    std::vector<Real> coordinates(unknowns, Real(0));
    std::vector<Real> h = particular;
    for (int iteration = 0; iteration < 40; ++iteration) {
        for (std::size_t i = 0; i < length; ++i) {
            h[i] = particular[i];
            for (std::size_t c = 0; c < unknowns; ++c) h[i] += freeDirections[i][c] * coordinates[c];
        }
        RealMatrix jacobian(equations, std::vector<Real>(unknowns, Real(0)));
        std::vector<Real> negativeResidual(equations);
        for (std::size_t m = 0; m < equations; ++m) {
            const std::size_t shift = 2 * m;
            Real residual = m == 0 ? Real(-1) : Real(0);
            std::vector<Real> gradient(length, Real(0));
            for (std::size_t i = 0; i + shift < length; ++i) {
                residual += h[i] * h[i + shift];
                gradient[i] += h[i + shift];
                gradient[i + shift] += h[i];
            }
            negativeResidual[m] = -residual;
            for (std::size_t c = 0; c < unknowns; ++c) {
                for (std::size_t i = 0; i < length; ++i) jacobian[m][c] += gradient[i] * freeDirections[i][c];
            }
        }
        const std::vector<Real> step = leastSquares(jacobian, negativeResidual);
        Real largest = 0;
        for (std::size_t c = 0; c < unknowns; ++c) {
            coordinates[c] += step[c];
            largest = std::max(largest, Real(abs(step[c])));
        }
        if (largest < Real(1e-24)) break;
    }
    for (std::size_t i = 0; i < length; ++i) {
        h[i] = particular[i];
        for (std::size_t c = 0; c < unknowns; ++c) h[i] += freeDirections[i][c] * coordinates[c];
    }
    std::vector<double> filter;
    for (const auto& value : h) filter.push_back(static_cast<double>(value));
    return filter;
}

WaveletFilterBank waveletFilterBank(const std::string& name) {
    auto orderAfter = [&name](std::size_t prefixLength) -> int {
        const std::string digits = name.substr(prefixLength);
        if (digits.empty() || digits.size() > 2 || digits[0] == '0' ||
            !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
            return -1;
        }
        return std::stoi(digits);
    };
    std::vector<double> low;
    try {
        if (name == "haar") {
            low = daubechiesLowPass(1);
        } else if (name.rfind("db", 0) == 0) {
            low = daubechiesLowPass(orderAfter(2));
        } else if (name.rfind("sym", 0) == 0) {
            low = symletLowPass(orderAfter(3));
        } else if (name.rfind("coif", 0) == 0) {
            low = coifletLowPass(orderAfter(4));
        }
    } catch (const std::invalid_argument&) {
        low.clear();
    }
    if (low.empty()) {
        throw std::invalid_argument("wavelet '" + name +
                                    "' is not supported (haar, db1-db20, sym2-sym20, coif1-coif17)");
    }
    // PyWavelets: dec_lo is rec_lo reversed; dec_hi[i] = (-1)^(i+1) rec_lo[i].
    WaveletFilterBank bank;
    bank.decLow.assign(low.rbegin(), low.rend());
    for (std::size_t i = 0; i < low.size(); ++i) bank.decHigh.push_back(i % 2 == 0 ? -low[i] : low[i]);
    return bank;
}

} // namespace radnode::analysis
