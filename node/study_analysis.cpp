#include "node/study_analysis.h"

#include "analysis/extractor.h"
#include "analysis/mask_margin.h"
#include "analysis/model_features.h"
#include "analysis/peritumoral.h"
#include "dicom/analysis_input.h"
#include "dicom/segmentation.h"
#include "dicom/sr_writer.h"
#include "dicom/summary_image.h"
#include "dicom/uid.h"
#include "node/clinical_inputs.h"
#include "node/json_writer.h"
#include "node/version.h"
#include "storage/file_store.h"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <map>
#include <set>
#include <sstream>

namespace radnode::node {

namespace {

// The ROIs analysed for one segment (its own mask, or a perturbed copy): a tumour gets its
// peritumoral rings.
std::vector<analysis::NamedRoi> roisFor(const dicom::SegmentInput& input, const analysis::Mask& mask,
                                        const config::NodeConfig& config) {
    switch (input.role) {
    case dicom::RoiRole::Tumor:
        return analysis::peritumoralRois(mask, config.analysis.ringsMm, !input.volumetric);
    case dicom::RoiRole::LymphNode:
        return {analysis::NamedRoi{"node", mask}};
    case dicom::RoiRole::Other:
        break;
    }
    return {analysis::NamedRoi{"segment-" + std::to_string(input.segmentNumber), mask}};
}

bool isTwoDimensional(const dicom::SegmentInput& input) {
    return !input.volumetric && input.image.geometry.size[2] <= 1;
}

// 2D images (one slice) are analysed as PyRadiomics does with force2D: shape2D, not 3D shape.
analysis::ExtractionParams paramsFor(const dicom::SegmentInput& input, const config::NodeConfig& config) {
    analysis::ExtractionParams params = config.analysis.params;
    if (!isTwoDimensional(input)) return params;
    params.settings.force2D = true;
    params.settings.force2Ddimension = 0;
    for (auto& type : params.imageTypes) {
        type.settings.force2D = true;
        type.settings.force2Ddimension = 0;
    }
    if (params.featureClasses.erase("shape")) params.featureClasses["shape2D"] = {};
    return params;
}

std::string findingFor(dicom::RoiRole role) {
    return role == dicom::RoiRole::LymphNode ? "lymph node" : role == dicom::RoiRole::Tumor ? "tumor" : "other";
}

// A stable digest of the extraction settings, for Algorithm Identification.
std::string parametersHash(const analysis::ExtractionParams& params, const std::vector<double>& rings) {
    std::ostringstream text;
    text << std::setprecision(17) << params.settings.binWidth << '|' << params.settings.binCount.value_or(0) << '|';
    for (const auto& type : params.imageTypes) text << type.name << ',';
    for (const auto& [name, features] : params.featureClasses) {
        text << name << ':';
        for (const auto& feature : features) text << feature << ',';
    }
    for (double ring : rings) text << ring << ';';
    std::uint64_t hash = 14695981039346656037ULL;
    for (unsigned char c : text.str()) {
        hash ^= c;
        hash *= 1099511628211ULL;
    }
    std::ostringstream hex;
    hex << std::hex << std::setw(16) << std::setfill('0') << hash;
    return hex.str();
}

std::string unitFor(const std::string& feature) {
    // UCUM units of the PyRadiomics shape features that carry a dimension; the rest are "1".
    static const std::map<std::string, std::string> units{
        {"MeshVolume", "mm3"},      {"VoxelVolume", "mm3"},         {"SurfaceArea", "mm2"},
        {"SurfaceVolumeRatio", "/mm"}, {"Maximum3DDiameter", "mm"}, {"Maximum2DDiameterSlice", "mm"},
        {"Maximum2DDiameterColumn", "mm"}, {"Maximum2DDiameterRow", "mm"}, {"MajorAxisLength", "mm"},
        {"MinorAxisLength", "mm"},  {"LeastAxisLength", "mm"},      {"MeshSurface", "mm2"},
        {"PixelSurface", "mm2"},    {"Perimeter", "mm"},            {"PerimeterSurfaceRatio", "/mm"},
        {"MaximumDiameter", "mm"}};
    const auto underscore = feature.rfind('_');
    const std::string bare = underscore == std::string::npos ? feature : feature.substr(underscore + 1);
    const bool shape = feature.find("_shape") != std::string::npos;
    if (shape) {
        const auto unit = units.find(bare);
        if (unit != units.end()) return unit->second;
    }
    return "1";
}

struct AnalysedRoi {
    std::string roi, view, laterality;
    const dicom::SegmentInput* input = nullptr;
    const storage::InstanceRow* segmentation = nullptr;
    std::size_t voxels = 0;
    analysis::FeatureList features;
};

analysis::FeatureLookup lookupIn(const std::vector<AnalysedRoi>& analysed) {
    return [&analysed](const std::string& roi, const std::string& view,
                       const std::string& feature) -> std::optional<double> {
        for (const auto& result : analysed) {
            if (result.roi != roi || (!view.empty() && result.view != view)) continue;
            for (const auto& f : result.features) {
                if (f.name == feature) return f.value;
            }
        }
        return std::nullopt;
    };
}

// The models' radiomics inputs re-extracted with every segment eroded (or dilated) by the
// margin (0: one pixel): only the ROIs and features the models read. A segment that vanishes
// under erosion, or an ROI that fails extraction, leaves its inputs missing, so the perturbed
// score is "not scored" and the robustness of that case is not assessed.
std::vector<AnalysedRoi> perturbedInputs(const std::vector<dicom::SegmentInput>& inputs,
                                         const std::vector<analysis::ModelInput>& needed,
                                         const config::NodeConfig& config, double marginMm, bool dilate) {
    std::vector<std::string> features;
    std::set<std::string> rois;
    for (const auto& input : needed) {
        features.push_back(input.feature);
        rois.insert(input.roi);
    }
    std::vector<AnalysedRoi> analysed;
    for (const auto& input : inputs) {
        const bool inPlane = !input.volumetric;
        const double margin = marginMm > 0.0 ? marginMm : analysis::onePixelMm(input.mask.geometry, inPlane);
        const analysis::Mask mask = dilate ? analysis::dilateMask(input.mask, margin, inPlane)
                                           : analysis::erodeMask(input.mask, margin, inPlane);
        if (mask.count() == 0) continue;
        const auto params = analysis::paramsComputing(paramsFor(input, config), features, isTwoDimensional(input));
        if (params.featureClasses.empty()) continue;
        std::vector<analysis::NamedRoi> wanted;
        for (auto& roi : roisFor(input, mask, config)) {
            if (rois.count(roi.name)) wanted.push_back(std::move(roi));
        }
        if (wanted.empty()) continue;
        try {
            auto extracted = analysis::extractRois(input.image, wanted, params);
            for (std::size_t r = 0; r < wanted.size(); ++r) {
                analysed.push_back(AnalysedRoi{wanted[r].name, input.view, input.laterality, &input, nullptr,
                                               wanted[r].mask.count(), std::move(extracted[r].result.features)});
            }
        } catch (const std::invalid_argument&) {
            // An ROI too small after erosion: its inputs stay missing (see above).
        }
    }
    return analysed;
}

std::string joined(const std::vector<std::string>& items, const char* separator) {
    std::string text;
    for (const auto& item : items) text += (text.empty() ? "" : separator) + item;
    return text;
}

// The clinical covariates entered for the study (radnode clinical, the HTTP API, CSV).
analysis::ClinicalValues clinicalValuesOf(storage::NodeStore& store, const std::string& studyUid) {
    analysis::ClinicalValues values;
    for (const auto& input : store.clinicalInputs(studyUid)) values[input.key] = input.value;
    return values;
}

std::string percentText(double probability) {
    std::ostringstream text;
    text << std::fixed << std::setprecision(0) << probability * 100.0 << " %";
    return text.str();
}

// The plain-language summary of one model's result, for the SR and the worklist.
// The family of the model that gave the score: the fallback's when one scored instead.
std::string familyOf(const analysis::Model& model, const analysis::ModelScore& score,
                     const std::vector<analysis::Model>& models) {
    for (const auto& candidate : models) {
        if (!score.scoredBy.empty() && candidate.name + " v" + candidate.version == score.scoredBy) {
            return analysis::modelFamilyDescription(candidate);
        }
    }
    return analysis::modelFamilyDescription(model);
}

std::string summaryFor(const analysis::Model& model, const analysis::ModelScore& score, const std::string& family) {
    if (!score.scored) return "Research use. Model " + model.name + " v" + model.version + " not scored: " + score.reason;
    std::ostringstream text;
    text << "Research use. Probability of axillary node metastasis " << percentText(score.probability) << " (model "
         << model.name << " v" << model.version << ", " << family;
    if (!score.scoredBy.empty()) text << ", scored by fallback " << score.scoredBy;
    text << ", threshold " << percentText(score.threshold) << "): " << score.predictedClass
         << (score.predictedClass == model.first.positiveClass ? " suspected" : " predicted") << ".";
    if (score.secondLevel) {
        text << " Nodal burden: " << score.secondLevel->predictedClass << " (probability "
             << percentText(score.secondLevel->probability) << ", threshold " << percentText(score.secondLevel->threshold)
             << ").";
    }
    if (!score.reason.empty()) text << " Note: " << score.reason << ".";
    if (!score.covariatesUsed.empty()) text << " Clinical inputs: " << joined(score.covariatesUsed, ", ") << ".";
    if (!score.covariatesMissing.empty()) {
        text << " Clinical inputs missing: " << joined(score.covariatesMissing, ", ") << ".";
    }
    if (score.probabilityEroded && score.probabilityDilated) {
        text << " Contour perturbation: probability spread " << percentText(analysis::probabilitySpread(score))
             << (score.unstable ? ", class changes: UNSTABLE, interpret with caution." : ", class unchanged.");
    }
    text << " Unverified decision support, not a diagnosis.";
    return text.str();
}

// Per analysed segment (tumour, node; per view) one summary Secondary Capture in the SR's
// series, for a PACS that does not render SR; written durably before the result is recorded.
std::vector<storage::ResultObject> writeSummaryImages(const std::vector<dicom::SegmentInput>& inputs,
                                                      const std::vector<AnalysedRoi>& analysed,
                                                      const dicom::SrDocumentSpec& sr,
                                                      const std::filesystem::path& directory) {
    std::vector<storage::ResultObject> objects;
    int instanceNumber = sr.instanceNumber;
    for (const auto& input : inputs) {
        const auto own = std::find_if(analysed.begin(), analysed.end(),
                                      [&input](const AnalysedRoi& roi) { return roi.input == &input; });
        if (own == analysed.end()) continue;
        dicom::SummaryImageSpec summary;
        summary.study = sr.study;
        summary.seriesInstanceUid = sr.seriesInstanceUid;
        summary.sopInstanceUid = dicom::newUid();
        summary.seriesDescription = sr.seriesDescription;
        summary.seriesNumber = sr.seriesNumber;
        summary.instanceNumber = ++instanceNumber;
        summary.softwareVersion = sr.algorithmVersion;
        summary.roiName = own->roi; // the segment's own ROI comes first, before its rings
        summary.view = input.view;
        summary.laterality = input.laterality;
        summary.image = input.image;
        summary.mask = input.mask;
        for (const auto& source : input.sources) {
            summary.sources.push_back(dicom::SrInstanceRef{source.sopClassUid, source.sopInstanceUid,
                                                           source.seriesInstanceUid, sr.study.studyInstanceUid});
        }
        for (const auto& feature : own->features) {
            if ((feature.name == "original_shape2D_MaximumDiameter" || feature.name == "original_shape_Maximum3DDiameter") &&
                std::isfinite(feature.value)) {
                std::ostringstream note;
                note << "Max diameter " << std::fixed << std::setprecision(1) << feature.value << " mm";
                summary.notes.push_back(note.str());
            }
        }
        summary.models = sr.models;
        const auto written =
            dicom::writeSummaryImage(summary, directory / (summary.sopInstanceUid + ".dcm"));
        objects.push_back(storage::ResultObject{written.sopInstanceUid, written.sopClassUid, written.file});
    }
    storage::syncDirectory(directory);
    return objects;
}

bool wantsEnhancedSr(const std::vector<config::Destination>& destinations) {
    return std::any_of(destinations.begin(), destinations.end(),
                       [](const config::Destination& d) { return d.srFormat == config::SrFormat::Enhanced; });
}

// The Enhanced SR for destinations with sr_format: enhanced: the Comprehensive 3D SR's content
// under its own SOP Instance UID in the same series, kept as a result object so the outbox sends
// it (to those destinations only), resends it and reconciliation keeps it. Its predecessor is
// what those destinations received last: the previous result's Enhanced SR, or its
// Comprehensive 3D SR when it had none.
storage::ResultObject writeEnhancedSr(storage::NodeStore& store, const std::string& studyUid,
                                      const dicom::SrDocumentSpec& comprehensive, int instanceNumber,
                                      const std::filesystem::path& directory) {
    dicom::SrDocumentSpec spec = comprehensive;
    spec.enhancedSr = true;
    spec.sopInstanceUid = dicom::newUid();
    spec.instanceNumber = instanceNumber;
    if (const auto previous = store.latestResult(studyUid)) {
        for (const auto& object : store.resultObjects(previous->id)) {
            if (object.sopClassUid != dicom::kEnhancedSrSopClassUid) continue;
            spec.predecessor = dicom::SrInstanceRef{object.sopClassUid, object.sopInstanceUid,
                                                    previous->srSeriesUid, studyUid};
        }
    }
    const auto written = dicom::writeSr(spec, directory / (spec.sopInstanceUid + ".dcm"));
    storage::syncDirectory(directory);
    return storage::ResultObject{written.sopInstanceUid, written.sopClassUid, written.file};
}

} // namespace

StudyAnalysisOutput analyzeStudy(storage::NodeStore& store, const storage::JobRow& job,
                                 const config::NodeConfig& config, const std::vector<analysis::Model>& models) {
    const auto segmentations = store.segmentationsOfStudy(job.studyUid);
    if (segmentations.empty()) throw JobError("study has no segmentation to analyse", false);

    const auto findInstance = [&store](const std::string& uid) -> std::optional<std::filesystem::path> {
        const auto row = store.latestInstance(uid);
        if (!row) return std::nullopt;
        return row->path;
    };

    std::vector<dicom::SegmentInput> inputs;
    std::vector<const storage::InstanceRow*> inputSegmentation; // which SEG each input came from
    std::vector<dicom::SrInstanceRef> evidence;
    for (const auto& segmentation : segmentations) {
        std::vector<dicom::SegmentInput> loaded;
        try {
            dicom::LoadOptions loadOptions; // volumes cropped to what the rings and filters need
            loadOptions.marginMm = dicom::contextMarginMm(config.analysis.ringsMm, config.analysis.params);
            loaded = dicom::loadSegmentInputs(segmentation.path, findInstance, loadOptions);
        } catch (const dicom::LoadError& error) {
            throw JobError("segmentation " + segmentation.sopInstanceUid + ": " + error.what(), false);
        }
        evidence.push_back(dicom::SrInstanceRef{segmentation.sopClassUid, segmentation.sopInstanceUid,
                                                segmentation.seriesUid, segmentation.studyUid});
        for (auto& input : loaded) {
            if (!input.calibrated) {
                throw JobError("segment " + std::to_string(input.segmentNumber) + " of " + segmentation.sopInstanceUid +
                                   " lies on an image without physical calibration (no ultrasound region): "
                                   "features in mm would be meaningless",
                               false);
            }
            for (const auto& source : input.sources) {
                const auto row = store.latestInstance(source.sopInstanceUid);
                evidence.push_back(dicom::SrInstanceRef{source.sopClassUid, source.sopInstanceUid,
                                                        source.seriesInstanceUid, row ? row->studyUid : job.studyUid});
            }
            inputs.push_back(std::move(input));
            inputSegmentation.push_back(&segmentation);
        }
    }

    std::vector<AnalysedRoi> analysed;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        const auto& input = inputs[i];
        const auto params = paramsFor(input, config);
        const auto rois = roisFor(input, input.mask, config);
        std::vector<analysis::RoiExtraction> extracted;
        try {
            extracted = analysis::extractRois(input.image, rois, params); // its errors start "ROI <name>: "
        } catch (const std::invalid_argument& error) {
            throw JobError("segment " + std::to_string(input.segmentNumber) + ": " + error.what(), false);
        }
        for (std::size_t r = 0; r < rois.size(); ++r) {
            analysed.push_back(AnalysedRoi{rois[r].name, input.view, input.laterality, &input, inputSegmentation[i],
                                           rois[r].mask.count(), std::move(extracted[r].result.features)});
        }
    }

