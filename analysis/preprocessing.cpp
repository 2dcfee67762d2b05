#include "analysis/preprocessing.h"

#include "analysis/resample.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>
#include <string>

namespace radnode::analysis {

namespace {

std::string tuple(const std::array<double, 3>& values) {
    std::ostringstream out;
    out << '(' << values[0] << ", " << values[1] << ", " << values[2] << ')';
    return out.str();
}

std::string tuple(const std::array<std::size_t, 3>& values) {
    std::ostringstream out;
    out << '(' << values[0] << ", " << values[1] << ", " << values[2] << ')';
    return out.str();
}

// Kahan-compensated sums, as ITK's StatisticsImageFilter accumulates.
struct CompensatedSum {
    double sum = 0.0;
    double compensation = 0.0;
    void add(double value) {
        const double y = value - compensation;
        const double t = sum + y;
        compensation = (t - sum) - y;
        sum = t;
    }
};

// ITK's VerifyInputInformation: sizes equal, origins and spacings within tolerance x the
// first input's first spacing, directions within tolerance.
std::string gridMismatch(const Geometry& image, const Geometry& mask, double tolerance) {
    if (image.size != mask.size) return "size " + tuple(image.size) + " vs " + tuple(mask.size);
    const double coordinateTolerance = tolerance * image.spacing[0];
    for (int a = 0; a < 3; ++a) {
        if (std::abs(image.origin[a] - mask.origin[a]) > coordinateTolerance)
            return "origin " + tuple(image.origin) + " vs " + tuple(mask.origin);
        if (std::abs(image.spacing[a] - mask.spacing[a]) > coordinateTolerance)
            return "spacing " + tuple(image.spacing) + " vs " + tuple(mask.spacing);
    }
    for (int i = 0; i < 9; ++i) {
        if (std::abs(image.direction[i] - mask.direction[i]) > tolerance) return "direction";
    }
    return {};
}

// PyRadiomics' _checkROI: the ROI's corners, mapped into the image's index space, lie within
// the image (half a voxel beyond the outer voxel centres, plus 1e-3 for rounding).
void checkRoiInsideImage(const Geometry& image, const Mask& mask, const IndexBox& box) {
    const auto lower = mask.geometry.physicalPoint(static_cast<double>(box.lower[0]) - 0.5,
                                                   static_cast<double>(box.lower[1]) - 0.5,
                                                   static_cast<double>(box.lower[2]) - 0.5);
    const auto upper = mask.geometry.physicalPoint(static_cast<double>(box.upper[0]) - 0.5,
                                                   static_cast<double>(box.upper[1]) - 0.5,
                                                   static_cast<double>(box.upper[2]) - 0.5);
    const auto a = continuousIndex(image, lower);
    const auto b = continuousIndex(image, upper);
    const double tolerance = 1e-3;
    for (int axis = 0; axis < 3; ++axis) {
        const double low = std::min(a[axis], b[axis]);
        const double high = std::max(a[axis], b[axis]);
        if (low < -0.5 - tolerance || high > static_cast<double>(image.size[axis]) - 0.5 + tolerance) {
            throw std::invalid_argument("the ROI's bounding box reaches outside the image: ROI bounds in image index space " +
                                        tuple(a) + " to " + tuple(b) + ", image size " + tuple(image.size));
        }
    }
}

IndexBox requireRoi(const Mask& mask) {
    const IndexBox box = boundingBox(mask);
    if (box.empty()) throw std::invalid_argument("the mask holds no ROI voxel (label not present)");
    return box;
}

} // namespace

std::array<double, 3> continuousIndex(const Geometry& geometry, const std::array<double, 3>& point) {
    // M = direction * diag(spacing); index = M^-1 (point - origin).
    double m[3][3];
    for (int r = 0; r < 3; ++r) {
        for (int c = 0; c < 3; ++c) m[r][c] = geometry.direction[r * 3 + c] * geometry.spacing[c];
    }
    const double det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
                       m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
                       m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
    if (det == 0.0) throw std::invalid_argument("image geometry has a singular direction/spacing matrix");
    double inv[3][3];
    inv[0][0] = (m[1][1] * m[2][2] - m[1][2] * m[2][1]) / det;
    inv[0][1] = (m[0][2] * m[2][1] - m[0][1] * m[2][2]) / det;
    inv[0][2] = (m[0][1] * m[1][2] - m[0][2] * m[1][1]) / det;
    inv[1][0] = (m[1][2] * m[2][0] - m[1][0] * m[2][2]) / det;
    inv[1][1] = (m[0][0] * m[2][2] - m[0][2] * m[2][0]) / det;
    inv[1][2] = (m[0][2] * m[1][0] - m[0][0] * m[1][2]) / det;
    inv[2][0] = (m[1][0] * m[2][1] - m[1][1] * m[2][0]) / det;
    inv[2][1] = (m[0][1] * m[2][0] - m[0][0] * m[2][1]) / det;
    inv[2][2] = (m[0][0] * m[1][1] - m[0][1] * m[1][0]) / det;
    const double d[3] = {point[0] - geometry.origin[0], point[1] - geometry.origin[1], point[2] - geometry.origin[2]};
    std::array<double, 3> index{};
    for (int r = 0; r < 3; ++r) index[r] = inv[r][0] * d[0] + inv[r][1] * d[1] + inv[r][2] * d[2];
    return index;
}

Image normalizeImage(const Image& image, const Settings& settings) {
    if (image.voxels.size() < 2) throw std::invalid_argument("cannot normalise an image of fewer than two voxels");
    CompensatedSum sum;
    CompensatedSum sumOfSquares;
    for (const double v : image.voxels) {
        sum.add(v);
        sumOfSquares.add(v * v);
    }
    const double count = static_cast<double>(image.voxels.size());
    const double mean = sum.sum / count;
    const double variance = (sumOfSquares.sum - (sum.sum * sum.sum / count)) / (count - 1.0);
    const double sigma = std::sqrt(variance);
    if (!(sigma > 0.0)) throw std::invalid_argument("cannot normalise the image: its intensities are all equal");

    Image out{image.geometry, std::vector<double>(image.voxels.size()), StoredType::Float64};
    const double shift = -mean;
    const double scale = 1.0 / sigma;
    for (std::size_t i = 0; i < image.voxels.size(); ++i) {
        double value = (image.voxels[i] + shift) * scale;
        if (settings.removeOutliers) value = std::clamp(value, -*settings.removeOutliers, *settings.removeOutliers);
        out.voxels[i] = value * settings.normalizeScale;
    }
    return out;
}

ImageAndMask cropToTumorMask(const Image& image, const Mask& mask, const IndexBox& boundingBox, std::size_t padDistance) {
    const IndexBox box = padded(boundingBox, mask.geometry, padDistance);
    return {crop(image, box), crop(mask, box)};
}

ImageAndMask resampleImage(const Image& image, const Mask& mask, const Settings& settings) {
    if (!settings.resampledPixelSpacing) throw std::invalid_argument("resampleImage needs resampledPixelSpacing");
    const Geometry& maskGrid = mask.geometry;
    const IndexBox box = requireRoi(mask);
    checkRoiInsideImage(image.geometry, mask, box);

    std::array<double, 3> spacing = *settings.resampledPixelSpacing;
    for (int a = 0; a < 3; ++a) {
        if (spacing[a] < 0) throw std::invalid_argument("resampledPixelSpacing must not be negative");
        if (spacing[a] == 0) spacing[a] = maskGrid.spacing[a];
        // Do not resample along an axis where the ROI is a single voxel thick.
        if (box.extent()[a] == 1) spacing[a] = maskGrid.spacing[a];
    }

    // numpy.allclose(imageSpacing, spacing): |a - b| <= 1e-8 + 1e-5 |b|.
    bool sameSpacing = true;
    for (int a = 0; a < 3; ++a) {
        sameSpacing = sameSpacing && std::abs(image.geometry.spacing[a] - spacing[a]) <= 1e-8 + 1e-5 * std::abs(spacing[a]);
    }
    const auto padDistance = static_cast<std::size_t>(std::max(0.0, settings.padDistance));
    if (sameSpacing) {
        const Mask onImageGrid = maskGrid.sameGrid(image.geometry, 0.0) ? mask : resampleOntoGrid(mask, image.geometry);
        return cropToTumorMask(image, onImageGrid, requireRoi(onImageGrid), padDistance);
    }

    Geometry grid;
    grid.direction = maskGrid.direction;
    grid.spacing = spacing;
    std::array<double, 3> originIndex{};
    for (int a = 0; a < 3; ++a) {
        const double ratio = maskGrid.spacing[a] / spacing[a];
        const double lower = static_cast<double>(box.lower[a]);
        const double size = static_cast<double>(box.extent()[a]);
        // Round outward so that no ROI voxel is lost, half a voxel more for upsampling.
        double newLower = std::floor((lower - 0.5) * ratio - settings.padDistance);
        double newUpper = std::ceil((lower + size - 0.5) * ratio + settings.padDistance);
        const double maxUpper = std::ceil(static_cast<double>(maskGrid.size[a]) * ratio) - 1;
        if (newLower < 0) newLower = 0;
        if (newUpper > maxUpper) newUpper = maxUpper;
        grid.size[a] = static_cast<std::size_t>(newUpper - newLower + 1);
        // The new grid's voxel 0 sits half a new voxel inside the old grid's corner.
        const double newOriginIndex = 0.5 * (spacing[a] - maskGrid.spacing[a]) / maskGrid.spacing[a];
        originIndex[a] = newOriginIndex + newLower / ratio;
    }
    grid.origin = maskGrid.physicalPoint(originIndex[0], originIndex[1], originIndex[2]);
    return {resampleOntoGrid(image, grid, settings.interpolator), resampleOntoGrid(mask, grid)};
}

MaskCheck checkMask(const Image& image, const Mask& mask, const Settings& settings) {
    MaskCheck check;
    const std::string mismatch = gridMismatch(image.geometry, mask.geometry, settings.geometryTolerance);
    const Mask* roi = &mask;
    if (!mismatch.empty()) {
        if (!settings.correctMask) {
            throw std::invalid_argument("image and mask grids differ (" + mismatch +
                                        "); raise geometryTolerance or enable correctMask");
        }
        checkRoiInsideImage(image.geometry, mask, requireRoi(mask));
        check.correctedMask = resampleOntoGrid(mask, image.geometry);
        roi = &*check.correctedMask;
    }
    check.boundingBox = requireRoi(*roi);

    const auto extent = check.boundingBox.extent();
    const int dimensions = (extent[0] > 1) + (extent[1] > 1) + (extent[2] > 1);
    if (dimensions == 0) {
        throw std::invalid_argument("the mask holds a single voxel; features need more");
    }
    if (dimensions < settings.minimumROIDimensions) {
        throw std::invalid_argument("the ROI spans " + std::to_string(dimensions) + " dimension(s), minimumROIDimensions is " +
                                    std::to_string(settings.minimumROIDimensions));
    }
    if (settings.minimumROISize) {
        const std::size_t count = roi->count();
        if (count <= static_cast<std::size_t>(std::max(0, *settings.minimumROISize))) {
            throw std::invalid_argument("the ROI has " + std::to_string(count) + " voxels, minimumROISize is " +
                                        std::to_string(*settings.minimumROISize));
        }
    }
    return check;
}

Mask resegmentMask(const Image& image, const Mask& mask, const Settings& settings) {
    const auto& range = settings.resegmentRange;
    if (range.empty() || range.size() > 2) {
        throw std::invalid_argument("resegmentRange needs 1 or 2 values, got " + std::to_string(range.size()));
    }
    if (image.voxels.size() != mask.voxels.size()) throw std::invalid_argument("image and mask grids differ in size");
    std::vector<double> roiValues;
    for (std::size_t i = 0; i < mask.voxels.size(); ++i) {
        if (mask.voxels[i]) roiValues.push_back(image.voxels[i]);
    }
    if (roiValues.empty()) throw std::invalid_argument("cannot re-segment an empty ROI");

    std::vector<double> thresholds = range;
    std::sort(thresholds.begin(), thresholds.end());
    switch (settings.resegmentMode) {
    case ResegmentMode::Absolute: break;
    case ResegmentMode::Relative: {
        const double maximum = *std::max_element(roiValues.begin(), roiValues.end());
        for (double& t : thresholds) t *= maximum;
        break;
    }
    case ResegmentMode::Sigma: {
        double sum = 0.0;
        for (const double v : roiValues) sum += v;
        const double mean = sum / static_cast<double>(roiValues.size());
        double squares = 0.0;
        for (const double v : roiValues) squares += (v - mean) * (v - mean);
        const double sd = std::sqrt(squares / static_cast<double>(roiValues.size()));
        for (double& t : thresholds) t = mean + sd * t;
        break;
    }
    }

    Mask out = mask;
    std::size_t kept = 0;
    for (std::size_t i = 0; i < out.voxels.size(); ++i) {
        if (!out.voxels[i]) continue;
        const double v = image.voxels[i];
        const bool inside = v >= thresholds[0] && (thresholds.size() == 1 || v <= thresholds[1]);
        out.voxels[i] = inside ? 1 : 0;
        kept += inside;
    }
    if (kept <= 1) {
        throw std::invalid_argument("re-segmentation kept " + std::to_string(kept) + " of " +
                                    std::to_string(roiValues.size()) + " ROI voxels; features need at least 2");
    }
    return out;
}

ImageAndMask preprocess(const Image& image, const Mask& mask, const Settings& settings) {
    if (image.voxels.size() != image.geometry.voxelCount() || mask.voxels.size() != mask.geometry.voxelCount()) {
        throw std::invalid_argument("image or mask voxel count does not match its grid");
    }
    std::optional<Image> normalized;
    if (settings.normalize) normalized = normalizeImage(image, settings);
    const Image& working = normalized ? *normalized : image;
    if (settings.resampledPixelSpacing) return resampleImage(working, mask, settings);
    if (settings.preCrop) {
        const MaskCheck check = checkMask(working, mask, settings);
        const Mask& roi = check.correctedMask ? *check.correctedMask : mask;
        return cropToTumorMask(working, roi, check.boundingBox, static_cast<std::size_t>(std::max(0.0, settings.padDistance)));
    }
    return {normalized ? std::move(*normalized) : image, mask};
}

} // namespace radnode::analysis
