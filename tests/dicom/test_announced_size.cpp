// Headers that announce more pixels than the file holds, or absurd frame sizes, are refused
// before anything is allocated from them: a hostile header must not make the node allocate
// gigabytes. The refusal names the file and the attribute at fault.
#include "dicom/analysis_input.h"
#include "dicom/geometry.h"
#include "dicom/pixel_decoder.h"
#include "dicom/segmentation.h"
#include "test_support.h"

#include <dcmtk/dcmdata/dctk.h>
#include <doctest/doctest.h>

#include <functional>

using namespace radnode::dicom;
using radnode::test::TempDir;

namespace {

std::filesystem::path dataFile(const std::string& relative) {
    return std::filesystem::path(RADNODE_TEST_DATA_DIR) / "dicom" / relative;
}

// A copy of `source` with `change` applied to its dataset.
std::filesystem::path altered(const std::filesystem::path& source, const std::filesystem::path& target,
                              const std::function<void(DcmDataset&)>& change) {
    DcmFileFormat file;
    REQUIRE(file.loadFile(source.c_str()).good());
    REQUIRE(file.loadAllDataIntoMemory().good());
    change(*file.getDataset());
    REQUIRE(file.saveFile(target.c_str(), file.getDataset()->getOriginalXfer()).good());
    return target;
}

template <typename Call>
std::string loadErrorOf(Call call) {
    try {
        call();
    } catch (const LoadError& error) {
        return error.what();
    }
    FAIL("no LoadError thrown");
    return {};
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

} // namespace

TEST_CASE("NumberOfFrames beyond the native pixel data is refused by the geometry reader and the decoder") {
    TempDir dir;
    const auto file = altered(dataFile("dx/dx_image.dcm"), dir / "frames.dcm",
                              [](DcmDataset& ds) { ds.putAndInsertString(DCM_NumberOfFrames, "2000000000"); });
    for (const auto& error : {loadErrorOf([&] { readImageGeometry(file); }),
                              loadErrorOf([&] { decodeGreyFrames(file, {1}); })}) {
        CAPTURE(error);
        CHECK(contains(error, "frames.dcm"));
        CHECK(contains(error, "NumberOfFrames 2000000000"));
        CHECK(contains(error, "Pixel Data holds"));
    }
}

TEST_CASE("a frame larger than the limit is refused whatever the file holds") {
    TempDir dir;
    const auto file = altered(dataFile("dx/dx_image.dcm"), dir / "huge.dcm", [](DcmDataset& ds) {
        ds.putAndInsertUint16(DCM_Rows, 65535);
        ds.putAndInsertUint16(DCM_Columns, 65535);
    });
    const auto error = loadErrorOf([&] { decodeGreyFrames(file); });
    CHECK(contains(error, "huge.dcm"));
    CHECK(contains(error, "Rows x Columns x SamplesPerPixel x BitsAllocated"));
    CHECK(contains(error, "MiB limit"));
    CHECK_THROWS_WITH_AS(readImageGeometry(file), doctest::Contains("MiB limit"), LoadError);
}

TEST_CASE("encapsulated pixel data: each announced frame needs a fragment, and the decoded total is bounded") {
    TempDir dir;
    const auto rle = dataFile("us/us-multiframe-rle-0020.dcm");
    const auto frames = altered(rle, dir / "frames.dcm",
                                [](DcmDataset& ds) { ds.putAndInsertString(DCM_NumberOfFrames, "100000"); });
    CHECK_THROWS_WITH_AS(readImageGeometry(frames), doctest::Contains("fragments"), LoadError);
    CHECK_THROWS_WITH_AS(decodeGreyFrames(frames, {1}), doctest::Contains("NumberOfFrames 100000"), LoadError);

    // 16384 x 16384 palette frames are within the per-frame limit, but decoding all of them
    // as doubles is not: refused before a byte is allocated.
    const auto large = altered(rle, dir / "large.dcm", [](DcmDataset& ds) {
        ds.putAndInsertUint16(DCM_Rows, 16384);
        ds.putAndInsertUint16(DCM_Columns, 16384);
    });
    const auto error = loadErrorOf([&] { decodeGreyFrames(large); });
    CHECK(contains(error, "large.dcm"));
    CHECK(contains(error, "MiB decoded"));
}

TEST_CASE("a SEG announcing more frames than its pixel data holds is refused before its frames are read") {
    TempDir dir;
    const auto seg = altered(dataFile("seg/liver.dcm"), dir / "seg.dcm",
                             [](DcmDataset& ds) { ds.putAndInsertString(DCM_NumberOfFrames, "1000000"); });
    const auto finder = [](const std::string&) -> std::optional<std::filesystem::path> { return std::nullopt; };
    const auto error = loadErrorOf([&] { loadSegmentInputs(seg, finder); });
    CHECK(contains(error, "NumberOfFrames 1000000"));
    CHECK(contains(error, "seg.dcm"));
}
