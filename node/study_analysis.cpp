#include "node/study_analysis.h"

#include "analysis/extractor.h"
#include "analysis/peritumoral.h"
#include "dicom/analysis_input.h"
#include "dicom/segmentation.h"
#include "dicom/sr_writer.h"
#include "dicom/uid.h"
#include "node/json_writer.h"
#include "node/version.h"
#include "storage/file_store.h"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <map>
#include <sstream>

namespace radnode::node {

namespace {

// The ROIs analysed for one segment: a tumour gets its peritumoral rings.
std::vector<analysis::NamedRoi> roisFor(const dicom::SegmentInput& input, const config::NodeConfig& config) {
    switch (input.role) {
    case dicom::RoiRole::Tumor:
        return analysis::peritumoralRois(input.mask, config.analysis.ringsMm, !input.volumetric);
    case dicom::RoiRole::LymphNode:
        return {analysis::NamedRoi{"node", input.mask}};
    case dicom::RoiRole::Other:
        break;
    }
    return {analysis::NamedRoi{"segment-" + std::to_string(input.segmentNumber), input.mask}};
}

// 2D images (one slice) are analysed as PyRadiomics does with force2D: shape2D, not 3D shape.
analysis::ExtractionParams paramsFor(const dicom::SegmentInput& input, const config::NodeConfig& config) {
    analysis::ExtractionParams params = config.analysis.params;
    if (input.volumetric || input.image.geometry.size[2] > 1) return params;
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
            loaded = dicom::loadSegmentInputs(segmentation.path, findInstance);
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
        const auto rois = roisFor(input, config);
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

    const analysis::FeatureLookup lookup = [&analysed](const std::string& roi, const std::string& view,
                                                       const std::string& feature) -> std::optional<double> {
        for (const auto& result : analysed) {
            if (result.roi != roi || (!view.empty() && result.view != view)) continue;
            for (const auto& f : result.features) {
                if (f.name == feature) return f.value;
            }
        }
        return std::nullopt;
    };

    // A model states the modality it was built for; it is not applied to other studies.
    std::vector<analysis::Model> applicable;
    for (const auto& model : models) {
        const bool matches = model.modality.empty() ||
                             std::any_of(inputs.begin(), inputs.end(),
                                         [&model](const dicom::SegmentInput& input) { return input.modality == model.modality; });
        if (matches) applicable.push_back(model);
    }
    StudyAnalysisOutput output;
    for (const auto& model : applicable) output.scores.push_back(analysis::scoreModel(model, lookup));

    // The SR: one measurement group per ROI and view, the model results, the evidence.
    dicom::SrDocumentSpec spec;
    // Patient and study attributes come from the analysed image (the SEG's when it names none).
    std::filesystem::path patientSource = segmentations.front().path;
    if (!inputs.front().sources.empty()) {
        patientSource = findInstance(inputs.front().sources.front().sopInstanceUid).value_or(patientSource);
    }
    spec.study = dicom::readPatientStudy(patientSource);
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
        const auto& model = applicable[m];
        const auto& score = output.scores[m];
        dicom::SrModelResult result;
        result.modelName = model.name;
        result.modelVersion = model.version;
        result.deviceUid = dicom::uidFromSeed("radnode-model/" + model.name + "/" + model.version);
        result.validationSummary = model.validation;
        result.inputsUsed = score.inputsUsed;
        result.inputsMissing = score.inputsMissing;
        result.thresholdPercent = model.threshold * 100.0;
        if (score.scored) {
            result.radScore = score.radScore;
            result.probabilityPercent = score.probability * 100.0;
            result.predictedClass = score.predictedClass;
            std::ostringstream text;
            text << "Research use. Probability of axillary node metastasis " << std::fixed << std::setprecision(0)
                 << *result.probabilityPercent << " % (model " << model.name << " v" << model.version << ", threshold "
                 << result.thresholdPercent << " %): " << score.predictedClass
                 << (score.predictedClass == model.positiveClass ? " suspected" : " predicted")
                 << ". Unverified decision support, not a diagnosis.";
            result.summaryText = text.str();
        } else {
            result.summaryText = "Research use. Model " + model.name + " v" + model.version + " not scored: " + score.reason;
        }
        spec.models.push_back(std::move(result));
    }

    const std::string srUid = dicom::newUid();
    spec.sopInstanceUid = srUid;
    spec.seriesInstanceUid = dicom::uidFromSeed("radnode-sr-series/" + job.studyUid);
    const auto srPath = store.fileStore() / "results" / job.studyUid / (srUid + ".dcm");
    std::filesystem::create_directories(srPath.parent_path());
    const auto written = dicom::writeSr(spec, srPath);
    storage::syncDirectory(srPath.parent_path());

    JsonWriter json;
    json.beginObject();
    json.field("study_uid", job.studyUid);
    json.field("accession_number", spec.study.accessionNumber);
    json.field("sr_sop_instance_uid", written.sopInstanceUid);
    json.key("models");
    json.beginArray();
    for (const auto& score : output.scores) {
        json.beginObject();
        json.field("name", score.modelName);
        json.field("version", score.modelVersion);
        json.field("scored", score.scored);
        if (score.scored) {
            json.field("probability", score.probability);
            json.field("class", score.predictedClass);
            json.field("threshold", score.threshold);
        } else {
            json.field("reason", score.reason);
        }
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
                                          {}, {}, {}};
    for (const auto& score : output.scores) {
        storage::ScoreRecord record;
        record.modelName = score.modelName;
        record.modelVersion = score.modelVersion;
        record.scored = score.scored;
        record.reason = score.reason;
        record.threshold = score.threshold;
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
