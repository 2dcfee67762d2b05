// The TID 1500 result SR: valid for dciodvfy and dsrdump, and every number, code and reference
// read back as written, for a 2D ultrasound study (planar groups, a model) and a DBT study
// (volumetric groups, no model).
#include "dicom/ibsi_codes.h"
#include "dicom/sr_reader.h"
#include "dicom/sr_writer.h"
#include "dicom/uid.h"
#include "test_support.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <set>
#include <sstream>

using namespace radnode::dicom;
using radnode::test::runCommand;
using radnode::test::TempDir;

namespace {

const char* const kSegClass = "1.2.840.10008.5.1.4.1.1.66.4";
const char* const kUsClass = "1.2.840.10008.5.1.4.1.1.6.1";
const char* const kDbtClass = "1.2.840.10008.5.1.4.1.1.13.1.3";

// A spread of PyRadiomics names, the longest real ones among them, and values that need all
// 17 significant digits to survive.
std::vector<SrMeasurement> featureSet(int seed) {
    const char* const names[] = {"original_shape2D_MaximumDiameter",
                                 "original_shape2D_PixelSurface",
                                 "original_firstorder_Mean",
                                 "original_firstorder_Skewness",
                                 "original_glcm_Contrast",
                                 "original_glcm_Idn",
                                 "wavelet-HLH_glcm_Idn",
                                 "wavelet-LLL_firstorder_Energy",
                                 "lbp-3D-k_glszm_LargeAreaHighGrayLevelEmphasis",
                                 "log-sigma-3-0-mm-3D_glszm_SmallAreaLowGrayLevelEmphasis",
                                 "log-sigma-1-25-mm-3D_gldm_SmallDependenceHighGrayLevelEmphasis",
                                 "gradient_ngtdm_Busyness",
                                 "exponential_glrlm_RunLengthNonUniformityNormalized"};
    std::vector<SrMeasurement> set;
    int k = 0;
    for (const char* name : names) {
        const double value = (seed + 1) * std::pow(-1.7, k) * 1.2345678901234567e-3 * std::exp(k);
        const std::string feature = name;
        const std::string unit = feature.find("MaximumDiameter") != std::string::npos ? "mm"
                                 : feature.find("PixelSurface") != std::string::npos  ? "mm2"
                                                                                      : "1";
        set.push_back(SrMeasurement{feature, value, unit});
        ++k;
    }
    return set;
}

SrPatientStudy patientStudy(const std::string& studyUid) {
    return SrPatientStudy{"Doe^Jane", "RN-0042", "19700101",      "F",        studyUid, "20250301", "101500",
                          "S42",      "ACC-42",  "Referrer^Rita", "US breast"};
}

SrInstanceRef instance(const std::string& sopClass, const std::string& seed, const std::string& seriesUid,
                       const std::string& studyUid) {
    return SrInstanceRef{sopClass, uidFromSeed(seed), seriesUid, studyUid};
}

// Tumour with a ring and tumour+ring, and a lymph node, on one left-breast ultrasound image.
SrDocumentSpec ultrasoundSpec() {
    const std::string study = uidFromSeed("sr-test/us/study");
    const std::string usSeries = uidFromSeed("sr-test/us/series");
    const std::string segSeries = uidFromSeed("sr-test/us/seg-series");
    const SrInstanceRef image = instance(kUsClass, "sr-test/us/image", usSeries, study);
    const SrInstanceRef axillaImage = instance(kUsClass, "sr-test/us/axilla-image", usSeries, study);
    const SrInstanceRef seg = instance(kSegClass, "sr-test/us/seg", segSeries, study);

    SrDocumentSpec spec;
    spec.study = patientStudy(study);
    spec.algorithmVersion = "0.1.0";
    spec.parametersHash = "sha256:7f3a9c";
    int seed = 0;
    for (const char* roi : {"tumor", "ring-5mm", "tumor+5mm", "node"}) {
        SrRoiGroup group;
        group.roiName = roi;
        group.laterality = "L";
        const bool node = std::string(roi) == "node";
        group.findingCode = node ? "lymph node" : "tumor";
        group.trackingId = node ? "Node 1" : std::string("Tumor ") + roi;
        group.trackingUid = uidFromSeed(std::string("sr-test/us/tracking/") + roi);
        group.segmentation = seg;
        group.segmentNumber = node ? 2 : 1;
        group.segFrameNumbers = {node ? 2 : 1};
        group.sources = {node ? axillaImage : image};
        group.sourceSeriesUid = usSeries;
        group.measurements = featureSet(seed++);
        spec.groups.push_back(group);
    }
    SrModelResult model;
    model.modelName = "hong-nomogram";
    model.modelVersion = "2";
    model.deviceUid = uidFromSeed("sr-test/model/hong-nomogram/2");
    model.validationSummary = "AUC 0.92 (internal validation, n=168)";
    model.radScore = 1.0123456789012345;
    model.probabilityPercent = 73.25;
    model.thresholdPercent = 50;
    model.predictedClass = "N+";
    model.summaryText = "Research use. Probability of axillary node metastasis 73 % (model hong-nomogram v2, "
                        "threshold 50 %): N+ suspected";
    model.inputsUsed = {"tumor:original_glcm_Idn", "clinical:ki67"};
    model.inputsMissing = {"clinical:us_node_status"};
    spec.models.push_back(model);
    return spec;
}

// Tumour and ring on both views of a right-breast tomosynthesis study, no model.
SrDocumentSpec tomosynthesisSpec() {
    const std::string study = uidFromSeed("sr-test/dbt/study");
    SrDocumentSpec spec;
    spec.study = patientStudy(study);
    spec.study.studyDescription = "DBT";
    spec.algorithmVersion = "0.1.0";
    spec.parametersHash = "sha256:0b12";
    int seed = 10;
    for (const char* view : {"CC", "MLO"}) {
        const std::string series = uidFromSeed(std::string("sr-test/dbt/series/") + view);
        const SrInstanceRef volume = instance(kDbtClass, std::string("sr-test/dbt/volume/") + view, series, study);
        const SrInstanceRef seg =
            instance(kSegClass, std::string("sr-test/dbt/seg/") + view, uidFromSeed("sr-test/dbt/seg-series"), study);
        for (const char* roi : {"tumor", "ring-3mm"}) {
            SrRoiGroup group;
            group.roiName = roi;
            group.view = view;
            group.laterality = "R";
            group.findingCode = "108369006";
            group.trackingId = std::string("Lesion A ") + roi;
            group.trackingUid = uidFromSeed(std::string("sr-test/dbt/tracking/") + view + roi);
            group.segmentation = seg;
            group.volumetric = true;
            group.sources = {volume};
            group.sourceSeriesUid = series;
            group.measurements = featureSet(seed++);
            spec.groups.push_back(group);
        }
    }
    return spec;
}

int errorLines(const std::string& output) {
    int count = 0;
    std::istringstream lines(output);
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind("Error", 0) == 0) ++count;
    }
    return count;
}

