// Synthetic breast ultrasound: US Image Storage, 8-bit MONOCHROME2, 480 x 640, calibrated
// through the Sequence of Ultrasound Regions (0.1 mm pixels). Image 1 shows a hypoechoic,
// spiculated tumour with posterior shadowing; image 2 (optional) an axillary lymph node.
#include "dicom/synth_internal.h"
#include "dicom/synth_noise.h"
#include "dicom/synth_shapes.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace radnode::dicom::synth {

namespace {
constexpr const char* kUltrasoundImageStorage = "1.2.840.10008.5.1.4.1.1.6.1";
constexpr unsigned kRows = 480, kColumns = 640;
constexpr double kPixelMm = 0.1;  // PhysicalDeltaX/Y = 0.01 cm

// Where the scanner draws tissue and the grey bar (inclusive pixel bounds).
constexpr unsigned kTissueX0 = 64, kTissueY0 = 40, kTissueX1 = 623, kTissueY1 = 459;
constexpr unsigned kGreyBarX0 = 16, kGreyBarY0 = 112, kGreyBarX1 = 31, kGreyBarY1 = 367;
constexpr unsigned kTissueWidth = kTissueX1 - kTissueX0 + 1, kTissueHeight = kTissueY1 - kTissueY0 + 1;

// Mean echogenicity (0 black .. about 1 bright) over the tissue region, row-major.
struct EchoMap {
    std::vector<double> echo = std::vector<double>(kTissueWidth * kTissueHeight, 0.0);
    double& at(unsigned x, unsigned y) { return echo[y * kTissueWidth + x]; }
};

double depthMm(unsigned y) { return y * kPixelMm; }

// Skin, subcutaneous fat, a glandular (breast) or fatty (axilla) middle layer, and muscle,
// with undulating boundaries, lobular texture and a little depth attenuation.
EchoMap layeredBackground(Random& random, bool axilla) {
    const auto boundary1 = smoothNoise(random, kTissueWidth, 1, 1, 25, 0, 0);
    const auto boundary2 = smoothNoise(random, kTissueWidth, 1, 1, 30, 0, 0);
    const auto lobules = smoothNoise(random, kTissueWidth, kTissueHeight, 1, 6, 4, 0);
    const auto glandular = smoothNoise(random, kTissueWidth, kTissueHeight, 1, 4, 3, 0);
    const auto fibres = smoothNoise(random, kTissueWidth, kTissueHeight, 1, 20, 1, 0);

    const double fatBottom = axilla ? 13.0 : 7.0;
    const double muscleTop = axilla ? 33.0 : 35.0;
    EchoMap map;
    for (unsigned y = 0; y < kTissueHeight; ++y) {
        const double depth = depthMm(y);
        for (unsigned x = 0; x < kTissueWidth; ++x) {
            const std::size_t index = y * kTissueWidth + x;
            const double b1 = fatBottom + 2.0 * boundary1[x];
            const double b2 = muscleTop + 2.5 * boundary2[x];
            const double skin = depth < 0.3 ? 0.95 : (depth < 0.8 ? 0.55 : 0.85);
            const double fat = 0.30 + 0.08 * lobules[index];
            const double middle = axilla ? 0.36 + 0.10 * lobules[index]
                                         : (glandular[index] > 0.9 ? fat : 0.62 + 0.12 * glandular[index]);
            const double muscle = 0.40 + 0.14 * fibres[index];

            double echo = skin;
            echo += (fat - echo) * ramp(depth, 1.6, 0.4);
            echo += (middle - echo) * ramp(depth, b1, 0.8);
            echo += (fat - echo) * ramp(depth, b2 - 1.5, 0.6);
            echo += (muscle - echo) * ramp(depth, b2, 0.6);
            map.echo[index] = echo * (1.0 - 0.2 * depth / (kTissueHeight * kPixelMm));
        }
    }
    return map;
}

// Hypoechoic, heterogeneous interior; an echogenic halo just outside the margin; an acoustic
// shadow behind it, deeper where the lesion is thicker.
std::vector<std::uint8_t> drawTumour(Random& random, EchoMap& map, const LesionOutline2D& outline) {
    const auto interior = smoothNoise(random, kTissueWidth, kTissueHeight, 1, 3, 3, 0);
    std::vector<std::uint8_t> mask(kTissueWidth * kTissueHeight, 0);
    std::vector<unsigned> chord(kTissueWidth, 0), bottom(kTissueWidth, 0);
    for (unsigned y = 0; y < kTissueHeight; ++y) {
        for (unsigned x = 0; x < kTissueWidth; ++x) {
            const std::size_t index = y * kTissueWidth + x;
            const double q = outline.relativeRadius(x, y);
            if (q <= 1.0) {
                mask[index] = 1;
                map.echo[index] = 0.10 + 0.035 * interior[index];
                ++chord[x];
                bottom[x] = y;
            } else if (q < 1.15) {
                map.echo[index] += 0.3 * (1.15 - q) / 0.15;
            }
        }
    }
    const unsigned widest = *std::max_element(chord.begin(), chord.end());
    for (unsigned x = 0; x < kTissueWidth; ++x) {
        if (chord[x] == 0) continue;
        const double strength = 0.45 * chord[x] / widest;
        for (unsigned y = bottom[x] + 1; y < kTissueHeight; ++y) {
            map.echo[y * kTissueWidth + x] *= 1.0 - strength * ramp(depthMm(y - bottom[x]), 1.0, 2.0);
        }
    }
    return mask;
}

// An oval node: hypoechoic cortex around an echogenic fatty hilum. A metastatic node is
// rounder, its cortex thickened eccentrically (> 3 mm) and its hilum small and displaced.
std::vector<std::uint8_t> drawLymphNode(Random& random, EchoMap& map, bool metastatic) {
    const double lengthMm = (metastatic ? 13.0 : 14.5) * random.uniform(0.9, 1.1);
    const double widthMm = (metastatic ? 10.5 : 6.5) * random.uniform(0.9, 1.1);
    const double centerX = kTissueWidth / 2.0 + random.uniform(-60.0, 60.0);
    const double centerY = (15.0 + random.uniform(-2.0, 2.0)) / kPixelMm;
    // Long axis nearly parallel to the skin: direction (1, tilt) normalised, no angles.
    const double tilt = random.uniform(-0.2, 0.2);
    const double norm = std::sqrt(1.0 + tilt * tilt);
    const double axisX = 1.0 / norm, axisY = tilt / norm;

    LesionOutline2D node;
    node.semiAxisX = 0.5 * lengthMm / kPixelMm;
    node.semiAxisY = 0.5 * widthMm / kPixelMm;
    for (int k = 2; k <= 4; ++k) {
        const double amplitude = metastatic ? 0.05 : 0.015;
        node.cosineTerms.push_back(random.uniform(-1.0, 1.0) * amplitude);
        node.sineTerms.push_back(random.uniform(-1.0, 1.0) * amplitude);
    }
    LesionOutline2D hilum;
    // Normal: cortex about 2 mm all round. Metastatic: the hilum pushed towards one pole, so
    // the cortex on the other side is several millimetres thick.
    const double shift = metastatic ? random.uniform(0.4, 0.5) : random.uniform(0.0, 0.06);
    hilum.centerX = shift * node.semiAxisX;  // in the node's own axes
    hilum.centerY = 0.1 * node.semiAxisY;
    hilum.semiAxisX = metastatic ? 0.3 * node.semiAxisX : node.semiAxisX - 2.2 / kPixelMm;
    hilum.semiAxisY = metastatic ? 0.25 * node.semiAxisY : node.semiAxisY - 2.0 / kPixelMm;

    const auto texture = smoothNoise(random, kTissueWidth, kTissueHeight, 1, 3, 3, 0);
    std::vector<std::uint8_t> mask(kTissueWidth * kTissueHeight, 0);
    for (unsigned y = 0; y < kTissueHeight; ++y) {
        for (unsigned x = 0; x < kTissueWidth; ++x) {
            // Into the node's frame: along and across its long axis.
            const double dx = x - centerX, dy = y - centerY;
            const double along = dx * axisX + dy * axisY;
            const double across = -dx * axisY + dy * axisX;
            if (!node.contains(along, across)) continue;
            const std::size_t index = y * kTissueWidth + x;
            mask[index] = 1;
            const bool inHilum = hilum.contains(along, across);
            const double cortex = (metastatic ? 0.10 : 0.17) + 0.03 * texture[index];
            map.echo[index] = inHilum ? 0.70 + 0.08 * texture[index] : cortex;
        }
    }
    return mask;
}

// Rayleigh speckle (the magnitude of a correlated complex Gaussian field, longer laterally
// than axially, as a linear array's point-spread function) times the echogenicity.
std::vector<Uint8> renderImage(Random& random, const EchoMap& map) {
    const auto real = smoothNoise(random, kTissueWidth, kTissueHeight, 1, 2, 1, 0, 2);
    const auto imaginary = smoothNoise(random, kTissueWidth, kTissueHeight, 1, 2, 1, 0, 2);
    std::vector<Uint8> pixels(kRows * kColumns, 0);
    for (unsigned y = 0; y < kTissueHeight; ++y) {
        for (unsigned x = 0; x < kTissueWidth; ++x) {
            const std::size_t index = y * kTissueWidth + x;
            const double amplitude = std::sqrt(real[index] * real[index] + imaginary[index] * imaginary[index]);
            const double value = 190.0 * map.echo[index] * amplitude / 1.2533141373155;  // mean of Rayleigh(1)
            pixels[(y + kTissueY0) * kColumns + x + kTissueX0] =
                static_cast<Uint8>(std::min(255.0, std::max(0.0, value + 0.5)));
        }
    }
    for (unsigned y = kGreyBarY0; y <= kGreyBarY1; ++y) {
        for (unsigned x = kGreyBarX0; x <= kGreyBarX1; ++x) pixels[y * kColumns + x] = static_cast<Uint8>(kGreyBarY1 - y);
    }
    return pixels;
}

// The region mask is for the tissue region only; the SEG wants the whole image.
std::vector<std::uint8_t> toImageMask(const std::vector<std::uint8_t>& regionMask) {
    std::vector<std::uint8_t> mask(kRows * kColumns, 0);
    for (unsigned y = 0; y < kTissueHeight; ++y) {
        std::copy_n(regionMask.begin() + y * kTissueWidth, kTissueWidth, mask.begin() + (y + kTissueY0) * kColumns + kTissueX0);
    }
    return mask;
}

void writeUltrasoundRegions(DcmItem& dataset) {
    DcmItem& tissue = appendItem(dataset, DCM_SequenceOfUltrasoundRegions);
    putUint16(tissue, DCM_RegionSpatialFormat, 1);  // 2D
    putUint16(tissue, DCM_RegionDataType, 1);       // tissue
    putUint32(tissue, DCM_RegionFlags, 0);
    putUint32(tissue, DCM_RegionLocationMinX0, kTissueX0);
    putUint32(tissue, DCM_RegionLocationMinY0, kTissueY0);
    putUint32(tissue, DCM_RegionLocationMaxX1, kTissueX1);
    putUint32(tissue, DCM_RegionLocationMaxY1, kTissueY1);
    putSint32(tissue, DCM_ReferencePixelX0, static_cast<Sint32>((kTissueX0 + kTissueX1) / 2));
    putSint32(tissue, DCM_ReferencePixelY0, static_cast<Sint32>(kTissueY0));
    putUint16(tissue, DCM_PhysicalUnitsXDirection, 3);  // cm
    putUint16(tissue, DCM_PhysicalUnitsYDirection, 3);
    putFloat64(tissue, DCM_ReferencePixelPhysicalValueX, 0.0);
    putFloat64(tissue, DCM_ReferencePixelPhysicalValueY, 0.0);
    putFloat64(tissue, DCM_PhysicalDeltaX, kPixelMm / 10.0);
    putFloat64(tissue, DCM_PhysicalDeltaY, kPixelMm / 10.0);
    putUint32(tissue, DCM_TransducerFrequency, 12000);  // kHz

    DcmItem& greyBar = appendItem(dataset, DCM_SequenceOfUltrasoundRegions);
    putUint16(greyBar, DCM_RegionSpatialFormat, 5);  // graphics
    putUint16(greyBar, DCM_RegionDataType, 12);      // grey bar
    putUint32(greyBar, DCM_RegionFlags, 0);
    putUint32(greyBar, DCM_RegionLocationMinX0, kGreyBarX0);
    putUint32(greyBar, DCM_RegionLocationMinY0, kGreyBarY0);
    putUint32(greyBar, DCM_RegionLocationMaxX1, kGreyBarX1);
    putUint32(greyBar, DCM_RegionLocationMaxY1, kGreyBarY1);
    putUint16(greyBar, DCM_PhysicalUnitsXDirection, 0);  // none
    putUint16(greyBar, DCM_PhysicalUnitsYDirection, 0);
    putFloat64(greyBar, DCM_PhysicalDeltaX, 0.0);
    putFloat64(greyBar, DCM_PhysicalDeltaY, 0.0);
}

struct UltrasoundImage {
    std::string sopInstanceUid;
    unsigned instanceNumber = 1;
    std::string comment;
    Code anatomicRegion;
    std::vector<Uint8> pixels;
};

void writeImageFile(const SynthOptions& options, const Identity& identity, const std::string& seriesUid,
                    const UltrasoundImage& image, const std::filesystem::path& path) {
    DcmFileFormat file;
    DcmDataset& dataset = *file.getDataset();
    writeSopCommon(dataset, kUltrasoundImageStorage, image.sopInstanceUid);
    writePatientAndStudy(dataset, identity);

    putString(dataset, DCM_Modality, "US");
    putString(dataset, DCM_SeriesInstanceUID, seriesUid);
    putString(dataset, DCM_SeriesNumber, "1");
    putString(dataset, DCM_SeriesDate, kStudyDate);
    putString(dataset, DCM_SeriesTime, kStudyTime);
    putString(dataset, DCM_SeriesDescription, "SYNTHETIC breast and axilla");
    putString(dataset, DCM_BodyPartExamined, "BREAST");
    writeEquipment(dataset);

    putString(dataset, DCM_InstanceNumber, std::to_string(image.instanceNumber));
    putString(dataset, DCM_ContentDate, kStudyDate);
    putString(dataset, DCM_ContentTime, kStudyTime);
    putEmpty(dataset, DCM_PatientOrientation);
    putString(dataset, DCM_ImageType, "ORIGINAL\\PRIMARY\\BREAST\\0001");
    putString(dataset, DCM_ImageLaterality, options.laterality);
    putString(dataset, DCM_ImageComments, image.comment);
    putString(dataset, DCM_BurnedInAnnotation, "NO");
    putString(dataset, DCM_LossyImageCompression, "00");
    appendCode(dataset, DCM_AnatomicRegionSequence, image.anatomicRegion);
    putString(dataset, DCM_TransducerType, "LINEAR");

    putUint16(dataset, DCM_SamplesPerPixel, 1);
    putString(dataset, DCM_PhotometricInterpretation, "MONOCHROME2");
    putUint16(dataset, DCM_Rows, kRows);
    putUint16(dataset, DCM_Columns, kColumns);
    putUint16(dataset, DCM_BitsAllocated, 8);
    putUint16(dataset, DCM_BitsStored, 8);
    putUint16(dataset, DCM_HighBit, 7);
    putUint16(dataset, DCM_PixelRepresentation, 0);
    writeUltrasoundRegions(dataset);

    const OFCondition status = dataset.putAndInsertUint8Array(DCM_PixelData, image.pixels.data(),
                                                              static_cast<unsigned long>(image.pixels.size()));
    if (status.bad()) throw std::runtime_error("synthetic US: cannot store pixel data: " + std::string(status.text()));
    saveFile(file, path);
}

// Writes one image and records it in the study and the SEG: its frame (the region mask on the
// whole image) and its segment, numbered by the caller.
void addImage(const SynthOptions& options, const Identity& identity, const std::string& seriesUid,
              const UltrasoundImage& image, const std::filesystem::path& path,
              const std::vector<std::uint8_t>& regionMask, SegSegment segment, SynthStudy& study, SegDescription& seg) {
    writeImageFile(options, identity, seriesUid, image, path);
    study.imageFiles.push_back(path);
    study.imageSopInstanceUids.push_back(image.sopInstanceUid);
    seg.sourceSopInstanceUids.push_back(image.sopInstanceUid);
    SegFrame frame;
    frame.sourceSopClassUid = kUltrasoundImageStorage;
    frame.sourceSopInstanceUid = image.sopInstanceUid;
    frame.segmentNumber = segment.number;
    frame.mask = toImageMask(regionMask);
    seg.frames.push_back(std::move(frame));
    seg.segments.push_back(std::move(segment));
}

} // namespace

