// Scoring a fitted SVM from plain data, reproducing libsvm's (and so scikit-learn's) arithmetic.
#include "analysis/svm_classifier.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>

namespace radnode::analysis {

std::string svmKernelName(SvmKernel kernel) {
    switch (kernel) {
    case SvmKernel::linear: return "linear";
    case SvmKernel::rbf: return "rbf";
    }
    throw std::invalid_argument("unknown SVM kernel value " + std::to_string(static_cast<int>(kernel)));
}

std::optional<SvmKernel> parseSvmKernel(const std::string& name) {
    if (name == "linear") return SvmKernel::linear;
    if (name == "rbf") return SvmKernel::rbf;
    return std::nullopt;
}

namespace {

void checkClassifier(const SvmClassifier& svm) {
    if (svm.supportVectors.empty()) throw std::invalid_argument("SVM has no support vectors");
    if (svm.dualCoefficients.size() != svm.supportVectors.size()) {
        throw std::invalid_argument("SVM has " + std::to_string(svm.supportVectors.size()) + " support vectors but " +
                                    std::to_string(svm.dualCoefficients.size()) + " dual coefficients");
    }
    const std::size_t inputs = svm.supportVectors.front().size();
    for (std::size_t i = 0; i < svm.supportVectors.size(); ++i) {
        if (svm.supportVectors[i].size() != inputs) {
            throw std::invalid_argument("SVM support vector " + std::to_string(i) + " has " +
                                        std::to_string(svm.supportVectors[i].size()) + " values, the first has " +
                                        std::to_string(inputs));
        }
    }
    if (svm.kernel == SvmKernel::rbf && !(svm.gamma > 0.0)) {
        throw std::invalid_argument("RBF SVM needs gamma > 0, has " + std::to_string(svm.gamma));
    }
}

double kernelValue(const SvmClassifier& svm, const std::vector<double>& u, const std::vector<double>& v) {
    double sum = 0.0;
    if (svm.kernel == SvmKernel::linear) {
        for (std::size_t j = 0; j < u.size(); ++j) sum += u[j] * v[j];
        return sum;
    }
    for (std::size_t j = 0; j < u.size(); ++j) {
        const double d = u[j] - v[j];
        sum += d * d;
    }
    return std::exp(-svm.gamma * sum);
}

// libsvm's sigmoid_predict: the same value as 1 / (1 + exp(f)), written so exp never overflows.
double plattSigmoid(double decisionValue, double a, double b) {
    const double f = decisionValue * a + b;
    if (f >= 0.0) return std::exp(-f) / (1.0 + std::exp(-f));
    return 1.0 / (1.0 + std::exp(f));
}

// libsvm's multiclass_probability for k = 2 with classes ordered (negative, positive), as
// scikit-learn's libsvm orders them: returns the positive class's coupled probability.
double coupledPositiveProbability(double pairwisePositive) {
    constexpr int kClasses = 2;
    constexpr int kMaxIterations = 100;
    constexpr double kStop = 0.005 / kClasses;
    const double r01 = 1.0 - pairwisePositive; // Pr(negative) in the negative/positive pair
    const double r10 = 1.0 - r01;
    const std::array<std::array<double, 2>, 2> q{{{r10 * r10, -r10 * r01}, {-r01 * r10, r01 * r01}}};
    std::array<double, 2> p{0.5, 0.5};
    std::array<double, 2> qp{};
    for (int iteration = 0; iteration < kMaxIterations; ++iteration) {
        double pqp = 0.0;
        for (int t = 0; t < kClasses; ++t) {
            qp[t] = q[t][0] * p[0] + q[t][1] * p[1];
            pqp += p[t] * qp[t];
        }
        if (std::max(std::fabs(qp[0] - pqp), std::fabs(qp[1] - pqp)) < kStop) break;
        for (int t = 0; t < kClasses; ++t) {
            const double diff = (-qp[t] + pqp) / q[t][t];
            p[t] += diff;
            pqp = (pqp + diff * (diff * q[t][t] + 2 * qp[t])) / (1 + diff) / (1 + diff);
            for (int j = 0; j < kClasses; ++j) {
                qp[j] = (qp[j] + diff * q[t][j]) / (1 + diff);
                p[j] /= (1 + diff);
            }
        }
    }
    return p[1];
}

} // namespace

double svmDecisionValue(const SvmClassifier& svm, const std::vector<double>& x) {
    checkClassifier(svm);
    if (x.size() != svm.supportVectors.front().size()) {
        throw std::invalid_argument("SVM expects " + std::to_string(svm.supportVectors.front().size()) +
                                    " inputs, got " + std::to_string(x.size()));
    }
    double sum = 0.0;
    for (std::size_t i = 0; i < svm.supportVectors.size(); ++i) {
        sum += svm.dualCoefficients[i] * kernelValue(svm, x, svm.supportVectors[i]);
    }
    return sum - svm.rho;
}

double svmProbability(const SvmClassifier& svm, double decisionValue) {
    if (!svm.plattA || !svm.plattB) throw std::logic_error("SVM was fitted without probability (no Platt A and B)");
    constexpr double kMinProbability = 1e-7; // libsvm's clip before coupling
    const double pairwise =
        std::clamp(plattSigmoid(decisionValue, *svm.plattA, *svm.plattB), kMinProbability, 1.0 - kMinProbability);
    return coupledPositiveProbability(pairwise);
}

std::vector<double> svmLinearWeights(const SvmClassifier& svm) {
    checkClassifier(svm);
    if (svm.kernel != SvmKernel::linear) throw std::invalid_argument("linear weights asked of an RBF SVM");
    std::vector<double> w(svm.supportVectors.front().size(), 0.0);
    for (std::size_t i = 0; i < svm.supportVectors.size(); ++i) {
        for (std::size_t j = 0; j < w.size(); ++j) w[j] += svm.dualCoefficients[i] * svm.supportVectors[i][j];
    }
    return w;
}

} // namespace radnode::analysis
