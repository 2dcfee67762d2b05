// The mutual-information redundancy filter against scikit-learn's mutual_info_score on the
// same equal-frequency bins (tests/data/classifiers/mi_make_reference.py wrote the cohort
// and the reference values), and its rules on small hand-made cases.
#include "analysis/mutual_information.h"

#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

using namespace radnode::analysis;

const std::filesystem::path kClassifiers = std::filesystem::path(RADNODE_TEST_DATA_DIR) / "classifiers";

std::vector<std::string> splitFields(const std::string& line, char separator) {
    std::vector<std::string> fields;
    std::stringstream split(line);
    for (std::string field; std::getline(split, field, separator);) fields.push_back(field);
    if (!line.empty() && line.back() == separator) fields.emplace_back();
    return fields;
}

struct Cohort {
    Eigen::MatrixXd x;
    std::vector<int> labels;
};

Cohort readCohort() {
    std::ifstream in(kClassifiers / "mi_cohort.csv");
    REQUIRE(in);
    std::string line;
    std::getline(in, line);
    std::vector<std::vector<double>> rows;
    Cohort cohort;
    while (std::getline(in, line)) {
        const auto fields = splitFields(line, ',');
        REQUIRE(fields.size() == 6);
        cohort.labels.push_back(std::stoi(fields[0]));
        std::vector<double> row;
        for (std::size_t j = 1; j < 6; ++j) row.push_back(std::stod(fields[j]));
        rows.push_back(row);
    }
    cohort.x.resize(static_cast<Eigen::Index>(rows.size()), 5);
    for (std::size_t i = 0; i < rows.size(); ++i) {
        for (std::size_t j = 0; j < 5; ++j) cohort.x(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = rows[i][j];
    }
    return cohort;
}

struct Reference {
    std::vector<std::vector<int>> bins;
    std::vector<double> outcome;
    std::vector<std::vector<double>> pair = std::vector<std::vector<double>>(5, std::vector<double>(5, 0.0));
    std::vector<std::size_t> kept;
};

Reference readReference() {
    std::ifstream in(kClassifiers / "mi_reference.csv");
    REQUIRE(in);
    Reference reference;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        const auto fields = splitFields(line, ',');
        REQUIRE(fields.size() == 4);
        if (fields[0] == "bins") {
            std::vector<int> bins;
            for (const auto& value : splitFields(fields[3], ' ')) bins.push_back(std::stoi(value));
            reference.bins.push_back(bins);
        } else if (fields[0] == "outcome") {
            reference.outcome.push_back(std::stod(fields[3]));
        } else if (fields[0] == "pair") {
            reference.pair[std::stoul(fields[1])][std::stoul(fields[2])] = std::stod(fields[3]);
        } else if (fields[0] == "kept") {
            for (const auto& value : splitFields(fields[3], ' ')) reference.kept.push_back(std::stoul(value));
        }
    }
    return reference;
}

std::vector<double> column(const Eigen::MatrixXd& x, Eigen::Index j) {
    const Eigen::VectorXd c = x.col(j);
    return {c.data(), c.data() + c.size()};
}

} // namespace

TEST_CASE("mutual information equals scikit-learn's mutual_info_score on the same equal-frequency bins") {
    const Cohort cohort = readCohort();
    const Reference reference = readReference();
    REQUIRE(reference.bins.size() == 5);
    std::vector<std::vector<int>> bins;
    for (Eigen::Index j = 0; j < 5; ++j) {
        bins.push_back(equalFrequencyBins(column(cohort.x, j), 10));
        CHECK(bins.back() == reference.bins[static_cast<std::size_t>(j)]);
    }
    const auto relevance = outcomeMutualInformation(cohort.x, cohort.labels, MutualInformationSettings{});
    REQUIRE(relevance.size() == 5);
    for (std::size_t j = 0; j < 5; ++j) CHECK(relevance[j] == doctest::Approx(reference.outcome[j]).epsilon(1e-12));
    for (std::size_t i = 0; i < 5; ++i) {
        for (std::size_t j = i + 1; j < 5; ++j) {
            CHECK(mutualInformation(bins[i], bins[j]) == doctest::Approx(reference.pair[i][j]).epsilon(1e-12));
        }
    }
    // f0 and its near-duplicate f1 share almost all their information: the more relevant f1 stays.
    CHECK(removeRedundantByMutualInformation(cohort.x, cohort.labels, MutualInformationSettings{}) == reference.kept);
    CHECK(reference.kept == std::vector<std::size_t>{1, 2, 3, 4});
}

TEST_CASE("equal-frequency bins keep ties together and mutual information has its textbook values") {
    CHECK(equalFrequencyBins({5, 1, 3, 2, 4, 6}, 3) == std::vector<int>{2, 0, 1, 0, 1, 2});
    // Four values tied at the bottom all take bin 0; the rest start where their rank falls.
    CHECK(equalFrequencyBins({0, 0, 0, 0, 1, 2, 3, 4}, 4) == std::vector<int>{0, 0, 0, 0, 2, 2, 3, 3});
    CHECK_THROWS_AS(equalFrequencyBins({1, NAN}, 2), std::invalid_argument);

    // A variable with itself: its entropy; a fair coin has log 2.
    CHECK(mutualInformation({0, 1, 0, 1}, {0, 1, 0, 1}) == doctest::Approx(std::log(2.0)));
    CHECK(mutualInformation({0, 0, 1, 1}, {0, 1, 0, 1}) == doctest::Approx(0.0));
    CHECK_THROWS_AS(mutualInformation({0, 1}, {0}), std::invalid_argument);
}

TEST_CASE("the redundancy filter keeps the more relevant of two redundant columns and never a constant one") {
    // Column 0: the label with a little noise; column 1: a monotone copy of column 0
    // (identical bins); column 2: constant; column 3: unrelated.
    const std::vector<int> labels{0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 1};
    Eigen::MatrixXd x(12, 4);
    for (Eigen::Index i = 0; i < 12; ++i) {
        const double value = labels[static_cast<std::size_t>(i)] + 0.01 * static_cast<double>(i);
        x(i, 0) = value;
        x(i, 1) = std::exp(value);
        x(i, 2) = 3.0;
        x(i, 3) = static_cast<double>((i * 7) % 12);
    }
    MutualInformationSettings settings;
    settings.bins = 4;
    // Columns 0 and 1 tie on relevance: the first in column order stays.
    CHECK(removeRedundantByMutualInformation(x, labels, settings) == std::vector<std::size_t>{0, 3});
    settings.redundancyThreshold = 1.0; // identical bins: MI equals the entropy, not above it
    CHECK(removeRedundantByMutualInformation(x, labels, settings) == std::vector<std::size_t>{0, 1, 3});
    settings.bins = 1;
    CHECK_THROWS_AS(removeRedundantByMutualInformation(x, labels, settings), std::invalid_argument);
}
