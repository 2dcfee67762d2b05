#include "analysis/firstorder.h"

#include "analysis/discretization.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <optional>
#include <utility>
#include <stdexcept>

namespace radnode::analysis {

namespace {

// numpy.spacing(1): PyRadiomics' guard against log2(0).
constexpr double kEpsilon = 2.220446049250313e-16;

// What every first-order feature reads: the ROI intensities (sorted, for percentiles), their
// mean, the normalised histogram of discretised levels, and the settings that shift and scale.
struct FirstOrderRoi {
    std::vector<double> sorted;
    double mean = 0.0;
    double moment2 = 0.0, moment3 = 0.0, moment4 = 0.0; // central moments, see centralMoments
    std::vector<double> levelProbabilities; // p(i) over the levels present in the ROI
    double voxelArrayShift = 0.0;
    double voxelVolume = 1.0;
    double energy = 0.0; // sum of (x + voxelArrayShift)^2
};

double count(const FirstOrderRoi& roi) { return static_cast<double>(roi.sorted.size()); }

// numpy.percentile with the default linear method: index (n-1)q, lerp computed from the
// nearer end as numpy's _lerp does.
double percentile(const std::vector<double>& sorted, double percent) {
    const double index = (static_cast<double>(sorted.size()) - 1.0) * (percent / 100.0);
    const double below = std::floor(index);
    const auto lower = static_cast<std::size_t>(below);
    const std::size_t upper = std::min(lower + 1, sorted.size() - 1);
    const double t = index - below;
    const double a = sorted[lower];
    const double b = sorted[upper];
    const double difference = b - a;
    return t >= 0.5 ? b - difference * (1.0 - t) : a + difference * t;
}

// True when `high` is what glibc's std::pow returns for a power whose exact value is
// high + low (|low| far below |high|). glibc's pow (Arm's optimized routine) is within 0.54 ULP
// of the exact power, so a double the exact value lies within 0.45 ULP of is the only one it
// can return. Powers of two (whose lower neighbour is half an ULP away), zero, subnormal,
// infinite and NaN results are left to std::pow.
bool powWouldGive(double high, double low) {
    const double magnitude = std::abs(high);
    if (!(magnitude >= 0x1p-900 && magnitude <= 0x1p+900)) return false;
    std::uint64_t bits = 0;
    std::memcpy(&bits, &magnitude, sizeof bits);
    constexpr std::uint64_t kMantissa = (std::uint64_t{1} << 52) - 1;
    if ((bits & kMantissa) == 0) return false;
    const std::uint64_t binadeBits = bits & ~kMantissa;
    double binade = 0.0; // 2^exponent of `high`
    std::memcpy(&binade, &binadeBits, sizeof binade);
    const double ulp = binade * 0x1p-52;
    return std::abs(low) < 0.45 * ulp;
}

// std::pow(d, 2), std::pow(d, 3) and std::pow(d, 4), bit for bit (numpy.power calls pow, and
// x * x * x rounds twice), without most of the pow calls: the products with their rounding
// errors (exact by fma) give each power to about 2^-100, enough for powWouldGive to decide.
struct Powers {
    double second, third, fourth;
};

// A power given as product + error (|error| about an ULP of product at most), rounded to the
// nearest double `high` with the remainder `low` (Fast2Sum): the square * d and square * square
// products round twice, so the double nearest the exact power is often the product's neighbour,
// and powWouldGive decides only for the nearest one.
struct Split {
    double high, low;
};

Split nearest(double product, double error) {
    const double high = product + error;
    return {high, error - (high - product)};
}

Powers powers(double d) {
    const double square = d * d;
    const double squareError = std::fma(d, d, -square);
    const double cube = square * d;
    const Split third = nearest(cube, std::fma(square, d, -cube) + squareError * d);
    const double fourth = square * square;
    const Split fourthPower = nearest(fourth, std::fma(square, square, -fourth) + 2.0 * square * squareError);
    return {powWouldGive(square, squareError) ? square : std::pow(d, 2),
            powWouldGive(third.high, third.low) ? third.high : std::pow(d, 3),
            powWouldGive(fourthPower.high, fourthPower.low) ? fourthPower.high : std::pow(d, 4)};
}

// Means of (x - mean)^2, ^3 and ^4 over the ROI: PyRadiomics' _moment, summed in sorted order.
// Equal values are adjacent once sorted, so each distinct value is raised once.
void centralMoments(FirstOrderRoi& roi) {
    double sum2 = 0.0, sum3 = 0.0, sum4 = 0.0;
    Powers raised{0.0, 0.0, 0.0};
    for (std::size_t i = 0; i < roi.sorted.size(); ++i) {
        if (i == 0 || roi.sorted[i] != roi.sorted[i - 1]) raised = powers(roi.sorted[i] - roi.mean);
        sum2 += raised.second;
        sum3 += raised.third;
        sum4 += raised.fourth;
    }
    roi.moment2 = sum2 / count(roi);
    roi.moment3 = sum3 / count(roi);
    roi.moment4 = sum4 / count(roi);
}

// A key whose unsigned order is the order of the doubles: negative values bit-inverted,
// positive ones with the sign bit set.
std::uint64_t orderedKey(double value) {
    std::uint64_t bits = 0;
    std::memcpy(&bits, &value, sizeof bits);
    constexpr std::uint64_t kSign = std::uint64_t{1} << 63;
    return (bits & kSign) ? ~bits : bits | kSign;
}

double fromOrderedKey(std::uint64_t key) {
    constexpr std::uint64_t kSign = std::uint64_t{1} << 63;
    const std::uint64_t bits = (key & kSign) ? key & ~kSign : ~key;
    double value = 0.0;
    std::memcpy(&value, &bits, sizeof value);
    return value;
}

// Sorts `keys` ascending by a least-significant-digit radix sort in six passes of 11 bits,
// moving `payload[i]` along with `keys[i]` when it is not empty. On the 10^4-10^5 distinct values
// of a wavelet band it needs fewer instructions than std::sort and, unlike std::sort's
// comparisons (mispredicted about half the time), no branch that depends on the data. A pass
// where every key has the same digit is skipped.
void radixSort(std::vector<std::uint64_t>& keys, std::vector<std::uint32_t>& payload) {
    constexpr int kDigitBits = 11;
    constexpr int kPasses = 6; // 6 x 11 bits cover the 64-bit key
    constexpr std::size_t kBuckets = std::size_t{1} << kDigitBits;
    constexpr std::uint64_t kDigitMask = kBuckets - 1;
    const std::size_t n = keys.size();
    if (n < 2) return;
    std::vector<std::size_t> counts(kPasses * kBuckets, 0);
    for (const std::uint64_t key : keys) {
        for (int pass = 0; pass < kPasses; ++pass) {
            ++counts[static_cast<std::size_t>(pass) * kBuckets + ((key >> (pass * kDigitBits)) & kDigitMask)];
        }
    }
    std::vector<std::uint64_t> scratch(n);
    std::vector<std::uint32_t> payloadScratch(payload.size());
    for (int pass = 0; pass < kPasses; ++pass) {
        const int shift = pass * kDigitBits;
        std::size_t* next = counts.data() + static_cast<std::size_t>(pass) * kBuckets; // bucket -> next slot
        if (next[(keys[0] >> shift) & kDigitMask] == n) continue;
        std::size_t start = 0;
        for (std::size_t bucket = 0; bucket < kBuckets; ++bucket) {
            const std::size_t inBucket = next[bucket];
            next[bucket] = start;
            start += inBucket;
        }
        if (payload.empty()) {
            for (const std::uint64_t key : keys) scratch[next[(key >> shift) & kDigitMask]++] = key;
        } else {
            for (std::size_t i = 0; i < n; ++i) {
                const std::size_t slot = next[(keys[i] >> shift) & kDigitMask]++;
                scratch[slot] = keys[i];
                payloadScratch[slot] = payload[i];
            }
            payload.swap(payloadScratch);
        }
        keys.swap(scratch);
    }
}

// Ascending, as std::sort orders them (-0.0 comes before +0.0, which std::sort may put either
// way: equal values).
void radixSort(std::vector<double>& values) {
    std::vector<std::uint64_t> keys(values.size());
    std::transform(values.begin(), values.end(), keys.begin(), orderedKey);
    std::vector<std::uint32_t> noPayload;
    radixSort(keys, noPayload);
    std::transform(keys.begin(), keys.end(), values.begin(), fromOrderedKey);
}

// Most image types hold few distinct values (an 8-bit image and its square, root, logarithm
// and exponential; LBP codes): sorting those by counting each value takes linear time.
constexpr std::size_t kMaxCountedValues = 1024;

// The distinct values and how often each occurs (by bit pattern, in a small hash table), in
// order of first occurrence; nullopt as soon as more than kMaxCountedValues show up.
std::optional<std::vector<std::pair<double, std::size_t>>> countValues(const std::vector<double>& values) {
    constexpr int kSlotBits = 12; // 4096 slots: the table stays at most a quarter full
    constexpr std::size_t kSlotMask = (std::size_t{1} << kSlotBits) - 1;
    std::vector<std::uint64_t> keys(kSlotMask + 1, 0);
    std::vector<std::size_t> distinctOf(kSlotMask + 1, 0); // 1 + index into `counted`, 0: free slot
    std::vector<std::pair<double, std::size_t>> counted;
    for (const double value : values) {
        std::uint64_t bits = 0;
        std::memcpy(&bits, &value, sizeof bits);
        auto slot = static_cast<std::size_t>((bits * 0x9E3779B97F4A7C15ull) >> (64 - kSlotBits));
        while (distinctOf[slot] != 0 && keys[slot] != bits) slot = (slot + 1) & kSlotMask;
        if (distinctOf[slot] == 0) {
            if (counted.size() == kMaxCountedValues) return std::nullopt;
            keys[slot] = bits;
            counted.emplace_back(value, 0);
            distinctOf[slot] = counted.size();
        }
        ++counted[distinctOf[slot] - 1].second;
    }
    return counted;
}

// Sorts the ROI intensities ascending: by counting when there are few distinct values, by
// radixSort otherwise (wavelet bands, LoG).
void sortIntensities(std::vector<double>& values) {
    auto counted = countValues(values);
    if (!counted) {
        radixSort(values);
        return;
    }
    std::sort(counted->begin(), counted->end());
    auto out = values.begin();
    for (const auto& [value, times] : *counted) out = std::fill_n(out, times, value);
}

// Summed once in prepare(): Energy, TotalEnergy and RootMeanSquared all read it.
double sumOfSquares(const std::vector<double>& sorted, double voxelArrayShift) {
    double sum = 0.0;
    for (const double value : sorted) {
        const double shifted = value + voxelArrayShift;
        sum += shifted * shifted;
    }
    return sum;
}

double energy(const FirstOrderRoi& roi) { return roi.energy; }

double totalEnergy(const FirstOrderRoi& roi) { return energy(roi) * roi.voxelVolume; }

double entropy(const FirstOrderRoi& roi) {
    double sum = 0.0;
    for (const double p : roi.levelProbabilities) sum += p * std::log2(p + kEpsilon);
    return -sum;
}

double minimum(const FirstOrderRoi& roi) { return roi.sorted.front(); }
double maximum(const FirstOrderRoi& roi) { return roi.sorted.back(); }
double percentile10(const FirstOrderRoi& roi) { return percentile(roi.sorted, 10.0); }
double percentile90(const FirstOrderRoi& roi) { return percentile(roi.sorted, 90.0); }
double mean(const FirstOrderRoi& roi) { return roi.mean; }

// numpy.median: the middle value, or the mean of the two middle values.
double median(const FirstOrderRoi& roi) {
    const std::size_t n = roi.sorted.size();
    if (n % 2 == 1) return roi.sorted[n / 2];
    return (roi.sorted[n / 2 - 1] + roi.sorted[n / 2]) / 2.0;
}

double interquartileRange(const FirstOrderRoi& roi) {
    return percentile(roi.sorted, 75.0) - percentile(roi.sorted, 25.0);
}

double range(const FirstOrderRoi& roi) { return maximum(roi) - minimum(roi); }

double meanAbsoluteDeviation(const FirstOrderRoi& roi) {
    double sum = 0.0;
    for (const double value : roi.sorted) sum += std::abs(value - roi.mean);
    return sum / count(roi);
}

// Mean absolute deviation of the intensities within the closed 10th-90th percentile range.
double robustMeanAbsoluteDeviation(const FirstOrderRoi& roi) {
    const double low = percentile10(roi);
    const double high = percentile90(roi);
    // Both tests are monotone in the value, so the kept values are one run of the sorted ones.
    const auto first = std::partition_point(roi.sorted.begin(), roi.sorted.end(),
                                            [&](double value) { return !(value - low >= 0); });
    const auto last = std::partition_point(first, roi.sorted.end(), [&](double value) { return value - high <= 0; });
    const auto kept = static_cast<double>(last - first);
    double sum = 0.0;
    for (auto it = first; it != last; ++it) sum += *it;
    const double keptMean = sum / kept;
    double deviation = 0.0;
    for (auto it = first; it != last; ++it) deviation += std::abs(*it - keptMean);
    return deviation / kept;
}

double rootMeanSquared(const FirstOrderRoi& roi) { return std::sqrt(energy(roi) / count(roi)); }

// numpy.std: square root of the mean squared deviation (population, ddof 0).
double standardDeviation(const FirstOrderRoi& roi) { return std::sqrt(roi.moment2); }

// A flat region has no spread: PyRadiomics returns 0 instead of 0/0.
double skewness(const FirstOrderRoi& roi) {
    const double m2 = roi.moment2;
    const double m3 = roi.moment3;
    return m2 == 0.0 ? 0.0 : m3 / std::pow(m2, 1.5);
}

// Not the IBSI excess kurtosis: PyRadiomics does not subtract 3.
double kurtosis(const FirstOrderRoi& roi) {
    const double m2 = roi.moment2;
    const double m4 = roi.moment4;
    return m2 == 0.0 ? 0.0 : m4 / (m2 * m2);
}

double variance(const FirstOrderRoi& roi) {
    const double deviation = standardDeviation(roi);
    return deviation * deviation;
}

double uniformity(const FirstOrderRoi& roi) {
    double sum = 0.0;
    for (const double p : roi.levelProbabilities) sum += p * p;
    return sum;
}

using FirstOrderFunction = double (*)(const FirstOrderRoi&);

struct FirstOrderEntry {
    FeatureDefinition definition;
    FirstOrderFunction compute;
};

const std::vector<FirstOrderEntry>& firstOrderTable() {
    static const std::vector<FirstOrderEntry> table{
        {{"Energy"}, energy},
        {{"TotalEnergy"}, totalEnergy},
        {{"Entropy"}, entropy},
        {{"Minimum"}, minimum},
        {{"10Percentile"}, percentile10},
        {{"90Percentile"}, percentile90},
        {{"Maximum"}, maximum},
        {{"Mean"}, mean},
        {{"Median"}, median},
        {{"InterquartileRange"}, interquartileRange},
        {{"Range"}, range},
        {{"MeanAbsoluteDeviation"}, meanAbsoluteDeviation},
        {{"RobustMeanAbsoluteDeviation"}, robustMeanAbsoluteDeviation},
        {{"RootMeanSquared"}, rootMeanSquared},
        {{"StandardDeviation", true}, standardDeviation},
        {{"Skewness"}, skewness},
        {{"Kurtosis"}, kurtosis},
        {{"Variance"}, variance},
        {{"Uniformity"}, uniformity},
    };
    return table;
}

FirstOrderRoi prepare(const Image& image, const Mask& mask, const DiscretizedRoi& discretized,
                      const Settings& settings, const std::vector<double>* sortedIntensities) {
    if (image.geometry.size != mask.geometry.size || image.voxels.size() != mask.voxels.size()) {
        throw std::invalid_argument("firstorder: image and mask grids differ in size");
    }
    FirstOrderRoi roi;
    // The mean is summed in scan order, as numpy sums the masked array.
    double sum = 0.0;
    if (sortedIntensities) {
        std::size_t voxels = 0;
        for (std::size_t i = 0; i < mask.voxels.size(); ++i) {
            if (!mask.voxels[i]) continue;
            sum += image.voxels[i];
            ++voxels;
        }
        if (voxels != sortedIntensities->size()) {
            throw std::invalid_argument("firstorder: the sorted intensities given are not the ROI's (" +
                                        std::to_string(sortedIntensities->size()) + " values for " +
                                        std::to_string(voxels) + " voxels)");
        }
        roi.sorted = *sortedIntensities;
    } else {
        roi.sorted.reserve(mask.voxels.size()); // the ROI's box: at most twice the ROI
        for (std::size_t i = 0; i < mask.voxels.size(); ++i) {
            if (mask.voxels[i]) roi.sorted.push_back(image.voxels[i]);
        }
        for (const double value : roi.sorted) sum += value;
    }
    if (roi.sorted.empty()) throw std::invalid_argument("firstorder: the ROI is empty");
    roi.mean = sum / count(roi);
    if (!sortedIntensities) sortIntensities(roi.sorted);
    // A flat region's mean is its value: a rounded sum must not invent a spread (numpy's sum
    // of equal integer-valued intensities is exact, so it sees none either).
    if (roi.sorted.front() == roi.sorted.back()) roi.mean = roi.sorted.front();

    centralMoments(roi);

    if (discretized.levels.size() != mask.voxels.size()) {
        throw std::invalid_argument("firstorder: the discretised ROI is not on the image's grid");
    }
    std::vector<std::size_t> histogram(static_cast<std::size_t>(discretized.maxLevel) + 1, 0);
    for (std::size_t i = 0; i < discretized.levels.size(); ++i) {
        if (discretized.mask[i]) ++histogram[static_cast<std::size_t>(discretized.levels[i])];
    }
    for (const std::size_t voxels : histogram) {
        if (voxels > 0) roi.levelProbabilities.push_back(static_cast<double>(voxels) / count(roi));
    }

    roi.voxelArrayShift = settings.voxelArrayShift;
    roi.voxelVolume = image.geometry.voxelVolume();
    roi.energy = sumOfSquares(roi.sorted, roi.voxelArrayShift);
    return roi;
}

} // namespace

const std::vector<FeatureDefinition>& firstOrderFeatures() {
    static const std::vector<FeatureDefinition> definitions = [] {
        std::vector<FeatureDefinition> names;
        for (const auto& entry : firstOrderTable()) names.push_back(entry.definition);
        return names;
    }();
    return definitions;
}

FeatureList computeFirstOrder(const Image& image, const Mask& mask, const Settings& settings,
                              const std::vector<std::string>& requested, DiagnosticList& diagnostics) {
    if (image.geometry.size != mask.geometry.size || image.voxels.size() != mask.voxels.size()) {
        throw std::invalid_argument("firstorder: image and mask grids differ in size");
    }
    if (mask.count() == 0) throw std::invalid_argument("firstorder: the ROI is empty");
    return computeFirstOrder(image, mask, discretize(image, mask, settings), settings, requested, diagnostics);
}

FeatureList computeFirstOrder(const Image& image, const Mask& mask, const DiscretizedRoi& discretized,
                              const Settings& settings, const std::vector<std::string>& requested,
                              DiagnosticList& diagnostics, const std::vector<double>* sortedIntensities) {
    const auto selected = selectFeatures("firstorder", firstOrderFeatures(), requested);
    const FirstOrderRoi roi = prepare(image, mask, discretized, settings, sortedIntensities);
    FeatureList features;
    for (const auto& name : selected) {
        for (const auto& entry : firstOrderTable()) {
            if (entry.definition.name != name) continue;
            if (entry.definition.deprecated) {
                diagnostics.push_back({name, "feature is deprecated in PyRadiomics, use with caution"});
            }
            features.push_back({name, entry.compute(roi)});
        }
    }
    return features;
}

std::vector<std::vector<double>> sortedIntensitiesPerRoi(const std::vector<double>& values,
                                                         const std::vector<std::uint32_t>& roiBits, std::size_t roiCount) {
    if (values.size() != roiBits.size()) {
        throw std::invalid_argument("firstorder: one set of ROI bits per value is needed");
    }
    if (roiCount > 32) throw std::invalid_argument("firstorder: at most 32 ROIs share one sort");
    std::uint32_t used = 0;
    for (const std::uint32_t set : roiBits) used |= set;
    if (roiCount < 32 && (used >> roiCount) != 0) {
        throw std::invalid_argument("firstorder: a voxel is marked for an ROI beyond the " + std::to_string(roiCount) +
                                    " given");
    }
    // Few distinct values: counting them ROI by ROI (sortIntensities) is cheaper than one sort.
    if (countValues(values)) return {};
    std::vector<std::uint64_t> keys(values.size());
    std::transform(values.begin(), values.end(), keys.begin(), orderedKey);
    std::vector<std::uint32_t> bits = roiBits;
    radixSort(keys, bits);
    std::vector<std::size_t> sizes(roiCount, 0);
    for (const std::uint32_t set : bits) {
        for (std::size_t r = 0; r < roiCount; ++r) sizes[r] += (set >> r) & 1u;
    }
    std::vector<std::vector<double>> sorted(roiCount);
    std::vector<double*> next(roiCount); // where ROI r's next value goes
    for (std::size_t r = 0; r < roiCount; ++r) {
        sorted[r].resize(sizes[r]);
        next[r] = sorted[r].data();
    }
    for (std::size_t i = 0; i < keys.size(); ++i) {
        const double value = fromOrderedKey(keys[i]);
        // Visit the set bits only (a voxel of a tumour lies in about half of its rings' ROIs).
        for (std::uint32_t set = bits[i]; set != 0; set &= set - 1) {
            *next[static_cast<std::size_t>(__builtin_ctz(set))]++ = value;
        }
    }
    return sorted;
}

} // namespace radnode::analysis
