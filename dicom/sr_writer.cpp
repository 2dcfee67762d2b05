#include "dicom/sr_writer.h"

#include "dicom/dataset_values.h"
#include "dicom/ibsi_codes.h"
#include "dicom/uid.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmdata/dcvrda.h>
#include <dcmtk/dcmdata/dcvrtm.h>
#include <dcmtk/dcmsr/cmr/init.h>
#include <dcmtk/dcmsr/cmr/tid1500.h>
#include <dcmtk/dcmsr/codes/dcm.h>
#include <dcmtk/dcmsr/codes/sct.h>
#include <dcmtk/dcmsr/dsrdoc.h>

#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace radnode::dicom {

namespace {

// DCMTK 3.6.7 checks a referenced SOP class against its own list, which predates the
// label-map Segmentation (Sup 243); for that class only, the check is skipped.
bool dcmtkKnowsSopClass(const std::string& sopClassUid) {
    return sopClassUid != "1.2.840.10008.5.1.4.1.1.66.7";
}

using DSR = DSRTypes;
using MeasurementValue = CMR_TID1411_in_TID1500::MeasurementValue;

void require(const OFCondition& status, const std::string& what) {
    if (status.bad()) throw SrError("SR: " + what + ": " + status.text());
}

DSRCodedEntryValue privateCode(const srcode::Private& code) {
    return DSRCodedEntryValue(code.value, kRadnodeCodingScheme, code.meaning);
}

DSRCodedEntryValue sctCode(const char* value, const char* meaning) {
    return DSRCodedEntryValue(value, "SCT", meaning);
}

// DCMTK's context groups fill static maps on first use; doing it once up front keeps writers
// on several worker threads from racing there.
void initializeContextGroups() {
    static std::once_flag once;
    std::call_once(once, [] { CMR_ContentMappingResource::initializeAllContextGroups(); });
}

// ---- values and units

// A DS value holds 16 characters: the most digits that fit. The exact double travels beside it
// as Floating Point Value.
std::string decimalString(double value) {
    char text[32];
    for (int digits = 16; digits > 0; --digits) {
        std::snprintf(text, sizeof text, "%.*g", digits, value);
        if (std::string(text).size() <= 16) break;
    }
    return text;
}

DSRCodedEntryValue ucumUnit(const std::string& unit) {
    static const std::map<std::string, std::string> meanings{
        {"1", "no units"},         {"mm", "millimeter"}, {"mm2", "square millimeter"}, {"mm3", "cubic millimeter"},
        {"/mm", "per millimeter"}, {"%", "percent"},     {"{pixels}", "pixels"},       {"{pixels}2", "square pixels"}};
    const auto known = meanings.find(unit);
    return DSRCodedEntryValue(unit, "UCUM", known == meanings.end() ? unit : known->second);
}

// NaN and infinities have no DS form: a Numeric Value Qualifier says which one it was.
std::optional<CID42_NumericValueQualifier::EnumType> qualifierFor(double value) {
    if (std::isnan(value)) return CID42_NumericValueQualifier::NotANumber;
    if (std::isinf(value))
        return value > 0 ? CID42_NumericValueQualifier::PositiveInfinity
                         : CID42_NumericValueQualifier::NegativeInfinity;
    return std::nullopt;
}

MeasurementValue measurementValue(double value, const std::string& unit) {
    if (const auto qualifier = qualifierFor(value)) return MeasurementValue(CID42_NumericValueQualifier(*qualifier));
    MeasurementValue result(decimalString(value),
                            CID7181_AbstractMultiDimensionalImageModelComponentUnits(ucumUnit(unit)));
    result.setFloatingPointRepresentation(value);
    return result;
}

DSRNumericMeasurementValue numericValue(double value, const std::string& unit) {
    if (const auto qualifier = qualifierFor(value)) {
        return DSRNumericMeasurementValue(CID42_NumericValueQualifier(*qualifier));
    }
    DSRNumericMeasurementValue result(decimalString(value), ucumUnit(unit));
    result.setFloatingPointRepresentation(value);
    return result;
}

// ---- codes from the domain

struct RoleCodes {
    std::optional<DSRCodedEntryValue> finding, site;
};

RoleCodes roleCodes(const std::string& findingCode, const std::string& groupName) {
    const DSRCodedEntryValue breast = sctCode("76752008", "Breast");
    if (findingCode == "tumor" || findingCode == "tumour" || findingCode == "108369006")
        return {sctCode("108369006", "Neoplasm"), breast};
    if (findingCode == "mass" || findingCode == "4147007") return {sctCode("4147007", "Mass"), breast};
    if (findingCode == "lymph node" || findingCode == "node" || findingCode == "59441001")
        return {sctCode("59441001", "Lymph node"), sctCode("91470000", "Axilla")};
    if (findingCode.empty() || findingCode == "other") return {};
    throw SrError("SR: " + groupName + ": unknown finding '" + findingCode +
                  "' (expected tumor, mass, lymph node, other)");
}

std::optional<DSRCodedEntryValue> lateralityCode(const std::string& laterality, const std::string& groupName) {
    if (laterality.empty()) return std::nullopt;
    DSRCodedEntryValue code = CID244e_Laterality::mapImageLaterality(laterality);
    if (!code.isComplete()) {
        throw SrError("SR: " + groupName + ": laterality '" + laterality + "' is not one of L, R, B, U");
    }
    return code;
}

// Mammography views have SNOMED codes (CID 4014); any other view name stays a private code.
DSRCodedEntryValue viewCode(const std::string& view, const std::string& groupName) {
    if (view == "CC") return sctCode("399162004", "cranio-caudal");
    if (view == "MLO") return sctCode("399368009", "medio-lateral oblique");
    if (view == "ML") return sctCode("399260004", "medio-lateral");
    if (view == "LM") return sctCode("399352003", "latero-medial");
    if (view.size() > 16 || view.find('\\') != std::string::npos) {
        throw SrError("SR: " + groupName + ": view name '" + view + "' does not fit a code value (16 characters)");
    }
    return DSRCodedEntryValue(view, kRadnodeCodingScheme, view + " view");
}

// Known classes get a meaning a reader understands; the code value is always the class label.
DSRCodedEntryValue predictedClassCode(const std::string& label, const std::string& modelName) {
    static const std::map<std::string, std::string> meanings{
        {"N0", "N0: no axillary nodal metastasis"},
        {"N+", "N+: axillary nodal metastasis"},
        {"low burden", "Low axillary nodal burden (1-2 metastatic nodes)"},
        {"high burden", "High axillary nodal burden (3 or more metastatic nodes)"}};
    if (label.size() > 16 || label.find('\\') != std::string::npos) {
        throw SrError("SR: model " + modelName + ": class label '" + label +
                      "' does not fit a code value (16 characters)");
    }
    const auto known = meanings.find(label);
    return DSRCodedEntryValue(label, kRadnodeCodingScheme, known == meanings.end() ? label : known->second);
}

// What the analysed images show, from their SOP classes: the Procedure Reported codes.
std::string modalityOf(const std::string& sopClassUid) {
    static const std::map<std::string, std::string> modalities{
        {UID_UltrasoundImageStorage, "US"},
        {UID_UltrasoundMultiframeImageStorage, "US"},
        {UID_BreastTomosynthesisImageStorage, "MG"},
        {UID_BreastProjectionXRayImageStorageForPresentation, "MG"},
        {UID_BreastProjectionXRayImageStorageForProcessing, "MG"},
        {UID_DigitalMammographyXRayImageStorageForPresentation, "MG"},
        {UID_DigitalMammographyXRayImageStorageForProcessing, "MG"},
        {UID_DigitalXRayImageStorageForPresentation, "DX"},
        {UID_DigitalXRayImageStorageForProcessing, "DX"},
        {UID_CTImageStorage, "CT"},
        {UID_MRImageStorage, "MR"}};
    const auto known = modalities.find(sopClassUid);
    return known == modalities.end() ? "" : known->second;
}

DSRCodedEntryValue procedureFor(const std::string& sopClassUid) {
    if (sopClassUid == UID_BreastTomosynthesisImageStorage)
        return sctCode("450566007", "Digital tomosynthesis of breast");
    const std::string modality = modalityOf(sopClassUid);
    if (modality == "US") return sctCode("47079000", "Ultrasonography of breast");
    if (modality == "MG" || modality == "DX") return sctCode("71651007", "Mammography");
    return sctCode("363679005", "Imaging");
}

// ---- feature concept names

std::uint64_t fnv1a64(const std::string& text) {
    std::uint64_t hash = 14695981039346656037ULL;
    for (unsigned char c : text) {
        hash ^= c;
        hash *= 1099511628211ULL;
    }
    return hash;
}

// Shortens the long words of PyRadiomics names until the meaning fits LO (64 characters).
std::string abbreviatedMeaning(std::string name) {
    static const std::pair<const char*, const char*> shorter[] = {
        {"GrayLevel", "GL"},     {"Emphasis", "Emph"},   {"Dependence", "Dep"},  {"Variance", "Var"},
        {"NonUniformity", "NU"}, {"Normalized", "Norm"}, {"log-sigma-", "LoG-"}, {"-mm-3D", "mm"}};
    for (const auto& [longForm, shortForm] : shorter) {
        if (name.size() <= 64) break;
        for (auto at = name.find(longForm); at != std::string::npos; at = name.find(longForm, at)) {
            name.replace(at, std::char_traits<char>::length(longForm), shortForm);
            at += std::char_traits<char>::length(shortForm);
        }
    }
    if (name.size() > 64) name = name.substr(0, 61) + "...";
    return name;
}

// ---- IBSI feature aggregation

TextureMatrices groupTextureMatrices(const SrRoiGroup& group) {
    if (group.textureMatrices) return *group.textureMatrices;
    return group.volumetric ? TextureMatrices::Volume : TextureMatrices::SingleSlice;
}

// The value of a texture feature's Feature aggregation modifier; nullopt for other features.
std::optional<DSRCodedEntryValue> aggregationCode(const SrRoiGroup& group, const std::string& featureName) {
    const auto parts = splitPyradiomicsName(featureName);
    if (!parts) return std::nullopt;
    const auto aggregation = ibsiAggregation(parts->featureClass, groupTextureMatrices(group));
    if (!aggregation) return std::nullopt;
    return DSRCodedEntryValue(aggregation->code, kIbsiCodingScheme, aggregation->meaning);
}

DSRCodedEntryValue featureAggregationConcept() {
    return DSRCodedEntryValue(kIbsiFeatureAggregationCode, kIbsiCodingScheme, kIbsiFeatureAggregationMeaning);
}

// ---- content items

// The qualifiers radnode adds to a measurement group (TID 1410/1411/1501 are extensible):
// which ROI and view, and which algorithm (TID 4019). Added after the cursor's item.
struct Algorithm {
    std::string name, version, parameters;
};

void addAfter(DSRDocumentSubTree& tree, DSR::E_RelationshipType relation, DSR::E_ValueType type,
              const DSRCodedEntryValue& concept, const std::string& what) {
    require(tree.addContentItem(relation, type, concept), "cannot add " + what);
}

void addGroupQualifiers(DSRDocumentSubTree& tree, const std::string& roiName, const std::string& view,
                        const Algorithm& algorithm, const std::string& groupName) {
    if (!roiName.empty()) {
        addAfter(tree, DSR::RT_hasConceptMod, DSR::VT_Text, privateCode(srcode::kRoiName), "ROI name of " + groupName);
        require(tree.getCurrentContentItem().setStringValue(roiName), "ROI name of " + groupName);
    }
    if (!view.empty()) {
        addAfter(tree, DSR::RT_hasConceptMod, DSR::VT_Code, CODE_DCM_ImageView, "view of " + groupName);
        require(tree.getCurrentContentItem().setCodeValue(viewCode(view, groupName)), "view of " + groupName);
    }
    const std::pair<DSRCodedEntryValue, std::string> identification[] = {
        {CODE_DCM_AlgorithmName, algorithm.name},
        {CODE_DCM_AlgorithmVersion, algorithm.version},
        {CODE_DCM_AlgorithmParameters, algorithm.parameters}};
    for (const auto& [concept, value] : identification) {
        if (value.empty()) continue;
        addAfter(tree, DSR::RT_hasConceptMod, DSR::VT_Text, concept, "algorithm identification of " + groupName);
        require(tree.getCurrentContentItem().setStringValue(value),
                "algorithm identification '" + value + "' of " + groupName);
    }
}

std::string groupLabel(const SrRoiGroup& group) {
    return "'" + group.roiName + (group.view.empty() ? "" : "/" + group.view) + "'";
}

// TID 1410 is not among DCMTK 3.6.7's cmr templates: one planar group, built as a subtree
// whose root is the Measurement Group container.
std::unique_ptr<DSRDocumentSubTree> planarGroup(const SrRoiGroup& group, const Algorithm& algorithm) {
    const std::string name = "group " + groupLabel(group);
    auto tree = std::make_unique<DSRDocumentSubTree>();
    require(tree->addContentItem(DSR::RT_contains, DSR::VT_Container, CODE_DCM_MeasurementGroup), name);
    require(tree->getCurrentContentItem().setContinuityOfContent(DSR::COC_Separate), name);
    require(tree->addChildContentItem(DSR::RT_hasObsContext, DSR::VT_Text, CODE_DCM_TrackingIdentifier), name);
    require(tree->getCurrentContentItem().setStringValue(group.trackingId), name + " tracking identifier");
    addAfter(*tree, DSR::RT_hasObsContext, DSR::VT_UIDRef, CODE_DCM_TrackingUniqueIdentifier, name + " tracking UID");
    require(tree->getCurrentContentItem().setStringValue(group.trackingUid), name + " tracking UID");
    const RoleCodes role = roleCodes(group.findingCode, name);
    if (role.finding) {
        addAfter(*tree, DSR::RT_contains, DSR::VT_Code, CODE_DCM_Finding, name + " finding");
        require(tree->getCurrentContentItem().setCodeValue(*role.finding), name + " finding");
    }
    DSRImageReferenceValue segment(group.segmentation.sopClassUid, group.segmentation.sopInstanceUid,
                                   dcmtkKnowsSopClass(group.segmentation.sopClassUid));
    // Frames only: the Image SOP Instance Reference Macro names frames or segments, not both,
    // and a SEG frame belongs to one segment.
    for (int frame : group.segFrameNumbers) segment.getFrameList().addItem(frame);
    addAfter(*tree, DSR::RT_contains, DSR::VT_Image, CODE_DCM_ReferencedSegmentationFrame,
             name + " segmentation frame");
    require(tree->getCurrentContentItem().setImageReference(segment, dcmtkKnowsSopClass(group.segmentation.sopClassUid)),
            name + " segmentation " + group.segmentation.sopInstanceUid);
    if (!group.sourceSeriesUid.empty()) {
        addAfter(*tree, DSR::RT_contains, DSR::VT_UIDRef, CODE_DCM_SourceSeriesForSegmentation,
                 name + " source series");
        require(tree->getCurrentContentItem().setStringValue(group.sourceSeriesUid), name + " source series");
    }
    if (role.site) {
        addAfter(*tree, DSR::RT_hasConceptMod, DSR::VT_Code, CODE_SCT_FindingSite, name + " finding site");
        require(tree->getCurrentContentItem().setCodeValue(*role.site), name + " finding site");
        if (const auto laterality = lateralityCode(group.laterality, name)) {
            require(tree->addChildContentItem(DSR::RT_hasConceptMod, DSR::VT_Code, CODE_SCT_Laterality),
                    name + " laterality");
            require(tree->getCurrentContentItem().setCodeValue(*laterality), name + " laterality");
            tree->gotoParent();
        }
    }
    addGroupQualifiers(*tree, group.roiName, group.view, algorithm, name);
    for (const auto& measurement : group.measurements) {
        const std::string what = name + " feature " + measurement.featureName;
        const SrCode concept = featureConcept(measurement.featureName);
        addAfter(*tree, DSR::RT_contains, DSR::VT_Num,
                 DSRCodedEntryValue(concept.value, concept.scheme, concept.meaning), what);
        require(tree->getCurrentContentItem().setNumericValue(numericValue(measurement.value, measurement.ucumUnit)),
                what);
        bool below = false; // the first modifier goes below the NUM item, the next one after it
        const auto addModifier = [&](DSR::E_ValueType type, const DSRCodedEntryValue& modifier) {
            require(below ? tree->addContentItem(DSR::RT_hasConceptMod, type, modifier)
                          : tree->addChildContentItem(DSR::RT_hasConceptMod, type, modifier),
                    what);
            below = true;
        };
        if (const auto imageType = featureImageType(measurement.featureName)) {
            addModifier(DSR::VT_Code, privateCode(srcode::kImageType));
            require(tree->getCurrentContentItem().setCodeValue(
                        DSRCodedEntryValue(imageType->value, imageType->scheme, imageType->meaning)),
                    what + " image type");
        }
        if (const auto aggregation = aggregationCode(group, measurement.featureName)) {
            addModifier(DSR::VT_Code, featureAggregationConcept());
            require(tree->getCurrentContentItem().setCodeValue(*aggregation), what + " feature aggregation");
        }
        if (concept.meaning != measurement.featureName) {
            addModifier(DSR::VT_Text, CODE_DCM_EquivalentMeaningOfConceptName);
            require(tree->getCurrentContentItem().setStringValue(measurement.featureName), what);
        }
        if (below) tree->gotoParent();
    }
    return tree;
}

// TID 1411 through DCMTK's template class; radnode's qualifiers follow after expansion.
void addVolumetricGroup(TID1500_MeasurementReport& report, const SrRoiGroup& group) {
    const std::string name = "group " + groupLabel(group);
    require(report.addVolumetricROIMeasurements(), name);
    auto& measurements = report.getVolumetricROIMeasurements();
    require(measurements.setTrackingIdentifier(group.trackingId), name + " tracking identifier");
    require(measurements.setTrackingUniqueIdentifier(group.trackingUid), name + " tracking UID");
    const RoleCodes role = roleCodes(group.findingCode, name);
    if (role.finding) require(measurements.setFinding(*role.finding), name + " finding");
    DSRImageReferenceValue segment(group.segmentation.sopClassUid, group.segmentation.sopInstanceUid,
                                   dcmtkKnowsSopClass(group.segmentation.sopClassUid));
    segment.getSegmentList().addItem(static_cast<Uint16>(group.segmentNumber));
    require(measurements.setReferencedSegment(segment, dcmtkKnowsSopClass(group.segmentation.sopClassUid)),
            name + " segment " + std::to_string(group.segmentNumber) + " of " + group.segmentation.sopInstanceUid);
    require(measurements.setSourceSeriesForSegmentation(group.sourceSeriesUid), name + " source series");
    if (role.site) {
        const auto laterality = lateralityCode(group.laterality, name);
        require(measurements.addFindingSite(*role.site,
                                            laterality ? CID244e_Laterality(*laterality) : CID244e_Laterality()),
                name + " finding site");
    }
    for (const auto& measurement : group.measurements) {
        const std::string what = name + " feature " + measurement.featureName;
        const SrCode concept = featureConcept(measurement.featureName);
        require(measurements.addMeasurement(CID7469_GenericIntensityAndSizeMeasurements(
                                                DSRCodedEntryValue(concept.value, concept.scheme, concept.meaning)),
                                            measurementValue(measurement.value, measurement.ucumUnit)),
                what);
        if (const auto imageType = featureImageType(measurement.featureName)) {
            require(measurements.getMeasurement().addModifier(
                        privateCode(srcode::kImageType),
                        DSRCodedEntryValue(imageType->value, imageType->scheme, imageType->meaning)),
                    what + " image type");
        }
        if (const auto aggregation = aggregationCode(group, measurement.featureName)) {
            require(measurements.getMeasurement().addModifier(featureAggregationConcept(), *aggregation),
                    what + " feature aggregation");
        }
        if (concept.meaning != measurement.featureName) {
            require(measurements.getMeasurement().setEquivalentMeaningOfConceptName(measurement.featureName), what);
        }
    }
}

// One model's result: TID 1501 through DCMTK's template class.
void addModelGroup(TID1500_MeasurementReport& report, const SrModelResult& model, const std::string& trackingUid) {
    const std::string name = "model " + model.modelName + " " + model.modelVersion;
    require(report.addIndividualMeasurements(), name);
    auto& group = report.getIndividualMeasurements();
    require(group.setTrackingIdentifier(name), name + " tracking identifier");
    require(group.setTrackingUniqueIdentifier(trackingUid), name + " tracking UID");
    const auto addNumber = [&](const srcode::Private& concept, double value, const char* unit) {
        require(group.addMeasurement(CID7469_GenericIntensityAndSizeMeasurements(privateCode(concept)),
                                     measurementValue(value, unit)),
                name + " " + concept.meaning);
    };
    if (model.radScore) addNumber(srcode::kRadScore, *model.radScore, "1");
    if (model.probabilityPercent) addNumber(srcode::kProbability, *model.probabilityPercent, "%");
    addNumber(srcode::kThreshold, model.thresholdPercent, "%");
    if (!model.predictedClass.empty()) {
        require(group.addQualitativeEvaluation(privateCode(srcode::kPredictedClass),
                                               predictedClassCode(model.predictedClass, model.modelName)),
                name + " predicted class");
    }
    if (model.secondLevelProbabilityPercent) {
        addNumber(srcode::kSecondProbability, *model.secondLevelProbabilityPercent, "%");
        addNumber(srcode::kSecondThreshold, model.secondLevelThresholdPercent, "%");
        require(group.addQualitativeEvaluation(privateCode(srcode::kSecondClass),
                                               predictedClassCode(model.secondLevelClass, model.modelName)),
                name + " second-level class");
    }
    if (model.probabilitySpreadPercent) addNumber(srcode::kProbabilitySpread, *model.probabilitySpreadPercent, "%");
    require(group.addQualitativeEvaluation(privateCode(srcode::kStability),
                                           privateCode(model.unstable ? srcode::kUnstable : srcode::kStable)),
            name + " stability");
    const auto addText = [&](const DSRCodedEntryValue& concept, const std::string& text) {
        if (!text.empty()) require(group.addQualitativeEvaluation(concept, text), name + " text '" + text + "'");
    };
    addText(CODE_DCM_NarrativeSummary, model.summaryText);
    for (const auto& input : model.inputsUsed) addText(privateCode(srcode::kInputUsed), input);
    for (const auto& input : model.inputsMissing) addText(privateCode(srcode::kInputMissing), input);
    for (const auto& key : model.clinicalInputsUsed) addText(privateCode(srcode::kClinicalUsed), key);
    for (const auto& key : model.clinicalInputsMissing) addText(privateCode(srcode::kClinicalMissing), key);
    addText(privateCode(srcode::kValidation), model.validationSummary);
    addText(privateCode(srcode::kModelFamily), model.family);
}

// ---- document structure after expansion

// The Imaging Measurements container of the expanded tree; the cursor is left on it.
size_t gotoImagingMeasurements(DSRDocumentTree& tree) {
    tree.gotoRoot();
    const size_t node = tree.gotoNamedChildNode(CODE_DCM_ImagingMeasurements);
    if (node == 0) throw SrError("SR: the measurement report has no Imaging Measurements container");
    return node;
}

// Tracking UID of the group whose container is the cursor's item; the cursor ends on the
// group's last child.
std::string trackingUidOfGroup(DSRDocumentTree& tree) {
    std::string uid;
    if (tree.gotoChild() == 0) return uid;
    do {
        const DSRContentItem& item = tree.getCurrentContentItem();
        if (item.getConceptName() == CODE_DCM_TrackingUniqueIdentifier) uid = item.getStringValue().c_str();
    } while (tree.gotoNext() != 0);
    return uid;
}

// ---- checks on the spec

bool isAscii(const std::string& text) {
    for (unsigned char c : text)
        if (c >= 0x80) return false;
    return true;
}

bool needsUtf8(const SrDocumentSpec& spec) {
    const SrPatientStudy& s = spec.study;
    for (const std::string* text :
         {&s.patientName, &s.patientId, &s.studyId, &s.accessionNumber, &s.referringPhysicianName, &s.studyDescription,
          &spec.seriesDescription, &spec.institutionName, &spec.manufacturer}) {
        if (!isAscii(*text)) return true;
    }
    for (const auto& group : spec.groups)
        if (!isAscii(group.trackingId) || !isAscii(group.roiName)) return true;
    for (const auto& model : spec.models) {
        if (!isAscii(model.summaryText) || !isAscii(model.validationSummary) || !isAscii(model.modelName)) return true;
        for (const auto& input : model.inputsUsed)
            if (!isAscii(input)) return true;
        for (const auto& input : model.inputsMissing)
            if (!isAscii(input)) return true;
    }
    return false;
}

std::string modelTrackingUid(const SrDocumentSpec& spec, const SrModelResult& model) {
    return uidFromSeed("radnode-model-result/" + spec.study.studyInstanceUid + "/" + model.modelName + "/" +
                       model.modelVersion);
}

// Fills what the caller may leave out and refuses what cannot be written.
SrDocumentSpec completed(const SrDocumentSpec& input) {
    SrDocumentSpec spec = input;
    if (spec.study.studyInstanceUid.empty()) throw SrError("SR: no Study Instance UID given");
    if (spec.groups.empty() && spec.models.empty()) throw SrError("SR: nothing to report (no groups, no models)");
    if (spec.algorithmVersion.empty()) throw SrError("SR: no algorithm version given");
    if (spec.deviceObserverName.empty()) spec.deviceObserverName = spec.algorithmName;
    if (spec.deviceObserverUid.empty()) {
        spec.deviceObserverUid = uidFromSeed("radnode-device/" + spec.manufacturer + "/" + spec.algorithmName + "/" +
                                             spec.deviceSerialNumber);
    }
    if (spec.contentDate.empty() || spec.contentTime.empty()) {
        OFString date, time;
        DcmDate::getCurrentDate(date);
        DcmTime::getCurrentTime(time, OFTrue /*seconds*/, OFFalse /*fraction*/);
        if (spec.contentDate.empty()) spec.contentDate = date.c_str();
        if (spec.contentTime.empty()) spec.contentTime = time.c_str();
    }
    std::set<std::string> trackingUids;
    for (auto& group : spec.groups) {
        const std::string name = "group " + groupLabel(group);
        if (group.roiName.empty())
            throw SrError("SR: a group has no ROI name (tracking UID " + group.trackingUid + ")");
        if (group.segmentation.sopInstanceUid.empty() || group.segmentation.sopClassUid.empty()) {
            throw SrError("SR: " + name + " names no segmentation instance");
        }
        if (!group.volumetric && group.segFrameNumbers.empty()) {
            throw SrError("SR: " + name + " is planar but names no segmentation frame (TID 1410 needs one)");
        }
        if (group.trackingId.empty()) group.trackingId = group.roiName + (group.view.empty() ? "" : " " + group.view);
        if (group.trackingUid.empty()) {
            group.trackingUid =
                uidFromSeed("radnode-tracking/" + group.segmentation.sopInstanceUid + "/" +
                            std::to_string(group.segmentNumber) + "/" + group.roiName + "/" + group.view);
        }
        if (group.sourceSeriesUid.empty() && !group.sources.empty()) {
            group.sourceSeriesUid = group.sources.front().seriesInstanceUid;
        }
        if (group.volumetric && group.sourceSeriesUid.empty()) {
            throw SrError("SR: " + name + " is volumetric but names no source series (TID 1411 needs it)");
        }
        if (!trackingUids.insert(group.trackingUid).second) {
            throw SrError("SR: " + name + " repeats tracking UID " + group.trackingUid);
        }
        // IBSI codes repeat across image types (the modifier tells them apart); private codes
        // must not collide.
        std::set<std::string> names;
        std::map<std::string, std::string> privateCodes;
        for (const auto& measurement : group.measurements) {
            if (!names.insert(measurement.featureName).second) {
                throw SrError("SR: " + name + ": feature " + measurement.featureName + " given twice (the same name twice)");
            }
            const SrCode concept = featureConcept(measurement.featureName);
            if (concept.scheme != kRadnodeCodingScheme) continue;
            const auto [at, fresh] = privateCodes.emplace(concept.value, measurement.featureName);
            if (!fresh) {
                throw SrError("SR: " + name + ": features " + at->second + " and " + measurement.featureName +
                              " share code " + concept.value);
            }
        }
    }
    for (const auto& model : spec.models) {
        if (model.modelName.empty() || model.modelVersion.empty()) throw SrError("SR: a model has no name or version");
        if (model.deviceUid.empty()) throw SrError("SR: model " + model.modelName + " has no Device UID");
        if (!trackingUids.insert(modelTrackingUid(spec, model)).second) {
            throw SrError("SR: model " + model.modelName + " " + model.modelVersion + " is reported twice");
        }
    }
    return spec;
}

// Every instance the SR cites, once: sources and segmentations first, then extra evidence.
std::vector<SrInstanceRef> evidenceOf(const SrDocumentSpec& spec) {
    std::vector<SrInstanceRef> all;
    std::set<std::string> seen;
    const auto add = [&](SrInstanceRef ref) {
        if (ref.sopInstanceUid.empty() || !seen.insert(ref.sopInstanceUid).second) return;
        if (ref.studyInstanceUid.empty()) ref.studyInstanceUid = spec.study.studyInstanceUid;
        if (ref.seriesInstanceUid.empty() || ref.sopClassUid.empty()) {
            throw SrError("SR: referenced instance " + ref.sopInstanceUid + " lacks its series or SOP class UID");
        }
        all.push_back(std::move(ref));
    };
    for (const auto& group : spec.groups) {
        for (const auto& source : group.sources) add(source);
        add(group.segmentation);
    }
    for (const auto& ref : spec.evidence) add(ref);
    return all;
}

// One image entry per source instance, with the descriptors DCMTK derives from a few attributes.
void addImageLibrary(TID1500_MeasurementReport& report, const SrDocumentSpec& spec) {
    std::vector<std::pair<SrInstanceRef, std::string>> images; // with laterality
    std::set<std::string> seen;
    for (const auto& group : spec.groups) {
        for (const auto& source : group.sources) {
            if (seen.insert(source.sopInstanceUid).second) images.emplace_back(source, group.laterality);
        }
    }
    if (images.empty()) return;
    auto& library = report.getImageLibrary();
    require(library.createNewImageLibrary(), "image library");
    require(library.addImageGroup(), "image library group");
    for (const auto& [image, laterality] : images) {
        DcmItem entry;
        entry.putAndInsertString(DCM_SOPClassUID, image.sopClassUid.c_str());
        entry.putAndInsertString(DCM_SOPInstanceUID, image.sopInstanceUid.c_str());
        const std::string modality = modalityOf(image.sopClassUid);
        if (!modality.empty()) entry.putAndInsertString(DCM_Modality, modality.c_str());
        if (laterality == "L" || laterality == "R" || laterality == "B") {
            entry.putAndInsertString(DCM_ImageLaterality, laterality.c_str());
        }
        require(library.addImageEntry(entry, TID1600_ImageLibrary::withAllDescriptors),
                "image library entry " + image.sopInstanceUid);
    }
}

TID1500_MeasurementReport buildReport(const SrDocumentSpec& spec) {
    TID1500_MeasurementReport report(CID7021_MeasurementReportDocumentTitles::ImagingMeasurementReport);
    require(report.setLanguage(CID5000_Languages::English), "language");
    require(report.getObservationContext().addDeviceObserver(spec.deviceObserverUid, spec.deviceObserverName,
                                                             spec.manufacturer, spec.algorithmName,
                                                             spec.deviceSerialNumber),
            "device observer " + spec.deviceObserverUid);
    std::set<std::string> procedures;
    for (const auto& group : spec.groups) {
        for (const auto& source : group.sources) {
            const DSRCodedEntryValue procedure = procedureFor(source.sopClassUid);
            if (procedures.insert(procedure.getCodeValue().c_str()).second) {
                require(report.addProcedureReported(CID100_QuantitativeDiagnosticImagingProcedures(procedure)),
                        "procedure reported");
            }
        }
    }
    if (procedures.empty()) {
        require(report.addProcedureReported(
                    CID100_QuantitativeDiagnosticImagingProcedures(sctCode("363679005", "Imaging"))),
                "procedure reported");
    }
    addImageLibrary(report, spec);
    for (const auto& group : spec.groups) {
        if (group.volumetric) addVolumetricGroup(report, group);
    }
    for (const auto& model : spec.models) addModelGroup(report, model, modelTrackingUid(spec, model));
    return report;
}

// Planar groups go first under Imaging Measurements; then the qualifiers DCMTK's templates
// have no place for are appended to the volumetric and model groups.
void completeTree(DSRDocumentTree& tree, const SrDocumentSpec& spec) {
    const Algorithm extraction{spec.algorithmName, spec.algorithmVersion, spec.parametersHash};
    auto planar = std::make_unique<DSRDocumentSubTree>();
    for (const auto& group : spec.groups) {
        if (group.volumetric) continue;
        std::unique_ptr<DSRDocumentSubTree> subTree = planarGroup(group, extraction);
        planar->gotoRoot();
        while (planar->gotoNext() != 0) {}
        // On success the tree takes the nodes and deletes the subtree object.
        const OFCondition inserted = planar->insertSubTree(subTree.get(), DSR::AM_afterCurrent);
        require(inserted, "group " + groupLabel(group));
        subTree.release();
    }
    const size_t container = gotoImagingMeasurements(tree);
    if (!planar->isEmpty()) {
        require(tree.insertSubTree(planar.get(), DSR::AM_belowCurrentBeforeFirstChild), "planar measurement groups");
        planar.release();
    }

    std::map<std::string, std::pair<Algorithm, const SrRoiGroup*>> byTrackingUid;
    for (const auto& group : spec.groups) {
        if (group.volumetric) byTrackingUid[group.trackingUid] = {extraction, &group};
    }
    for (const auto& model : spec.models) {
        byTrackingUid[modelTrackingUid(spec, model)] = {Algorithm{model.modelName, model.modelVersion, ""}, nullptr};
    }
    std::vector<size_t> groupNodes;
    tree.gotoNode(container);
    if (tree.gotoChild() != 0) {
        do {
            groupNodes.push_back(tree.getNodeID());
        } while (tree.gotoNext() != 0);
    }
    for (size_t node : groupNodes) {
        tree.gotoNode(node);
        const auto wanted = byTrackingUid.find(trackingUidOfGroup(tree));
        if (wanted == byTrackingUid.end()) continue; // a planar group: complete already
        const auto& [algorithm, group] = wanted->second;
        const std::string name = group ? "group " + groupLabel(*group) : "model " + algorithm.name;
        addGroupQualifiers(tree, group ? group->roiName : "", group ? group->view : "", algorithm, name);
    }
}

bool usesIbsiCodes(const SrDocumentSpec& spec) {
    for (const auto& group : spec.groups) {
        for (const auto& measurement : group.measurements) {
            if (featureConcept(measurement.featureName).scheme == kIbsiCodingScheme) return true;
            if (aggregationCode(group, measurement.featureName)) return true;
        }
    }
    return false;
}

void setHeader(DSRDocument& document, const SrDocumentSpec& spec) {
    const SrPatientStudy& s = spec.study;
    // Patient and study values are copied as the source has them, even where it bends a VR.
    const OFBool asGiven = OFFalse;
    require(document.createNewSeriesInStudy(s.studyInstanceUid.c_str()), "Study Instance UID " + s.studyInstanceUid);
    if (needsUtf8(spec)) require(document.setSpecificCharacterSetType(DSR::CS_UTF8), "character set");
    require(document.setPatientName(s.patientName, asGiven), "Patient's Name");
    require(document.setPatientID(s.patientId, asGiven), "Patient ID");
    require(document.setPatientBirthDate(s.patientBirthDate, asGiven), "Patient's Birth Date");
    require(document.setPatientSex(s.patientSex, asGiven), "Patient's Sex");
    require(document.setStudyDate(s.studyDate, asGiven), "Study Date");
    require(document.setStudyTime(s.studyTime, asGiven), "Study Time");
    require(document.setStudyID(s.studyId, asGiven), "Study ID");
    require(document.setAccessionNumber(s.accessionNumber, asGiven), "Accession Number");
    require(document.setReferringPhysicianName(s.referringPhysicianName, asGiven), "Referring Physician's Name");
    require(document.setStudyDescription(s.studyDescription, asGiven), "Study Description");
    require(document.setSeriesDescription(spec.seriesDescription),
            "Series Description '" + spec.seriesDescription + "'");
    require(document.setSeriesNumber(std::to_string(spec.seriesNumber).c_str()), "Series Number");
    require(document.setInstanceNumber(std::to_string(spec.instanceNumber).c_str()), "Instance Number");
    require(document.setSeriesDate(spec.contentDate), "Series Date " + spec.contentDate);
    require(document.setSeriesTime(spec.contentTime), "Series Time " + spec.contentTime);
    require(document.setContentDate(spec.contentDate), "Content Date " + spec.contentDate);
    require(document.setContentTime(spec.contentTime), "Content Time " + spec.contentTime);
    require(document.setManufacturer(spec.manufacturer), "Manufacturer");
    require(document.setManufacturerModelName(spec.algorithmName), "Manufacturer's Model Name");
    require(document.setDeviceSerialNumber(spec.deviceSerialNumber), "Device Serial Number");
    require(document.setSoftwareVersions(spec.algorithmVersion), "Software Versions");
    require(document.completeDocument(), "completion flag");

    auto& schemes = document.getCodingSchemeIdentification();
    require(schemes.addItem(kRadnodeCodingScheme), "coding scheme");
    require(schemes.setCodingSchemeName("radnode radiomics features and model results"), "coding scheme name");
    require(schemes.setCodingSchemeResponsibleOrganization(spec.manufacturer), "coding scheme organisation");
    if (usesIbsiCodes(spec)) {
        require(schemes.addItem(kIbsiCodingScheme), "IBSI coding scheme");
        require(schemes.setCodingSchemeUID(kIbsiCodingSchemeUid), "IBSI coding scheme UID");
        require(schemes.setCodingSchemeName(kIbsiCodingSchemeName), "IBSI coding scheme name");
    }

    for (const auto& ref : evidenceOf(spec)) {
        require(document.getCurrentRequestedProcedureEvidence().addItem(ref.studyInstanceUid, ref.seriesInstanceUid,
                                                                        ref.sopClassUid, ref.sopInstanceUid),
                "evidence " + ref.sopInstanceUid);
    }
    if (spec.predecessor) {
        const SrInstanceRef& p = *spec.predecessor;
        require(document.getPredecessorDocuments().addItem(p.studyInstanceUid.empty() ? s.studyInstanceUid
                                                                                      : p.studyInstanceUid,
                                                           p.seriesInstanceUid, p.sopClassUid, p.sopInstanceUid),
                "predecessor " + p.sopInstanceUid);
    }
}

// Contributing Equipment (SOP Common): radnode itself and every model, as processing equipment.
void addContributingEquipment(DcmItem& dataset, const SrDocumentSpec& spec) {
    const std::string when = spec.contentDate + spec.contentTime;
    const auto addItem = [&](const std::string& model, const std::string& version, const std::string& deviceUid,
                             const std::string& description) {
        DcmItem* item = nullptr;
        require(dataset.findOrCreateSequenceItem(DCM_ContributingEquipmentSequence, item, -2),
                "contributing equipment");
        item->putAndInsertString(DCM_Manufacturer, spec.manufacturer.c_str());
        if (!spec.institutionName.empty()) item->putAndInsertString(DCM_InstitutionName, spec.institutionName.c_str());
        item->putAndInsertString(DCM_ManufacturerModelName, model.c_str());
        item->putAndInsertString(DCM_SoftwareVersions, version.c_str());
        item->putAndInsertString(DCM_DeviceUID, deviceUid.c_str());
        item->putAndInsertString(DCM_ContributionDateTime, when.c_str());
        item->putAndInsertString(DCM_ContributionDescription, description.c_str());
        DcmItem* purpose = nullptr;
        require(item->findOrCreateSequenceItem(DCM_PurposeOfReferenceCodeSequence, purpose), "purpose of reference");
        purpose->putAndInsertString(DCM_CodeValue, "109102");
        purpose->putAndInsertString(DCM_CodingSchemeDesignator, "DCM");
        purpose->putAndInsertString(DCM_CodeMeaning, "Processing Equipment");
    };
    addItem(spec.algorithmName, spec.algorithmVersion, spec.deviceObserverUid, "Radiomics feature extraction");
    for (const auto& model : spec.models) {
        addItem(model.modelName, model.modelVersion, model.deviceUid, "Prediction model " + model.modelName);
    }
}

} // namespace