    const analysis::FeatureLookup lookup = lookupIn(analysed);
    analysis::ClinicalValues clinical = clinicalValuesOf(store, job.studyUid);
    // Patient and study attributes come from the analysed image (the SEG's when it names none).
    std::filesystem::path patientSource = segmentations.front().path;
    if (!inputs.front().sources.empty()) {
        patientSource = findInstance(inputs.front().sources.front().sopInstanceUid).value_or(patientSource);
    }
    const dicom::SrPatientStudy patientStudy = dicom::readPatientStudy(patientSource);
    if (config.analysis.ageFromDicom && !clinical.count("age")) {
        if (const auto age = ageAtStudy(patientStudy.patientBirthDate, patientStudy.studyDate)) {
            clinical["age"] = std::to_string(*age);
        }
    }

    // A model states the modality it was built for; it is not applied to other studies. A
    // model that is another's fallback is scored only in its place.
    std::vector<const analysis::Model*> applicable;
    for (const analysis::Model* model : analysis::primaryModels(models)) {
        const bool matches = model->modality.empty() ||
                             std::any_of(inputs.begin(), inputs.end(),
                                         [model](const dicom::SegmentInput& input) { return input.modality == model->modality; });
        if (matches) applicable.push_back(model);
    }
    StudyAnalysisOutput output;
    for (const analysis::Model* model : applicable) {
        output.scores.push_back(analysis::scoreWithFallback(*model, models, lookup, clinical));
    }