void requireValidFile(const std::filesystem::path& file, const char* iod = "Comprehensive3DSR") {
    REQUIRE(radnode::test::haveProgram("dciodvfy"));
    REQUIRE(radnode::test::haveProgram("dsrdump"));
    const auto validation = runCommand("dciodvfy '" + file.string() + "' 2>&1");
    INFO(validation.output);
    CHECK(errorLines(validation.output) == 0);
    CHECK(validation.output.find(iod) != std::string::npos);
    const auto dump = runCommand("dsrdump '" + file.string() + "' 2>&1");
    INFO(dump.output);
    CHECK(dump.exitCode == 0);
    CHECK(dump.output.find("Imaging Measurement Report") != std::string::npos);
}

// Every group written comes back with the same identity and the same doubles, bit for bit.
void checkGroupsReadBack(const SrDocumentSpec& spec, const SrDocumentContent& content) {
    REQUIRE(content.groups.size() == spec.groups.size());
    for (const auto& written : spec.groups) {
        CAPTURE(written.roiName);
        CAPTURE(written.view);
        const SrRoiGroup* read = findGroup(content, written.roiName, written.view);
        REQUIRE(read != nullptr);
        CHECK(read->volumetric == written.volumetric);
        CHECK(read->laterality == written.laterality);
        CHECK(read->trackingId == written.trackingId);
        CHECK(read->trackingUid == written.trackingUid);
        CHECK(read->segmentation.sopInstanceUid == written.segmentation.sopInstanceUid);
        CHECK(read->segmentation.seriesInstanceUid == written.segmentation.seriesInstanceUid);
        // A planar group cites SEG frames, which imply the segment (a reference names frames or segments).
        CHECK(read->segmentNumber == (written.volumetric ? written.segmentNumber : 0));
        CHECK(read->segFrameNumbers == (written.volumetric ? std::vector<int>{} : written.segFrameNumbers));
        CHECK(read->sourceSeriesUid == written.sourceSeriesUid);
        REQUIRE(read->measurements.size() == written.measurements.size());
        for (const auto& measurement : written.measurements) {
            CAPTURE(measurement.featureName);
            const auto value = featureValue(*read, measurement.featureName);
            REQUIRE(value.has_value());
            CHECK(*value == measurement.value);
        }
        CHECK(read->measurements.front().ucumUnit == written.measurements.front().ucumUnit);
        CHECK(read->measurements[1].ucumUnit == "mm2");
        CHECK(read->measurements[2].ucumUnit == "1");
    }
}