SrCode featureConcept(const std::string& pyradiomicsName) {
    if (const auto parts = splitPyradiomicsName(pyradiomicsName)) {
        if (const IbsiFeature* ibsi = ibsiFeature(parts->featureClass, parts->feature)) {
            return SrCode{ibsi->code, kIbsiCodingScheme, ibsi->meaning};
        }
    }
    char code[17];
    std::snprintf(code, sizeof code, "F%015" PRIX64, fnv1a64(pyradiomicsName) >> 4);
    return SrCode{code, kRadnodeCodingScheme,
                  pyradiomicsName.size() <= 64 ? pyradiomicsName : abbreviatedMeaning(pyradiomicsName)};
}

std::optional<SrCode> featureImageType(const std::string& pyradiomicsName) {
    const auto parts = splitPyradiomicsName(pyradiomicsName);
    if (!parts || parts->imageType == "original") return std::nullopt;
    if (featureConcept(pyradiomicsName).scheme != kIbsiCodingScheme) return std::nullopt;
    const std::string& type = parts->imageType;
    if (type.size() <= 16 && type.find('\\') == std::string::npos) return SrCode{type, kRadnodeCodingScheme, type};
    char code[17];
    std::snprintf(code, sizeof code, "T%015" PRIX64, fnv1a64(type) >> 4);
    return SrCode{code, kRadnodeCodingScheme, type.substr(0, 64)};
}

