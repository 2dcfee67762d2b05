#include "node/study_assembler.h"

#include "node/log.h"

#include <set>

namespace radnode::node {

int StudyAssembler::tick(std::int64_t nowMs) {
    int formed = 0;
    for (const auto& studyUid : store_.studiesAwaitingAssembly(nowMs, timing_.quietPeriod.count())) {
        const auto segmentations = store_.segmentationsOfStudy(studyUid);
        if (segmentations.empty()) {
            // Images without a segmentation yet: nothing to analyse until one arrives, which
            // makes the study "new" again.
            store_.markAssembled(studyUid, nowMs);
            continue;
        }
        std::set<std::string> missing;
        for (const auto& segmentation : segmentations) {
            for (const auto& uid : store_.missingReferences(segmentation.id)) missing.insert(uid);
        }
        if (missing.empty()) {
            if (!store_.hasQueuedJob(studyUid)) {
                const auto jobId = store_.enqueueJob(studyUid);
                logEvent(LogLevel::Info, "job.queued", {{"job", std::to_string(jobId)}});
                ++formed;
            }
            store_.markAssembled(studyUid, nowMs);
            continue;
        }
        const auto waited = nowMs - store_.studyLastReceivedAt(studyUid);
        if (waited < timing_.segWindow.count()) continue; // the sources may still come
        std::string list;
        for (const auto& uid : missing) list += (list.empty() ? "" : ", ") + uid;
        const auto jobId = store_.recordFailedJob(
            studyUid, "segmentation references instances that never arrived: " + list);
        logEvent(LogLevel::Warning, "job.failed",
                 {{"job", std::to_string(jobId)}, {"reason", "missing referenced instances"}, {"count", std::to_string(missing.size())}});
        store_.markAssembled(studyUid, nowMs);
        ++formed;
    }
    return formed;
}

} // namespace radnode::node
