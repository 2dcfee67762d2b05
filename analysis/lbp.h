// PyRadiomics' local binary pattern image types: "LBP2D" (scikit-image's local_binary_pattern
// slice by slice) and "LBP3D" (spherical-harmonics LBP on icosphere samples, Banerjee et al. 2013),
// reproducing imageoperations.getLBP2DImage / getLBP3DImage and the library calls behind them.
#pragma once

#include "analysis/image.h"
#include "analysis/image_types.h"

#include <array>
#include <string>
#include <vector>

namespace radnode::analysis {

struct Lbp2DParameters {
    double radius = 1.0;           // lbp2DRadius, in voxels
    int samples = 8;               // lbp2DSamples
    std::string method = "uniform"; // lbp2DMethod: default, ror, uniform, nri_uniform, var
    int sliceAxis = 0;             // force2Ddimension: numpy axis the slices are taken across (0 = z)
};

// Same grid and stored type as the input: PyRadiomics writes the codes back into the image's own
// array, so for integer images they are truncated toward zero (only 'var' gives fractions).
Image localBinaryPattern2D(const Image& image, const Lbp2DParameters& parameters);

struct Lbp3DParameters {
    int levels = 2;                 // lbp3DLevels: spherical-harmonic degrees 0..levels-1
    double icosphereRadius = 1.0;   // lbp3DIcosphereRadius, in voxels
    int icosphereSubdivision = 1;   // lbp3DIcosphereSubdivision
};

// "lbp-3D-m1" .. "lbp-3D-m<levels>" then "lbp-3D-k" (kurtosis of the spherical samples), defined
// inside the mask and 0 elsewhere (PyRadiomics leaves the outside uninitialised; it is never read).
std::vector<DerivedImage> localBinaryPattern3DImages(const Image& image, const Mask& mask,
                                                     const Lbp3DParameters& parameters);

// Vertices of trimesh.creation.icosphere(subdivisions, radius) (order aside): exposed for tests.
std::vector<std::array<double, 3>> icosphereVertices(int subdivisions, double radius);

} // namespace radnode::analysis
