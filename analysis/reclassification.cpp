#include "analysis/reclassification.h"

#include "analysis/calibration.h"
#include "analysis/distributions.h"
#include "analysis/seeded_random.h"

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <string>

namespace radnode::analysis {

namespace {

int sign(double value) { return (value > 0) - (value < 0); }

// Risk category: how many cut-offs the risk reaches.
int riskCategory(double risk, const std::vector<double>& cutoffs) {
    return static_cast<int>(std::upper_bound(cutoffs.begin(), cutoffs.end(), risk) - cutoffs.begin());
}

void checkPair(const std::vector<double>& oldRisk, const std::vector<double>& newRisk, const std::vector<int>& labels) {
    checkProbabilities(oldRisk, labels);
    checkProbabilities(newRisk, labels);
}

void checkCutoffs(const std::vector<double>& cutoffs) {
    for (std::size_t k = 0; k < cutoffs.size(); ++k) {
        if (!(cutoffs[k] > 0 && cutoffs[k] < 1) || (k > 0 && !(cutoffs[k] > cutoffs[k - 1]))) {
            throw std::invalid_argument("NRI risk cut-offs must be increasing and inside (0, 1); cut-off " +
                                        std::to_string(k + 1) + " is " + std::to_string(cutoffs[k]));
        }
    }
}

// Per-row quantities every statistic (and every bootstrap replicate) sums over.
struct Row {
    bool event = false;
    int continuousMove = 0;  // -1 down, 0 unchanged, +1 up
    int categoricalMove = 0; // same, between risk categories
    double oldRisk = 0.0;
    double newRisk = 0.0;
};

std::vector<Row> makeRows(const std::vector<double>& oldRisk, const std::vector<double>& newRisk,
                          const std::vector<int>& labels, const std::vector<double>& cutoffs) {
    std::vector<Row> rows(labels.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
        rows[i].event = labels[i] == 1;
        rows[i].continuousMove = sign(newRisk[i] - oldRisk[i]);
        rows[i].categoricalMove = sign(riskCategory(newRisk[i], cutoffs) - riskCategory(oldRisk[i], cutoffs));
        rows[i].oldRisk = oldRisk[i];
        rows[i].newRisk = newRisk[i];
    }
    return rows;
}

// The statistics over a selection of rows (all of them, or one bootstrap replicate).
struct Statistics {
    NriResult continuous, categorical;
    IdiResult idi;
};

Statistics statisticsOver(const std::vector<Row>& rows, const std::vector<std::size_t>& selection) {
    double events = 0, nonEvents = 0;
    double continuousEvents = 0, continuousNonEvents = 0, categoricalEvents = 0, categoricalNonEvents = 0;
    double oldEventRisk = 0, oldNonEventRisk = 0, newEventRisk = 0, newNonEventRisk = 0;
    for (const std::size_t index : selection) {
        const Row& row = rows[index];
        if (row.event) {
            events += 1;
            continuousEvents += row.continuousMove;
            categoricalEvents += row.categoricalMove;
            oldEventRisk += row.oldRisk;
            newEventRisk += row.newRisk;
        } else {
            nonEvents += 1;
            continuousNonEvents -= row.continuousMove;
            categoricalNonEvents -= row.categoricalMove;
            oldNonEventRisk += row.oldRisk;
            newNonEventRisk += row.newRisk;
        }
    }
    Statistics s;
    s.continuous.events = continuousEvents / events;
    s.continuous.nonEvents = continuousNonEvents / nonEvents;
    s.continuous.nri = s.continuous.events + s.continuous.nonEvents;
    s.categorical.events = categoricalEvents / events;
    s.categorical.nonEvents = categoricalNonEvents / nonEvents;
    s.categorical.nri = s.categorical.events + s.categorical.nonEvents;
    s.idi.oldSlope = oldEventRisk / events - oldNonEventRisk / nonEvents;
    s.idi.newSlope = newEventRisk / events - newNonEventRisk / nonEvents;
    s.idi.idi = s.idi.newSlope - s.idi.oldSlope;
    return s;
}

std::vector<std::size_t> allRows(std::size_t count) {
    std::vector<std::size_t> selection(count);
    std::iota(selection.begin(), selection.end(), std::size_t{0});
    return selection;
}

IntervalEstimate percentileInterval(double estimate, std::vector<double> replicates, double confidenceLevel) {
    std::sort(replicates.begin(), replicates.end());
    const double alpha = 1.0 - confidenceLevel;
    return {estimate, sampleQuantile(replicates, alpha / 2.0), sampleQuantile(replicates, 1.0 - alpha / 2.0)};
}

} // namespace

NriResult categoricalNri(const std::vector<double>& oldRisk, const std::vector<double>& newRisk,
                         const std::vector<int>& labels, const std::vector<double>& cutoffs) {
    checkPair(oldRisk, newRisk, labels);
    checkCutoffs(cutoffs);
    if (cutoffs.empty()) throw std::invalid_argument("categorical NRI needs at least one risk cut-off");
    const auto rows = makeRows(oldRisk, newRisk, labels, cutoffs);
    return statisticsOver(rows, allRows(rows.size())).categorical;
}

NriResult continuousNri(const std::vector<double>& oldRisk, const std::vector<double>& newRisk,
                        const std::vector<int>& labels) {
    checkPair(oldRisk, newRisk, labels);
    const auto rows = makeRows(oldRisk, newRisk, labels, {});
    return statisticsOver(rows, allRows(rows.size())).continuous;
}

IdiResult integratedDiscriminationImprovement(const std::vector<double>& oldRisk, const std::vector<double>& newRisk,
                                              const std::vector<int>& labels) {
    checkPair(oldRisk, newRisk, labels);
    const auto rows = makeRows(oldRisk, newRisk, labels, {});
    return statisticsOver(rows, allRows(rows.size())).idi;
}

ReclassificationResult reclassification(const std::vector<double>& oldRisk, const std::vector<double>& newRisk,
                                        const std::vector<int>& labels, const std::vector<double>& cutoffs,
                                        const BootstrapSettings& bootstrap) {
    checkPair(oldRisk, newRisk, labels);
    checkCutoffs(cutoffs);
    if (bootstrap.replicates < 2) throw std::invalid_argument("bootstrap needs at least 2 replicates");
    if (!(bootstrap.confidenceLevel > 0 && bootstrap.confidenceLevel < 1)) {
        throw std::invalid_argument("bootstrap confidence level must be in (0, 1)");
    }
    const auto rows = makeRows(oldRisk, newRisk, labels, cutoffs);
    const Statistics observed = statisticsOver(rows, allRows(rows.size()));

    std::vector<std::size_t> eventRows, nonEventRows;
    for (std::size_t i = 0; i < rows.size(); ++i) (rows[i].event ? eventRows : nonEventRows).push_back(i);

    SeededRandom random(bootstrap.seed);
    std::vector<double> continuous, categorical, idi;
    std::vector<std::size_t> selection(rows.size());
    for (int b = 0; b < bootstrap.replicates; ++b) {
        std::size_t k = 0;
        for (std::size_t i = 0; i < eventRows.size(); ++i) selection[k++] = eventRows[random.index(eventRows.size())];
        for (std::size_t i = 0; i < nonEventRows.size(); ++i) selection[k++] = nonEventRows[random.index(nonEventRows.size())];
        const Statistics replicate = statisticsOver(rows, selection);
        continuous.push_back(replicate.continuous.nri);
        categorical.push_back(replicate.categorical.nri);
        idi.push_back(replicate.idi.idi);
    }

    ReclassificationResult result;
    result.continuousComponents = observed.continuous;
    result.categoricalComponents = observed.categorical;
    result.idiComponents = observed.idi;
    result.continuousNri = percentileInterval(observed.continuous.nri, continuous, bootstrap.confidenceLevel);
    result.idi = percentileInterval(observed.idi.idi, idi, bootstrap.confidenceLevel);
    result.hasCategoricalNri = !cutoffs.empty();
    if (result.hasCategoricalNri) {
        result.categoricalNri = percentileInterval(observed.categorical.nri, categorical, bootstrap.confidenceLevel);
    }
    return result;
}

} // namespace radnode::analysis
