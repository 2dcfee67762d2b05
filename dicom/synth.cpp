// The synthetic study as a whole: identity from the options, the DICOM helpers shared by the
// image and SEG writers, and writeSyntheticStudy, which runs them.
#include "dicom/synth.h"

#include "dicom/synth_internal.h"
#include "dicom/synth_noise.h"
#include "dicom/uid.h"

#include <dcmtk/ofstd/ofstd.h>

#include <stdexcept>
#include <system_error>

namespace radnode::dicom {

std::string toString(SynthModality modality) {
    return modality == SynthModality::Ultrasound ? "us" : "dbt";
}

SynthModality parseSynthModality(const std::string& text) {
    if (text == "us") return SynthModality::Ultrasound;
    if (text == "dbt") return SynthModality::Tomosynthesis;
    throw std::invalid_argument("unknown synthetic modality '" + text + "' (expected us or dbt)");
}

namespace synth {

namespace {
std::string zeroPadded(std::uint64_t value, int width) {
    std::string digits = std::to_string(value);
    if (static_cast<int>(digits.size()) < width) digits.insert(0, width - digits.size(), '0');
    return digits;
}

void check(const OFCondition& status, const DcmTagKey& tag, const char* what) {
    if (status.bad()) {
        throw std::runtime_error(std::string("synthetic study: cannot ") + what + " " + tag.toString().c_str() +
                                 " (" + DcmTag(tag).getTagName() + "): " + status.text());
    }
}
} // namespace

std::string Identity::uid(const std::string& what) const { return uidFromSeed(uidKey + "/" + what); }

Identity makeIdentity(const SynthOptions& options) {
    Identity identity;
    const std::string seedText = std::to_string(options.seed);
    identity.patientName = "SYNTHETIC^CASE " + seedText;
    identity.patientId = "SYNTH-" + seedText;

    // A birth date between 1945 and 1984 picked by the seed; the age is at the study date.
    const std::uint64_t birth = mix64(options.seed ^ hashText("patient/birth"));
    const int year = 1945 + static_cast<int>(birth % 40);
    const int month = 1 + static_cast<int>((birth >> 8) % 12);
    const int day = 1 + static_cast<int>((birth >> 16) % 28);
    identity.patientBirthDate = zeroPadded(year, 4) + zeroPadded(month, 2) + zeroPadded(day, 2);
    const int age = 2024 - year - (month > 3 || (month == 3 && day > 1) ? 1 : 0);
    identity.patientAge = zeroPadded(age, 3) + "Y";

    // The study follows everything that changes its content except the tomosynthesis view:
    // a CC and an MLO written with the same seed are two series of one study.
    std::string studyKey = "radnode-synth/v1/seed=" + seedText + "/modality=" + toString(options.modality) +
                           "/lesion-mm=" + decimalString(options.lesionDiameterMm) + "/laterality=" + options.laterality;
    if (options.modality == SynthModality::Ultrasound) {
        studyKey += std::string("/node=") + (options.includeLymphNode ? "1" : "0") +
                    "/metastatic=" + (options.metastaticNode ? "1" : "0");
        identity.uidKey = studyKey;
    } else {
        identity.uidKey = studyKey + "/view=" + options.view;
        // Benchmark sizes get UIDs of their own; the default volume keeps the historical ones.
        if (options.tomosynthesisFrames > 0 || options.tomosynthesisColumns > 0 || options.tomosynthesisRows > 0) {
            identity.uidKey += "/frames=" + std::to_string(options.tomosynthesisFrames) +
                               "/size=" + std::to_string(options.tomosynthesisColumns) + "x" +
                               std::to_string(options.tomosynthesisRows);
        }
    }
    identity.studyInstanceUid = uidFromSeed(studyKey + "/study");
    identity.accessionNumber = "SYN" + zeroPadded(mix64(hashText(studyKey)) % 1000000000ULL, 9);
    identity.studyId = "1";
    identity.studyDescription = options.modality == SynthModality::Ultrasound
                                    ? "SYNTHETIC breast ultrasound (radnode synth)"
                                    : "SYNTHETIC breast tomosynthesis (radnode synth)";
    return identity;
}

void putString(DcmItem& item, const DcmTagKey& tag, const std::string& value) {
    check(item.putAndInsertString(tag, value.c_str()), tag, "write");
}
void putUint16(DcmItem& item, const DcmTagKey& tag, Uint16 value) {
    check(item.putAndInsertUint16(tag, value), tag, "write");
}
void putUint32(DcmItem& item, const DcmTagKey& tag, Uint32 value) {
    check(item.putAndInsertUint32(tag, value), tag, "write");
}
void putSint32(DcmItem& item, const DcmTagKey& tag, Sint32 value) {
    check(item.putAndInsertSint32(tag, value), tag, "write");
}
void putFloat64(DcmItem& item, const DcmTagKey& tag, Float64 value) {
    check(item.putAndInsertFloat64(tag, value), tag, "write");
}
void putUint16s(DcmItem& item, const DcmTagKey& tag, const std::vector<Uint16>& values) {
    check(item.putAndInsertUint16Array(tag, values.data(), static_cast<unsigned long>(values.size())), tag, "write");
}
void putUint32s(DcmItem& item, const DcmTagKey& tag, const std::vector<Uint32>& values) {
    check(item.putAndInsertUint32Array(tag, values.data(), static_cast<unsigned long>(values.size())), tag, "write");
}
void putTagKey(DcmItem& item, const DcmTagKey& tag, const DcmTagKey& value) {
    check(item.putAndInsertTagKey(tag, value), tag, "write");
}
void putEmpty(DcmItem& item, const DcmTagKey& tag) { check(item.insertEmptyElement(tag), tag, "write empty"); }
void putEmptySequence(DcmItem& item, const DcmTagKey& tag) {
    check(item.insert(new DcmSequenceOfItems(tag), true), tag, "write empty sequence");
}

DcmItem& appendItem(DcmItem& item, const DcmTagKey& sequence) {
    DcmItem* child = nullptr;
    check(item.findOrCreateSequenceItem(sequence, child, -2), sequence, "append an item to");
    return *child;
}

void appendCode(DcmItem& item, const DcmTagKey& sequence, const Code& code) {
    DcmItem& codeItem = appendItem(item, sequence);
    putString(codeItem, DCM_CodeValue, code.value);
    putString(codeItem, DCM_CodingSchemeDesignator, code.scheme);
    putString(codeItem, DCM_CodeMeaning, code.meaning);
}

std::string decimalString(double value) {
    // Six decimals cover 0.1 mm pixels and micrometre positions; trailing zeros go.
    char buffer[64];
    OFStandard::ftoa(buffer, sizeof buffer, value, OFStandard::ftoa_format_f, 0, 6);
    std::string text = buffer;
    if (text.find('.') != std::string::npos) {
        while (text.back() == '0') text.pop_back();
        if (text.back() == '.') text.pop_back();
    }
    if (text == "-0") text = "0";
    if (text.size() > 16) throw std::runtime_error("synthetic study: decimal " + text + " exceeds 16 characters");
    return text;
}

std::string decimalStrings(const std::vector<double>& values) {
    std::string text;
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i) text += '\\';
        text += decimalString(values[i]);
    }
    return text;
}

