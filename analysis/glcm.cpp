#include "analysis/glcm.h"

#include "analysis/neighbour_offsets.h"
#include "analysis/texture_grid.h"

#include <Eigen/Eigenvalues>

#include <algorithm>
#include <cmath>
#include <complex>
#include <limits>
#include <stdexcept>

namespace radnode::analysis {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// One normalised GLCM (one direction, or all directions merged by weighting) and the
// coefficients PyRadiomics derives from it in _calculateCoefficients.
struct Glcm {
    int ng = 0;                           // matrix side: grey levels present in the ROI
    double maxLevel = 0;                  // PyRadiomics' Ng, which Idmn and Idn divide by
    bool empty = false;                   // no co-occurrences: PyRadiomics divides by 0 -> NaN
    std::vector<double> p;                // ng x ng, row = level of the centre voxel
    std::vector<double> level;            // grey level of each row and column
    std::vector<double> px, py;           // marginal row and column probabilities
    std::vector<double> sumDistribution;  // p_{x+y}(k), indexed by k = i + j, 2 <= k <= 2 Ng
    std::vector<double> diffDistribution; // p_{x-y}(k), indexed by k = |i - j|, 0 <= k < Ng
    double ux = 0.0;
    double uy = 0.0;
    double hxy = 0.0; // joint entropy

