// Star-shaped lesion outlines for the synthetic studies (internal to dicom/): an ellipse or
// ellipsoid whose radius varies with direction (lobulation) plus narrow spikes (spicules).
// Directions are handled as unit vectors, never angles, so no libm trigonometry is needed
// and the masks are identical on every platform.
#pragma once

#include "dicom/synth_noise.h"

#include <cmath>
#include <vector>

namespace radnode::dicom::synth {

struct Spicule {
    double direction[3] = {0.0, 0.0, 0.0};  // unit vector (z = 0 in 2D)
    double length = 0.0;                     // extra radius at the spike's axis, in radii
    double cosHalfWidth = 1.0;               // the spike covers directions with u.d above this
};

// Radius gained from the spicules in direction u: each spike rises quadratically from its
// rim to its axis, which gives pointed, tapering spikes.
inline double spiculeExtent(const std::vector<Spicule>& spicules, const double u[3]) {
    double extent = 0.0;
    for (const Spicule& spicule : spicules) {
        const double cosine = u[0] * spicule.direction[0] + u[1] * spicule.direction[1] + u[2] * spicule.direction[2];
        if (cosine > spicule.cosHalfWidth) {
            const double t = (cosine - spicule.cosHalfWidth) / (1.0 - spicule.cosHalfWidth);
            extent += spicule.length * t * t;
        }
    }
    return extent;
}

// 2D: semi-axes in pixels along x (columns) and y (rows); the margin r(u) = 1 + sum of
// harmonics cos/sin(k theta), computed as the real/imaginary parts of (ux + i uy)^k.
struct LesionOutline2D {
    double centerX = 0.0, centerY = 0.0;
    double semiAxisX = 1.0, semiAxisY = 1.0;
    std::vector<double> cosineTerms, sineTerms;  // index k-2 for harmonic k = 2, 3, ...
    std::vector<Spicule> spicules;

    // Normalised radial coordinate: <= 1 inside, 1.1 is 10 % beyond the margin.
    double relativeRadius(double x, double y) const {
        const double vx = (x - centerX) / semiAxisX;
        const double vy = (y - centerY) / semiAxisY;
        const double rho = std::sqrt(vx * vx + vy * vy);
        if (rho == 0.0) return 0.0;
        const double u[3] = {vx / rho, vy / rho, 0.0};
        double margin = 1.0;
        double re = u[0], im = u[1];  // (ux + i uy)^1
        for (std::size_t k = 0; k < cosineTerms.size(); ++k) {
            const double nextRe = re * u[0] - im * u[1];
            const double nextIm = re * u[1] + im * u[0];
            re = nextRe;
            im = nextIm;
            margin += cosineTerms[k] * re + sineTerms[k] * im;
        }
        margin += spiculeExtent(spicules, u);
        return rho / margin;
    }
    bool contains(double x, double y) const { return relativeRadius(x, y) <= 1.0; }
    // Largest distance from the centre the outline can reach, in pixels (for bounding boxes).
    double reach() const {
        double extra = 0.0;
        for (std::size_t k = 0; k < cosineTerms.size(); ++k) extra += std::fabs(cosineTerms[k]) + std::fabs(sineTerms[k]);
        for (const Spicule& spicule : spicules) extra += spicule.length;
        return (1.0 + extra) * (semiAxisX > semiAxisY ? semiAxisX : semiAxisY);
    }
};

// An irregular, spiculated 2D outline of mean diameter `diameterPx`.
inline LesionOutline2D randomSpiculatedOutline(Random& random, double centerX, double centerY, double diameterPx) {
    LesionOutline2D outline;
    outline.centerX = centerX;
    outline.centerY = centerY;
    const double elongation = random.uniform(0.85, 1.2);  // > 1: wider than tall
    outline.semiAxisX = 0.5 * diameterPx * elongation;
    outline.semiAxisY = 0.5 * diameterPx / elongation;
    // Low harmonics make it lobulated, the higher ones angular and microlobulated.
    for (int k = 2; k <= 12; ++k) {
        const double amplitude = k <= 4 ? 0.1 : 0.14 / k;
        outline.cosineTerms.push_back(random.uniform(-1.0, 1.0) * amplitude);
        outline.sineTerms.push_back(random.uniform(-1.0, 1.0) * amplitude);
    }
    const int spiculeCount = 14 + static_cast<int>(random.next() % 11);
    for (int i = 0; i < spiculeCount; ++i) {
        Spicule spicule;
        random.direction2(spicule.direction[0], spicule.direction[1]);
        spicule.length = random.uniform(0.25, 0.7);
        spicule.cosHalfWidth = random.uniform(0.9975, 0.9995);  // 1.8 to 4 degrees each side
        outline.spicules.push_back(spicule);
    }
    return outline;
}

// 3D: semi-axes in mm; lobes are broad bumps (max(0, u.d)^3), spicules narrow spikes.
struct LesionOutline3D {
    double center[3] = {0.0, 0.0, 0.0};
    double semiAxis[3] = {1.0, 1.0, 1.0};
    std::vector<Spicule> lobes;  // cosHalfWidth unused; length may be negative (a dent)
    std::vector<Spicule> spicules;