void checkEvidence(const SrDocumentSpec& spec, const SrDocumentContent& content) {
    std::set<std::string> expected, listed;
    for (const auto& group : spec.groups) {
        expected.insert(group.segmentation.sopInstanceUid);
        for (const auto& source : group.sources) expected.insert(source.sopInstanceUid);
    }
    for (const auto& ref : content.evidence) {
        listed.insert(ref.sopInstanceUid);
        CHECK(ref.studyInstanceUid == spec.study.studyInstanceUid);
        CHECK_FALSE(ref.seriesInstanceUid.empty());
    }
    CHECK(listed == expected);
}

} // namespace

TEST_CASE("SR: 2D ultrasound report with rings, a node and a model validates and reads back") {
    TempDir dir;
    SrDocumentSpec spec = ultrasoundSpec();
    spec.sopInstanceUid = uidFromSeed("sr-test/us/sr");
    spec.seriesInstanceUid = uidFromSeed("sr-test/us/sr-series");
    const auto file = dir / "us.dcm";
    const WrittenSr written = writeSr(spec, file);
    CHECK(written.sopInstanceUid == spec.sopInstanceUid);
    CHECK(written.seriesInstanceUid == spec.seriesInstanceUid);
    CHECK(std::filesystem::exists(file));
    CHECK_FALSE(std::filesystem::exists(file.string() + ".partial"));
    requireValidFile(file);

    const SrDocumentContent content = readSr(file);
    CHECK(content.sopInstanceUid == spec.sopInstanceUid);
    CHECK(content.studyInstanceUid == spec.study.studyInstanceUid);
    CHECK(content.accessionNumber == "ACC-42");
    CHECK(content.patientId == "RN-0042");
    CHECK(content.completionFlag == "COMPLETE");
    CHECK(content.verificationFlag == "UNVERIFIED");
    CHECK(content.algorithmName == "radnode");
    CHECK(content.algorithmVersion == "0.1.0");
    CHECK(content.parametersHash == "sha256:7f3a9c");
    CHECK_FALSE(content.predecessor.has_value());
    checkGroupsReadBack(spec, content);
    checkEvidence(spec, content);
    CHECK(findGroup(content, "node", "")->findingCode == "lymph node");
    CHECK(findGroup(content, "ring-5mm", "")->findingCode == "tumor");

    REQUIRE(content.models.size() == 1);
    const SrModelResult& written0 = spec.models.front();
    const SrModelResult& model = content.models.front();
    CHECK(model.modelName == written0.modelName);
    CHECK(model.modelVersion == written0.modelVersion);
    CHECK(model.deviceUid == written0.deviceUid);
    CHECK(model.radScore == written0.radScore);
    CHECK(model.probabilityPercent == written0.probabilityPercent);
    CHECK(model.thresholdPercent == written0.thresholdPercent);
    CHECK(model.predictedClass == "N+");
    CHECK(model.summaryText == written0.summaryText);
    CHECK(model.inputsUsed == written0.inputsUsed);
    CHECK(model.inputsMissing == written0.inputsMissing);
    CHECK(model.validationSummary == written0.validationSummary);
    CHECK_FALSE(model.unstable);

    // What a PACS user sees: the device observer, the private scheme declared, the equipment.
    const auto dump = runCommand("dsrdump '" + file.string() + "' 2>&1; dcmdump '" + file.string() + "' 2>&1");
    CHECK(dump.output.find("Device Observer UID") != std::string::npos);
    CHECK(dump.output.find("Referenced Segmentation Frame") != std::string::npos);
    CHECK(dump.output.find("Ultrasonography of breast") != std::string::npos);
    CHECK(dump.output.find("(0008,0102) SH [99RADNODE]") != std::string::npos);
    CHECK(dump.output.find("CodingSchemeIdentificationSequence") != std::string::npos);
    CHECK(dump.output.find("[109102]") != std::string::npos);
    CHECK(dump.output.find(written0.deviceUid) != std::string::npos);
}

TEST_CASE("SR: an SVM model result names its family, validates and reads back") {
    TempDir dir;
    SrDocumentSpec spec = ultrasoundSpec();
    SrModelResult svm = spec.models.front();
    svm.modelName = "site-svm";
    svm.family = "SVM (RBF kernel)";
    svm.radScore = -0.4321; // the decision value
    svm.summaryText = "Research use. Probability of axillary node metastasis 38 % (model site-svm v2, SVM (RBF kernel), "
                      "threshold 50 %): N0 predicted.";
    svm.predictedClass = "N0";
    SrModelResult trees = svm;
    trees.modelName = "site-trees";
    trees.family = "gradient-boosted trees (XGBoost)";
    trees.deviceUid = uidFromSeed("sr-test/model/site-trees/2");
    spec.models = {svm, trees};
    const auto file = dir / "svm.dcm";
    writeSr(spec, file);
    requireValidFile(file);
    const SrDocumentContent content = readSr(file);
    REQUIRE(content.models.size() == 2);
    CHECK(content.models[0].family == "SVM (RBF kernel)");
    CHECK(content.models[0].radScore == svm.radScore);
    CHECK(content.models[0].summaryText == svm.summaryText);
    CHECK(content.models[1].family == "gradient-boosted trees (XGBoost)");
    const auto dump = runCommand("dsrdump '" + file.string() + "' 2>&1");
    CHECK(dump.output.find("Model family") != std::string::npos);
}