    double at(int i, int j) const { return p[static_cast<std::size_t>(i * ng + j)]; }
};

double entropyTerm(double probability) { return probability * std::log2(probability + kTextureEps); }

Glcm normalise(const double* counts, const TextureGrid& grid) {
    Glcm m;
    m.ng = static_cast<int>(grid.presentLevels.size());
    m.maxLevel = grid.maxLevel;
    const std::size_t cells = static_cast<std::size_t>(m.ng) * static_cast<std::size_t>(m.ng);
    double total = 0.0;
    for (std::size_t c = 0; c < cells; ++c) total += counts[c];
    if (total == 0.0) {
        m.empty = true;
        return m;
    }
    m.p.assign(counts, counts + cells);
    for (double& value : m.p) value /= total;
    for (const int level : grid.presentLevels) m.level.push_back(level);

    m.px.assign(static_cast<std::size_t>(m.ng), 0.0);
    m.py.assign(static_cast<std::size_t>(m.ng), 0.0);
    m.sumDistribution.assign(static_cast<std::size_t>(2 * grid.maxLevel + 1), 0.0);
    m.diffDistribution.assign(static_cast<std::size_t>(grid.maxLevel), 0.0);
    for (int i = 0; i < m.ng; ++i) {
        for (int j = 0; j < m.ng; ++j) {
            const double pij = m.at(i, j);
            const double li = m.level[static_cast<std::size_t>(i)];
            const double lj = m.level[static_cast<std::size_t>(j)];
            m.px[static_cast<std::size_t>(i)] += pij;
            m.py[static_cast<std::size_t>(j)] += pij;
            m.ux += pij * li;
            m.uy += pij * lj;
            m.sumDistribution[static_cast<std::size_t>(li + lj)] += pij;
            m.diffDistribution[static_cast<std::size_t>(std::abs(li - lj))] += pij;
            m.hxy -= entropyTerm(pij);
        }
    }
    return m;
}

// Sum over the matrix of p(i, j) * f(level i, level j).
template <typename Term>
double weightedSum(const Glcm& m, Term term) {
    double sum = 0.0;
    for (int i = 0; i < m.ng; ++i) {
        for (int j = 0; j < m.ng; ++j) {
            sum += m.at(i, j) * term(m.level[static_cast<std::size_t>(i)], m.level[static_cast<std::size_t>(j)]);
        }
    }
    return sum;
}

// Sum over k of p_{x-y}(k) * f(k).
template <typename Term>
double differenceSum(const Glcm& m, Term term) {
    double sum = 0.0;
    for (std::size_t k = 0; k < m.diffDistribution.size(); ++k) {
        sum += m.diffDistribution[k] * term(static_cast<double>(k));
    }
    return sum;
}

double autocorrelation(const Glcm& m) {
    return weightedSum(m, [](double i, double j) { return i * j; });
}

double jointAverage(const Glcm& m) { return m.ux; }

double clusterProminence(const Glcm& m) {
    return weightedSum(m, [&](double i, double j) { return std::pow(i + j - m.ux - m.uy, 4); });
}

double clusterShade(const Glcm& m) {
    return weightedSum(m, [&](double i, double j) { return std::pow(i + j - m.ux - m.uy, 3); });
}

double clusterTendency(const Glcm& m) {
    return weightedSum(m, [&](double i, double j) { return std::pow(i + j - m.ux - m.uy, 2); });
}

double contrast(const Glcm& m) {
    return weightedSum(m, [](double i, double j) { return (i - j) * (i - j); });
}

double correlation(const Glcm& m) {
    const double sigmaX = std::sqrt(weightedSum(m, [&](double i, double) { return (i - m.ux) * (i - m.ux); }));
    const double sigmaY = std::sqrt(weightedSum(m, [&](double, double j) { return (j - m.uy) * (j - m.uy); }));
    // A flat region has no spread: PyRadiomics defines its correlation as 1.
    if (sigmaX * sigmaY == 0.0) return 1.0;
    const double covariance = weightedSum(m, [&](double i, double j) { return (i - m.ux) * (j - m.uy); });
    return covariance / (sigmaX * sigmaY + kTextureEps);
}

double differenceAverage(const Glcm& m) {
    return differenceSum(m, [](double k) { return k; });
}

double differenceEntropy(const Glcm& m) {
    double sum = 0.0;
    for (const double value : m.diffDistribution) sum -= entropyTerm(value);
    return sum;
}

double differenceVariance(const Glcm& m) {
    const double average = differenceAverage(m);
    return differenceSum(m, [&](double k) { return (k - average) * (k - average); });
}

double jointEnergy(const Glcm& m) {
    double sum = 0.0;
    for (const double value : m.p) sum += value * value;
    return sum;
}

double jointEntropy(const Glcm& m) { return m.hxy; }

double marginalEntropy(const std::vector<double>& marginal) {
    double sum = 0.0;
    for (const double value : marginal) sum -= entropyTerm(value);
    return sum;
}

double imc1(const Glcm& m) {
    const double hx = marginalEntropy(m.px);
    const double hy = marginalEntropy(m.py);
    double hxy1 = 0.0;
    for (int i = 0; i < m.ng; ++i) {
        for (int j = 0; j < m.ng; ++j) {
            hxy1 -= m.at(i, j) *
                    std::log2(m.px[static_cast<std::size_t>(i)] * m.py[static_cast<std::size_t>(j)] + kTextureEps);
        }
    }
    const double divisor = std::fmax(hx, hy);
    return divisor == 0.0 ? 0.0 : (m.hxy - hxy1) / divisor;
}

double imc2(const Glcm& m) {
    double hxy2 = 0.0;
    for (const double x : m.px) {
        for (const double y : m.py) hxy2 -= entropyTerm(x * y);
    }
    if (hxy2 == m.hxy) return 0.0;
    // Negative under the root (HXY2 < HXY by rounding) gives NaN, as numpy does.
    return std::sqrt(1.0 - std::exp(-2.0 * (hxy2 - m.hxy)));
}

double idm(const Glcm& m) {
    return differenceSum(m, [](double k) { return 1.0 / (1.0 + k * k); });
}

// Maximal correlation coefficient: square root of the second largest eigenvalue of
// Q(i, j) = sum_k p(i, k) p(j, k) / (p_x(i) p_y(k) + eps).
double mcc(const Glcm& m) {
    Eigen::MatrixXd q = Eigen::MatrixXd::Zero(m.ng, m.ng);
    for (int i = 0; i < m.ng; ++i) {
        for (int j = 0; j < m.ng; ++j) {
            double sum = 0.0;
            for (int k = 0; k < m.ng; ++k) {
                sum += m.at(i, k) * m.at(j, k) /
                       (m.px[static_cast<std::size_t>(i)] * m.py[static_cast<std::size_t>(k)] + kTextureEps);
            }
            q(i, j) = sum;
        }
    }
    const Eigen::EigenSolver<Eigen::MatrixXd> solver(q, false);
    if (solver.info() != Eigen::Success) return kNaN;
    std::vector<std::complex<double>> eigenvalues(solver.eigenvalues().data(),
                                                  solver.eigenvalues().data() + m.ng);
    // numpy orders complex numbers by real part, then imaginary part.
    std::sort(eigenvalues.begin(), eigenvalues.end(), [](const auto& a, const auto& b) {
        return a.real() < b.real() || (a.real() == b.real() && a.imag() < b.imag());
    });
    const std::complex<double> second = eigenvalues[static_cast<std::size_t>(m.ng - 2)];
    const bool allReal = std::all_of(eigenvalues.begin(), eigenvalues.end(),
                                     [](const auto& value) { return value.imag() == 0.0; });
    // numpy returns real eigenvalues when none has an imaginary part; then a negative one
    // (rounding) gives NaN, where a complex one gives the real part of its root.
    return allReal ? std::sqrt(second.real()) : std::sqrt(second).real();
}

double idmn(const Glcm& m) {
    const double ng2 = m.maxLevel * m.maxLevel;
    return differenceSum(m, [&](double k) { return 1.0 / (1.0 + k * k / ng2); });
}

double id(const Glcm& m) {
    return differenceSum(m, [](double k) { return 1.0 / (1.0 + k); });
}

double idn(const Glcm& m) {
    return differenceSum(m, [&](double k) { return 1.0 / (1.0 + k / m.maxLevel); });
}

double inverseVariance(const Glcm& m) {
    double sum = 0.0;
    for (std::size_t k = 1; k < m.diffDistribution.size(); ++k) {
        sum += m.diffDistribution[k] / static_cast<double>(k * k);
    }
    return sum;
}

double maximumProbability(const Glcm& m) { return *std::max_element(m.p.begin(), m.p.end()); }

double sumAverage(const Glcm& m) {
    double sum = 0.0;
    for (std::size_t k = 0; k < m.sumDistribution.size(); ++k) sum += static_cast<double>(k) * m.sumDistribution[k];
    return sum;
}

double sumEntropy(const Glcm& m) {
    double sum = 0.0;
    for (const double value : m.sumDistribution) sum -= entropyTerm(value);
    return sum;
}

double sumSquares(const Glcm& m) {
    return weightedSum(m, [&](double i, double) { return (i - m.ux) * (i - m.ux); });
}

struct GlcmFeature {
    const char* name;
    double (*compute)(const Glcm&); // null for deprecated features
    const char* deprecation;        // why PyRadiomics no longer computes it
};

// Alphabetical, as PyRadiomics enumerates the class's getters.
const std::vector<GlcmFeature>& glcmFeatures() {
    static const std::vector<GlcmFeature> features{
        {"Autocorrelation", autocorrelation, nullptr},
        {"ClusterProminence", clusterProminence, nullptr},
        {"ClusterShade", clusterShade, nullptr},
        {"ClusterTendency", clusterTendency, nullptr},
        {"Contrast", contrast, nullptr},
        {"Correlation", correlation, nullptr},
        {"DifferenceAverage", differenceAverage, nullptr},
        {"DifferenceEntropy", differenceEntropy, nullptr},
        {"DifferenceVariance", differenceVariance, nullptr},
        {"Dissimilarity", nullptr, "deprecated: mathematically equal to DifferenceAverage; PyRadiomics gives no value"},
        {"Homogeneity1", nullptr, "deprecated: mathematically equal to Id; PyRadiomics gives no value"},
        {"Homogeneity2", nullptr, "deprecated: mathematically equal to Idm; PyRadiomics gives no value"},
        {"Id", id, nullptr},
        {"Idm", idm, nullptr},
        {"Idmn", idmn, nullptr},
        {"Idn", idn, nullptr},
        {"Imc1", imc1, nullptr},
        {"Imc2", imc2, nullptr},
        {"InverseVariance", inverseVariance, nullptr},
        {"JointAverage", jointAverage, nullptr},
        {"JointEnergy", jointEnergy, nullptr},
        {"JointEntropy", jointEntropy, nullptr},
        {"MCC", mcc, nullptr},
        {"MaximumProbability", maximumProbability, nullptr},
        {"SumAverage", sumAverage, nullptr},
        {"SumEntropy", sumEntropy, nullptr},
        {"SumSquares", sumSquares, nullptr},
        {"SumVariance", nullptr, "deprecated: mathematically equal to ClusterTendency; PyRadiomics gives no value"},
    };
    return features;
}

const GlcmFeature& findFeature(const std::string& name) {
    for (const auto& feature : glcmFeatures()) {
        if (name == feature.name) return feature;
    }
    throw std::invalid_argument("feature class glcm has no feature '" + name + "'");
}

// PyRadiomics' distance weight of one direction: exp(-||offset * spacing||^2) in the chosen norm.
double directionWeight(const TextureAngle& angle, const std::array<double, 3>& spacing, WeightingNorm norm) {
    const auto [infinity, manhattan, squares] = directionLengths(angle, spacing);
    switch (norm) {
    case WeightingNorm::Infinity: return std::exp(-infinity * infinity);
    case WeightingNorm::Euclidean: return std::exp(-squares);
    case WeightingNorm::Manhattan: return std::exp(-manhattan * manhattan);
    case WeightingNorm::NoWeighting:
    case WeightingNorm::None: break;
    }
    return 1.0;
}

// Co-occurrence counts, one ng x ng block per direction, symmetrised and weighted as set;
// directions without any co-occurrence are dropped when there is more than one matrix.
std::vector<std::vector<double>> cooccurrenceMatrices(const TextureGrid& grid, const std::vector<TextureAngle>& angles,
                                                      const Settings& settings) {
    const std::size_t ng = grid.presentLevels.size();
    const std::size_t cells = ng * ng;
    std::vector<std::ptrdiff_t> offsets;
    for (const auto& angle : angles) offsets.push_back(grid.offset(angle));

    std::vector<double> counts(angles.size() * cells, 0.0);
    withNeighbourOffsets(offsets, [&](const auto& neighbourOffsets) {
        for (const std::size_t voxel : grid.roiVoxels) {
            const int* centre = grid.levels.data() + voxel;
            const std::size_t row = static_cast<std::size_t>(grid.levelIndex[static_cast<std::size_t>(*centre)]);
            double* direction = counts.data() + row * ng; // block of the first direction
            for (const std::ptrdiff_t offset : neighbourOffsets) {
                const int neighbour = centre[offset];
                if (neighbour != 0) direction[grid.levelIndex[static_cast<std::size_t>(neighbour)]] += 1.0;
                direction += cells;
            }
        }
    });

    std::vector<std::vector<double>> matrices;
    for (std::size_t a = 0; a < angles.size(); ++a) {
        std::vector<double> matrix(counts.begin() + static_cast<std::ptrdiff_t>(a * cells),
                                   counts.begin() + static_cast<std::ptrdiff_t>((a + 1) * cells));
        if (settings.symmetricalGLCM) {
            for (std::size_t i = 0; i < ng; ++i) {
                for (std::size_t j = i; j < ng; ++j) {
                    const double both = matrix[i * ng + j] + matrix[j * ng + i];
                    matrix[i * ng + j] = both;
                    matrix[j * ng + i] = both;
                }
            }
        }
        matrices.push_back(std::move(matrix));
    }

    if (settings.weightingNorm != WeightingNorm::None) {
        std::vector<double> merged(cells, 0.0);
        for (std::size_t a = 0; a < angles.size(); ++a) {
            const double weight = directionWeight(angles[a], grid.spacing, settings.weightingNorm);
            for (std::size_t c = 0; c < cells; ++c) merged[c] += matrices[a][c] * weight;
        }
        return {merged};
    }
    if (matrices.size() > 1) {
        matrices.erase(std::remove_if(matrices.begin(), matrices.end(),
                                      [](const std::vector<double>& matrix) {
                                          for (const double value : matrix) {
                                              if (value != 0.0) return false;
                                          }
                                          return true;
                                      }),
                       matrices.end());
    }
    return matrices;
}

} // namespace