SegDescription writeUltrasoundImages(const SynthOptions& options, const Identity& identity,
                                     const std::filesystem::path& outDir, SynthStudy& study) {
    const std::string seriesUid = identity.uid("us/series");
    SegDescription seg;
    seg.sourceSeriesInstanceUid = seriesUid;
    seg.sourceSopClassUid = kUltrasoundImageStorage;
    seg.laterality = options.laterality;
    seg.seriesInstanceUid = identity.uid("seg/series");
    seg.sopInstanceUid = identity.uid("seg/instance");
    seg.seriesNumber = "100";
    seg.geometry.rows = kRows;
    seg.geometry.columns = kColumns;
    seg.geometry.rowSpacingMm = kPixelMm;
    seg.geometry.columnSpacingMm = kPixelMm;

    // Tumour image.
    {
        Random random(options.seed, "us/tumour");
        EchoMap map = layeredBackground(random, false);
        const double diameterPx = options.lesionDiameterMm / kPixelMm;
        const double depth = std::max(16.0, 0.65 * options.lesionDiameterMm + 6.0) + random.uniform(-1.5, 1.5);
        const LesionOutline2D outline = randomSpiculatedOutline(
            random, kTissueWidth / 2.0 + random.uniform(-80.0, 80.0), depth / kPixelMm, diameterPx);
        const auto regionMask = drawTumour(random, map, outline);
        study.tumourSpiculeCount = static_cast<int>(outline.spicules.size());

        UltrasoundImage image;
        image.sopInstanceUid = identity.uid("us/tumour/instance");
        image.instanceNumber = 1;
        image.comment = "SYNTHETIC spiculated hypoechoic mass, nominal diameter " +
                        decimalString(options.lesionDiameterMm) + " mm";
        image.anatomicRegion = {"76752008", "SCT", "Breast"};
        image.pixels = renderImage(random, map);
        addImage(options, identity, seriesUid, image, outDir / (identity.accessionNumber + "_us_tumour.dcm"),
                 regionMask, tumourSegment(identity, 1), study, seg);
    }

    if (options.includeLymphNode) {
        Random random(options.seed, "us/node");
        EchoMap map = layeredBackground(random, true);
        const auto regionMask = drawLymphNode(random, map, options.metastaticNode);

        UltrasoundImage image;
        image.sopInstanceUid = identity.uid("us/node/instance");
        image.instanceNumber = 2;
        image.comment = options.metastaticNode
                            ? "SYNTHETIC axillary lymph node, thickened cortex, effaced hilum"
                            : "SYNTHETIC axillary lymph node, thin cortex, fatty hilum";
        image.anatomicRegion = {"91470000", "SCT", "Axilla"};
        image.pixels = renderImage(random, map);
        addImage(options, identity, seriesUid, image, outDir / (identity.accessionNumber + "_us_node.dcm"),
                 regionMask, lymphNodeSegment(identity, 2), study, seg);
    }
    study.imageSeriesInstanceUid = seriesUid;
    return seg;
}

} // namespace radnode::dicom::synth
