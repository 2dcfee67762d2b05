// Decides when a study is ready for analysis: after a quiet period with no new instance,
// a job forms when every instance its segmentations reference is present. References that
// stay missing past the segmentation window fail the study with the missing UIDs listed.
#pragma once

#include "storage/node_store.h"

#include <chrono>

namespace radnode::node {

struct AssemblyTiming {
    std::chrono::milliseconds quietPeriod{10000};
    std::chrono::milliseconds segWindow{300000};
};

class StudyAssembler {
public:
    StudyAssembler(storage::NodeStore& store, AssemblyTiming timing) : store_(store), timing_(timing) {}

    // One pass over the studies that went quiet; returns how many jobs were formed (queued or failed).
    int tick(std::int64_t nowMs);

private:
    storage::NodeStore& store_;
    AssemblyTiming timing_;
};

} // namespace radnode::node
