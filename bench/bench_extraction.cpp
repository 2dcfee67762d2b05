// Extraction benchmark (issue 3, item 8): wall time of PyRadiomics-compatible extraction on a
// 2D ultrasound ROI with peritumoral rings, a 3D synthetic lesion with rings, and PyRadiomics'
// brain1; per image type, per feature class, ROI-size scaling, all-cores throughput, and
// PyRadiomics' own timings beside ours. Prints a table and writes it to --out.
#include "analysis/extractor.h"
#include "analysis/image_io_itk.h"
#include "analysis/peritumoral.h"
#include "analysis/seeded_random.h"
#include "config/pyradiomics_params.h"

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#ifndef RADNODE_BENCH_SOURCE_DIR
#define RADNODE_BENCH_SOURCE_DIR "."
#endif

namespace {

using namespace radnode::analysis;
namespace fs = std::filesystem;

struct Options {
    fs::path dataDir = RADNODE_BENCH_SOURCE_DIR; // repository root: holds bench/data and tests/data
    fs::path out = "bench_extraction.txt";
    int repeat = 5;
    bool quick = false; // only the issue targets: extractRois on all ROIs of (a) and (b)
    fs::path dump;      // with --quick: every feature value of (a) and (b), to compare two builds
    std::string onlyCase; // with --quick: "a" or "b" for one case only
};

// One benchmark case: an image, its ROIs (tumour first), and a parameter file.
struct BenchCase {
    std::string name;
    std::string paramsFile;
    Image image;
    std::vector<NamedRoi> rois;
    ExtractionParams params;
};

// Everything printed goes to stdout and to the report file.
class Report {
public:
    void line(const std::string& text) {
        std::cout << text << '\n' << std::flush;
        text_ += text + '\n';
    }
    const std::string& text() const { return text_; }

private:
    std::string text_;
};

std::string format(const char* pattern, ...) __attribute__((format(printf, 1, 2)));
std::string format(const char* pattern, ...) {
    char buffer[512];
    va_list args;
    va_start(args, pattern);
    std::vsnprintf(buffer, sizeof buffer, pattern, args);
    va_end(args);
    return buffer;
}

double seconds(std::chrono::steady_clock::duration d) { return std::chrono::duration<double>(d).count(); }

double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    const std::size_t n = values.size();
    return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

double peakRssMiB() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss / 1024.0; // Linux reports KiB
}

// Runs the extraction on every ROI once; returns the seconds each ROI took. The feature count
// is summed into `sink` so the work cannot be skipped.
std::vector<double> extractAll(const Image& image, const std::vector<NamedRoi>& rois, const ExtractionParams& params,
                               std::size_t& sink) {
    std::vector<double> times;
    for (const auto& roi : rois) {
        const auto start = std::chrono::steady_clock::now();
        const ExtractionResult result = extract(image, roi.mask, params);
        times.push_back(seconds(std::chrono::steady_clock::now() - start));
        sink += result.features.size();
    }
    return times;
}

// Median over `repeat` runs of extracting every ROI the way the node does: one extractRois
// call, each derived image (filter) computed once and shared by the ROIs.
double medianTotal(const BenchCase& c, const ExtractionParams& params, int repeat, std::size_t& sink) {
    std::vector<double> totals;
    for (int r = 0; r < repeat; ++r) {
        const auto start = std::chrono::steady_clock::now();
        const auto results = extractRois(c.image, c.rois, params);
        totals.push_back(seconds(std::chrono::steady_clock::now() - start));
        for (const auto& roi : results) sink += roi.result.features.size();
    }
    return median(totals);
}

std::vector<NamedRoi> withRings(const Mask& tumour, bool inPlane) {
    return peritumoralRois(tumour, {3.0, 5.0, 10.0}, inPlane);
}

struct CaseTimes {
    double total = 0;              // all ROIs, all image types, all classes
    std::vector<double> perRoi;    // median per ROI
};