TEST_CASE("SR: DBT report with volumetric groups per view and no model validates and reads back") {
    TempDir dir;
    const SrDocumentSpec spec = tomosynthesisSpec();
    const auto file = dir / "dbt.dcm";
    const WrittenSr written = writeSr(spec, file);
    CHECK_FALSE(written.sopInstanceUid.empty());
    CHECK_FALSE(written.seriesInstanceUid.empty());
    requireValidFile(file);

    const SrDocumentContent content = readSr(file);
    CHECK(content.sopInstanceUid == written.sopInstanceUid);
    CHECK(content.models.empty());
    checkGroupsReadBack(spec, content);
    checkEvidence(spec, content);
    for (const auto& group : content.groups) {
        CHECK(group.volumetric);
        CHECK(group.findingCode == "tumor");
    }
    const auto dump = runCommand("dsrdump '" + file.string() + "' 2>&1");
    CHECK(dump.output.find("Referenced Segment\"") != std::string::npos);
    CHECK(dump.output.find("Digital tomosynthesis of breast") != std::string::npos);
    CHECK(dump.output.find("cranio-caudal") != std::string::npos);

    SrDocumentSpec fallback = spec;
    fallback.enhancedSr = true;
    writeSr(fallback, dir / "enhanced.dcm");
    requireValidFile(dir / "enhanced.dcm", "EnhancedSR");
    checkGroupsReadBack(spec, readSr(dir / "enhanced.dcm"));
}

TEST_CASE("SR: the ultrasound report with a model as Enhanced SR: same content, Enhanced SR class") {
    TempDir dir;
    const SrDocumentSpec spec = ultrasoundSpec();
    SrDocumentSpec enhanced = spec;
    enhanced.enhancedSr = true;
    const WrittenSr written = writeSr(enhanced, dir / "enhanced.dcm");
    CHECK(written.sopClassUid == kEnhancedSrSopClassUid);
    CHECK(writeSr(spec, dir / "comprehensive.dcm").sopClassUid == kComprehensive3dSrSopClassUid);
    requireValidFile(dir / "enhanced.dcm", "EnhancedSR");

    const SrDocumentContent content = readSr(dir / "enhanced.dcm");
    CHECK(content.sopClassUid == kEnhancedSrSopClassUid);
    checkGroupsReadBack(spec, content);
    checkEvidence(spec, content);
    REQUIRE(content.models.size() == 1);
    const SrModelResult& model = content.models.front();
    CHECK(model.radScore == spec.models.front().radScore);
    CHECK(model.probabilityPercent == spec.models.front().probabilityPercent);
    CHECK(model.predictedClass == "N+");
    CHECK(model.summaryText == spec.models.front().summaryText);
    // Enhanced SR has no SCOORD3D and no by-reference relationships; radnode's tree uses neither.
    const auto dump = runCommand("dsrdump '" + (dir / "enhanced.dcm").string() + "' 2>&1");
    CHECK(dump.output.find("Enhanced SR") != std::string::npos);
    CHECK(dump.output.find("SCOORD3D") == std::string::npos);
    CHECK(dump.output.find("Referenced Segmentation Frame") != std::string::npos);
}

TEST_CASE("SR: a later result references the earlier SR as its predecessor") {
    TempDir dir;
    SrDocumentSpec first = ultrasoundSpec();
    const WrittenSr earlier = writeSr(first, dir / "first.dcm");

    SrDocumentSpec second = ultrasoundSpec();
    second.study.patientName = "Müller^Anna"; // not ASCII: the SR declares UTF-8
    second.predecessor =
        SrInstanceRef{"1.2.840.10008.5.1.4.1.1.88.34", earlier.sopInstanceUid, earlier.seriesInstanceUid, ""};
    const WrittenSr later = writeSr(second, dir / "second.dcm");
    CHECK(later.sopInstanceUid != earlier.sopInstanceUid);
    requireValidFile(dir / "second.dcm");

    const SrDocumentContent content = readSr(dir / "second.dcm");
    REQUIRE(content.predecessor.has_value());
    CHECK(content.predecessor->sopInstanceUid == earlier.sopInstanceUid);
    CHECK(content.predecessor->seriesInstanceUid == earlier.seriesInstanceUid);
    CHECK(content.predecessor->studyInstanceUid == first.study.studyInstanceUid);
    CHECK(content.predecessor->sopClassUid == "1.2.840.10008.5.1.4.1.1.88.34");
    CHECK(content.patientName == "Müller^Anna");
    CHECK_FALSE(readSr(dir / "first.dcm").predecessor.has_value());
}

