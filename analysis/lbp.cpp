#include "analysis/lbp.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <complex>
#include <cstdint>
#include <limits>
#include <map>
#include <stdexcept>
#include <utility>

namespace radnode::analysis {

namespace {

// ---------------------------------------------------------------- 2D (scikit-image)

enum class LbpMethod { Default, RotationInvariant, Uniform, NonRotationInvariantUniform, Variance };

LbpMethod parseMethod(std::string name) {
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    if (name == "default") return LbpMethod::Default;
    if (name == "ror") return LbpMethod::RotationInvariant;
    if (name == "uniform") return LbpMethod::Uniform;
    if (name == "nri_uniform") return LbpMethod::NonRotationInvariantUniform;
    if (name == "var") return LbpMethod::Variance;
    throw std::invalid_argument("setting 'lbp2DMethod' must be default, ror, uniform, nri_uniform or var, got '" +
                                name + "'");
}

// One 2D slice as scikit-image sees it: row-major, float64.
struct Plane {
    std::size_t rows = 0;
    std::size_t cols = 0;
    std::vector<double> values;

    // scikit-image's constant border: 0 outside the slice.
    double at(long r, long c) const {
        if (r < 0 || c < 0 || r >= static_cast<long>(rows) || c >= static_cast<long>(cols)) return 0.0;
        return values[static_cast<std::size_t>(r) * cols + static_cast<std::size_t>(c)];
    }

