// Synthetic breast tomosynthesis: Breast Tomosynthesis Image Storage, an enhanced multi-frame
// volume (256 x 256 x 30+ frames, 0.2 mm in-plane, 1 mm between frames, 12 of 16 bits) with
// its geometry in shared and per-frame functional groups, holding a spiculated 3D mass.
#include "dicom/synth_internal.h"
#include "dicom/synth_noise.h"
#include "dicom/synth_shapes.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace radnode::dicom::synth {

namespace {
constexpr const char* kBreastTomosynthesisImageStorage = "1.2.840.10008.5.1.4.1.1.13.1.3";
constexpr unsigned kRows = 256, kColumns = 256;
constexpr double kPixelMm = 0.2, kFrameSpacingMm = 1.0;
constexpr double kHalfSqrt2 = 0.70710678118654752;

// Frame geometry: row direction (along a row), column direction (down a column), slice
// direction and the first frame's position. The chest wall is at the image edge the row
// direction starts from, as mammograms are hung: left breast "A\R", right breast "P\L";
// MLO tilts the column direction 45 degrees towards the feet.
struct VolumeGeometry {
    double row[3], column[3], normal[3], origin[3];
};

VolumeGeometry geometryFor(const SynthOptions& options) {
    const bool left = options.laterality == "L";
    const bool mlo = options.view == "MLO";
    VolumeGeometry g{};
    const double sideways = left ? -1.0 : 1.0;  // towards the patient's right for L, left for R
    g.row[0] = 0.0;
    g.row[1] = left ? -1.0 : 1.0;
    g.row[2] = 0.0;
    g.column[0] = mlo ? sideways * kHalfSqrt2 : sideways;
    g.column[1] = 0.0;
    g.column[2] = mlo ? -kHalfSqrt2 : 0.0;
    g.normal[0] = g.row[1] * g.column[2] - g.row[2] * g.column[1];
    g.normal[1] = g.row[2] * g.column[0] - g.row[0] * g.column[2];
    g.normal[2] = g.row[0] * g.column[1] - g.row[1] * g.column[0];
    g.origin[0] = left ? 105.0 : -105.0;
    g.origin[1] = left ? -60.0 : 60.0;
    g.origin[2] = -20.0;
    return g;
}

std::array<double, 3> framePosition(const VolumeGeometry& g, unsigned frameIndex) {
    std::array<double, 3> position{};
    for (int i = 0; i < 3; ++i) position[i] = g.origin[i] + frameIndex * kFrameSpacingMm * g.normal[i];
    return position;
}

struct Volume {
    unsigned frames = 0;
    unsigned rows = kRows, columns = kColumns;
    std::vector<Uint16> pixels;       // frames * rows * columns
    std::vector<std::uint8_t> mask;   // same layout
};

// Fat and fibroglandular tissue (denser near the chest wall), a bright skin line, air
// outside; the mass is denser than gland and smeared along z as reconstruction blurs it.
Volume renderVolume(const SynthOptions& options, unsigned frames) {
    // The same mass in every view of a seed; the tissue and noise differ between views.
    Random random(options.seed, "dbt/tissue/" + options.view);
    Random lesionRandom(options.seed, "dbt/lesion");
    const bool chestWallLeft = options.laterality == "L";
    const std::size_t frameSize = static_cast<std::size_t>(kRows) * kColumns;
    const auto texture = smoothNoise(random, kColumns, kRows, frames, 4, 4, 1);

    const double breastDepthMm = 44.0, breastHalfHeightMm = 60.0;
    const double center[3] = {(chestWallLeft ? 0.45 : 0.55) * kColumns * kPixelMm + lesionRandom.uniform(-3.0, 3.0),
                              0.5 * kRows * kPixelMm + lesionRandom.uniform(-2.0, 2.0),
                              0.5 * (frames - 1) * kFrameSpacingMm + lesionRandom.uniform(-2.0, 2.0)};
    const LesionOutline3D lesion = randomSpiculatedVolume(lesionRandom, center, options.lesionDiameterMm);

    Volume volume;
    volume.frames = frames;
    volume.mask.assign(frameSize * frames, 0);
    std::vector<double> mass(frameSize * frames, 0.0);
    const double reach = lesion.reach();
    for (unsigned z = 0; z < frames; ++z) {
        for (unsigned y = 0; y < kRows; ++y) {
            for (unsigned x = 0; x < kColumns; ++x) {
                const double point[3] = {x * kPixelMm, y * kPixelMm, z * kFrameSpacingMm};
                if (std::fabs(point[0] - center[0]) > reach || std::fabs(point[1] - center[1]) > reach ||
                    std::fabs(point[2] - center[2]) > reach || !lesion.contains(point)) {
                    continue;
                }
                const std::size_t index = z * frameSize + y * kColumns + x;
                volume.mask[index] = 1;
                mass[index] = 1.0;
            }
        }
    }
    boxBlurAxis(mass, kColumns, kRows, frames, 2, 1);  // out-of-plane blur of the reconstruction

    volume.pixels.resize(frameSize * frames);
    for (unsigned z = 0; z < frames; ++z) {
        for (unsigned y = 0; y < kRows; ++y) {
            for (unsigned x = 0; x < kColumns; ++x) {
                const std::size_t index = z * frameSize + y * kColumns + x;
                const double fromChestWall = (chestWallLeft ? x : kColumns - 1 - x) * kPixelMm;
                const double across = (y - 0.5 * kRows) * kPixelMm;
                const double outline = std::sqrt((fromChestWall / breastDepthMm) * (fromChestWall / breastDepthMm) +
                                                 (across / breastHalfHeightMm) * (across / breastHalfHeightMm));
                double value;
                if (outline > 1.0) {
                    value = 80.0 + 10.0 * random.gaussian();
                } else {
                    const double t = texture[index];
                    const double gland = t / (1.0 + std::fabs(t));  // soft threshold, -1..1
                    const double tissue = 1000.0 + 450.0 * gland + 200.0 * (1.0 - fromChestWall / breastDepthMm);
                    const double lesion = 1950.0 + 60.0 * t;
                    value = tissue + (lesion - tissue) * mass[index];
                    value += 500.0 * ramp(outline, 0.985, 0.02);  // skin line
                    value += 25.0 * random.gaussian();
                }
                volume.pixels[index] = static_cast<Uint16>(std::min(4095.0, std::max(0.0, value + 0.5)));
            }
        }
    }
    return volume;
}

// Index into a 256-pixel block of the coordinate `d` pixels from its first pixel, the block
// mirrored at its edges so that tissue continues without a seam.
unsigned mirrored(long d, unsigned size) {
    const long period = 2L * size;
    const long m = ((d % period) + period) % period;
    return static_cast<unsigned>(m < static_cast<long>(size) ? m : period - 1 - m);
}

// The rendered block in the middle of larger frames; around it the first frame's tissue
// (no mass there), mirrored. The mask moves with the block.
Volume onLargerFrames(const Volume& block, unsigned columns, unsigned rows, unsigned& offsetX, unsigned& offsetY) {
    offsetX = (columns - block.columns) / 2;
    offsetY = (rows - block.rows) / 2;
    Volume large;
    large.frames = block.frames;
    large.columns = columns;
    large.rows = rows;
    const std::size_t frameSize = static_cast<std::size_t>(rows) * columns;
    const std::size_t blockSize = static_cast<std::size_t>(block.rows) * block.columns;
    large.pixels.resize(frameSize * block.frames);
    large.mask.assign(frameSize * (block.mask.size() / blockSize), 0);
    for (unsigned z = 0; z < block.frames; ++z) {
        for (unsigned y = 0; y < rows; ++y) {
            const long by = static_cast<long>(y) - offsetY;
            const bool rowInside = by >= 0 && by < static_cast<long>(block.rows);
            for (unsigned x = 0; x < columns; ++x) {
                const long bx = static_cast<long>(x) - offsetX;
                const std::size_t to = z * frameSize + static_cast<std::size_t>(y) * columns + x;
                if (rowInside && bx >= 0 && bx < static_cast<long>(block.columns)) {
                    const std::size_t from = z * blockSize + static_cast<std::size_t>(by) * block.columns + bx;
                    large.pixels[to] = block.pixels[from];
                    if (from < block.mask.size()) large.mask[to] = block.mask[from];
                } else {
                    large.pixels[to] = block.pixels[static_cast<std::size_t>(mirrored(by, block.rows)) * block.columns +
                                                    mirrored(bx, block.columns)];
                }
            }
        }
    }
    return large;
}

void writeFunctionalGroups(DcmItem& dataset, const VolumeGeometry& geometry, unsigned frames,
                           const SynthOptions& options) {
    DcmItem& shared = appendItem(dataset, DCM_SharedFunctionalGroupsSequence);
    DcmItem& measures = appendItem(shared, DCM_PixelMeasuresSequence);
    putString(measures, DCM_PixelSpacing, decimalStrings({kPixelMm, kPixelMm}));
    putString(measures, DCM_SliceThickness, decimalString(kFrameSpacingMm));
    putString(measures, DCM_SpacingBetweenSlices, decimalString(kFrameSpacingMm));
    putString(appendItem(shared, DCM_PlaneOrientationSequence), DCM_ImageOrientationPatient,
              decimalStrings({geometry.row[0], geometry.row[1], geometry.row[2], geometry.column[0],
                              geometry.column[1], geometry.column[2]}));
    DcmItem& anatomy = appendItem(shared, DCM_FrameAnatomySequence);
    appendCode(anatomy, DCM_AnatomicRegionSequence, {"76752008", "SCT", "Breast"});
    putString(anatomy, DCM_FrameLaterality, options.laterality);
    DcmItem& transformation = appendItem(shared, DCM_PixelValueTransformationSequence);
    putString(transformation, DCM_RescaleIntercept, "0");
    putString(transformation, DCM_RescaleSlope, "1");
    putString(transformation, DCM_RescaleType, "US");
    DcmItem& window = appendItem(shared, DCM_FrameVOILUTSequence);
    putString(window, DCM_WindowCenter, "1300");
    putString(window, DCM_WindowWidth, "1600");

    for (unsigned frame = 0; frame < frames; ++frame) {
        DcmItem& perFrame = appendItem(dataset, DCM_PerFrameFunctionalGroupsSequence);
        DcmItem& content = appendItem(perFrame, DCM_FrameContentSequence);
        putUint32s(content, DCM_DimensionIndexValues, {1u, frame + 1});
        putString(content, DCM_StackID, "1");
        putUint32(content, DCM_InStackPositionNumber, frame + 1);
        // One sweep: every reconstructed frame shares the acquisition's time and duration.
        putString(content, DCM_FrameAcquisitionDateTime, std::string(kStudyDate) + kStudyTime);
        putString(content, DCM_FrameReferenceDateTime, std::string(kStudyDate) + kStudyTime);
        putFloat64(content, DCM_FrameAcquisitionDuration, 3700.0);
        // Per frame, not shared: dicom3tools' BT definition looks for it there.
        DcmItem& frameType = appendItem(perFrame, DCM_XRay3DFrameTypeSequence);
        putString(frameType, DCM_FrameType, "ORIGINAL\\PRIMARY\\TOMOSYNTHESIS\\NONE");
        putString(frameType, DCM_PixelPresentation, "MONOCHROME");
        putString(frameType, DCM_VolumetricProperties, "VOLUME");
        putString(frameType, DCM_VolumeBasedCalculationTechnique, "TOMOSYNTHESIS");
        const auto position = framePosition(geometry, frame);
        putString(appendItem(perFrame, DCM_PlanePositionSequence), DCM_ImagePositionPatient,
                  decimalStrings({position[0], position[1], position[2]}));
    }
}

void writeDimensions(DcmItem& dataset, const Identity& identity) {
    const std::string organizationUid = identity.uid("dbt/dimension-organization");
    putString(appendItem(dataset, DCM_DimensionOrganizationSequence), DCM_DimensionOrganizationUID, organizationUid);
    putString(dataset, DCM_DimensionOrganizationType, "3D");
    DcmItem& byStack = appendItem(dataset, DCM_DimensionIndexSequence);
    putString(byStack, DCM_DimensionOrganizationUID, organizationUid);
    putTagKey(byStack, DCM_DimensionIndexPointer, DCM_StackID);
    putTagKey(byStack, DCM_FunctionalGroupPointer, DCM_FrameContentSequence);
    DcmItem& byPosition = appendItem(dataset, DCM_DimensionIndexSequence);
    putString(byPosition, DCM_DimensionOrganizationUID, organizationUid);
    putTagKey(byPosition, DCM_DimensionIndexPointer, DCM_InStackPositionNumber);
    putTagKey(byPosition, DCM_FunctionalGroupPointer, DCM_FrameContentSequence);
}

void writeImageFile(const SynthOptions& options, const Identity& identity, const std::string& seriesUid,
                    const std::string& sopInstanceUid, const std::string& frameOfReferenceUid,
                    const VolumeGeometry& geometry, const Volume& volume, const std::filesystem::path& path) {
    DcmFileFormat file;
    DcmDataset& dataset = *file.getDataset();
    writeSopCommon(dataset, kBreastTomosynthesisImageStorage, sopInstanceUid);
    writePatientAndStudy(dataset, identity);

    putString(dataset, DCM_Modality, "MG");
    putString(dataset, DCM_SeriesInstanceUID, seriesUid);
    putString(dataset, DCM_SeriesNumber, options.view == "CC" ? "1" : "2");
    putString(dataset, DCM_SeriesDate, kStudyDate);
    putString(dataset, DCM_SeriesTime, kStudyTime);
    putString(dataset, DCM_SeriesDescription, "SYNTHETIC tomosynthesis " + options.laterality + " " + options.view);
    putString(dataset, DCM_BodyPartExamined, "BREAST");
    putString(dataset, DCM_FrameOfReferenceUID, frameOfReferenceUid);
    putEmpty(dataset, DCM_PositionReferenceIndicator);
    writeEquipment(dataset);

    putString(dataset, DCM_InstanceNumber, "1");
    putString(dataset, DCM_ContentDate, kStudyDate);
    putString(dataset, DCM_ContentTime, kStudyTime);
    putString(dataset, DCM_ImageType, "ORIGINAL\\PRIMARY\\TOMOSYNTHESIS\\NONE");
    putString(dataset, DCM_PixelPresentation, "MONOCHROME");
    putString(dataset, DCM_VolumetricProperties, "VOLUME");
    putString(dataset, DCM_VolumeBasedCalculationTechnique, "TOMOSYNTHESIS");
    putString(dataset, DCM_PresentationLUTShape, "IDENTITY");
    putString(dataset, DCM_BurnedInAnnotation, "NO");
    putString(dataset, DCM_LossyImageCompression, "00");
    putString(dataset, DCM_ContentQualification, "PRODUCT");
    putString(dataset, DCM_ImageComments, "SYNTHETIC spiculated mass, nominal diameter " +
                                              decimalString(options.lesionDiameterMm) + " mm");
    putEmptySequence(dataset, DCM_AcquisitionContextSequence);

    // Breast View. Laterality is Frame Laterality in the shared Frame Anatomy group: the
    // enhanced family has no Image Laterality.
    DcmItem& view = appendItem(dataset, DCM_ViewCodeSequence);
    putString(view, DCM_CodeValue, options.view == "CC" ? "399162004" : "399368009");
    putString(view, DCM_CodingSchemeDesignator, "SCT");
    putString(view, DCM_CodeMeaning, options.view == "CC" ? "cranio-caudal" : "medio-lateral oblique");
    putEmptySequence(view, DCM_ViewModifierCodeSequence);
    putString(dataset, DCM_BreastImplantPresent, "NO");
    putString(dataset, DCM_PartialView, "NO");

    putUint16(dataset, DCM_SamplesPerPixel, 1);
    putString(dataset, DCM_PhotometricInterpretation, "MONOCHROME2");
    putUint16(dataset, DCM_Rows, static_cast<Uint16>(volume.rows));
    putUint16(dataset, DCM_Columns, static_cast<Uint16>(volume.columns));
    putUint16(dataset, DCM_BitsAllocated, 16);
    putUint16(dataset, DCM_BitsStored, 12);
    putUint16(dataset, DCM_HighBit, 11);
    putUint16(dataset, DCM_PixelRepresentation, 0);
    putString(dataset, DCM_NumberOfFrames, std::to_string(volume.frames));

    writeDimensions(dataset, identity);
    writeFunctionalGroups(dataset, geometry, volume.frames, options);

    const OFCondition status = dataset.putAndInsertUint16Array(DCM_PixelData, volume.pixels.data(),
                                                               static_cast<unsigned long>(volume.pixels.size()));
    if (status.bad()) throw std::runtime_error("synthetic DBT: cannot store pixel data: " + std::string(status.text()));
    saveFile(file, path);
}
} // namespace