// Times a case: per ROI and total, then one image type and one class at a time.
CaseTimes runCase(const BenchCase& c, int repeat, Report& report, std::size_t& sink) {
    const Geometry& g = c.image.geometry;
    report.line("");
    report.line(format("== %s: image %zux%zux%zu (%.2fx%.2fx%.2f mm), params %s", c.name.c_str(), g.size[0], g.size[1],
                       g.size[2], g.spacing[0], g.spacing[1], g.spacing[2], c.paramsFile.c_str()));

    std::vector<std::vector<double>> perRoiRuns(c.rois.size());
    std::vector<double> totals;
    std::size_t featureCount = 0;
    for (int r = 0; r < repeat; ++r) {
        featureCount = 0;
        const auto times = extractAll(c.image, c.rois, c.params, featureCount);
        double total = 0;
        for (std::size_t i = 0; i < times.size(); ++i) {
            perRoiRuns[i].push_back(times[i]);
            total += times[i];
        }
        totals.push_back(total);
    }
    sink += featureCount;

    CaseTimes result;
    const double sumOfRois = median(totals);
    result.total = medianTotal(c, c.params, repeat, sink);
    report.line(format("  %-22s %10s %12s", "ROI", "voxels", "median s"));
    for (std::size_t i = 0; i < c.rois.size(); ++i) {
        result.perRoi.push_back(median(perRoiRuns[i]));
        report.line(format("  %-22s %10zu %12.4f", c.rois[i].name.c_str(), c.rois[i].mask.count(), result.perRoi.back()));
    }
    report.line(format("  %-22s %10s %12.4f   (one extract() per ROI, filters recomputed each time)", "sum of ROIs", "",
                       sumOfRois));
    report.line(format("  %-22s %10s %12.4f   (extractRois: filters once; %zu ROIs, %zu features, median of %d)",
                       "TOTAL single-thread", "", result.total, c.rois.size(), featureCount, repeat));

    // One image type at a time (all classes; shape and shape2D are computed on the original image
    // whatever the types, so each row includes them).
    report.line("  per image type (all ROIs, all classes; shape classes included in every row):");
    for (const auto& spec : c.params.imageTypes) {
        ExtractionParams only = c.params;
        only.imageTypes = {spec};
        report.line(format("    %-20s %12.4f s", spec.name.c_str(), medianTotal(c, only, repeat, sink)));
    }
    // One feature class at a time (all image types).
    report.line("  per feature class (all ROIs, all image types):");
    for (const auto& [className, features] : c.params.featureClasses) {
        ExtractionParams only = c.params;
        only.featureClasses = {{className, features}};
        report.line(format("    %-20s %12.4f s", className.c_str(), medianTotal(c, only, repeat, sink)));
    }
    report.line(format("  peak RSS after case (process lifetime maximum): %.1f MiB", peakRssMiB()));
    return result;
}

// A 400x400 speckle image (Rayleigh amplitudes, 0.1 mm pixels, uint8 range) from a fixed seed,
// the texture of B-mode ultrasound without its anatomy.
Image syntheticSpeckle(std::size_t side, std::uint64_t seed) {
    Image image;
    image.geometry.size = {side, side, 1};
    image.geometry.spacing = {0.1, 0.1, 1.0};
    image.storedType = StoredType::UInt8;
    image.voxels.resize(image.geometry.voxelCount());
    SeededRandom random(seed);
    for (double& v : image.voxels) {
        // Uniform on (0, 1] from the top 53 bits, then the Rayleigh inverse CDF (scale 45).
        const double u = (static_cast<double>(random.next() >> 11) + 1.0) / 9007199254740992.0;
        v = std::min(255.0, std::round(45.0 * std::sqrt(-2.0 * std::log(u))));
    }
    return image;
}

Mask disc(const Geometry& grid, double radiusPixels) {
    Mask mask;
    mask.geometry = grid;
    mask.voxels.assign(grid.voxelCount(), 0);
    const double cx = (grid.size[0] - 1) / 2.0;
    const double cy = (grid.size[1] - 1) / 2.0;
    for (std::size_t y = 0; y < grid.size[1]; ++y)
        for (std::size_t x = 0; x < grid.size[0]; ++x) {
            const double dx = x - cx, dy = y - cy;
            if (dx * dx + dy * dy <= radiusPixels * radiusPixels) mask.voxels[grid.offset(x, y, 0)] = 1;
        }
    return mask;
}

struct ScalingRow {
    double factor;
    std::size_t voxels;
    double total;
    double shapeOnly;
};

