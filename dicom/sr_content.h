// What a radnode result SR (Comprehensive 3D SR, TID 1500 Measurement Report) says, as plain
// values: what the writer is given and what the reader gives back. No DCMTK types here.
#pragma once

#include "dicom/ibsi_codes.h"

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace radnode::dicom {

// An SR that cannot be written or read: the message names the file, UID or item at fault.
class SrError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Patient and study attributes, copied from the analysed source images.
struct SrPatientStudy {
    std::string patientName, patientId, patientBirthDate, patientSex;
    std::string studyInstanceUid, studyDate, studyTime, studyId, accessionNumber, referringPhysicianName,
        studyDescription;
};

// One referenced DICOM instance. An empty studyInstanceUid means the study of the SR itself.
struct SrInstanceRef {
    std::string sopClassUid, sopInstanceUid, seriesInstanceUid, studyInstanceUid;
};

// One feature value. featureName is the PyRadiomics name ("wavelet-HLH_glcm_Idn"); ucumUnit is a
// UCUM code: "1" (unitless), "mm", "mm2", "mm3", "/mm", "%". NaN and infinities are written as
// NUM items with a Numeric Value Qualifier (DCM 114000-114002) and read back as such.
struct SrMeasurement {
    std::string featureName;
    double value = 0.0;
    std::string ucumUnit = "1";
};

// One measurement group: one ROI on one view. 2D groups (TID 1410) cite the SEG frames the ROI
// was drawn on (Referenced Segmentation Frame); volumetric ones (TID 1411) the segment.
struct SrRoiGroup {
    std::string roiName;          // "tumor", "ring-5mm", "tumor+5mm", "node": the ROI as extracted
    std::string view, laterality; // "CC"/"MLO"/"" ; "L"/"R"/"B"/""
    // The Finding: "tumor" (SCT 108369006 Neoplasm), "mass" (SCT 4147007), "lymph node"
    // (SCT 59441001; its Finding Site is the axilla), a bare SCT code value of one of those, or
    // ""/"other" for none. The reader gives back the word.
    std::string findingCode;
    std::string trackingId, trackingUid; // unique per group within one SR
    SrInstanceRef segmentation;
    int segmentNumber = 1;              // cited by volumetric groups; read back as 0 for planar ones
    std::vector<int> segFrameNumbers;   // 2D: the SEG frame(s) holding this ROI (1-based)
    bool volumetric = false;            // TID 1411 instead of TID 1410
    std::vector<SrInstanceRef> sources; // images the SEG was drawn on (Image Library, evidence)
    std::string sourceSeriesUid;
    std::vector<SrMeasurement> measurements;
    // The texture matrices' geometry, written as each texture feature's IBSI feature aggregation
    // modifier (dicom/ibsi_codes.h). Unset: a single slice for planar groups, 3D for volumetric
    // ones. Read back from those modifiers; unset when the group has no texture feature.
    std::optional<TextureMatrices> textureMatrices;
};

// One model's output for the study. radScore and probabilityPercent are absent when the model
// could not be scored (inputs missing); the summary text then says why.
struct SrModelResult {
    std::string modelName, modelVersion;
    std::string deviceUid; // Contributing Equipment Device UID: a new one for every model version
    std::string validationSummary;
    std::string family; // "logistic regression", "SVM (RBF kernel)", ... (analysis::modelFamilyDescription)
    std::optional<double> radScore;           // UCUM "1"
    std::optional<double> probabilityPercent; // UCUM "%"
    double thresholdPercent = 50.0;           // UCUM "%"
    std::string predictedClass;               // "N0", "N+", "low burden", "high burden" (<= 16 characters)
    std::string summaryText;                  // plain language, says "Research use"
    std::vector<std::string> inputsUsed, inputsMissing;
    bool unstable = false;
    std::vector<std::string> clinicalInputsUsed, clinicalInputsMissing; // covariate keys, e.g. "ki67"
    std::optional<double> probabilitySpreadPercent; // max - min over eroded/original/dilated masks
    // The chain's second level (e.g. N+: 1-2 vs >= 3 nodes), when the first gave its positive class.
    std::optional<double> secondLevelProbabilityPercent;
    double secondLevelThresholdPercent = 50.0;
    std::string secondLevelClass; // <= 16 characters
};

struct SrDocumentSpec {
    SrPatientStudy study;
    std::string seriesInstanceUid, sopInstanceUid; // empty: generated
    std::string seriesDescription = "radnode radiomics";
    int seriesNumber = 9901;
    int instanceNumber = 1;
    // Feature extraction, for Algorithm Identification (TID 4019) and the equipment modules.
    std::string algorithmName = "radnode", algorithmVersion, parametersHash;
    std::string manufacturer = "radnode", institutionName, deviceSerialNumber = "1";
    // Observer (Device) of the whole report; empty UID: derived from name and serial number.
    std::string deviceObserverUid, deviceObserverName;
    std::vector<SrRoiGroup> groups;
    std::vector<SrModelResult> models;
    std::optional<SrInstanceRef> predecessor; // an earlier SR for the same study
    std::vector<SrInstanceRef> evidence;      // listed beside the groups' sources and SEGs
    std::string contentDate, contentTime;     // DICOM DA/TM; empty: now
    // Enhanced SR (1.2.840.10008.5.1.4.1.1.88.22) instead of Comprehensive 3D SR, for a PACS
    // that refuses the latter; the content is the same.
    bool enhancedSr = false;
};

// The two SR storage classes radnode writes: Comprehensive 3D SR by default; Enhanced SR for a
// destination configured so (sr_format: enhanced). radnode's content uses no SCOORD3D and no
// by-reference relationship, so both carry the same tree.
inline constexpr const char* kComprehensive3dSrSopClassUid = "1.2.840.10008.5.1.4.1.1.88.34";
inline constexpr const char* kEnhancedSrSopClassUid = "1.2.840.10008.5.1.4.1.1.88.22";

// A result SR as read back from a file.
struct SrDocumentContent {
    std::string sopClassUid;
    std::string sopInstanceUid, seriesInstanceUid, studyInstanceUid;
    std::string patientId, patientName, accessionNumber;
    std::string seriesDescription, contentDate, contentTime;
    std::string completionFlag, verificationFlag; // "COMPLETE", "UNVERIFIED"
    std::string algorithmName, algorithmVersion, parametersHash;
    std::vector<SrRoiGroup> groups; // sources are not repeated per group: see evidence
    std::vector<SrModelResult> models;
    std::optional<SrInstanceRef> predecessor;
    std::vector<SrInstanceRef> evidence; // Current Requested Procedure Evidence Sequence
};

// Concept names of the feature NUM items. A feature IBSI defines (dicom/ibsi_codes.h) gets its
// IBSI code ("Q4LE", IBSI, "Mean") whatever image it was computed on; the image type then
// travels as a concept modifier (featureImageType) and the PyRadiomics name as Equivalent
// Meaning of Concept Name (DCM 121050). Any other feature gets a private code, stable and
// computable from the name alone: "F" and the first 15 hex digits of the 64-bit FNV-1a hash of
// the PyRadiomics name, meaning the name itself; a name over 64 characters (the LO limit) gets
// an abbreviated meaning, and the full name then travels as Equivalent Meaning. Both schemes
// are declared in the Coding Scheme Identification Sequence.
inline constexpr const char* kRadnodeCodingScheme = "99RADNODE";
struct SrCode {
    std::string value, scheme, meaning;
};
SrCode featureConcept(const std::string& pyradiomicsName);
// The modifier value naming the image an IBSI-coded feature was computed on ("wavelet-HLH",
// "log-sigma-1-0-mm-3D"); nullopt for the original image and for privately coded features,
// whose code already names the image. The modifier's concept name is srcode::kImageType.
std::optional<SrCode> featureImageType(const std::string& pyradiomicsName);

// The other private concepts of the scheme (code value, code meaning): the group qualifier
// naming the ROI, and the items of a model result group.
namespace srcode {
struct Private {
    const char* value;
    const char* meaning;
};
inline constexpr Private kRoiName{"ROI", "Radiomics region of interest"};
inline constexpr Private kImageType{"IMAGETYPE", "Image filter applied before feature extraction"};
inline constexpr Private kRadScore{"RADSCORE", "Rad-score"};
inline constexpr Private kProbability{"PROBABILITY", "Predicted probability"};
inline constexpr Private kThreshold{"THRESHOLD", "Decision threshold"};
inline constexpr Private kPredictedClass{"PREDCLASS", "Predicted class"};
inline constexpr Private kStability{"STABILITY", "Result stability"};
inline constexpr Private kStable{"STABLE", "Stable result"};
inline constexpr Private kUnstable{"UNSTABLE", "Unstable result: interpret with caution"};
inline constexpr Private kInputUsed{"INPUTUSED", "Model input used"};
inline constexpr Private kInputMissing{"INPUTMISSING", "Model input missing"};
inline constexpr Private kValidation{"VALIDATION", "Model validation summary"};
inline constexpr Private kModelFamily{"MODELFAMILY", "Model family"};
inline constexpr Private kClinicalUsed{"CLINUSED", "Clinical model input used"};
inline constexpr Private kClinicalMissing{"CLINMISSING", "Clinical model input missing"};
inline constexpr Private kProbabilitySpread{"PROBSPREAD", "Probability spread under contour perturbation"};
inline constexpr Private kSecondProbability{"PROBABILITY2", "Second-level predicted probability"};
inline constexpr Private kSecondThreshold{"THRESHOLD2", "Second-level decision threshold"};
inline constexpr Private kSecondClass{"PREDCLASS2", "Second-level predicted class"};
} // namespace srcode

} // namespace radnode::dicom
