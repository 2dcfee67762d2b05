// PyRadiomics' image preprocessing (radiomics/imageoperations.py): intensity normalisation,
// resampling onto PyRadiomics' grid around the ROI, mask checks, re-segmentation and cropping.
// preprocess() applies them in the order RadiomicsFeatureExtractor.loadImage does.
// Problems with the input (ROI too small, image and mask apart) throw std::invalid_argument.
#pragma once

#include "analysis/image.h"
#include "analysis/settings.h"

#include <optional>

namespace radnode::analysis {

struct ImageAndMask {
    Image image;
    Mask mask;
};

// (x - mean) / sd over the whole image (sd with N - 1, as ITK's NormalizeImageFilter), then
// clipped to +-removeOutliers, then multiplied by normalizeScale. The result is float64.
Image normalizeImage(const Image& image, const Settings& settings);

// PyRadiomics' resampleImage: the new grid keeps the mask's direction and the corner of its
// first voxel, takes resampledPixelSpacing (0 = keep the mask's; axes where the ROI is one
// voxel thick keep theirs), and covers only the ROI's bounding box plus padDistance voxels
// of the new grid. Image: settings.interpolator; mask: nearest neighbour. When the new
// spacing equals the image's, only the mask is put on the image grid, and both are cropped.
ImageAndMask resampleImage(const Image& image, const Mask& mask, const Settings& settings);

struct MaskCheck {
    IndexBox boundingBox;              // of the ROI, on the image grid
    std::optional<Mask> correctedMask; // set when correctMask put the mask on the image grid
};

// PyRadiomics' checkMask: image and mask on one grid (within geometryTolerance, relative to
// the image's first spacing as ITK checks it; otherwise, with correctMask, the mask is
// resampled onto the image grid when its ROI lies inside the image), a non-empty ROI spanning
// at least minimumROIDimensions axes and, when set, more than minimumROISize voxels.
MaskCheck checkMask(const Image& image, const Mask& mask, const Settings& settings);

// PyRadiomics' resegmentMask: keep ROI voxels inside resegmentRange (one value: a lower bound),
// read as absolute grey values, fractions of the ROI maximum, or standard deviations (N)
// around the ROI mean. Throws when fewer than two voxels remain.
Mask resegmentMask(const Image& image, const Mask& mask, const Settings& settings);

// PyRadiomics' cropToTumorMask: the bounding box grown by padDistance voxels, clipped to the grid.
ImageAndMask cropToTumorMask(const Image& image, const Mask& mask, const IndexBox& boundingBox,
                             std::size_t padDistance = 0);

// RadiomicsFeatureExtractor.loadImage after reading: normalise when asked, then resample when
// resampledPixelSpacing is set, or else crop to the ROI plus padDistance when preCrop is set.
ImageAndMask preprocess(const Image& image, const Mask& mask, const Settings& settings);

// Continuous voxel index of a physical point (the inverse of Geometry::physicalPoint).
std::array<double, 3> continuousIndex(const Geometry& geometry, const std::array<double, 3>& point);

} // namespace radnode::analysis