    // Robustness: the inputs re-extracted from eroded and dilated segments, once per margin.
    std::vector<analysis::ModelInput> needed;
    for (const auto& model : models) {
        for (auto& input : analysis::featureInputs(model)) needed.push_back(std::move(input));
    }
    std::map<double, std::pair<std::vector<AnalysedRoi>, std::vector<AnalysedRoi>>> perturbed;
    for (std::size_t m = 0; m < applicable.size(); ++m) {
        const analysis::Model& model = *applicable[m];
        if (!model.robustness || !output.scores[m].scored) continue;
        auto found = perturbed.find(model.robustnessMarginMm);
        if (found == perturbed.end()) {
            found = perturbed
                        .emplace(model.robustnessMarginMm,
                                 std::make_pair(perturbedInputs(inputs, needed, config, model.robustnessMarginMm, false),
                                                perturbedInputs(inputs, needed, config, model.robustnessMarginMm, true)))
                        .first;
        }
        const auto eroded = analysis::scoreWithFallback(model, models, lookupIn(found->second.first), clinical);
        const auto dilated = analysis::scoreWithFallback(model, models, lookupIn(found->second.second), clinical);
        analysis::applyRobustness(output.scores[m], eroded, dilated);
    }

    // The SR: one measurement group per ROI and view, the model results, the evidence.
    dicom::SrDocumentSpec spec;
    spec.study = patientStudy;
    spec.seriesDescription = config.delivery.seriesDescription;
    spec.seriesNumber = config.delivery.seriesNumber;
    spec.algorithmName = "radnode";
    spec.algorithmVersion = version();
    spec.parametersHash = parametersHash(config.analysis.params, config.analysis.ringsMm);
    spec.evidence = evidence;
    if (const auto previous = store.latestResult(job.studyUid)) {
        spec.predecessor = dicom::SrInstanceRef{"1.2.840.10008.5.1.4.1.1.88.34", previous->srSopInstanceUid,
                                                previous->srSeriesUid, job.studyUid};
    }
    for (const auto& result : analysed) {
        const auto& input = *result.input;
        dicom::SrRoiGroup group;
        group.roiName = result.roi;
        group.view = result.view;
        group.laterality = result.laterality;
        group.findingCode = findingFor(input.role);
        group.trackingId = input.trackingId.empty() ? result.roi : input.trackingId + " " + result.roi;
        group.trackingUid = dicom::uidFromSeed(input.trackingUid + "/" + result.roi);
        const auto& segmentation = *result.segmentation;
        group.segmentation = dicom::SrInstanceRef{segmentation.sopClassUid, segmentation.sopInstanceUid,
                                                  segmentation.seriesUid, segmentation.studyUid};
        group.segmentNumber = input.segmentNumber;
        group.segFrameNumbers = input.segFrameNumbers;
        group.volumetric = input.volumetric;
        // The texture matrices' geometry, for the IBSI feature aggregation codes.
        group.textureMatrices = dicom::TextureMatrices::Volume;
        if (isTwoDimensional(input)) {
            group.textureMatrices = dicom::TextureMatrices::SingleSlice;
        } else if (paramsFor(input, config).settings.force2D) {
            group.textureMatrices = dicom::TextureMatrices::SlicesMerged;
        }
        for (const auto& source : input.sources) {
            group.sources.push_back(dicom::SrInstanceRef{source.sopClassUid, source.sopInstanceUid,
                                                         source.seriesInstanceUid, job.studyUid});
            group.sourceSeriesUid = source.seriesInstanceUid;
        }
        for (const auto& feature : result.features) {
            // NaN (PyRadiomics' "not defined for this ROI") travels as a qualified NUM item.
            group.measurements.push_back(dicom::SrMeasurement{feature.name, feature.value, unitFor(feature.name)});
        }
        output.featureCount += result.features.size();
        spec.groups.push_back(std::move(group));

        RoiSummary summary{result.roi, result.view, result.laterality, result.voxels, {}};
        for (const char* name : {"original_shape2D_MaximumDiameter", "original_shape_Maximum3DDiameter",
                                 "original_shape2D_Sphericity", "original_shape_Sphericity", "original_firstorder_Mean",
                                 "original_glcm_Contrast"}) {
            for (const auto& feature : result.features) {
                if (feature.name == name) summary.highlights.emplace_back(name, feature.value);
            }
        }
        output.rois.push_back(std::move(summary));
    }
    for (std::size_t m = 0; m < applicable.size(); ++m) {
        const auto& model = *applicable[m];
        const auto& score = output.scores[m];
        dicom::SrModelResult result;
        result.modelName = model.name;
        result.modelVersion = model.version;
        result.deviceUid = dicom::uidFromSeed("radnode-model/" + model.name + "/" + model.version);
        result.validationSummary = model.validation;
        result.family = familyOf(model, score, models);
        if (model.validationAuc) {
            std::ostringstream auc;
            auc << std::fixed << std::setprecision(2) << "AUC " << model.validationAuc->auc << " (95 % CI "
                << model.validationAuc->ciLower << "-" << model.validationAuc->ciUpper << ")";
            result.validationSummary = auc.str() + (model.validation.empty() ? "" : ", " + model.validation);
        }
        result.inputsUsed = score.inputsUsed;
        result.inputsMissing = score.inputsMissing;
        result.clinicalInputsUsed = score.covariatesUsed;
        result.clinicalInputsMissing = score.covariatesMissing;
        result.thresholdPercent = score.threshold * 100.0;
        result.unstable = score.unstable;
        if (score.scored) {
            result.radScore = score.radScore;
            result.probabilityPercent = score.probability * 100.0;
            result.predictedClass = score.predictedClass;
            if (score.probabilityEroded && score.probabilityDilated) {
                result.probabilitySpreadPercent = analysis::probabilitySpread(score) * 100.0;
            }
            if (score.secondLevel) {
                result.secondLevelProbabilityPercent = score.secondLevel->probability * 100.0;
                result.secondLevelThresholdPercent = score.secondLevel->threshold * 100.0;
                result.secondLevelClass = score.secondLevel->predictedClass;
            }
        }
        result.summaryText = summaryFor(model, score, result.family);
        spec.models.push_back(std::move(result));
    }

