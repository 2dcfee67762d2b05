// Replays the fuzzing seed corpus (tests/fuzz/corpus/) through the harness body in every
// build: bad input must come back as std::exception, never stop the node. The libFuzzer
// harness itself is optional (docs/fuzzing.md).
#include "fuzz/decode_one.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
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

// A line of /proc/self/status in KiB ("VmRSS", "VmHWM"); -1 when it cannot be read.
long statusKiB(const std::string& key) {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.compare(0, key.size() + 1, key + ":") == 0) return std::stol(line.substr(key.size() + 1));
    return -1;
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
        if (startsWith(name, "hostile-") && !startsWith(name, "hostile-j2k-")) {
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

TEST_CASE("a JPEG 2000 file GDCM's file parser misread decodes from DCMTK's fragments without a large allocation") {
    // Found by the fuzzer: DCMTK reads this DX (elements out of order, two with odd VRs), but
    // gdcm::ImageRegionReader misparsed an element and sized a 1.3 GB buffer from it (10 s, 1.4 GB
    // RSS). The frame's codestream now comes from DCMTK's pixel sequence; its pixels are the seed's.
    const auto file = corpusDir() / "hostile-j2k-gdcm-length.dcm";
    // Writing 5 to clear_refs resets the peak RSS (VmHWM) to the current RSS (Linux 4.0 and later).
    const bool peakReset = static_cast<bool>(std::ofstream("/proc/self/clear_refs") << "5" << std::flush);
    const long before = statusKiB("VmRSS");
    const auto outcome = radnode::fuzz::decodeOne(file);
    const long peak = statusKiB("VmHWM");
    CHECK(outcome.succeeded("decodeGreyFrames"));
    if (peakReset && before > 0 && peak > 0) {
        CAPTURE(before);
        CAPTURE(peak);
        CHECK(peak - before < 64 * 1024);
    } else {
        WARN_MESSAGE(false, "peak RSS cannot be reset here: the allocation bound is not measured");
    }
    const auto seed = radnode::dicom::decodeGreyFrames(corpusDir() / "xfer-j2k-dx.dcm");
    CHECK(radnode::dicom::decodeGreyFrames(file).values == seed.values);
}