void writePatientAndStudy(DcmItem& dataset, const Identity& identity) {
    putString(dataset, DCM_PatientName, identity.patientName);
    putString(dataset, DCM_PatientID, identity.patientId);
    putString(dataset, DCM_PatientBirthDate, identity.patientBirthDate);
    putString(dataset, DCM_PatientSex, "F");
    putString(dataset, DCM_PatientIdentityRemoved, "NO");
    putString(dataset, DCM_StudyInstanceUID, identity.studyInstanceUid);
    putString(dataset, DCM_StudyDate, kStudyDate);
    putString(dataset, DCM_StudyTime, kStudyTime);
    putEmpty(dataset, DCM_ReferringPhysicianName);
    putString(dataset, DCM_StudyID, identity.studyId);
    putString(dataset, DCM_AccessionNumber, identity.accessionNumber);
    putString(dataset, DCM_StudyDescription, identity.studyDescription);
    putString(dataset, DCM_PatientAge, identity.patientAge);
}

void writeSopCommon(DcmItem& dataset, const std::string& sopClassUid, const std::string& sopInstanceUid) {
    putString(dataset, DCM_SOPClassUID, sopClassUid);
    putString(dataset, DCM_SOPInstanceUID, sopInstanceUid);
    putString(dataset, DCM_InstanceCreationDate, kStudyDate);
    putString(dataset, DCM_InstanceCreationTime, kStudyTime);
}