// ROI areas 1x, 4x, 16x (discs of radius r, 2r, 4r) on the speckle image with the us2d
// parameters: total time, time per ROI pixel, and the shape classes alone (maximum diameters).
void runScaling(const ExtractionParams& us2dParams, int repeat, Report& report, std::size_t& sink) {
    const Image speckle = syntheticSpeckle(400, 20240611);
    const double baseRadius = 22.57; // ~1,600 pixels; 4r = 90 px fits the 400 px image
    ExtractionParams shapeOnly = us2dParams;
    shapeOnly.imageTypes = {us2dParams.imageTypes.front()};
    shapeOnly.featureClasses.clear();
    for (const auto& [name, features] : us2dParams.featureClasses)
        if (name == "shape" || name == "shape2D") shapeOnly.featureClasses[name] = features;

    report.line("");
    report.line("== scaling: synthetic speckle 400x400 (seed 20240611), disc ROIs, timing_d_us2d_filters.yaml");
    report.line(format("  %-6s %8s %12s %14s %10s %14s", "size", "pixels", "total s", "us per pixel", "vs 1x", "shape only s"));
    std::vector<ScalingRow> rows;
    for (double factor : {1.0, 4.0, 16.0}) {
        BenchCase c;
        c.image = speckle;
        c.rois = {{"disc", disc(speckle.geometry, baseRadius * std::sqrt(factor))}};
        ScalingRow row{factor, c.rois[0].mask.count(), 0, 0};
        row.total = medianTotal(c, us2dParams, repeat, sink);
        row.shapeOnly = medianTotal(c, shapeOnly, repeat, sink);
        const double perPixel = row.total / row.voxels * 1e6;
        const double basePerPixel = rows.empty() ? perPixel : rows.front().total / rows.front().voxels * 1e6;
        report.line(format("  %-6s %8zu %12.4f %14.2f %10.2f %14.4f", format("%gx", factor).c_str(), row.voxels, row.total,
                           perPixel, perPixel / basePerPixel, row.shapeOnly));
        rows.push_back(row);
    }
    const double n = std::log(static_cast<double>(rows.back().voxels) / rows.front().voxels);
    report.line(format("  growth exponent 1x->16x (t ~ V^k): total k = %.2f, shape classes k = %.2f (O(V^2) would be 2)",
                       std::log(rows.back().total / rows.front().total) / n,
                       std::log(rows.back().shapeOnly / rows.front().shapeOnly) / n));
}

// The extractor has no internal parallelism, so "all cores" means one ROI per task on a pool of
// hardware_concurrency() threads. Returns the median wall time of extracting every ROI.
double runAllCores(const std::vector<const BenchCase*>& cases, unsigned threads, int repeat, std::size_t& sink) {
    struct Task {
        const BenchCase* c;
        const Mask* mask;
    };
    std::vector<Task> tasks;
    for (const BenchCase* c : cases)
        for (const auto& roi : c->rois) tasks.push_back({c, &roi.mask});
    // Largest first would balance better; the natural order is what a node's queue sees.
    std::vector<double> walls;
    for (int r = 0; r < repeat; ++r) {
        std::atomic<std::size_t> next{0};
        std::atomic<std::size_t> features{0};
        const auto start = std::chrono::steady_clock::now();
        std::vector<std::thread> pool;
        for (unsigned t = 0; t < threads; ++t)
            pool.emplace_back([&] {
                for (std::size_t i = next++; i < tasks.size(); i = next++)
                    features += extract(tasks[i].c->image, *tasks[i].mask, tasks[i].c->params).features.size();
            });
        for (auto& thread : pool) thread.join();
        walls.push_back(seconds(std::chrono::steady_clock::now() - start));
        sink += features;
    }
    return median(walls);
}

BenchCase loadCase(const std::string& name, const fs::path& image, const fs::path& label, const fs::path& params) {
    BenchCase c;
    c.name = name;
    c.paramsFile = params.filename().string();
    c.image = readImage(image);
    c.rois = {{"tumor", readMask(label)}};
    c.params = radnode::config::readPyradiomicsParams(params);
    return c;
}