const std::vector<FeatureDefinition>& glcmFeatureDefinitions() {
    static const std::vector<FeatureDefinition> definitions = [] {
        std::vector<FeatureDefinition> list;
        for (const auto& feature : glcmFeatures()) list.push_back({feature.name, feature.compute == nullptr});
        return list;
    }();
    return definitions;
}

FeatureList computeGlcm(const DiscretizedRoi& roi, const Settings& settings,
                        const std::vector<std::string>& requested, DiagnosticList& diagnostics) {
    return computeGlcmOnGrid(makeTextureGrid(roi, settings), settings, requested, diagnostics);
}

FeatureList computeGlcmOnGrid(const TextureGrid& grid, const Settings& settings,
                              const std::vector<std::string>& requested, DiagnosticList& diagnostics) {
    const auto selected = selectFeatures("glcm", glcmFeatureDefinitions(), requested);
    const int excludedAxis = excludedTextureAxis(settings);
    const auto angles = textureAngles(grid.size, settings.distances, false, excludedAxis);

    std::vector<Glcm> matrices;
    for (const auto& counts : cooccurrenceMatrices(grid, angles, settings)) {
        matrices.push_back(normalise(counts.data(), grid));
    }

    FeatureList features;
    for (const auto& name : selected) {
        const GlcmFeature& feature = findFeature(name);
        if (!feature.compute) {
            diagnostics.push_back({name, feature.deprecation});
            continue;
        }
        if (!settings.symmetricalGLCM && (name == "JointAverage" || name == "SumSquares")) {
            diagnostics.push_back({name, "the formula assumes a symmetrical GLCM, but symmetricalGLCM is off"});
        }
        // PyRadiomics returns 1 for a flat region before looking at any matrix.
        if (name == "MCC" && grid.presentLevels.size() < 2) {
            features.push_back({name, 1.0});
            continue;
        }
        std::vector<double> perDirection;
        for (const auto& matrix : matrices) perDirection.push_back(matrix.empty ? kNaN : feature.compute(matrix));
        features.push_back({name, nanMean(perDirection)});
    }
    const bool noCooccurrence =
        std::all_of(matrices.begin(), matrices.end(), [](const Glcm& matrix) { return matrix.empty; });
    const char* reason = angles.empty()
                             ? "no neighbour direction fits in the ROI's bounding box at the requested distances "
                               "(PyRadiomics stops with an error here)"
                         : noCooccurrence ? "no two ROI voxels are neighbours in any direction, so the GLCM is empty"
                                          : "undefined in every direction (rounding), as in PyRadiomics";
    reportNaNs(features, reason, diagnostics);
    return features;
}

} // namespace radnode::analysis
