// extractRois against extract, ROI by ROI: the shared filter images must not change a bit.
#include "analysis/extractor.h"
#include "analysis/image_io_itk.h"
#include "analysis/peritumoral.h"
#include "config/pyradiomics_params.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <stdexcept>
#include <string>

using namespace radnode::analysis;

namespace {

const std::filesystem::path kData = RADNODE_TEST_DATA_DIR;

// Exact equality; NaN ("not defined for this ROI") equals NaN.
bool same(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

void checkSameAsExtract(const Image& image, const std::vector<NamedRoi>& rois, const ExtractionParams& params) {
    const auto shared = extractRois(image, rois, params);
    REQUIRE(shared.size() == rois.size());
    for (std::size_t r = 0; r < rois.size(); ++r) {
        CAPTURE(rois[r].name);
        const ExtractionResult alone = extract(image, rois[r].mask, params);
        CHECK(shared[r].roi == rois[r].name);
        const auto& features = shared[r].result.features;
        REQUIRE(features.size() == alone.features.size());
        std::size_t differing = 0;
        for (std::size_t f = 0; f < features.size(); ++f) {
            if (features[f].name != alone.features[f].name || !same(features[f].value, alone.features[f].value)) {
                if (++differing <= 5) FAIL_CHECK(features[f].name << " " << features[f].value << " vs "
                                                                  << alone.features[f].name << " " << alone.features[f].value);
            }
        }
        CHECK(differing == 0);
        const auto& diagnostics = shared[r].result.diagnostics;
        REQUIRE(diagnostics.size() == alone.diagnostics.size());
        for (std::size_t d = 0; d < diagnostics.size(); ++d) {
            CHECK(diagnostics[d].feature == alone.diagnostics[d].feature);
            CHECK(diagnostics[d].message == alone.diagnostics[d].message);
        }
    }
}

} // namespace

TEST_CASE("extractRois equals extract per ROI on breast1 with every filter and 3D rings") {
    const Image image = readImage(kData / "pyradiomics" / "breast1_image.nrrd");
    const Mask tumour = readMask(kData / "pyradiomics" / "breast1_label.nrrd");
    auto params = radnode::config::readPyradiomicsParams(kData / "pyradiomics-filters" / "breast1_filters.yaml");
    params.settings.additionalInfo = true; // the diagnostics must match too
    const auto rois = peritumoralRois(tumour, {3.0, 5.0, 10.0}, false);
    REQUIRE(rois.size() == 7);
    checkSameAsExtract(image, rois, params);
}

TEST_CASE("extractRois equals extract per ROI on one breast1 slice with force2D and in-plane rings") {
    const Image volume = readImage(kData / "pyradiomics" / "breast1_image.nrrd");
    const Mask volumeMask = readMask(kData / "pyradiomics" / "breast1_label.nrrd");
    // The slice where the tumour is largest, as a one-slice image.
    std::size_t best = 0;
    std::size_t bestCount = 0;
    for (std::size_t z = 0; z < volumeMask.geometry.size[2]; ++z) {
        IndexBox slice{{0, 0, z}, {volumeMask.geometry.size[0], volumeMask.geometry.size[1], z + 1}};
        const std::size_t count = crop(volumeMask, slice).count();
        if (count > bestCount) {
            best = z;
            bestCount = count;
        }
    }
    REQUIRE(bestCount > 0);
    const IndexBox slice{{0, 0, best}, {volumeMask.geometry.size[0], volumeMask.geometry.size[1], best + 1}};
    const Image image = crop(volume, slice);
    const Mask tumour = crop(volumeMask, slice);
    const auto params = radnode::config::readPyradiomicsParams(kData / "bench" / "timing_d_us2d_filters.yaml");
    checkSameAsExtract(image, peritumoralRois(tumour, {3.0, 5.0, 10.0}, true), params);
}

TEST_CASE("extractRois names the ROI that fails PyRadiomics' checks") {
    const Image image = readImage(kData / "pyradiomics" / "breast1_image.nrrd");
    const Mask tumour = readMask(kData / "pyradiomics" / "breast1_label.nrrd");
    Mask empty = tumour;
    std::fill(empty.voxels.begin(), empty.voxels.end(), 0);
    ExtractionParams params;
    params.imageTypes = {ImageTypeSpec{"Original", params.settings}};
    params.featureClasses = {{"firstorder", {"Mean"}}};
    CHECK(extractRois(image, {}, params).empty());
    try {
        extractRois(image, {NamedRoi{"tumor", tumour}, NamedRoi{"ring-3mm", empty}}, params);
        FAIL("an empty ROI must be refused");
    } catch (const std::invalid_argument& error) {
        CHECK(std::string(error.what()).rfind("ROI ring-3mm: ", 0) == 0);
    }
}
