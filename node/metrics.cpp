#include "node/metrics.h"

#include <cstdio>

namespace radnode::node {

std::string stageName(Stage stage) {
    switch (stage) {
    case Stage::Receive: return "receive";
    case Stage::Analysis: return "analysis";
    case Stage::Delivery: return "delivery";
    }
    return "unknown";
}

void Metrics::observe(Stage stage, double seconds) {
    std::lock_guard lock(mutex_);
    auto& histogram = histograms_[static_cast<std::size_t>(stage)];
    for (std::size_t i = 0; i < kLatencyBuckets.size(); ++i) {
        if (seconds <= kLatencyBuckets[i]) {
            ++histogram.buckets[i];
            break;
        }
    }
    ++histogram.count; // values above the last bound count only in +Inf
    histogram.sumSeconds += seconds;
}

LatencySnapshot Metrics::latency(Stage stage) const {
    std::lock_guard lock(mutex_);
    const auto& histogram = histograms_[static_cast<std::size_t>(stage)];
    LatencySnapshot snapshot;
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < kLatencyBuckets.size(); ++i) {
        cumulative += histogram.buckets[i];
        snapshot.buckets[i] = cumulative;
    }
    snapshot.count = histogram.count;
    snapshot.sumSeconds = histogram.sumSeconds;
    return snapshot;
}

void appendLatencyHistograms(std::string& out, const Metrics& metrics) {
    out += "# HELP radnode_stage_duration_seconds Time per received instance (receive), per analysis job "
           "(analysis) and per delivery attempt (delivery), since the node started.\n";
    out += "# TYPE radnode_stage_duration_seconds histogram\n";
    char number[64];
    for (const Stage stage : {Stage::Receive, Stage::Analysis, Stage::Delivery}) {
        const auto snapshot = metrics.latency(stage);
        const std::string label = "stage=\"" + stageName(stage) + "\"";
        for (std::size_t i = 0; i < kLatencyBuckets.size(); ++i) {
            std::snprintf(number, sizeof number, "%g", kLatencyBuckets[i]);
            out += "radnode_stage_duration_seconds_bucket{" + label + ",le=\"" + number + "\"} " +
                   std::to_string(snapshot.buckets[i]) + "\n";
        }
        out += "radnode_stage_duration_seconds_bucket{" + label + ",le=\"+Inf\"} " + std::to_string(snapshot.count) + "\n";
        std::snprintf(number, sizeof number, "%.6f", snapshot.sumSeconds);
        out += "radnode_stage_duration_seconds_sum{" + label + "} " + number + "\n";
        out += "radnode_stage_duration_seconds_count{" + label + "} " + std::to_string(snapshot.count) + "\n";
    }
}

} // namespace radnode::node