    double bilinear(double r, double c) const {
        const long minR = static_cast<long>(std::floor(r));
        const long minC = static_cast<long>(std::floor(c));
        const long maxR = static_cast<long>(std::ceil(r));
        const long maxC = static_cast<long>(std::ceil(c));
        const double dr = r - static_cast<double>(minR);
        const double dc = c - static_cast<double>(minC);
        const double top = (1 - dc) * at(minR, minC) + dc * at(minR, maxC);
        const double bottom = (1 - dc) * at(maxR, minC) + dc * at(maxR, maxC);
        return (1 - dr) * top + dr * bottom;
    }
};

int rotateRight(int value, int length) { return (value >> 1) | ((value & 1) << (length - 1)); }

// skimage.feature.local_binary_pattern(plane, P, R, method), code for code.
std::vector<double> lbpOfPlane(const Plane& plane, int samples, double radius, LbpMethod method) {
    // Sample offsets on the circle, rounded to 5 decimals as numpy.round(x, 5) does.
    std::vector<double> rowOffset(static_cast<std::size_t>(samples));
    std::vector<double> colOffset(static_cast<std::size_t>(samples));
    const double twoPi = 2 * 3.141592653589793;
    for (int i = 0; i < samples; ++i) {
        const double angle = twoPi * static_cast<double>(i) / static_cast<double>(samples);
        rowOffset[static_cast<std::size_t>(i)] = std::nearbyint(-radius * std::sin(angle) * 1e5) / 1e5;
        colOffset[static_cast<std::size_t>(i)] = std::nearbyint(radius * std::cos(angle) * 1e5) / 1e5;
    }
    std::vector<double> texture(static_cast<std::size_t>(samples));
    std::vector<int> above(static_cast<std::size_t>(samples));
    std::vector<double> out(plane.values.size());
    const int p = samples;
    for (std::size_t r = 0; r < plane.rows; ++r) {
        for (std::size_t c = 0; c < plane.cols; ++c) {
            const double centre = plane.values[r * plane.cols + c];
            for (std::size_t i = 0; i < texture.size(); ++i) {
                texture[i] = plane.bilinear(static_cast<double>(r) + rowOffset[i], static_cast<double>(c) + colOffset[i]);
                above[i] = texture[i] - centre >= 0 ? 1 : 0;
            }
            double code = 0;
            if (method == LbpMethod::Variance) {
                // Biased variance of the samples; flat neighbourhoods are undefined (NaN).
                double sum = 0.0, sumSquares = 0.0;
                for (double t : texture) {
                    sum += t;
                    sumSquares += t * t;
                }
                const double variance = (sumSquares - (sum * sum) / p) / p;
                code = variance != 0 ? variance : std::numeric_limits<double>::quiet_NaN();
            } else if (method == LbpMethod::Uniform || method == LbpMethod::NonRotationInvariantUniform) {
                // scikit-image counts transitions along the chain without closing the circle.
                int changes = 0;
                for (int i = 0; i + 1 < p; ++i) changes += above[static_cast<std::size_t>(i)] != above[static_cast<std::size_t>(i + 1)];
                if (method == LbpMethod::NonRotationInvariantUniform) {
                    if (changes <= 2) {
                        int ones = 0, firstOne = -1, firstZero = -1;
                        for (int i = 0; i < p; ++i) {
                            if (above[static_cast<std::size_t>(i)]) {
                                ++ones;
                                if (firstOne == -1) firstOne = i;
                            } else if (firstZero == -1) {
                                firstZero = i;
                            }
                        }
                        if (ones == 0) {
                            code = 0;
                        } else if (ones == p) {
                            code = p * (p - 1) + 1;
                        } else {
                            const int rotation = firstOne == 0 ? ones - firstZero : p - firstOne;
                            code = 1 + (ones - 1) * p + rotation;
                        }
                    } else {
                        code = p * (p - 1) + 2;
                    }
                } else {
                    if (changes <= 2) {
                        for (int bit : above) code += bit;
                    } else {
                        code = p + 1;
                    }
                }
            } else {
                int pattern = 0;
                for (int i = 0; i < p; ++i) pattern += above[static_cast<std::size_t>(i)] << i;
                if (method == LbpMethod::RotationInvariant) {
                    int rotated = pattern, smallest = pattern;
                    for (int i = 1; i < p; ++i) {
                        rotated = rotateRight(rotated, p);
                        smallest = std::min(smallest, rotated);
                    }
                    pattern = smallest;
                }
                code = pattern;
            }
            out[r * plane.cols + c] = code;
        }
    }
    return out;
}

// A value as the image's own numpy array would hold it (assignment into an array of that dtype).
double storeAs(double value, StoredType type) {
    switch (type) {
    case StoredType::Float64: return value;
    case StoredType::Float32: return static_cast<double>(static_cast<float>(value));
    default: return std::isnan(value) ? value : std::trunc(value);
    }
}

// ---------------------------------------------------------------- 3D (PyRadiomics + scipy + trimesh)

using Vertex = std::array<double, 3>;
using Face = std::array<std::size_t, 3>;

// Projects every vertex onto the sphere as trimesh does (v += unit * (radius - |v|)).
void projectOntoSphere(std::vector<Vertex>& vertices, double radius) {
    for (Vertex& v : vertices) {
        const double length = std::sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
        const Vertex unit{v[0] / length, v[1] / length, v[2] / length};
        for (int a = 0; a < 3; ++a) v[a] += unit[a] * (radius - length);
    }
}

// Scipy's NI_GeometricTransform output cast for an array of the image's stored type: integers are
// rounded half away from zero and clamped, float32 is rounded to float.
double castSample(double t, StoredType type) {
    auto toInteger = [t](double low, double high) {
        double rounded = t > 0 ? t + 0.5 : t - 0.5;
        rounded = std::min(std::max(rounded, low), high);
        return std::trunc(rounded);
    };
    auto toUnsigned = [t](double high) {
        double rounded = t > 0 ? t + 0.5 : 0.0;
        rounded = std::min(rounded, high);
        return std::trunc(rounded);
    };
    switch (type) {
    case StoredType::Float64: return t;
    case StoredType::Float32: return static_cast<double>(static_cast<float>(t));
    case StoredType::Int8: return toInteger(-128.0, 127.0);
    case StoredType::UInt8: return toUnsigned(255.0);
    case StoredType::Int16: return toInteger(-32768.0, 32767.0);
    case StoredType::UInt16: return toUnsigned(65535.0);
    case StoredType::Int32: return toInteger(-2147483648.0, 2147483647.0);
    case StoredType::UInt32: return toUnsigned(4294967295.0);
    }
    return t;
}

// Cubic B-spline coefficients of the whole image, scipy.ndimage.spline_filter(order=3,
// mode='constant'): mirror-symmetric boundary initialisation, axes in numpy order (z, y, x).
std::vector<double> cubicSplineCoefficients(const Image& image) {
    constexpr double pole = -0.267949192431122706472553658494127633; // sqrt(3) - 2
    const double gain = (1.0 - pole) * (1.0 - 1.0 / pole);
    const auto& size = image.geometry.size;
    std::vector<double> c = image.voxels;
    const std::array<std::size_t, 3> stride{1, size[0], size[0] * size[1]};
    std::vector<double> line;
    for (int axis = 2; axis >= 0; --axis) {
        const std::size_t n = size[static_cast<std::size_t>(axis)];
        if (n <= 1) continue;
        const int axisB = axis == 0 ? 1 : 0;
        const int axisC = axis == 2 ? 1 : 2;
        line.resize(n);
        for (std::size_t k = 0; k < size[static_cast<std::size_t>(axisC)]; ++k) {
            for (std::size_t j = 0; j < size[static_cast<std::size_t>(axisB)]; ++j) {
                const std::size_t first = j * stride[static_cast<std::size_t>(axisB)] + k * stride[static_cast<std::size_t>(axisC)];
                const std::size_t step = stride[static_cast<std::size_t>(axis)];
                for (std::size_t i = 0; i < n; ++i) line[i] = c[first + i * step] * gain;
                // Causal initialisation for a mirror-symmetric extension.
                double zi = pole;
                const double zn1 = std::pow(pole, static_cast<double>(n - 1));
                line[0] = line[0] + zn1 * line[n - 1];
                for (std::size_t i = 1; i + 1 < n; ++i) {
                    line[0] += zi * (line[i] + zn1 * line[n - 1 - i]);
                    zi *= pole;
                }
                line[0] /= 1 - zn1 * zn1;
                for (std::size_t i = 1; i < n; ++i) line[i] += pole * line[i - 1];
                line[n - 1] = (pole * line[n - 2] + line[n - 1]) * pole / (pole * pole - 1);
                for (std::size_t i = n - 1; i-- > 0;) line[i] = pole * (line[i + 1] - line[i]);
                for (std::size_t i = 0; i < n; ++i) c[first + i * step] = line[i];
            }
        }
    }
    return c;
}

// What a cubic spline sample at coordinate `cc` reads along one axis of n voxels: the four
// coefficients it spans (mirrored at the borders) and their weights, as scipy's
// map_coordinates(order=3) computes them; `inside` is false outside [0, n-1].
struct SplineSupport {
    bool inside = false;
    std::array<std::size_t, 4> index{};
    std::array<double, 4> weight{};
};

SplineSupport splineSupport(long n, double cc) {
    SplineSupport support;
    if (cc < 0 || cc > static_cast<double>(n - 1)) return support;
    support.inside = true;
    const long start = static_cast<long>(std::floor(cc)) - 1;
    for (long l = 0; l < 4; ++l) {
        long idx = start + l;
        if (n <= 1) {
            idx = 0;
        } else {
            const long period = 2 * n - 2;
            if (idx < 0) {
                idx = period * (-idx / period) + idx;
                idx = idx <= 1 - n ? idx + period : -idx;
            } else if (idx >= n) {
                idx -= period * (idx / period);
                if (idx >= n) idx = period - idx;
            }
        }
        support.index[static_cast<std::size_t>(l)] = static_cast<std::size_t>(idx);
    }
    const double x = cc - std::floor(cc);
    const double y = x;
    const double z = 1.0 - x;
    auto& w = support.weight;
    w[1] = (y * y * (y - 2.0) * 3.0 + 4.0) / 6.0;
    w[2] = (z * z * (z - 2.0) * 3.0 + 4.0) / 6.0;
    w[0] = z * z * z / 6.0;
    w[3] = 1.0;
    for (int i = 0; i < 3; ++i) w[3] -= w[static_cast<std::size_t>(i)];
    return support;
}

// scipy.ndimage.map_coordinates(image, point, order=3) at one point, given by its support along
// numpy axes z, y and x: 0 outside the image on any axis.
double cubicSplineSample(const std::vector<double>& coefficients, const Geometry& geometry, const SplineSupport& z,
                         const SplineSupport& y, const SplineSupport& x) {
    if (!z.inside || !y.inside || !x.inside) return 0.0;
    const std::size_t strideY = geometry.size[0];
    const std::size_t strideZ = geometry.size[0] * geometry.size[1];
    double t = 0.0;
    for (std::size_t a = 0; a < 4; ++a) {
        for (std::size_t b = 0; b < 4; ++b) {
            const std::size_t row = z.index[a] * strideZ + y.index[b] * strideY;
            for (std::size_t c = 0; c < 4; ++c) {
                double coefficient = coefficients[row + x.index[c]];
                coefficient *= z.weight[a];
                coefficient *= y.weight[b];
                coefficient *= x.weight[c];
                t += coefficient;
            }
        }
    }
    return t;
}

// The supports of every icosphere vertex around every voxel coordinate along one axis (numpy
// axis `axis`, vertex component `axis`), [coordinate * vertices + vertex]. A vertex's offset
// is the same around every voxel, so each support is computed once per coordinate instead of
// once per sample; the coordinate is formed exactly as for a single sample.
std::vector<SplineSupport> axisSupports(const Geometry& geometry, int axis,
                                        const std::vector<std::array<double, 3>>& vertices) {
    const long n = static_cast<long>(geometry.size[static_cast<std::size_t>(2 - axis)]);
    std::vector<SplineSupport> supports;
    supports.reserve(static_cast<std::size_t>(n) * vertices.size());
    for (long i = 0; i < n; ++i) {
        for (const auto& vertex : vertices) {
            supports.push_back(splineSupport(n, static_cast<double>(i) + vertex[static_cast<std::size_t>(axis)]));
        }
    }
    return supports;
}

// Associated Legendre function P_n^m(x), m >= 0, with the Condon-Shortley phase (scipy's lpmv).
double associatedLegendre(int m, int n, double x) {
    double pmm = 1.0;
    if (m > 0) {
        const double somx2 = std::sqrt((1.0 - x) * (1.0 + x));
        double factor = 1.0;
        for (int i = 1; i <= m; ++i) {
            pmm *= -factor * somx2;
            factor += 2.0;
        }
    }
    if (n == m) return pmm;
    double pmmp1 = x * (2 * m + 1) * pmm;
    if (n == m + 1) return pmmp1;
    double pll = 0.0;
    for (int l = m + 2; l <= n; ++l) {
        pll = (x * (2 * l - 1) * pmmp1 - (l + m - 1) * pmm) / (l - m);
        pmm = pmmp1;
        pmmp1 = pll;
    }
    return pll;
}

// Pochhammer (a)_k for integer a >= 1 and integer k (negative k: 1 / (a-|k|)...(a-1)).
double pochhammer(int a, int k) {
    double value = 1.0;
    if (k >= 0) {
        for (int i = 0; i < k; ++i) value *= a + i;
    } else {
        for (int i = 1; i <= -k; ++i) value /= a - i;
    }
    return value;
}

// scipy.special.sph_harm(m, n, theta, phi): theta is its azimuthal and phi its polar angle.
std::complex<double> sphericalHarmonic(int m, int n, double theta, double phi) {
    const double x = std::cos(phi);
    const int mp = std::abs(m);
    std::complex<double> value = associatedLegendre(mp, n, x);
    if (m < 0) value *= (mp % 2 == 0 ? 1.0 : -1.0) * pochhammer(n + mp + 1, -2 * mp);
    value *= std::sqrt((2 * n + 1) / 4.0 / 3.141592653589793);
    value *= std::sqrt(pochhammer(n + m + 1, -2 * m));
    value *= std::exp(std::complex<double>(0.0, m * theta));
    return value;
}

// scipy.stats.kurtosis (Fisher, biased): NaN when the samples are (numerically) constant.
double excessKurtosis(const std::vector<double>& samples) {
    const double n = static_cast<double>(samples.size());
    double mean = 0.0;
    for (double s : samples) mean += s;
    mean /= n;
    double m2 = 0.0, m4 = 0.0;
    for (double s : samples) {
        const double d = s - mean;
        const double d2 = d * d;
        m2 += d2;
        m4 += d2 * d2;
    }
    m2 /= n;
    m4 /= n;
    if (m2 <= (1e-15 * mean) * (1e-15 * mean)) return std::numeric_limits<double>::quiet_NaN();
    return m4 / (m2 * m2) - 3.0;
}

} // namespace

Image localBinaryPattern2D(const Image& image, const Lbp2DParameters& parameters) {
    const LbpMethod method = parseMethod(parameters.method);
    if (parameters.samples < 1 || parameters.samples > 30) {
        throw std::invalid_argument("setting 'lbp2DSamples' must be 1..30, got " + std::to_string(parameters.samples));
    }
    if (parameters.sliceAxis < 0 || parameters.sliceAxis > 2) {
        throw std::invalid_argument("setting 'force2Ddimension' must be 0, 1 or 2, got " +
                                    std::to_string(parameters.sliceAxis));
    }
    const auto& size = image.geometry.size;
    const std::array<std::size_t, 3> stride{1, size[0], size[0] * size[1]};
    // numpy axis a is image axis 2 - a. Slices across `sliceAxis`; after PyRadiomics' swapaxes the
    // slice rows/columns are: axis 0 -> (y, x), axis 1 -> (z, x), axis 2 -> (y, z).
    std::size_t across = 0, rowAxis = 0, colAxis = 0;
    switch (parameters.sliceAxis) {
    case 0: across = 2; rowAxis = 1; colAxis = 0; break;
    case 1: across = 1; rowAxis = 2; colAxis = 0; break;
    default: across = 0; rowAxis = 1; colAxis = 2; break;
    }
    Image out = image;
    Plane plane;
    plane.rows = size[rowAxis];
    plane.cols = size[colAxis];
    plane.values.resize(plane.rows * plane.cols);
    for (std::size_t s = 0; s < size[across]; ++s) {
        auto offset = [&](std::size_t r, std::size_t c) {
            return s * stride[across] + r * stride[rowAxis] + c * stride[colAxis];
        };
        for (std::size_t r = 0; r < plane.rows; ++r)
            for (std::size_t c = 0; c < plane.cols; ++c) plane.values[r * plane.cols + c] = image.voxels[offset(r, c)];
        const std::vector<double> codes = lbpOfPlane(plane, parameters.samples, parameters.radius, method);
        for (std::size_t r = 0; r < plane.rows; ++r)
            for (std::size_t c = 0; c < plane.cols; ++c)
                out.voxels[offset(r, c)] = storeAs(codes[r * plane.cols + c], image.storedType);
    }
    return out;
}

std::vector<Vertex> icosphereVertices(int subdivisions, double radius) {
    // trimesh's icosahedron: unit vertices (+-1, +-phi, 0) / sqrt(1 + phi^2) and cyclic permutations.
    constexpr double a = 0.5257311121191336;
    constexpr double b = 0.85065080835204;
    std::vector<Vertex> vertices{{-a, b, 0},  {a, b, 0},  {-a, -b, 0}, {a, -b, 0}, {0, -a, b},  {0, a, b},
                                 {0, -a, -b}, {0, a, -b}, {b, 0, -a},  {b, 0, a},  {-b, 0, -a}, {-b, 0, a}};
    std::vector<Face> faces{{0, 11, 5}, {0, 5, 1},  {0, 1, 7},   {0, 7, 10}, {0, 10, 11}, {1, 5, 9}, {5, 11, 4},
                            {11, 10, 2}, {10, 7, 6}, {7, 1, 8},   {3, 9, 4},  {3, 4, 2},   {3, 2, 6}, {3, 6, 8},
                            {3, 8, 9},  {4, 9, 5},  {2, 4, 11},  {6, 2, 10}, {8, 6, 7},   {9, 8, 1}};
    for (int level = 0; level < subdivisions; ++level) {
        std::map<std::pair<std::size_t, std::size_t>, std::size_t> midpointOf;
        auto midpoint = [&](std::size_t i, std::size_t j) {
            const auto key = std::minmax(i, j);
            const auto found = midpointOf.find(key);
            if (found != midpointOf.end()) return found->second;
            const Vertex& p = vertices[i];
            const Vertex& q = vertices[j];
            vertices.push_back({(p[0] + q[0]) / 2, (p[1] + q[1]) / 2, (p[2] + q[2]) / 2});
            midpointOf.emplace(key, vertices.size() - 1);
            return vertices.size() - 1;
        };
        std::vector<Face> finer;
        for (const Face& f : faces) {
            const std::size_t m0 = midpoint(f[0], f[1]);
            const std::size_t m1 = midpoint(f[1], f[2]);
            const std::size_t m2 = midpoint(f[2], f[0]);
            finer.push_back({f[0], m0, m2});
            finer.push_back({m0, f[1], m1});
            finer.push_back({m2, m1, f[2]});
            finer.push_back({m0, m1, m2});
        }
        faces = std::move(finer);
        projectOntoSphere(vertices, radius);
    }
    if (subdivisions <= 0) projectOntoSphere(vertices, radius);
    return vertices;
}

std::vector<DerivedImage> localBinaryPattern3DImages(const Image& image, const Mask& mask,
                                                     const Lbp3DParameters& parameters) {
    if (parameters.levels < 1) {
        throw std::invalid_argument("setting 'lbp3DLevels' must be at least 1, got " + std::to_string(parameters.levels));
    }
    if (!(parameters.icosphereRadius > 0)) {
        throw std::invalid_argument("setting 'lbp3DIcosphereRadius' must be positive");
    }
    if (parameters.icosphereSubdivision < 0 || parameters.icosphereSubdivision > 5) {
        throw std::invalid_argument("setting 'lbp3DIcosphereSubdivision' must be 0..5, got " +
                                    std::to_string(parameters.icosphereSubdivision));
    }
    if (!mask.geometry.sameGrid(image.geometry) || mask.voxels.size() != image.voxels.size()) {
        throw std::invalid_argument("LBP3D: the mask is not on the image's grid");
    }

    const double radius = parameters.icosphereRadius;
    const std::vector<Vertex> vertices = icosphereVertices(parameters.icosphereSubdivision, radius);

    // Spherical harmonics at each vertex, columns (n, m) for n < levels, m = -n..n. PyRadiomics
    // passes arccos(z / r) as scipy's azimuthal and atan2(y, x) as its polar angle; kept as is.
    std::vector<int> degreeOf;
    std::vector<std::vector<std::complex<double>>> harmonics(vertices.size());
    for (int n = 0; n < parameters.levels; ++n) {
        for (int m = -n; m <= n; ++m) {
            degreeOf.push_back(n);
            for (std::size_t v = 0; v < vertices.size(); ++v) {
                const double theta = std::acos(vertices[v][2] / radius);
                const double phi = std::atan2(vertices[v][1], vertices[v][0]);
                harmonics[v].push_back(sphericalHarmonic(m, n, theta, phi));
            }
        }
    }
    const std::size_t columns = degreeOf.size();

    const std::vector<double> coefficients = cubicSplineCoefficients(image);
    const auto levels = static_cast<std::size_t>(parameters.levels);
    std::vector<Image> results(levels + 1);
    for (auto& result : results) {
        result.geometry = image.geometry;
        result.voxels.assign(image.voxels.size(), 0.0);
    }

    const auto& size = image.geometry.size;
    const std::vector<SplineSupport> alongZ = axisSupports(image.geometry, 0, vertices);
    const std::vector<SplineSupport> alongY = axisSupports(image.geometry, 1, vertices);
    const std::vector<SplineSupport> alongX = axisSupports(image.geometry, 2, vertices);
    const std::size_t vertexCount = vertices.size();
    std::vector<double> samples(vertices.size());
    std::vector<std::complex<double>> c(columns);
    std::size_t i = 0;
    for (std::size_t z = 0; z < size[2]; ++z) {
        for (std::size_t y = 0; y < size[1]; ++y) {
            for (std::size_t x = 0; x < size[0]; ++x, ++i) {
                if (!mask.voxels[i]) continue;
                // PyRadiomics adds the vertex (x, y, z) to the numpy index (z, y, x) component-wise.
                for (std::size_t v = 0; v < vertexCount; ++v) {
                    const double sample = cubicSplineSample(coefficients, image.geometry, alongZ[z * vertexCount + v],
                                                            alongY[y * vertexCount + v], alongX[x * vertexCount + v]);
                    samples[v] = castSample(sample, image.storedType);
                }
                results[levels].voxels[i] = excessKurtosis(samples);

                const double centre = image.voxels[i];
                std::fill(c.begin(), c.end(), std::complex<double>(0.0));
                for (std::size_t v = 0; v < vertices.size(); ++v) {
                    if (samples[v] >= centre) {
                        for (std::size_t j = 0; j < columns; ++j) c[j] += harmonics[v][j];
                    }
                }
                for (std::size_t level = 0; level < levels; ++level) {
                    std::complex<double> sumOfSquares = 0.0;
                    for (std::size_t v = 0; v < vertices.size(); ++v) {
                        std::complex<double> g = 0.0;
                        for (std::size_t j = 0; j < columns; ++j) {
                            if (degreeOf[j] == static_cast<int>(level)) g += c[j] * harmonics[v][j];
                        }
                        sumOfSquares += g * g;
                    }
                    results[level].voxels[i] = std::sqrt(sumOfSquares).real();
                }
            }
        }
    }

    std::vector<DerivedImage> derived;
    for (std::size_t level = 0; level < levels; ++level) {
        derived.push_back({"lbp-3D-m" + std::to_string(level + 1), std::move(results[level])});
    }
    derived.push_back({"lbp-3D-k", std::move(results[levels])});
    return derived;
}

} // namespace radnode::analysis
