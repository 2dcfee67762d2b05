#include "dicom/sr_reader.h"

#include "dicom/dataset_values.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmsr/codes/dcm.h>
#include <dcmtk/dcmsr/codes/sct.h>
#include <dcmtk/dcmsr/dsrdoc.h>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>

namespace radnode::dicom {

namespace {

bool is(const DSRCodedEntryValue& code, const char* value, const char* scheme) {
    return code.getCodeValue() == value && code.getCodingSchemeDesignator() == scheme;
}

bool is(const DSRCodedEntryValue& code, const DSRBasicCodedEntry& expected) {
    return is(code, expected.CodeValue.c_str(), expected.CodingSchemeDesignator.c_str());
}

bool is(const DSRCodedEntryValue& code, const srcode::Private& expected) {
    return is(code, expected.value, kRadnodeCodingScheme);
}

std::string text(const OFString& value) {
    return value.c_str();
}

// The writer's words back from the codes (see SrRoiGroup::findingCode).
std::string findingWord(const DSRCodedEntryValue& code) {
    if (is(code, "108369006", "SCT")) return "tumor";
    if (is(code, "4147007", "SCT")) return "mass";
    if (is(code, "59441001", "SCT")) return "lymph node";
    return text(code.getCodeValue());
}

std::string lateralityLetter(const DSRCodedEntryValue& code) {
    if (is(code, "7771000", "SCT")) return "L";
    if (is(code, "24028007", "SCT")) return "R";
    if (is(code, "51440002", "SCT")) return "B";
    if (is(code, "66459002", "SCT")) return "U";
    return text(code.getCodeValue());
}

std::string viewName(const DSRCodedEntryValue& code) {
    if (is(code, "399162004", "SCT")) return "CC";
    if (is(code, "399368009", "SCT")) return "MLO";
    if (is(code, "399260004", "SCT")) return "ML";
    if (is(code, "399352003", "SCT")) return "LM";
    return text(code.getCodeValue());
}

// The exact double when the writer left one (Floating Point Value), else the DS text; a
// Numeric Value Qualifier without a value stands for NaN or an infinity.
double numberOf(const DSRNumericMeasurementValue& value) {
    Float64 exact = 0;
    if (value.getFloatingPointRepresentation(exact).good()) return exact;
    if (!value.getNumericValue().empty()) return std::strtod(value.getNumericValue().c_str(), nullptr);
    const DSRCodedEntryValue& qualifier = value.getNumericValueQualifier();
    if (is(qualifier, CODE_DCM_PositiveInfinity)) return std::numeric_limits<double>::infinity();
    if (is(qualifier, CODE_DCM_NegativeInfinity)) return -std::numeric_limits<double>::infinity();
    return std::numeric_limits<double>::quiet_NaN();
}

// One Measurement Group container, as the writer lays it out.
struct ParsedGroup {
    SrRoiGroup roi;
    SrModelResult model;
    bool hasSegmentation = false, hasModelItems = false;
    std::string algorithmName, algorithmVersion, algorithmParameters;
};

// The feature name of a NUM item: its Equivalent Meaning when it has one, else its meaning;
// an IBSI feature aggregation modifier sets `matrices`. The cursor is on the NUM item and stays there.
std::string featureNameAt(DSRDocumentTree& tree, std::optional<TextureMatrices>& matrices) {
    std::string name = text(tree.getCurrentContentItem().getConceptName().getCodeMeaning());
    if (tree.gotoChild() != 0) {
        do {
            const DSRContentItem& child = tree.getCurrentContentItem();
            if (is(child.getConceptName(), CODE_DCM_EquivalentMeaningOfConceptName))
                name = text(child.getStringValue());
            if (is(child.getConceptName(), kIbsiFeatureAggregationCode, kIbsiCodingScheme)) {
                if (const auto found = textureMatricesOf(text(child.getCodeValue().getCodeValue()))) matrices = found;
            }
        } while (tree.gotoNext() != 0);
        tree.gotoParent();
    }
    return name;
}

// The cursor is on the group container and ends on its last child.
ParsedGroup parseGroup(DSRDocumentTree& tree) {
    ParsedGroup parsed;
    SrRoiGroup& roi = parsed.roi;
    SrModelResult& model = parsed.model;
    if (tree.gotoChild() == 0) return parsed;
    do {
        const DSRContentItem& item = tree.getCurrentContentItem();
        const DSRCodedEntryValue& concept = item.getConceptName();
        const auto valueType = item.getValueType();
        if (is(concept, CODE_DCM_TrackingIdentifier)) {
            roi.trackingId = text(item.getStringValue());
        } else if (is(concept, CODE_DCM_TrackingUniqueIdentifier)) {
            roi.trackingUid = text(item.getStringValue());
        } else if (is(concept, CODE_DCM_Finding)) {
            roi.findingCode = findingWord(item.getCodeValue());
        } else if (is(concept, CODE_DCM_ReferencedSegmentationFrame) || is(concept, CODE_DCM_ReferencedSegment)) {
            const DSRImageReferenceValue& reference = item.getImageReference();
            parsed.hasSegmentation = true;
            roi.volumetric = is(concept, CODE_DCM_ReferencedSegment);
            roi.segmentation.sopClassUid = text(reference.getSOPClassUID());
            roi.segmentation.sopInstanceUid = text(reference.getSOPInstanceUID());
            // DCMTK's item lists count from 1.
            for (size_t i = 1; i <= reference.getFrameList().getNumberOfItems(); ++i) {
                roi.segFrameNumbers.push_back(reference.getFrameList().getItem(i));
            }
            roi.segmentNumber =
                reference.getSegmentList().getNumberOfItems() > 0 ? reference.getSegmentList().getItem(1) : 0;
        } else if (is(concept, CODE_DCM_SourceSeriesForSegmentation)) {
            roi.sourceSeriesUid = text(item.getStringValue());
        } else if (is(concept, CODE_SCT_FindingSite)) {
            if (tree.gotoChild() != 0) {
                do {
                    const DSRContentItem& child = tree.getCurrentContentItem();
                    if (is(child.getConceptName(), CODE_SCT_Laterality))
                        roi.laterality = lateralityLetter(child.getCodeValue());
                } while (tree.gotoNext() != 0);
                tree.gotoParent();
            }
        } else if (is(concept, srcode::kRoiName)) {
            roi.roiName = text(item.getStringValue());
        } else if (is(concept, CODE_DCM_ImageView)) {
            roi.view = viewName(item.getCodeValue());
        } else if (is(concept, CODE_DCM_AlgorithmName)) {
            parsed.algorithmName = text(item.getStringValue());
        } else if (is(concept, CODE_DCM_AlgorithmVersion)) {
            parsed.algorithmVersion = text(item.getStringValue());
        } else if (is(concept, CODE_DCM_AlgorithmParameters)) {
            parsed.algorithmParameters = text(item.getStringValue());
        } else if (valueType == DSRTypes::VT_Num) {
            const DSRNumericMeasurementValue& value = item.getNumericValue();
            const double number = numberOf(value);
            if (is(concept, srcode::kRadScore)) {
                model.radScore = number;
                parsed.hasModelItems = true;
            } else if (is(concept, srcode::kProbability)) {
                model.probabilityPercent = number;
                parsed.hasModelItems = true;
            } else if (is(concept, srcode::kThreshold)) {
                model.thresholdPercent = number;
                parsed.hasModelItems = true;
            } else if (is(concept, srcode::kSecondProbability)) {
                model.secondLevelProbabilityPercent = number;
            } else if (is(concept, srcode::kSecondThreshold)) {
                model.secondLevelThresholdPercent = number;
            } else if (is(concept, srcode::kProbabilitySpread)) {
                model.probabilitySpreadPercent = number;
            } else {
                roi.measurements.push_back(
                    SrMeasurement{featureNameAt(tree, roi.textureMatrices), number, text(value.getMeasurementUnit().getCodeValue())});
            }
        } else if (is(concept, srcode::kPredictedClass)) {
            model.predictedClass = text(item.getCodeValue().getCodeValue());
            parsed.hasModelItems = true;
        } else if (is(concept, srcode::kStability)) {
            model.unstable = is(item.getCodeValue(), srcode::kUnstable);
            parsed.hasModelItems = true;
        } else if (is(concept, CODE_DCM_NarrativeSummary)) {
            model.summaryText = text(item.getStringValue());
        } else if (is(concept, srcode::kInputUsed)) {
            model.inputsUsed.push_back(text(item.getStringValue()));
        } else if (is(concept, srcode::kInputMissing)) {
            model.inputsMissing.push_back(text(item.getStringValue()));
        } else if (is(concept, srcode::kSecondClass)) {
            model.secondLevelClass = text(item.getCodeValue().getCodeValue());
        } else if (is(concept, srcode::kClinicalUsed)) {
            model.clinicalInputsUsed.push_back(text(item.getStringValue()));
        } else if (is(concept, srcode::kClinicalMissing)) {
            model.clinicalInputsMissing.push_back(text(item.getStringValue()));
        } else if (is(concept, srcode::kValidation)) {
            model.validationSummary = text(item.getStringValue());
        } else if (is(concept, srcode::kModelFamily)) {
            model.family = text(item.getStringValue());
        }
    } while (tree.gotoNext() != 0);
    return parsed;
}

std::vector<SrInstanceRef> referencesOf(DSRSOPInstanceReferenceList& list) {
    std::vector<SrInstanceRef> refs;
    if (list.gotoFirstItem().bad()) return refs;
    do {
        OFString study, series, sopClass, instance;
        refs.push_back(SrInstanceRef{text(list.getSOPClassUID(sopClass)), text(list.getSOPInstanceUID(instance)),
                                     text(list.getSeriesInstanceUID(series)), text(list.getStudyInstanceUID(study))});
    } while (list.gotoNextItem().good());
    return refs;
}

// Device UID of each model, from the Contributing Equipment items (model name and version).
std::string modelDeviceUid(DcmItem& dataset, const SrModelResult& model) {
    for (DcmItem* item : detail::getItems(dataset, DCM_ContributingEquipmentSequence)) {
        if (detail::getString(*item, DCM_ManufacturerModelName) == model.modelName &&
            detail::getString(*item, DCM_SoftwareVersions) == model.modelVersion) {
            return detail::getString(*item, DCM_DeviceUID);
        }
    }
    return "";
}

} // namespace

SrDocumentContent readSr(const std::filesystem::path& srFile) {
    const std::string where = "SR " + srFile.string();
    std::unique_ptr<DcmFileFormat> file;
    try {
        file = detail::loadDicomFile(srFile);
    } catch (const std::exception& error) {
        throw SrError(where + ": " + error.what());
    }
    DcmDataset& dataset = *file->getDataset();
    DSRDocument document;
    const OFCondition status = document.read(dataset);
    if (status.bad()) throw SrError(where + ": not a readable structured report: " + status.text());

    SrDocumentContent content;
    content.sopClassUid = detail::getString(dataset, DCM_SOPClassUID);
    content.sopInstanceUid = detail::getString(dataset, DCM_SOPInstanceUID);
    content.seriesInstanceUid = detail::getString(dataset, DCM_SeriesInstanceUID);
    content.studyInstanceUid = detail::getString(dataset, DCM_StudyInstanceUID);
    content.patientId = detail::getString(dataset, DCM_PatientID);
    content.patientName = detail::getString(dataset, DCM_PatientName);
    content.accessionNumber = detail::getString(dataset, DCM_AccessionNumber);
    content.seriesDescription = detail::getString(dataset, DCM_SeriesDescription);
    content.contentDate = detail::getString(dataset, DCM_ContentDate);
    content.contentTime = detail::getString(dataset, DCM_ContentTime);
    content.completionFlag = detail::getString(dataset, DCM_CompletionFlag);
    content.verificationFlag = detail::getString(dataset, DCM_VerificationFlag);
    content.evidence = referencesOf(document.getCurrentRequestedProcedureEvidence());
    const auto predecessors = referencesOf(document.getPredecessorDocuments());
    if (!predecessors.empty()) content.predecessor = predecessors.front();

    DSRDocumentTree& tree = document.getTree();
    if (tree.gotoRoot() == 0 || !is(tree.getCurrentContentItem().getConceptName(), CODE_DCM_ImagingMeasurementReport)) {
        throw SrError(where + ": not a TID 1500 Imaging Measurement Report");
    }
    const size_t measurements = tree.gotoNamedChildNode(CODE_DCM_ImagingMeasurements);
    if (measurements == 0) return content;
    std::vector<size_t> groupNodes;
    if (tree.gotoChild() != 0) {
        do {
            if (is(tree.getCurrentContentItem().getConceptName(), CODE_DCM_MeasurementGroup)) {
                groupNodes.push_back(tree.getNodeID());
            }
        } while (tree.gotoNext() != 0);
    }

    std::map<std::string, SrInstanceRef> evidenceByUid;
    for (const auto& ref : content.evidence) evidenceByUid[ref.sopInstanceUid] = ref;
    for (size_t node : groupNodes) {
        tree.gotoNode(node);
        ParsedGroup parsed = parseGroup(tree);
        if (parsed.hasSegmentation) {
            const auto known = evidenceByUid.find(parsed.roi.segmentation.sopInstanceUid);
            if (known != evidenceByUid.end()) parsed.roi.segmentation = known->second;
            if (content.algorithmName.empty()) {
                content.algorithmName = parsed.algorithmName;
                content.algorithmVersion = parsed.algorithmVersion;
                content.parametersHash = parsed.algorithmParameters;
            }
            content.groups.push_back(std::move(parsed.roi));
        } else if (parsed.hasModelItems) {
            parsed.model.modelName = parsed.algorithmName;
            parsed.model.modelVersion = parsed.algorithmVersion;
            parsed.model.deviceUid = modelDeviceUid(dataset, parsed.model);
            content.models.push_back(std::move(parsed.model));
        }
    }
    return content;
}

const SrRoiGroup* findGroup(const SrDocumentContent& content, const std::string& roiName, const std::string& view) {
    for (const auto& group : content.groups) {
        if (group.roiName == roiName && group.view == view) return &group;
    }
    return nullptr;
}

std::optional<double> featureValue(const SrRoiGroup& group, const std::string& featureName) {
    for (const auto& measurement : group.measurements) {
        if (measurement.featureName == featureName) return measurement.value;
    }
    return std::nullopt;
}

} // namespace radnode::dicom