void writeEquipment(DcmItem& dataset) {
    putString(dataset, DCM_Manufacturer, kManufacturer);
    putString(dataset, DCM_ManufacturerModelName, kModelName);
    putString(dataset, DCM_DeviceSerialNumber, "SYNTH-0001");
    putString(dataset, DCM_SoftwareVersions, kSoftwareVersion);
}

void saveFile(DcmFileFormat& file, const std::filesystem::path& path) {
    const OFCondition status = file.saveFile(path.c_str(), EXS_LittleEndianExplicit, EET_ExplicitLength);
    if (status.bad()) {
        throw std::runtime_error("synthetic study: cannot write " + path.string() + ": " + status.text());
    }
}

} // namespace synth

SynthStudy writeSyntheticStudy(const SynthOptions& options, const std::filesystem::path& outDir) {
    if (!(options.lesionDiameterMm >= 3.0 && options.lesionDiameterMm <= 25.0)) {
        throw std::invalid_argument("synthetic study: lesion diameter " + synth::decimalString(options.lesionDiameterMm) +
                                    " mm is outside 3..25 mm");
    }
    if (options.laterality != "L" && options.laterality != "R") {
        throw std::invalid_argument("synthetic study: laterality '" + options.laterality + "' is not L or R");
    }
    if (options.modality == SynthModality::Tomosynthesis && options.view != "CC" && options.view != "MLO") {
        throw std::invalid_argument("synthetic study: view '" + options.view + "' is not CC or MLO");
    }
    std::error_code error;
    std::filesystem::create_directories(outDir, error);
    if (error) {
        throw std::runtime_error("synthetic study: cannot create " + outDir.string() + ": " + error.message());
    }

    const synth::Identity identity = synth::makeIdentity(options);
    SynthStudy study;
    study.patientId = identity.patientId;
    study.accessionNumber = identity.accessionNumber;
    study.studyInstanceUid = identity.studyInstanceUid;

    synth::SegDescription seg = options.modality == SynthModality::Ultrasound
                                    ? synth::writeUltrasoundImages(options, identity, outDir, study)
                                    : synth::writeTomosynthesisImage(options, identity, outDir, study);
    const std::string stem = identity.accessionNumber + (options.modality == SynthModality::Ultrasound
                                                             ? std::string("_us")
                                                             : "_dbt_" + options.laterality + options.view);
    if (options.labelMapSegmentation) {
        // Its own UIDs and file name: a BINARY and a LABELMAP SEG of the same images can coexist.
        seg.labelMap = true;
        seg.seriesInstanceUid = identity.uid("seg-labelmap/series");
        seg.sopInstanceUid = identity.uid("seg-labelmap/instance");
    }
    const std::filesystem::path segPath = outDir / (stem + (seg.labelMap ? "_labelmap_seg.dcm" : "_seg.dcm"));
    synth::writeSegmentation(identity, seg, segPath);
    study.segFiles.push_back(segPath);
    study.segSeriesInstanceUid = seg.seriesInstanceUid;
    study.segSopInstanceUids.push_back(seg.sopInstanceUid);
    return study;
}

} // namespace radnode::dicom