TEST_CASE("SR: feature concept codes are short, stable and keep long names readable") {
    // A feature IBSI does not define keeps the private scheme (Kurtosis: PyRadiomics' is not
    // IBSI's excess kurtosis).
    const SrCode kurtosis = featureConcept("original_firstorder_Kurtosis");
    CHECK(kurtosis.scheme == "99RADNODE");
    CHECK(kurtosis.value.size() == 16);
    CHECK(kurtosis.value == featureConcept("original_firstorder_Kurtosis").value);
    // Pinned: the code must not change between releases, or old reports stop matching.
    CHECK(kurtosis.value == "FB64B5123E20FF91");
    CHECK(kurtosis.meaning == "original_firstorder_Kurtosis");
    CHECK(featureConcept("wavelet-LLH_firstorder_Kurtosis").value != kurtosis.value);
    CHECK(featureConcept("original_shape2D_Perimeter").scheme == "99RADNODE");

    // Names no table knows, at and over the LO limit of the meaning.
    const std::string sixtyFour = "log-sigma-10-125-mm-3D_firstorder_RobustMeanAbsoluteDeviationXXX";
    REQUIRE(sixtyFour.size() == 64);
    CHECK(featureConcept(sixtyFour).meaning == sixtyFour);

    const std::string tooLong = "log-sigma-10-1250-mm-3D_gldm_SmallDependenceHighGrayLevelEmphasisX";
    REQUIRE(tooLong.size() == 66);
    const SrCode shortened = featureConcept(tooLong);
    CHECK(shortened.scheme == "99RADNODE");
    CHECK(shortened.meaning.size() <= 64);
    CHECK(shortened.meaning == "log-sigma-10-1250-mm-3D_gldm_SmallDependenceHighGLEmphasisX");

    // The full name survives the round trip through Equivalent Meaning of Concept Name.
    TempDir dir;
    SrDocumentSpec spec = ultrasoundSpec();
    spec.groups.resize(1);
    spec.models.clear();
    spec.groups[0].measurements.push_back(SrMeasurement{tooLong, 0.25, "1"});
    spec.groups[0].volumetric = true; // through DCMTK's TID 1419 as well as the planar path below
    spec.groups.push_back(ultrasoundSpec().groups[1]);
    spec.groups[1].measurements.push_back(SrMeasurement{tooLong, 0.5, "1"});
    writeSr(spec, dir / "long.dcm");
    const SrDocumentContent content = readSr(dir / "long.dcm");
    CHECK(featureValue(*findGroup(content, "tumor", ""), tooLong) == 0.25);
    CHECK(featureValue(*findGroup(content, "ring-5mm", ""), tooLong) == 0.5);
}

TEST_CASE("SR: IBSI-defined features carry IBSI codes, the image filter as a modifier, and read back by name") {
    const SrCode mean = featureConcept("original_firstorder_Mean");
    CHECK(mean.value == "Q4LE");
    CHECK(mean.scheme == "IBSI");
    CHECK(mean.meaning == "Mean");
    CHECK_FALSE(featureImageType("original_firstorder_Mean").has_value());
    // Rows where the published mapping is off, checked against the IBSI manual's definitions.
    CHECK(featureConcept("original_glcm_Idn").value == "NDRX");
    CHECK(featureConcept("original_glcm_Idm").value == "WF0Z");
    CHECK(featureConcept("original_glcm_Idmn").value == "1QCO");
    CHECK(featureConcept("original_glszm_LowGrayLevelZoneEmphasis").value == "XMSY");
    CHECK(featureConcept("original_glszm_ZoneEntropy").value == "GU8N");
    CHECK(featureConcept("original_shape_Sphericity").value == "QCFX");
    CHECK(featureConcept("original_shape2D_Sphericity").scheme == "99RADNODE"); // IBSI has no 2D shape
    const auto wavelet = featureImageType("wavelet-HLH_glcm_Idn");
    REQUIRE(wavelet.has_value());
    CHECK(wavelet->value == "wavelet-HLH");
    const auto log = featureImageType("log-sigma-1-25-mm-3D_gldm_SmallDependenceHighGrayLevelEmphasis");
    REQUIRE(log.has_value());
    CHECK(log->value.size() <= 16);
    CHECK(log->meaning == "log-sigma-1-25-mm-3D");
    CHECK_FALSE(featureImageType("wavelet-HLH_firstorder_Kurtosis").has_value()); // private code names it all
    std::set<std::string> codes;
    for (const auto& row : ibsiFeatureTable()) {
        CAPTURE(row.featureName);
        CHECK(std::string(row.code).size() == 4);
        CHECK(codes.insert(row.code).second);
    }

    // Planar (ultrasound) and volumetric (DBT) groups: the scheme declared, the codes and the
    // filter modifiers in the tree, and every value back under its PyRadiomics name.
    TempDir dir;
    for (const auto& spec : {ultrasoundSpec(), tomosynthesisSpec()}) {
        const auto file = dir / "ibsi.dcm";
        writeSr(spec, file);
        requireValidFile(file);
        const auto dump = runCommand("dsrdump +Pc '" + file.string() + "' 2>&1; dcmdump '" + file.string() + "' 2>&1");
        CHECK(dump.output.find("(0008,0102) SH [IBSI]") != std::string::npos);
        CHECK(dump.output.find("[1.2.840.10008.2.16.13]") != std::string::npos);
        CHECK(dump.output.find("[Image Biomarker Standardisation Initiative]") != std::string::npos);
        CHECK(dump.output.find("(Q4LE,IBSI,\"Mean\")") != std::string::npos);
        CHECK(dump.output.find("(NDRX,IBSI,\"Normalised inverse difference\")") != std::string::npos);
        CHECK(dump.output.find("(IMAGETYPE,99RADNODE,") != std::string::npos);
        CHECK(dump.output.find("(wavelet-HLH,99RADNODE,\"wavelet-HLH\")") != std::string::npos);
        checkGroupsReadBack(spec, readSr(file));
    }
}