WrittenSr writeSr(const SrDocumentSpec& input, const std::filesystem::path& outFile) {
    initializeContextGroups();
    const SrDocumentSpec spec = completed(input);

    TID1500_MeasurementReport report = buildReport(spec);
    DSRDocument document;
    require(document.setTreeFromRootTemplate(report, OFTrue /*expandTree*/), "measurement report tree");
    // DCMTK files TID 1500 as Enhanced SR; radnode sends Comprehensive 3D SR unless told otherwise.
    require(document.changeDocumentType(spec.enhancedSr ? DSR::DT_EnhancedSR : DSR::DT_Comprehensive3DSR),
            "document type");
    completeTree(document.getTree(), spec);
    setHeader(document, spec);

    DcmFileFormat file;
    DcmDataset& dataset = *file.getDataset();
    require(document.write(dataset), "encoding the document");
    if (!spec.sopInstanceUid.empty()) dataset.putAndInsertString(DCM_SOPInstanceUID, spec.sopInstanceUid.c_str());
    if (!spec.seriesInstanceUid.empty()) {
        dataset.putAndInsertString(DCM_SeriesInstanceUID, spec.seriesInstanceUid.c_str());
    }
    if (!spec.institutionName.empty()) dataset.putAndInsertString(DCM_InstitutionName, spec.institutionName.c_str());
    addContributingEquipment(dataset, spec);

    WrittenSr written;
    written.sopClassUid = detail::getString(dataset, DCM_SOPClassUID);
    written.sopInstanceUid = detail::getString(dataset, DCM_SOPInstanceUID);
    written.seriesInstanceUid = detail::getString(dataset, DCM_SeriesInstanceUID);
    written.file = outFile;
    try {
        detail::saveDicomFileReplacing(file, outFile);
    } catch (const std::runtime_error& error) {
        throw SrError(std::string("SR: ") + error.what());
    }
    return written;
}

