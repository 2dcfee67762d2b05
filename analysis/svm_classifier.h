// A fitted support-vector classifier as plain data, and how the node scores it: support
// vectors, dual coefficients, rho and Platt's A and B, enough for a model file to carry it
// and the node to score it without libsvm (training lives in analysis/svm.h).
//
// Orientation: unlike libsvm, whose sign follows the order labels first appear in the data,
// a decision value > 0 here always means the positive class (label 1), and probabilities are
// those of the positive class.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace radnode::analysis {

enum class SvmKernel { linear, rbf };

std::string svmKernelName(SvmKernel kernel);                 // "linear", "rbf"
std::optional<SvmKernel> parseSvmKernel(const std::string& name);

// A fitted binary SVM on standardised inputs (one column per model input, in input order).
//   decision(x) = sum_i dualCoefficients[i] * K(supportVectors[i], x) - rho
//   K linear: <u, v>;  K rbf: exp(-gamma * |u - v|^2)
//   P(positive | x) = 1 / (1 + exp(plattA * decision(x) + plattB))   (libsvm's sigmoid)
// svmProbability then does what libsvm's svm_predict_probability does with it, so that it
// equals scikit-learn's predict_proba to 1e-15 (the sigmoid alone is up to 3e-3 away): the
// sigmoid is clipped to [1e-7, 1 - 1e-7] and passed through libsvm's pairwise coupling
// (Wu, Lin and Weng's method 2), whose iteration stops at a residual of 0.0025, short of
// the sigmoid value itself.
struct SvmClassifier {
    SvmKernel kernel = SvmKernel::rbf;
    double gamma = 0.0; // RBF only
    std::vector<std::vector<double>> supportVectors;
    std::vector<double> dualCoefficients; // y_i * alpha_i, oriented as above
    double rho = 0.0;
    std::optional<double> plattA, plattB; // absent when fitted without probability
};

// Throws std::invalid_argument when x has the wrong number of values or the classifier is
// malformed (no support vectors, ragged vectors, coefficient count differs).
double svmDecisionValue(const SvmClassifier& svm, const std::vector<double>& x);
// Throws std::logic_error when the classifier has no Platt coefficients.
double svmProbability(const SvmClassifier& svm, double decisionValue);
// Linear kernel only: w with decision(x) = <w, x> - rho (what SVM-RFE ranks by).
std::vector<double> svmLinearWeights(const SvmClassifier& svm);

} // namespace radnode::analysis