TEST_CASE("SR: texture features carry the IBSI feature aggregation PyRadiomics used; other features none") {
    // PyRadiomics averages GLCM and GLRLM features over directions and builds one GLSZM, GLDM or
    // NGTDM matrix: IBSI's 2D:avg / 2.5D:dmrg / 3D:avg and 2D / 2.5D / 3D.
    const auto code = [](const char* featureClass, TextureMatrices matrices) {
        const auto aggregation = ibsiAggregation(featureClass, matrices);
        return aggregation ? std::string(aggregation->code) : std::string("none");
    };
    CHECK(code("glcm", TextureMatrices::SingleSlice) == "BTW3");
    CHECK(code("glrlm", TextureMatrices::SlicesMerged) == "JJUI");
    CHECK(code("glcm", TextureMatrices::Volume) == "ITBB");
    CHECK(code("glszm", TextureMatrices::SingleSlice) == "8QNN");
    CHECK(code("gldm", TextureMatrices::SlicesMerged) == "62GR");
    CHECK(code("ngtdm", TextureMatrices::Volume) == "KOBO");
    CHECK(code("firstorder", TextureMatrices::Volume) == "none");
    CHECK(code("shape2D", TextureMatrices::SingleSlice) == "none");
    CHECK(textureMatricesOf("JJUI") == TextureMatrices::SlicesMerged);
    CHECK(textureMatricesOf("KOBO") == TextureMatrices::Volume);
    CHECK_FALSE(textureMatricesOf("Q4LE").has_value());

    // featureSet: 13 features, 8 of them texture (glcm 3, glszm 2, gldm, ngtdm, glrlm).
    TempDir dir;
    SrDocumentSpec forced = tomosynthesisSpec();
    for (auto& group : forced.groups) group.textureMatrices = TextureMatrices::SlicesMerged; // force2D
    const struct {
        SrDocumentSpec spec;
        const char *directional, *single;
        TextureMatrices matrices;
    } cases[] = {{ultrasoundSpec(), "BTW3", "8QNN", TextureMatrices::SingleSlice},
                 {tomosynthesisSpec(), "ITBB", "KOBO", TextureMatrices::Volume},
                 {forced, "JJUI", "62GR", TextureMatrices::SlicesMerged}};
    for (const auto& c : cases) {
        CAPTURE(c.directional);
        const auto file = dir / "aggregation.dcm";
        writeSr(c.spec, file);
        requireValidFile(file);
        const auto dump = runCommand("dsrdump +Pc '" + file.string() + "' 2>&1").output;
        std::size_t modifiers = 0;
        for (auto at = dump.find("(5QB6,IBSI,\"Feature aggregation\")"); at != std::string::npos;
             at = dump.find("(5QB6,IBSI,", at + 1)) {
            ++modifiers;
        }
        CHECK(modifiers == 8 * c.spec.groups.size());
        CHECK(dump.find(std::string("(") + c.directional + ",IBSI,") != std::string::npos);
        CHECK(dump.find(std::string("(") + c.single + ",IBSI,") != std::string::npos);
        const SrDocumentContent content = readSr(file);
        checkGroupsReadBack(c.spec, content);
        for (const auto& group : content.groups) CHECK(group.textureMatrices == c.matrices);
    }
}

