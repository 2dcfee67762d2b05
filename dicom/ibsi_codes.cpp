#include "dicom/ibsi_codes.h"

namespace radnode::dicom {

namespace {

// Source: the PyRadiomics-to-IBSI mapping published with PyRadiomics (BSD 3-clause), in its
// "pyradiomics-dcm" lab (labs/pyradiomics-dcm/resources/featuresDict_IBSIv7.tsv), which codes
// features with the identifiers of the IBSI reference manual (Zwanenburg et al., arXiv:1612.07003).
// The rows below are those facts, written out by hand; where the published file is off, the
// IBSI manual's definitions decide, and the row says so:
//  - glcm Idn/Idm/Idmn: the file shifts them by one row; PyRadiomics' Idn is IBSI's normalised
//    inverse difference (NDRX), Idm the inverse difference moment (WF0Z), Idmn its normalised
//    form (1QCO).
//  - glszm Low/HighGrayLevelZoneEmphasis: the file puts them on the distance-zone (GLDZM) rows;
//    the size-zone codes are XMSY and 5GN9. The file also files the four glszm area/grey-level
//    emphases under "glcm" and spells ZoneVariance/ZoneEntropy as ZoneSize...; fixed here.
//  - firstorder Kurtosis is left out on purpose: IBSI IPH6 is the excess kurtosis, PyRadiomics
//    reports the plain one (3 higher), so the value would contradict the code. It keeps the
//    private code, as do all features the mapping gives no code (shape2D, Imc1, MCC, ...).
const std::vector<IbsiFeature> kTable{
    // Morphology (3D shape only: IBSI defines no 2D shape features)
    {"shape", "MeshVolume", "RNU0", "Volume"},
    {"shape", "VoxelVolume", "YEKZ", "Approximate volume"},
    {"shape", "SurfaceArea", "C0JK", "Surface area"},
    {"shape", "SurfaceVolumeRatio", "2PR5", "Surface to volume ratio"},
    {"shape", "Compactness1", "SKGS", "Compactness 1"},
    {"shape", "Compactness2", "BQWJ", "Compactness 2"},
    {"shape", "SphericalDisproportion", "KRCK", "Spherical disproportion"},
    {"shape", "Sphericity", "QCFX", "Sphericity"},
    {"shape", "Maximum3DDiameter", "L0JK", "Maximum 3D diameter"},
    {"shape", "MajorAxisLength", "TDIC", "Major axis length"},
    {"shape", "MinorAxisLength", "P9VJ", "Minor axis length"},
    {"shape", "LeastAxisLength", "7J51", "Least axis length"},
    {"shape", "Elongation", "Q3CK", "Elongation"},
    {"shape", "Flatness", "N17B", "Flatness"},
    // Intensity-based statistics and intensity histogram
    {"firstorder", "Mean", "Q4LE", "Mean"},
    {"firstorder", "Variance", "ECT3", "Variance"},
    {"firstorder", "Skewness", "KE2A", "Skewness"},
    {"firstorder", "Median", "Y12H", "Median"},
    {"firstorder", "Minimum", "1GSF", "Minimum grey level"},
    {"firstorder", "10Percentile", "QG58", "10th percentile"},
    {"firstorder", "90Percentile", "8DWT", "90th percentile"},
    {"firstorder", "Maximum", "84IY", "Maximum grey level"},
    {"firstorder", "InterquartileRange", "SALO", "Interquartile range"},
    {"firstorder", "Range", "2OJQ", "Range"},
    {"firstorder", "MeanAbsoluteDeviation", "4FUA", "Mean absolute deviation"},
    {"firstorder", "RobustMeanAbsoluteDeviation", "1128", "Robust mean absolute deviation"},
    {"firstorder", "Energy", "N8CA", "Energy"},
    {"firstorder", "RootMeanSquared", "5ZWQ", "Root mean square"},
    {"firstorder", "Entropy", "TLU2", "Intensity histogram entropy"},
    {"firstorder", "Uniformity", "BJ5W", "Intensity histogram uniformity"},
    // Grey level co-occurrence matrix
    {"glcm", "MaximumProbability", "GYBY", "Joint maximum"},
    {"glcm", "JointAverage", "60VM", "Joint average"},
    {"glcm", "SumSquares", "UR99", "Joint variance"},
    {"glcm", "JointEntropy", "TU9B", "Joint entropy"},
    {"glcm", "DifferenceAverage", "TF7R", "Difference average"},
    {"glcm", "DifferenceVariance", "D3YU", "Difference variance"},
    {"glcm", "DifferenceEntropy", "NTRS", "Difference entropy"},
    {"glcm", "SumAverage", "ZGXS", "Sum average"},
    {"glcm", "SumVariance", "OEEB", "Sum variance"},
    {"glcm", "SumEntropy", "P6QZ", "Sum entropy"},
    {"glcm", "JointEnergy", "8ZQL", "Angular second moment"},
    {"glcm", "Contrast", "ACUI", "Contrast"},
    {"glcm", "Dissimilarity", "8S9J", "Dissimilarity"},
    {"glcm", "Id", "IB1Z", "Inverse difference"},
    {"glcm", "Idn", "NDRX", "Normalised inverse difference"},
    {"glcm", "Idm", "WF0Z", "Inverse difference moment"},
    {"glcm", "Idmn", "1QCO", "Normalised inverse difference moment"},
    {"glcm", "InverseVariance", "E8JP", "Inverse variance"},
    {"glcm", "Correlation", "NI2N", "Correlation"},
    {"glcm", "ClusterTendency", "DG8W", "Cluster tendency"},
    {"glcm", "ClusterShade", "7NFM", "Cluster shade"},
    {"glcm", "ClusterProminence", "AE86", "Cluster prominence"},
    // Grey level run length matrix
    {"glrlm", "ShortRunEmphasis", "22OV", "Short runs emphasis"},
    {"glrlm", "LongRunEmphasis", "W4KF", "Long runs emphasis"},
    {"glrlm", "LowGrayLevelRunEmphasis", "V3SW", "Low grey level run emphasis"},
    {"glrlm", "HighGrayLevelRunEmphasis", "G3QZ", "High grey level run emphasis"},
    {"glrlm", "ShortRunLowGrayLevelEmphasis", "HTZT", "Short run low grey level emphasis"},
    {"glrlm", "ShortRunHighGrayLevelEmphasis", "GD3A", "Short run high grey level emphasis"},
    {"glrlm", "LongRunLowGrayLevelEmphasis", "IVPO", "Long run low grey level emphasis"},
    {"glrlm", "LongRunHighGrayLevelEmphasis", "3KUM", "Long run high grey level emphasis"},
    {"glrlm", "GrayLevelNonUniformity", "R5YN", "Grey level non-uniformity"},
    {"glrlm", "GrayLevelNonUniformityNormalized", "OVBL", "Normalised grey level non-uniformity"},
    {"glrlm", "RunLengthNonUniformity", "W92Y", "Run length non-uniformity"},
    {"glrlm", "RunLengthNonUniformityNormalized", "IC23", "Normalised run length non-uniformity"},
    {"glrlm", "RunPercentage", "9ZK5", "Run percentage"},
    {"glrlm", "GrayLevelVariance", "8CE5", "Grey level variance"},
    {"glrlm", "RunVariance", "SXLW", "Run length variance"},
    {"glrlm", "RunEntropy", "HJ9O", "Run entropy"},
    // Grey level size zone matrix
    {"glszm", "SmallAreaEmphasis", "5QRC", "Small zone emphasis"},
    {"glszm", "LargeAreaEmphasis", "48P8", "Large zone emphasis"},
    {"glszm", "LowGrayLevelZoneEmphasis", "XMSY", "Low grey level zone emphasis"},
    {"glszm", "HighGrayLevelZoneEmphasis", "5GN9", "High grey level zone emphasis"},
    {"glszm", "SmallAreaLowGrayLevelEmphasis", "5RAI", "Small zone low grey level emphasis"},
    {"glszm", "SmallAreaHighGrayLevelEmphasis", "HW1V", "Small zone high grey level emphasis"},
    {"glszm", "LargeAreaLowGrayLevelEmphasis", "YH51", "Large zone low grey level emphasis"},
    {"glszm", "LargeAreaHighGrayLevelEmphasis", "J17V", "Large zone high grey level emphasis"},
    {"glszm", "GrayLevelNonUniformity", "JNSA", "Grey level non-uniformity"},
    {"glszm", "GrayLevelNonUniformityNormalized", "Y1RO", "Normalised grey level non-uniformity"},
    {"glszm", "SizeZoneNonUniformity", "4JP3", "Zone size non-uniformity"},
    {"glszm", "SizeZoneNonUniformityNormalized", "VB3A", "Normalised zone size non-uniformity"},
    {"glszm", "ZonePercentage", "P30P", "Zone percentage"},
    {"glszm", "GrayLevelVariance", "BYLV", "Grey level variance"},
    {"glszm", "ZoneVariance", "3NSA", "Zone size variance"},
    {"glszm", "ZoneEntropy", "GU8N", "Zone size entropy"},
    // Neighbouring grey level dependence matrix (PyRadiomics' GLDM)
    {"gldm", "SmallDependenceEmphasis", "SODN", "Low dependence emphasis"},
    {"gldm", "LargeDependenceEmphasis", "IMOQ", "High dependence emphasis"},
    {"gldm", "LowGrayLevelEmphasis", "TL9H", "Low grey level count emphasis"},
    {"gldm", "HighGrayLevelEmphasis", "OAE7", "High grey level count emphasis"},
    {"gldm", "SmallDependenceLowGrayLevelEmphasis", "EQ3F", "Low dependence low grey level emphasis"},
    {"gldm", "SmallDependenceHighGrayLevelEmphasis", "JA6D", "Low dependence high grey level emphasis"},
    {"gldm", "LargeDependenceLowGrayLevelEmphasis", "NBZI", "High dependence low grey level emphasis"},
    {"gldm", "LargeDependenceHighGrayLevelEmphasis", "9QMG", "High dependence high grey level emphasis"},
    {"gldm", "GrayLevelNonUniformity", "FP8K", "Grey level non-uniformity"},
    {"gldm", "GrayLevelNonUniformityNormalized", "5SPA", "Normalised grey level non-uniformity"},
    {"gldm", "DependenceNonUniformity", "Z87G", "Dependence count non-uniformity"},
    {"gldm", "DependenceNonUniformityNormalized", "OKJI", "Dependence count non-uniformity normalised"},
    {"gldm", "DependencePercentage", "6XV8", "Dependence count percentage"},
    {"gldm", "GrayLevelVariance", "1PFV", "Grey level variance"},
    {"gldm", "DependenceVariance", "DNX2", "Dependence count variance"},
    {"gldm", "DependenceEntropy", "FCBV", "Dependence count entropy"},
    // Neighbourhood grey tone difference matrix
    {"ngtdm", "Coarseness", "QCDE", "Coarseness"},
    {"ngtdm", "Contrast", "65HE", "Contrast"},
    {"ngtdm", "Busyness", "NQ30", "Busyness"},
    {"ngtdm", "Complexity", "HDEZ", "Complexity"},
    {"ngtdm", "Strength", "1X9X", "Strength"},
};

} // namespace

std::optional<PyradiomicsName> splitPyradiomicsName(const std::string& name) {
    // Image type names use '-' but never '_', feature names neither: exactly two underscores.
    const auto first = name.find('_');
    if (first == std::string::npos || first == 0) return std::nullopt;
    const auto second = name.find('_', first + 1);
    if (second == std::string::npos || second == first + 1 || second + 1 >= name.size()) return std::nullopt;
    if (name.find('_', second + 1) != std::string::npos) return std::nullopt;
    return PyradiomicsName{name.substr(0, first), name.substr(first + 1, second - first - 1), name.substr(second + 1)};
}

const IbsiFeature* ibsiFeature(const std::string& featureClass, const std::string& featureName) {
    for (const auto& row : kTable) {
        if (featureClass == row.featureClass && featureName == row.featureName) return &row;
    }
    return nullptr;
}

const std::vector<IbsiFeature>& ibsiFeatureTable() {
    return kTable;
}

// IBSI reference manual, "Feature aggregation" and the aggregation tables of the texture
// families. With one slice, 2D and 2.5D coincide; the 2D codes name what was done.
std::optional<IbsiAggregation> ibsiAggregation(const std::string& featureClass, TextureMatrices matrices) {
    if (featureClass == "glcm" || featureClass == "glrlm") {
        switch (matrices) {
        case TextureMatrices::SingleSlice: return IbsiAggregation{"BTW3", "2D:avg, averaged over slices and directions"};
        case TextureMatrices::SlicesMerged: return IbsiAggregation{"JJUI", "2.5D:dmrg, merged per direction and averaged"};
        case TextureMatrices::Volume: return IbsiAggregation{"ITBB", "3D:avg, averaged over 3D directions"};
        }
    }
    if (featureClass == "glszm" || featureClass == "gldm" || featureClass == "ngtdm") {
        switch (matrices) {
        case TextureMatrices::SingleSlice: return IbsiAggregation{"8QNN", "2D, averaged over slices"};
        case TextureMatrices::SlicesMerged: return IbsiAggregation{"62GR", "2.5D, merged over all slices"};
        case TextureMatrices::Volume: return IbsiAggregation{"KOBO", "3D, calculated from single 3D matrix"};
        }
    }
    return std::nullopt;
}

std::optional<TextureMatrices> textureMatricesOf(const std::string& aggregationCode) {
    for (const auto matrices : {TextureMatrices::SingleSlice, TextureMatrices::SlicesMerged, TextureMatrices::Volume}) {
        for (const char* featureClass : {"glcm", "glszm"}) {
            if (aggregationCode == ibsiAggregation(featureClass, matrices)->code) return matrices;
        }
    }
    return std::nullopt;
}

} // namespace radnode::dicom