    double relativeRadius(const double point[3]) const {
        double v[3];
        double rho2 = 0.0;
        for (int i = 0; i < 3; ++i) {
            v[i] = (point[i] - center[i]) / semiAxis[i];
            rho2 += v[i] * v[i];
        }
        if (rho2 == 0.0) return 0.0;
        const double rho = std::sqrt(rho2);
        const double u[3] = {v[0] / rho, v[1] / rho, v[2] / rho};
        double margin = 1.0;
        for (const Spicule& lobe : lobes) {
            const double cosine = u[0] * lobe.direction[0] + u[1] * lobe.direction[1] + u[2] * lobe.direction[2];
            if (cosine > 0.0) margin += lobe.length * cosine * cosine * cosine;
        }
        margin += spiculeExtent(spicules, u);
        return rho / margin;
    }
    bool contains(const double point[3]) const { return relativeRadius(point) <= 1.0; }
    double reach() const {
        double extra = 0.0;
        for (const Spicule& lobe : lobes) extra += lobe.length > 0.0 ? lobe.length : 0.0;
        for (const Spicule& spicule : spicules) extra += spicule.length;
        double largest = semiAxis[0];
        for (double axis : semiAxis) largest = axis > largest ? axis : largest;
        return (1.0 + extra) * largest;
    }
};

inline LesionOutline3D randomSpiculatedVolume(Random& random, const double center[3], double diameterMm) {
    LesionOutline3D outline;
    for (int i = 0; i < 3; ++i) outline.center[i] = center[i];
    const double stretchX = random.uniform(0.85, 1.15);
    const double stretchY = random.uniform(0.85, 1.15);
    outline.semiAxis[0] = 0.5 * diameterMm * stretchX;
    outline.semiAxis[1] = 0.5 * diameterMm * stretchY;
    outline.semiAxis[2] = 0.5 * diameterMm / (stretchX * stretchY);
    for (int i = 0; i < 8; ++i) {
        Spicule lobe;
        random.direction3(lobe.direction[0], lobe.direction[1], lobe.direction[2]);
        lobe.length = random.uniform(-0.15, 0.25);
        outline.lobes.push_back(lobe);
    }
    // Spicules lean towards the x-y plane, where tomosynthesis resolves them as radiating lines.
    const int spiculeCount = 20 + static_cast<int>(random.next() % 11);
    for (int i = 0; i < spiculeCount; ++i) {
        Spicule spicule;
        double x, y, z;
        random.direction3(x, y, z);
        z *= 0.3;
        const double norm = std::sqrt(x * x + y * y + z * z);
        spicule.direction[0] = x / norm;
        spicule.direction[1] = y / norm;
        spicule.direction[2] = z / norm;
        spicule.length = random.uniform(0.4, 1.0);
        spicule.cosHalfWidth = random.uniform(0.992, 0.997);
        outline.spicules.push_back(spicule);
    }
    return outline;
}

} // namespace radnode::dicom::synth