namespace {

// One content item of a dsrdump listing: depth, relationship, value type, concept meaning.
struct DumpItem {
    std::size_t depth;
    std::string relation, type, concept;
};

std::vector<DumpItem> contentTree(const std::string& dump) {
    std::vector<DumpItem> items;
    std::istringstream lines(dump);
    for (std::string line; std::getline(lines, line);) {
        const auto open = line.find('<');
        const auto colon = line.find(':', open);
        if (open == std::string::npos || colon == std::string::npos || line.find_first_not_of(' ') != open) continue;
        const std::string head = line.substr(open + 1, colon - open - 1); // "has concept mod CODE"
        const auto space = head.rfind(' ');
        DumpItem item{open / 2, space == std::string::npos ? "" : head.substr(0, space),
                      space == std::string::npos ? head : head.substr(space + 1), ""};
        if (line.compare(colon + 1, 3, "(,,") == 0) {
            const auto quote = line.find('"', colon);
            item.concept = line.substr(quote + 1, line.find('"', quote + 1) - quote - 1);
        }
        items.push_back(item);
    }
    return items;
}

// The direct children of the first item named `parent`, as "relation TYPE concept" (NUM items
// as "relation NUM", whatever they measure), and whether some NUM child has a modifier.
std::set<std::string> childPattern(const std::vector<DumpItem>& items, const std::string& parent,
                                   bool* numWithModifier = nullptr) {
    std::set<std::string> pattern;
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (items[i].concept != parent) continue;
        for (std::size_t j = i + 1; j < items.size() && items[j].depth > items[i].depth; ++j) {
            const DumpItem& child = items[j];
            if (child.depth != items[i].depth + 1) continue;
            pattern.insert(child.relation + " " + child.type + (child.type == "NUM" ? "" : " " + child.concept));
            if (child.type == "NUM" && numWithModifier && j + 1 < items.size() && items[j + 1].depth == child.depth + 1 &&
                items[j + 1].relation == "has concept mod") {
                *numWithModifier = true;
            }
        }
        break;
    }
    return pattern;
}

} // namespace

TEST_CASE("SR: same TID 1500 pattern as the reference SR for report, groups, references and tracking") {
    REQUIRE(radnode::test::haveProgram("dsrdump"));
    const std::string reference = std::string(RADNODE_TEST_DATA_DIR) + "/dicom/sr/sr.dcm";
    TempDir dir;
    writeSr(tomosynthesisSpec(), dir / "dbt.dcm");
    writeSr(ultrasoundSpec(), dir / "us.dcm");
    const auto theirs = contentTree(runCommand("dsrdump '" + reference + "' 2>&1").output);
    const auto ours = contentTree(runCommand("dsrdump '" + (dir / "dbt.dcm").string() + "' 2>&1").output);
    const auto planar = contentTree(runCommand("dsrdump '" + (dir / "us.dcm").string() + "' 2>&1").output);
    REQUIRE(!theirs.empty());
    REQUIRE(!ours.empty());
    for (const auto* tree : {&theirs, &ours, &planar}) {
        CHECK(tree->front().type == "CONTAINER");
        CHECK(tree->front().concept == "Imaging Measurement Report");
    }

    const std::set<std::string> reportRows{"has concept mod CODE Language of Content Item and Descendants",
                                           "has obs context CODE Observer Type",
                                           "has concept mod CODE Procedure reported",
                                           "contains CONTAINER Image Library", "contains CONTAINER Imaging Measurements"};
    const std::set<std::string> volumetricRows{"has obs context TEXT Tracking Identifier",
                                               "has obs context UIDREF Tracking Unique Identifier",
                                               "contains CODE Finding",
                                               "contains IMAGE Referenced Segment",
                                               "contains UIDREF Source series for", // DCM 121232
                                               "has concept mod CODE Finding Site",
                                               "contains NUM"};
    const auto includes = [](const std::set<std::string>& all, const std::set<std::string>& wanted) {
        for (const auto& row : wanted) {
            CAPTURE(row);
            // Compared without case and by prefix: the code meanings of DCMTK 3.6.7 and of the
            // older dcmqi differ in capitals and words ("Source series for [image] segmentation").
            const bool found = std::any_of(all.begin(), all.end(), [&row](const std::string& item) {
                return item.size() >= row.size() && std::equal(row.begin(), row.end(), item.begin(), [](char a, char b) {
                           return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
                       });
            });
            CHECK(found);
        }
    };
    const auto theirReport = childPattern(theirs, "Imaging Measurement Report");
    const auto ourReport = childPattern(ours, "Imaging Measurement Report");
    includes(theirReport, reportRows);
    includes(ourReport, reportRows);
    CHECK(childPattern(theirs, "Imaging Measurements") == std::set<std::string>{"contains CONTAINER Measurement Group"});
    CHECK(childPattern(ours, "Imaging Measurements") == std::set<std::string>{"contains CONTAINER Measurement Group"});

    // A volumetric group (TID 1411) as theirs: tracking, finding, segment, source series,
    // finding site, NUM items told apart by concept modifiers.
    bool theirModifiers = false, ourModifiers = false;
    includes(childPattern(theirs, "Measurement Group", &theirModifiers), volumetricRows);
    includes(childPattern(ours, "Measurement Group", &ourModifiers), volumetricRows);
    CHECK(theirModifiers);
    CHECK(ourModifiers);

    // A planar group (TID 1410) differs only in citing SEG frames instead of the segment.
    std::set<std::string> planarRows = volumetricRows;
    planarRows.erase("contains IMAGE Referenced Segment");
    planarRows.insert("contains IMAGE Referenced Segmentation Frame");
    includes(childPattern(planar, "Measurement Group"), planarRows);
}