// Process CPU seconds: on a machine shared with other work, a steadier measure than wall time
// for comparing two builds (the extraction is single-threaded).
double cpuSeconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// The two issue targets alone: all ROIs of (a) and of (b) (or the one --case names), median of
// --repeat extractRois calls, wall and CPU time.
int runQuick(const BenchCase& us2d, const fs::path& bench, const fs::path& tests, const Options& options,
             Report& report, std::size_t& sink) {
    BenchCase synth3d = loadCase("(b) synth3d filters", bench / "synth3d_image.nrrd", bench / "synth3d_label.nrrd",
                                 tests / "pyradiomics-filters" / "breast1_filters.yaml");
    synth3d.rois = withRings(synth3d.rois[0].mask, false);
    std::vector<const BenchCase*> cases;
    if (options.onlyCase != "b") cases.push_back(&us2d);
    if (options.onlyCase != "a") cases.push_back(&synth3d);
    for (const BenchCase* c : cases) {
        std::vector<double> walls, cpus;
        for (int r = 0; r < options.repeat; ++r) {
            const double cpuStart = cpuSeconds();
            walls.push_back(medianTotal(*c, c->params, 1, sink));
            cpus.push_back(cpuSeconds() - cpuStart);
        }
        report.line(format("  %s, %zu ROIs, extractRois: wall %.4f s, CPU %.4f s (target %s)", c->name.c_str(),
                           c->rois.size(), median(walls), median(cpus), c == &us2d ? "0.5 s" : "3 s"));
    }
    report.line(format("  [checksum %zu features]", sink));
    if (!options.dump.empty()) {
        // Full precision, so that `diff` shows any change an optimisation makes to the numbers.
        std::ofstream file(options.dump);
        for (const BenchCase* c : cases) {
            for (const auto& roi : extractRois(c->image, c->rois, c->params)) {
                for (const auto& feature : roi.result.features)
                    file << c->name << '\t' << roi.roi << '\t' << feature.name << '\t' << format("%.17g", feature.value)
                         << '\n';
            }
        }
        if (!file) throw std::runtime_error("cannot write " + options.dump.string());
    }
    return 0;
}

Options parseOptions(int argc, char** argv) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) throw std::invalid_argument(arg + ": needs a value");
            return argv[++i];
        };
        if (arg == "--data-dir") options.dataDir = value();
        else if (arg == "--out") options.out = value();
        else if (arg == "--repeat") options.repeat = std::stoi(value());
        else if (arg == "--quick") options.quick = true;
        else if (arg == "--dump") options.dump = value();
        else if (arg == "--case") options.onlyCase = value();
        else if (arg == "--help" || arg == "-h") {
            std::cout << "usage: bench_extraction [--data-dir REPO_ROOT] [--out FILE] [--repeat N] [--quick]\n"
                         "  REPO_ROOT holds bench/data and tests/data (default: the source tree it was built from)\n"
                         "  --quick: only the issue targets (all ROIs of (a) and (b) in one extractRois call each),\n"
                         "           short enough to run under a profiler\n"
                         "  --dump FILE: with --quick, write every feature value (%.17g) to FILE\n"
                         "  --case a|b: with --quick, only that case\n";
            std::exit(0);
        } else throw std::invalid_argument("unknown option " + arg + " (try --help)");
    }
    if (options.repeat < 1) throw std::invalid_argument("--repeat: must be at least 1");
    if (!options.onlyCase.empty() && options.onlyCase != "a" && options.onlyCase != "b")
        throw std::invalid_argument("--case: must be a or b");
    return options;
}