SrPatientStudy readPatientStudy(const std::filesystem::path& dicomFile) {
    std::unique_ptr<DcmFileFormat> file;
    try {
        file = detail::loadDicomFile(dicomFile);
    } catch (const std::exception& error) {
        throw SrError("SR: cannot read patient and study of " + dicomFile.string() + ": " + error.what());
    }
    DcmDataset& d = *file->getDataset();
    SrPatientStudy study;
    study.patientName = detail::getString(d, DCM_PatientName);
    study.patientId = detail::getString(d, DCM_PatientID);
    study.patientBirthDate = detail::getString(d, DCM_PatientBirthDate);
    study.patientSex = detail::getString(d, DCM_PatientSex);
    study.studyInstanceUid = detail::getString(d, DCM_StudyInstanceUID);
    study.studyDate = detail::getString(d, DCM_StudyDate);
    study.studyTime = detail::getString(d, DCM_StudyTime);
    study.studyId = detail::getString(d, DCM_StudyID);
    study.accessionNumber = detail::getString(d, DCM_AccessionNumber);
    study.referringPhysicianName = detail::getString(d, DCM_ReferringPhysicianName);
    study.studyDescription = detail::getString(d, DCM_StudyDescription);
    if (study.studyInstanceUid.empty()) throw SrError("SR: " + dicomFile.string() + " has no Study Instance UID");
    return study;
}

} // namespace radnode::dicom
