#include "analysis/distributions.h"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace radnode::analysis {

namespace {

constexpr double kSqrt2 = 1.41421356237309504880;
constexpr double kSqrt2Pi = 2.50662827463100050242;
constexpr double kEpsilon = std::numeric_limits<double>::epsilon();

// P(a, x) by its power series; converges quickly for x < a + 1.
double gammaPSeries(double a, double x) {
    double term = 1.0 / a;
    double sum = term;
    for (int n = 1; n < 10000; ++n) {
        term *= x / (a + n);
        sum += term;
        if (std::fabs(term) < std::fabs(sum) * kEpsilon) break;
    }
    return sum * std::exp(-x + a * std::log(x) - std::lgamma(a));
}

// Q(a, x) by its continued fraction (modified Lentz); converges quickly for x >= a + 1.
double gammaQContinuedFraction(double a, double x) {
    constexpr double tiny = 1e-300;
    double b = x + 1.0 - a;
    double c = 1.0 / tiny;
    double d = 1.0 / b;
    double fraction = d;
    for (int i = 1; i < 10000; ++i) {
        const double an = -i * (i - a);
        b += 2.0;
        d = an * d + b;
        if (std::fabs(d) < tiny) d = tiny;
        c = b + an / c;
        if (std::fabs(c) < tiny) c = tiny;
        d = 1.0 / d;
        const double delta = d * c;
        fraction *= delta;
        if (std::fabs(delta - 1.0) < kEpsilon) break;
    }
    return fraction * std::exp(-x + a * std::log(x) - std::lgamma(a));
}

void checkGammaArguments(double a, double x) {
    if (!(a > 0) || !(x >= 0) || std::isinf(a)) {
        throw std::invalid_argument("incomplete gamma needs a > 0 and x >= 0 (got a=" + std::to_string(a) +
                                    ", x=" + std::to_string(x) + ")");
    }
}

} // namespace

double normalCdf(double x) { return 0.5 * std::erfc(-x / kSqrt2); }

double normalQuantile(double p) {
    if (!(p > 0 && p < 1)) {
        if (p == 0) return -std::numeric_limits<double>::infinity();
        if (p == 1) return std::numeric_limits<double>::infinity();
        throw std::invalid_argument("normal quantile needs 0 <= p <= 1 (got " + std::to_string(p) + ")");
    }
    if (p == 0.5) return 0.0;
    // Start from Abramowitz & Stegun 26.2.23 (error < 4.5e-4), then polish with Halley steps
    // on the lower tail, where erfc keeps full relative precision.
    const double tail = p < 0.5 ? p : 1.0 - p;
    const double t = std::sqrt(-2.0 * std::log(tail));
    double x = t - (2.515517 + 0.802853 * t + 0.010328 * t * t) / (1.0 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t);
    x = -x; // lower-tail quantile
    for (int i = 0; i < 6; ++i) {
        const double error = normalCdf(x) - tail;
        const double u = error * kSqrt2Pi * std::exp(0.5 * x * x);
        const double step = u / (1.0 + 0.5 * x * u);
        x -= step;
        if (std::fabs(step) <= 1e-16 * std::fabs(x)) break;
    }
    // 1 - p is exact for p >= 0.5, so the upper quantile is the mirrored lower one.
    return p < 0.5 ? x : -x;
}

double regularizedGammaP(double a, double x) {
    checkGammaArguments(a, x);
    if (x == 0) return 0.0;
    if (std::isinf(x)) return 1.0;
    return x < a + 1.0 ? gammaPSeries(a, x) : 1.0 - gammaQContinuedFraction(a, x);
}

double regularizedGammaQ(double a, double x) {
    checkGammaArguments(a, x);
    if (x == 0) return 1.0;
    if (std::isinf(x)) return 0.0;
    return x < a + 1.0 ? 1.0 - gammaPSeries(a, x) : gammaQContinuedFraction(a, x);
}

double chiSquareUpperTail(double statistic, double degreesOfFreedom) {
    if (!(degreesOfFreedom > 0)) {
        throw std::invalid_argument("chi-square needs positive degrees of freedom (got " + std::to_string(degreesOfFreedom) + ")");
    }
    if (std::isnan(statistic)) return std::numeric_limits<double>::quiet_NaN();
    if (statistic <= 0) return 1.0;
    return regularizedGammaQ(0.5 * degreesOfFreedom, 0.5 * statistic);
}

double sampleQuantile(const std::vector<double>& sortedValues, double p) {
    if (sortedValues.empty()) throw std::invalid_argument("sample quantile of no values");
    if (!(p >= 0 && p <= 1)) throw std::invalid_argument("sample quantile needs 0 <= p <= 1 (got " + std::to_string(p) + ")");
    // R: index <- 1 + (n - 1) * p; lo/hi its floor/ceiling; (1 - h) * x[lo] + h * x[hi].
    const double index = 1.0 + static_cast<double>(sortedValues.size() - 1) * p;
    const double lo = std::floor(index);
    const double hi = std::ceil(index);
    const double low = sortedValues[static_cast<std::size_t>(lo) - 1];
    const double high = sortedValues[static_cast<std::size_t>(hi) - 1];
    if (!(index > lo) || high == low) return low;
    const double h = index - lo;
    return (1.0 - h) * low + h * high;
}

} // namespace radnode::analysis
