// Probability distributions and sample quantiles the validation statistics need, written to
// match R (pnorm, qnorm, pchisq, quantile type 7) so results agree with published analyses.
#pragma once

#include <vector>

namespace radnode::analysis {

// Standard normal distribution function Phi(x).
double normalCdf(double x);

// Standard normal quantile: x with Phi(x) = p, for 0 < p < 1 (R's qnorm).
double normalQuantile(double p);

// Regularised lower and upper incomplete gamma functions P(a, x) and Q(a, x) = 1 - P(a, x),
// for a > 0, x >= 0; each computed directly so a small tail keeps its relative precision.
double regularizedGammaP(double a, double x);
double regularizedGammaQ(double a, double x);

// Upper tail of the chi-square distribution: Pr(X > statistic) with `degreesOfFreedom` df.
double chiSquareUpperTail(double statistic, double degreesOfFreedom);

// R's default sample quantile (type 7): linear interpolation between order statistics at
// index 1 + (n - 1) p. `sortedValues` must be sorted ascending and non-empty; 0 <= p <= 1.
double sampleQuantile(const std::vector<double>& sortedValues, double p);

} // namespace radnode::analysis
