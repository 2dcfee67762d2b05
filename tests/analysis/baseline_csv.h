// Reading PyRadiomics baseline tables (tests/data/pyradiomics/baseline/baseline_<class>.csv)
// for the conformance tests: row 1 is "featureName,<column>...", each later row is one
// feature (or diagnostics entry) with one value per column. Fields may be quoted ("..." with
// "" for a quote), as the Python dict literals of the diagnostics rows are.
#pragma once

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <istream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace radnode::testing {

// RFC 4180 records: comma-separated, quoted fields may hold commas, quotes ("") and newlines.
inline std::vector<std::vector<std::string>> parseCsv(std::istream& in) {
    std::vector<std::vector<std::string>> records;
    std::vector<std::string> record;
    std::string field;
    bool quoted = false;
    bool fieldStarted = false;
    char c = 0;
    while (in.get(c)) {
        if (quoted) {
            if (c != '"') {
                field += c;
            } else if (in.peek() == '"') {
                field += '"';
                in.get(c);
            } else {
                quoted = false;
            }
            continue;
        }
        if (c == '"') {
            quoted = true;
            fieldStarted = true;
        } else if (c == ',') {
            record.push_back(field);
            field.clear();
            fieldStarted = true;
        } else if (c == '\n' || c == '\r') {
            if (c == '\r' && in.peek() == '\n') in.get(c);
            if (fieldStarted || !field.empty() || !record.empty()) {
                record.push_back(field);
                records.push_back(record);
            }
            record.clear();
            field.clear();
            fieldStarted = false;
        } else {
            field += c;
            fieldStarted = true;
        }
    }
    if (quoted) throw std::runtime_error("CSV ends inside a quoted field");
    if (fieldStarted || !field.empty() || !record.empty()) {
        record.push_back(field);
        records.push_back(record);
    }
    return records;
}

// One baseline file: value text by feature row name and column name.
class BaselineCsv {
public:
    explicit BaselineCsv(const std::filesystem::path& path) : path_(path) {
        std::ifstream in(path, std::ios::binary);
        if (!in) throw std::runtime_error("cannot open baseline " + path.string());
        const auto records = parseCsv(in);
        if (records.empty() || records.front().empty()) throw std::runtime_error("empty baseline " + path.string());
        columns_.assign(records.front().begin() + 1, records.front().end());
        for (std::size_t r = 1; r < records.size(); ++r) {
            const auto& record = records[r];
            if (record.size() != columns_.size() + 1) {
                throw std::runtime_error(path.string() + ": row '" + record.front() + "' has " +
                                         std::to_string(record.size()) + " fields, expected " +
                                         std::to_string(columns_.size() + 1));
            }
            rowOrder_.push_back(record.front());
            auto& cells = cells_[record.front()];
            for (std::size_t c = 0; c < columns_.size(); ++c) cells[columns_[c]] = record[c + 1];
        }
    }

    const std::vector<std::string>& columns() const { return columns_; }
    // Row names in file order ("original_shape_Sphericity", "diagnostics_...").
    const std::vector<std::string>& rows() const { return rowOrder_; }

    std::vector<std::string> rowsWithPrefix(const std::string& prefix) const {
        std::vector<std::string> found;
        for (const auto& row : rowOrder_) {
            if (row.compare(0, prefix.size(), prefix) == 0) found.push_back(row);
        }
        return found;
    }

    bool has(const std::string& row, const std::string& column) const {
        const auto r = cells_.find(row);
        return r != cells_.end() && r->second.count(column) > 0;
    }

    const std::string& text(const std::string& row, const std::string& column) const {
        const auto r = cells_.find(row);
        if (r == cells_.end()) throw std::out_of_range(path_.string() + " has no row '" + row + "'");
        const auto c = r->second.find(column);
        if (c == r->second.end()) throw std::out_of_range(path_.string() + " has no column '" + column + "'");
        return c->second;
    }

    // The cell as a number ("nan" and "inf" included); throws when it is not one.
    double value(const std::string& row, const std::string& column) const {
        const std::string& cell = text(row, column);
        char* end = nullptr;
        const double number = std::strtod(cell.c_str(), &end);
        if (cell.empty() || *end != '\0') {
            throw std::runtime_error(path_.string() + ": '" + row + "' in column '" + column +
                                     "' is not a number: " + cell);
        }
        return number;
    }

private:
    std::filesystem::path path_;
    std::vector<std::string> columns_;
    std::vector<std::string> rowOrder_;
    std::map<std::string, std::map<std::string, std::string>> cells_;
};

// Top-level entries of a Python dict literal such as the diagnostics_Configuration_Settings
// cell: key -> value text as written ("25", "None", "[1]", "'sitkBSpline'", "{...}").
inline std::map<std::string, std::string> parsePythonDict(const std::string& literal) {
    auto trim = [](const std::string& s) {
        const auto first = s.find_first_not_of(" \t\n");
        if (first == std::string::npos) return std::string();
        return s.substr(first, s.find_last_not_of(" \t\n") - first + 1);
    };
    auto unquote = [](const std::string& s) {
        if (s.size() >= 2 && (s.front() == '\'' || s.front() == '"') && s.back() == s.front()) {
            return s.substr(1, s.size() - 2);
        }
        return s;
    };
    const std::string body = trim(literal);
    if (body.size() < 2 || body.front() != '{' || body.back() != '}') {
        throw std::runtime_error("not a Python dict literal: " + literal);
    }
    std::map<std::string, std::string> entries;
    std::string key;
    std::string current;
    int depth = 0;
    char quote = 0;
    for (std::size_t i = 1; i + 1 < body.size(); ++i) {
        const char c = body[i];
        if (quote) {
            current += c;
            if (c == quote) quote = 0;
        } else if (c == '\'' || c == '"') {
            quote = c;
            current += c;
        } else if (c == '[' || c == '{' || c == '(') {
            ++depth;
            current += c;
        } else if (c == ']' || c == '}' || c == ')') {
            --depth;
            current += c;
        } else if (c == ':' && depth == 0 && key.empty()) {
            key = unquote(trim(current));
            current.clear();
        } else if (c == ',' && depth == 0) {
            if (!key.empty()) entries[key] = trim(current);
            key.clear();
            current.clear();
        } else {
            current += c;
        }
    }
    if (!key.empty()) entries[key] = trim(current);
    return entries;
}

// The conformance rule: within `relative` of the baseline, exactly 0 when the baseline is 0,
// NaN only where the baseline is NaN.
inline bool closeToBaseline(double actual, double expected, double relative) {
    if (std::isnan(expected) || std::isnan(actual)) return std::isnan(expected) && std::isnan(actual);
    if (expected == 0.0) return actual == 0.0;
    return std::abs(actual - expected) <= relative * std::abs(expected);
}

} // namespace radnode::testing
