// Replays the fuzzing seed corpus (tests/fuzz/corpus/) through the harness body in every
// build: bad input must come back as std::exception, never stop the node. The libFuzzer
// harness itself is optional (docs/fuzzing.md).
#include "fuzz/decode_one.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

namespace {

std::filesystem::path corpusDir() {
    return std::filesystem::path(RADNODE_TEST_DATA_DIR).parent_path() / "fuzz" / "corpus";
}

std::vector<std::filesystem::path> corpusFiles() {
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(corpusDir()))
        if (entry.is_regular_file()) files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    return files;
}

bool startsWith(const std::string& text, const std::string& prefix) {
    return text.compare(0, prefix.size(), prefix) == 0;
}

} // namespace

TEST_CASE("every file of the fuzzing corpus is decoded or refused with a message") {
    const auto files = corpusFiles();
    REQUIRE(files.size() >= 10);
    for (const auto& file : files) {
        CAPTURE(file.string());
        const auto outcome = radnode::fuzz::decodeOne(file);
        CHECK(outcome.steps.size() == 5);
        for (const auto& step : outcome.steps) {
            CAPTURE(step.step);
            CHECK((step.succeeded || !step.error.empty()));
        }
    }
}

TEST_CASE("the untouched seeds of the fuzzing corpus still decode, so the replay exercises the decoder") {
    for (const auto& file : corpusFiles()) {
        const auto name = file.filename().string();
        CAPTURE(name);
        const auto outcome = radnode::fuzz::decodeOne(file);
        if (startsWith(name, "seed-")) CHECK(outcome.succeeded("readInstanceHeader"));
        // The SR seed is no image: it has no geometry to read.
        if (startsWith(name, "seed-") && name != "seed-sr.dcm") CHECK(outcome.succeeded("readImageGeometry"));
        if (name == "seed-dx.dcm" || name == "seed-emri.dcm") CHECK(outcome.succeeded("decodeGreyFrames"));
        if (name == "seed-seg.dcm") CHECK(outcome.succeeded("readSegmentationInfo"));
        // Headers announcing frames the file cannot hold, or absurd frame sizes, are refused
        // before anything is sized from them (checkAnnouncedPixels).
        if (startsWith(name, "hostile-")) {
            CHECK_FALSE(outcome.succeeded("readImageGeometry"));
            CHECK_FALSE(outcome.succeeded("loadSegmentInputs"));
        }
        // Found by the fuzzer: a SEG announcing 1,000,000 frames over 13 per-frame items (a
        // timeout), and an image announcing 100,000,000 (3 GB of frame positions), neither with
        // Pixel Data: refused on the count before anything loops over or is sized from it.
        if (name == "hostile-perframe-count.dcm" || name == "hostile-frames-no-pixels.dcm") {
            const auto* geometry = outcome.find("readImageGeometry");
            REQUIRE(geometry != nullptr);
            CHECK(geometry->error.find("but no Pixel Data") != std::string::npos);
        }
        // A file cut inside its meta header is no DICOM at all.
        if (startsWith(name, "trunc200-")) CHECK_FALSE(outcome.succeeded("readInstanceHeader"));
        // The DX seed in every other transfer syntax, and a valid segmented palette (make_seeds.sh).
        if (startsWith(name, "xfer-") || name == "palette-segmented.dcm") CHECK(outcome.succeeded("decodeGreyFrames"));
        // Segmented palettes announcing more entries than a palette holds are refused, not expanded.
        if (startsWith(name, "palette-bomb-") || startsWith(name, "palette-empty-")) {
            const auto* decode = outcome.find("decodeGreyFrames");
            REQUIRE(decode != nullptr);
            CHECK_FALSE(decode->succeeded);
            CHECK(decode->error.find("segment") != std::string::npos);
        }
    }
}
