// What the node measures in process for /metrics: how long each stage takes (receive,
// analysis, delivery) as histograms, and the associations accepted since start. Counts the
// database already holds (instances, jobs, deliveries, refusals) are read from it instead.
// One Metrics belongs to the NodeService and is passed to the code it measures; thread-safe.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>

namespace radnode::node {

enum class Stage { Receive, Analysis, Delivery };
std::string stageName(Stage stage);

// Upper bounds (seconds) of the histogram buckets, shared by every stage: from a small
// C-STORE (milliseconds) to a DBT analysis (minutes).
inline constexpr std::array<double, 16> kLatencyBuckets{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                                        2.5,   5,    10,    30,    60,  120,  300, 600};

struct LatencySnapshot {
    std::array<std::uint64_t, kLatencyBuckets.size()> buckets{}; // cumulative, as Prometheus wants
    std::uint64_t count = 0;
    double sumSeconds = 0;
};

class Metrics {
public:
    void observe(Stage stage, double seconds);
    void associationAccepted() { ++associationsAccepted_; }

    LatencySnapshot latency(Stage stage) const;
    std::uint64_t associationsAccepted() const { return associationsAccepted_; }

private:
    struct Histogram {
        std::array<std::uint64_t, kLatencyBuckets.size()> buckets{}; // per bucket, not cumulative
        std::uint64_t count = 0;
        double sumSeconds = 0;
    };
    mutable std::mutex mutex_;
    std::array<Histogram, 3> histograms_;
    std::atomic<std::uint64_t> associationsAccepted_{0};
};

// Appends one Prometheus text-format (0.0.4) histogram family with a `stage` label per stage.
void appendLatencyHistograms(std::string& out, const Metrics& metrics);

} // namespace radnode::node