SegDescription writeTomosynthesisImage(const SynthOptions& options, const Identity& identity,
                                       const std::filesystem::path& outDir, SynthStudy& study) {
    // Enough frames to hold the mass with its spicules: 30 for masses up to 15 mm.
    const unsigned frames = std::max(30u, static_cast<unsigned>(1.6 * options.lesionDiameterMm + 6.0));
    VolumeGeometry geometry = geometryFor(options);
    Volume volume = renderVolume(options, frames);
    if (options.tomosynthesisFrames > frames) {
        // Beyond the mass: repeat the rendered frames (no lesion mask there). Only the first
        // `frames` frames are segmented, so the SEG stays valid.
        const std::size_t frameSize = static_cast<std::size_t>(kRows) * kColumns;
        volume.pixels.resize(frameSize * options.tomosynthesisFrames);
        for (unsigned frame = frames; frame < options.tomosynthesisFrames; ++frame) {
            std::copy_n(volume.pixels.begin() + (frame % frames) * frameSize, frameSize,
                        volume.pixels.begin() + frame * frameSize);
        }
        volume.frames = options.tomosynthesisFrames;
    }
    if (options.tomosynthesisColumns > 0 || options.tomosynthesisRows > 0) {
        const unsigned columns = options.tomosynthesisColumns, rows = options.tomosynthesisRows;
        if (columns < kColumns || rows < kRows || columns > 4096 || rows > 4096) {
            throw std::invalid_argument("synthetic tomosynthesis: frame size " + std::to_string(columns) + " x " +
                                        std::to_string(rows) + " is outside 256..4096 pixels per side");
        }
        unsigned offsetX = 0, offsetY = 0;
        volume = onLargerFrames(volume, columns, rows, offsetX, offsetY);
        // The block keeps its place in the patient: the first pixel moves out by the offset.
        for (int i = 0; i < 3; ++i) {
            geometry.origin[i] -= kPixelMm * (offsetX * geometry.row[i] + offsetY * geometry.column[i]);
        }
    }

    const std::string seriesUid = identity.uid("dbt/series");
    const std::string sopInstanceUid = identity.uid("dbt/instance");
    const std::string frameOfReferenceUid = identity.uid("frame-of-reference");
    const auto path = outDir / (identity.accessionNumber + "_dbt_" + options.laterality + options.view + ".dcm");
    writeImageFile(options, identity, seriesUid, sopInstanceUid, frameOfReferenceUid, geometry, volume, path);
    study.imageFiles.push_back(path);
    study.imageSopInstanceUids.push_back(sopInstanceUid);
    study.imageSeriesInstanceUid = seriesUid;
    study.frameOfReferenceUid = frameOfReferenceUid;

    SegDescription seg;
    seg.sourceSeriesInstanceUid = seriesUid;
    seg.sourceSopClassUid = kBreastTomosynthesisImageStorage;
    seg.sourceSopInstanceUids = {sopInstanceUid};
    seg.laterality = options.laterality;
    seg.seriesInstanceUid = identity.uid("seg/series");
    seg.sopInstanceUid = identity.uid("seg/instance");
    seg.seriesNumber = options.view == "CC" ? "101" : "102";
    seg.geometry.rows = volume.rows;
    seg.geometry.columns = volume.columns;
    seg.geometry.rowSpacingMm = kPixelMm;
    seg.geometry.columnSpacingMm = kPixelMm;
    seg.geometry.sliceThicknessMm = kFrameSpacingMm;
    seg.geometry.frameOfReferenceUid = frameOfReferenceUid;
    seg.geometry.imageOrientation = {geometry.row[0],    geometry.row[1],    geometry.row[2],
                                     geometry.column[0], geometry.column[1], geometry.column[2]};
    seg.segments.push_back(tumourSegment(identity, 1));

    const std::size_t frameSize = static_cast<std::size_t>(volume.rows) * volume.columns;
    for (unsigned frame = 0; frame < frames; ++frame) {
        const auto begin = volume.mask.begin() + frame * frameSize;
        if (std::none_of(begin, begin + frameSize, [](std::uint8_t inside) { return inside != 0; })) continue;
        SegFrame segFrame;
        segFrame.sourceSopClassUid = kBreastTomosynthesisImageStorage;
        segFrame.sourceSopInstanceUid = sopInstanceUid;
        segFrame.sourceFrameNumber = frame + 1;
        segFrame.segmentNumber = 1;
        segFrame.mask.assign(begin, begin + frameSize);
        segFrame.imagePosition = framePosition(geometry, frame);
        seg.frames.push_back(std::move(segFrame));
    }
    return seg;
}

} // namespace radnode::dicom::synth
