// IBSI codes of PyRadiomics features: the concept names radnode's SR gives a feature when the
// Image Biomarker Standardisation Initiative defines the same quantity (table in ibsi_codes.cpp).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace radnode::dicom {

// The IBSI coding scheme as DICOM PS3.16 Table 8-1 registers it.
inline constexpr const char* kIbsiCodingScheme = "IBSI";
inline constexpr const char* kIbsiCodingSchemeUid = "1.2.840.10008.2.16.13";
inline constexpr const char* kIbsiCodingSchemeName = "Image Biomarker Standardisation Initiative";

// One row of the mapping: PyRadiomics feature class and name, IBSI code and IBSI feature name.
struct IbsiFeature {
    const char* featureClass; // "firstorder", "shape", "glcm", "glrlm", "glszm", "gldm", "ngtdm"
    const char* featureName;  // "Mean", "Idmn", ...
    const char* code;         // "Q4LE"
    const char* meaning;      // "Mean", the IBSI name
};

// A PyRadiomics feature name taken apart: "wavelet-HLH_glcm_Idn" -> {"wavelet-HLH", "glcm", "Idn"}.
struct PyradiomicsName {
    std::string imageType, featureClass, feature;
};
// nullopt when the name does not have the three parts.
std::optional<PyradiomicsName> splitPyradiomicsName(const std::string& name);

// The IBSI code of a feature class and name, nullptr when IBSI has none for it.
const IbsiFeature* ibsiFeature(const std::string& featureClass, const std::string& featureName);

// Every row, for tests and documentation.
const std::vector<IbsiFeature>& ibsiFeatureTable();

// IBSI feature aggregation (IBSI 5QB6): how a texture feature's values over directions and
// slices became one value. It depends on the texture matrices' geometry:
enum class TextureMatrices {
    SingleSlice,  // a 2D image: in-plane directions only
    SlicesMerged, // a volume with force2D: in-plane matrices, each accumulated over all slices
    Volume,       // a volume in 3D: 13 directions (26-connected neighbourhoods)
};
inline constexpr const char* kIbsiFeatureAggregationCode = "5QB6";
inline constexpr const char* kIbsiFeatureAggregationMeaning = "Feature aggregation";
struct IbsiAggregation {
    const char* code;    // "ITBB"
    const char* meaning; // "3D:avg, averaged over 3D directions"
};
// What PyRadiomics does, in IBSI's terms: GLCM and GLRLM features are computed per direction
// and averaged (2D:avg BTW3, 2.5D:dmrg JJUI, 3D:avg ITBB); GLSZM, GLDM (IBSI's NGLDM) and NGTDM
// come from one matrix (2D 8QNN, 2.5D 62GR, 3D KOBO). nullopt for any other feature class
// (first order, shape: not aggregated).
std::optional<IbsiAggregation> ibsiAggregation(const std::string& featureClass, TextureMatrices matrices);
// The matrices an aggregation code implies (the reader's way back); nullopt for other codes.
std::optional<TextureMatrices> textureMatricesOf(const std::string& aggregationCode);

} // namespace radnode::dicom