int run(const Options& options) {
    // Keep ITK's own filters (none of these image types use them, but image reading might) on
    // one thread so "single-threaded" means it.
    setenv("ITK_GLOBAL_DEFAULT_NUMBER_OF_THREADS", "1", 0);

    const fs::path bench = options.dataDir / "bench" / "data";
    const fs::path tests = options.dataDir / "tests" / "data";
    Report report;
    std::size_t sink = 0;
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    report.line(format("radnode extraction benchmark: median of %d runs, images in memory, %u hardware threads",
                       options.repeat, cores));

    // (a) 2D ultrasound ROI and its in-plane rings.
    BenchCase us2d = loadCase("(a) us2d filters", bench / "us2d_image.nrrd", bench / "us2d_label.nrrd",
                              tests / "bench" / "timing_d_us2d_filters.yaml");
    us2d.rois = withRings(us2d.rois[0].mask, true);
    if (options.quick) return runQuick(us2d, bench, tests, options, report, sink);
    const CaseTimes a = runCase(us2d, options.repeat, report, sink);

    // (b) 3D lesion, PyRadiomics' filters image types, 3D rings.
    BenchCase synth3d = loadCase("(b) synth3d filters", bench / "synth3d_image.nrrd", bench / "synth3d_label.nrrd",
                                 tests / "pyradiomics-filters" / "breast1_filters.yaml");
    synth3d.rois = withRings(synth3d.rois[0].mask, false);
    const CaseTimes b = runCase(synth3d, options.repeat, report, sink);

    // (c) PyRadiomics' brain1 with the filters image types.
    const BenchCase brain1 = loadCase("(c) brain1 filters", tests / "pyradiomics" / "brain1_image.nrrd",
                                      tests / "pyradiomics" / "brain1_label.nrrd",
                                      tests / "bench" / "timing_c_brain1_filters.yaml");
    const CaseTimes c = runCase(brain1, options.repeat, report, sink);

    runScaling(us2d.params, options.repeat, report, sink);

    report.line("");
    report.line(format("== all cores: the extractor has no internal parallelism; one ROI per task on %u threads", cores));
    const double singleAB = a.total + b.total;
    const double allAB = runAllCores({&us2d, &synth3d}, cores, options.repeat, sink);
    report.line(format("  ROIs of (a)+(b): %zu tasks, wall %.4f s on %u threads vs %.4f s on one (speed-up %.2f)",
                       us2d.rois.size() + synth3d.rois.size(), allAB, cores, singleAB, singleAB / allAB));

    // PyRadiomics' timings (one core, median of 11, image in memory; /work/shared/data/README.md).
    BenchCase synth3dWavelet = loadCase("synth3d wavelet", bench / "synth3d_image.nrrd", bench / "synth3d_label.nrrd",
                                        tests / "bench" / "timing_e_synth3d_wavelet.yaml");
    BenchCase breast1;
    breast1.image = readImage(tests / "pyradiomics" / "breast1_image.nrrd");
    breast1.rois = {{"tumor", readMask(tests / "pyradiomics" / "breast1_label.nrrd")}};
    const double synth3dWaveletTime = medianTotal(synth3dWavelet, synth3dWavelet.params, options.repeat, sink);
    const double breast1Time = medianTotal(breast1, breast1.params, options.repeat, sink);

    report.line("");
    report.line("== against PyRadiomics (tumour ROI only, one core; PyRadiomics / radnode = speed-up)");
    report.line(format("  %-34s %14s %12s %10s", "case", "PyRadiomics s", "radnode s", "speed-up"));
    struct Reference {
        const char* name;
        double pyradiomics;
        double ours;
    };
    for (const Reference& r : {Reference{"brain1 filters (timing_c)", 1.02, c.perRoi[0]},
                               Reference{"us2d filters (timing_d)", 2.54, a.perRoi[0]},
                               Reference{"synth3d wavelet (timing_e)", 0.82, synth3dWaveletTime},
                               Reference{"breast1 original (defaults)", 0.03, breast1Time}})
        report.line(format("  %-34s %14.2f %12.4f %10.1f", r.name, r.pyradiomics, r.ours, r.pyradiomics / r.ours));

    report.line("");
    report.line("== issue targets");
    // The wording allows two readings: every ROI within the limit, or the whole set.
    const double slowestA = *std::max_element(a.perRoi.begin(), a.perRoi.end());
    const double slowestB = *std::max_element(b.perRoi.begin(), b.perRoi.end());
    report.line(format("  (a) all image types and classes under 0.5 s: slowest ROI %.4f s -> %s; all %zu ROIs %.4f s -> %s",
                       slowestA, slowestA < 0.5 ? "met" : "NOT met", us2d.rois.size(), a.total,
                       a.total < 0.5 ? "met" : "NOT met"));
    report.line(format("  (b) under 3 s: slowest ROI %.4f s -> %s; all %zu ROIs %.4f s -> %s", slowestB,
                       slowestB < 3.0 ? "met" : "NOT met", synth3d.rois.size(), b.total, b.total < 3.0 ? "met" : "NOT met"));
    report.line(format("  peak RSS (process): %.1f MiB   [checksum %zu features]", peakRssMiB(), sink));

    std::ofstream file(options.out);
    file << report.text();
    if (!file) throw std::runtime_error("cannot write " + options.out.string());
    std::cout << "written to " << options.out.string() << '\n';
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    try {
        return run(parseOptions(argc, argv));
    } catch (const std::exception& e) {
        std::cerr << "bench_extraction: " << e.what() << '\n';
        return 1;
    }
}
