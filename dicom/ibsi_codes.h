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

} // namespace radnode::dicom
