// libFuzzer entry point for the DICOM parse-and-decode path: the bytes become a file (the
// node's readers take paths, as files are received to disk) and go through decodeOne.
// Build and run: docs/fuzzing.md.
#include "fuzz/decode_one.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/oflog/oflog.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

namespace {

// One scratch file per fuzzing process (parallel -jobs/-workers each get their own).
const std::filesystem::path& scratchFile() {
    static const std::filesystem::path file =
        std::filesystem::temp_directory_path() / ("radnode-fuzz-" + std::to_string(::getpid()) + ".dcm");
    return file;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    // DCMTK warns about every malformed element; at millions of inputs that is all the fuzzer would do.
    OFLog::configure(OFLogger::FATAL_LOG_LEVEL);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    {
        std::ofstream out(scratchFile(), std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
        if (!out) {
            std::fprintf(stderr, "cannot write the fuzz scratch file %s\n", scratchFile().c_str());
            std::abort();
        }
    }
    (void)radnode::fuzz::decodeOne(scratchFile());
    return 0;
}