    const std::string srUid = dicom::newUid();
    spec.sopInstanceUid = srUid;
    spec.seriesInstanceUid = dicom::uidFromSeed("radnode-sr-series/" + job.studyUid);
    const auto srPath = store.fileStore() / "results" / job.studyUid / (srUid + ".dcm");
    std::filesystem::create_directories(srPath.parent_path());
    const auto written = dicom::writeSr(spec, srPath);
    storage::syncDirectory(srPath.parent_path());
    std::vector<storage::ResultObject> objects; // delivered with the SR
    if (config.delivery.summaryImages) objects = writeSummaryImages(inputs, analysed, spec, srPath.parent_path());
    if (wantsEnhancedSr(config.destinations)) {
        objects.push_back(writeEnhancedSr(store, job.studyUid, spec, spec.instanceNumber + 1 + static_cast<int>(objects.size()),
                                          srPath.parent_path()));
    }

    JsonWriter json;
    json.beginObject();
    json.field("study_uid", job.studyUid);
    json.field("accession_number", spec.study.accessionNumber);
    json.field("sr_sop_instance_uid", written.sopInstanceUid);
    json.key("models");
    json.beginArray();
    for (std::size_t m = 0; m < output.scores.size(); ++m) {
        const auto& score = output.scores[m];
        json.beginObject();
        json.field("name", score.modelName);
        json.field("version", score.modelVersion);
        json.field("family", familyOf(*applicable[m], score, models));
        json.field("scored", score.scored);
        if (score.scored) {
            json.field("probability", score.probability);
            json.field("class", score.predictedClass);
            json.field("threshold", score.threshold);
            if (score.secondLevel) {
                json.field("second_level_probability", score.secondLevel->probability);
                json.field("second_level_class", score.secondLevel->predictedClass);
            }
            if (score.probabilityEroded && score.probabilityDilated) {
                json.field("probability_spread", analysis::probabilitySpread(score));
            }
        }
        if (!score.reason.empty()) json.field("reason", score.reason);
        if (!score.scoredBy.empty()) json.field("scored_by", score.scoredBy);
        if (!score.flags.empty()) json.field("flags", joined(score.flags, ","));
        if (!score.covariatesUsed.empty()) json.field("clinical_inputs", joined(score.covariatesUsed, ","));
        if (!score.covariatesMissing.empty()) json.field("clinical_inputs_missing", joined(score.covariatesMissing, ","));
        json.endObject();
    }
    json.endArray();
    json.key("rois");
    json.beginArray();
    for (const auto& roi : output.rois) {
        json.beginObject();
        json.field("roi", roi.roi);
        json.field("view", roi.view);
        json.field("voxels", static_cast<double>(roi.voxels));
        json.endObject();
    }
    json.endArray();
    json.endObject();

    output.result = storage::ResultRecord{written.sopInstanceUid, written.seriesInstanceUid, written.file, json.str(),
                                          {}, {}, std::move(objects)};
    for (const auto& score : output.scores) {
        storage::ScoreRecord record;
        record.modelName = score.modelName;
        record.modelVersion = score.modelVersion;
        record.scored = score.scored;
        record.reason = score.reason;
        record.threshold = score.threshold;
        record.flags = joined(score.flags, ",");
        if (score.scored) {
            record.radScore = score.radScore;
            record.probability = score.probability;
            record.predictedClass = score.predictedClass;
        }
        output.result.scores.push_back(std::move(record));
    }
    for (const auto& result : analysed) {
        for (const auto& feature : result.features) {
            std::optional<double> value;
            if (std::isfinite(feature.value)) value = feature.value;
            output.result.features.push_back(
                storage::FeatureRecord{result.roi, result.view, result.laterality, feature.name, value});
        }
    }
    return output;
}

} // namespace radnode::node
