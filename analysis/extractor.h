// One PyRadiomics-compatible extraction (RadiomicsFeatureExtractor.execute) for an image and
// one ROI: preprocessing, shape on the original image, then every enabled feature class on
// every enabled image type, with PyRadiomics' full feature names.
#pragma once

#include "analysis/feature.h"
#include "analysis/image.h"
#include "analysis/peritumoral.h"
#include "analysis/settings.h"

#include <string>
#include <vector>

namespace radnode::analysis {

struct ExtractionResult {
    // "original_shape_Sphericity", "wavelet-HLH_glcm_Idn", ... in extraction order: shape,
    // shape2D, then per derived image firstorder, glcm, glrlm, glszm, gldm, ngtdm.
    FeatureList features;
    // PyRadiomics' diagnostics_* entries (versions, settings, image and mask provenance) when
    // settings.additionalInfo is set, followed by remarks from the feature classes (full names).
    DiagnosticList diagnostics;
};

// The image and mask share one physical space (the mask is binary: 1 = ROI). Preprocessing
// uses params.settings; each image type uses its ImageTypeSpec::settings (the global settings
// with that type's overrides, as a parameter file reader builds them). Unknown feature
// classes, image types, feature names and impossible settings throw std::invalid_argument
// naming them; an ROI that fails PyRadiomics' checks throws std::invalid_argument too.
ExtractionResult extract(const Image& image, const Mask& mask, const ExtractionParams& params);

struct RoiExtraction {
    std::string roi; // NamedRoi::name
    ExtractionResult result;
};

// The same results as extract(image, roi.mask, params) for each ROI, bit for bit and in the
// ROIs' order, but each filter runs once, on the box covering every ROI plus its reach, and
// its images are shared. The masks share the image's grid. When preprocessing makes the filter
// input depend on the ROI or its grid (normalize, resampledPixelSpacing, preCrop, a mask off the
// image grid), the ROIs are extracted one by one. Errors name the ROI: "ROI ring-3mm: ...".
std::vector<RoiExtraction> extractRois(const Image& image, const std::vector<NamedRoi>& rois,
                                       const ExtractionParams& params);

// The part of `grid` a filter needs to give, inside `roiBox`, exactly the values it gives on the
// whole image: `roiBox` plus the filter's reach for local shift-invariant filters (Wavelet,
// LBP2D), the whole grid for the others and wherever the margin would reach a border.
IndexBox filterInputBox(const ImageTypeSpec& spec, const IndexBox& roiBox, const Geometry& grid);

// PyRadiomics' feature classes (shape, shape2D, firstorder, glcm, glrlm, glszm, gldm, ngtdm) and
// image types, by the names parameter files use.
const std::vector<std::string>& featureClassNames();
const std::vector<std::string>& imageTypeNames();
// The feature catalogue of a class. Throws std::invalid_argument for an unknown class.
const std::vector<FeatureDefinition>& featureCatalogue(const std::string& featureClass);

// Settings that cannot work (binWidth <= 0, minimumROIDimensions 4, ...): throws
// std::invalid_argument "<where>: <setting>: <reason>".
void validateSettings(const Settings& settings, const std::string& where);

} // namespace radnode::analysis