TEST_CASE("SR: NaN and infinite values travel as qualified NUM items") {
    TempDir dir;
    SrDocumentSpec spec = ultrasoundSpec();
    spec.groups.resize(1);
    spec.models.clear(); // one planar group alone is a report too
    auto& measurements = spec.groups[0].measurements;
    measurements.push_back(SrMeasurement{"original_glcm_Correlation", std::numeric_limits<double>::quiet_NaN(), "1"});
    measurements.push_back(SrMeasurement{"original_glcm_MCC", std::numeric_limits<double>::infinity(), "1"});
    measurements.push_back(SrMeasurement{"original_glcm_Imc1", -std::numeric_limits<double>::infinity(), "1"});
    writeSr(spec, dir / "nan.dcm");
    requireValidFile(dir / "nan.dcm");
    const SrDocumentContent content = readSr(dir / "nan.dcm");
    const SrRoiGroup& group = content.groups.at(0);
    CHECK(std::isnan(*featureValue(group, "original_glcm_Correlation")));
    CHECK(*featureValue(group, "original_glcm_MCC") == std::numeric_limits<double>::infinity());
    CHECK(*featureValue(group, "original_glcm_Imc1") == -std::numeric_limits<double>::infinity());
}

TEST_CASE("SR: an unscored model keeps its threshold and reasons; a bad spec leaves no file") {
    TempDir dir;
    SrDocumentSpec spec = ultrasoundSpec();
    SrModelResult& model = spec.models.front();
    model.radScore.reset();
    model.probabilityPercent.reset();
    model.predictedClass.clear();
    model.unstable = true;
    model.summaryText = "Research use. Model hong-nomogram v2 not scored: clinical:ki67 missing";
    writeSr(spec, dir / "unscored.dcm");
    requireValidFile(dir / "unscored.dcm");
    const SrModelResult read = readSr(dir / "unscored.dcm").models.at(0);
    CHECK_FALSE(read.radScore.has_value());
    CHECK_FALSE(read.probabilityPercent.has_value());
    CHECK(read.thresholdPercent == 50);
    CHECK(read.predictedClass.empty());
    CHECK(read.unstable);
    CHECK(read.summaryText == model.summaryText);

    SrDocumentSpec clash = ultrasoundSpec();
    clash.groups[1].trackingUid = clash.groups[0].trackingUid;
    CHECK_THROWS_AS(writeSr(clash, dir / "clash.dcm"), SrError);
    SrDocumentSpec twice = ultrasoundSpec();
    twice.groups[0].measurements.push_back(twice.groups[0].measurements.front());
    CHECK_THROWS_WITH_AS(writeSr(twice, dir / "clash.dcm"), doctest::Contains("the same name twice"), SrError);
    SrDocumentSpec badView = tomosynthesisSpec();
    badView.groups[0].view = "a view name longer than sixteen";
    CHECK_THROWS_AS(writeSr(badView, dir / "clash.dcm"), SrError);
    CHECK_FALSE(std::filesystem::exists(dir / "clash.dcm"));
    CHECK_FALSE(std::filesystem::exists(dir / "clash.dcm.partial"));
}

TEST_CASE("SR: patient and study attributes come from a source image") {
    const SrPatientStudy study = readPatientStudy(std::string(RADNODE_TEST_DATA_DIR) + "/dicom/us/US1_UNCR.dcm");
    CHECK(study.patientName == "CompressedSamples^US1");
    CHECK(study.patientId == "13US1");
    CHECK(study.patientSex == "M");
    CHECK(study.studyInstanceUid == "1.3.6.1.4.1.5962.1.2.13.20040826185059.5457");
    CHECK(study.accessionNumber.empty());
    CHECK_THROWS_AS(readPatientStudy(std::string(RADNODE_TEST_DATA_DIR) + "/no-such-file.dcm"), SrError);
}
