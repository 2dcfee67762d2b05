#include "node/csv.h"

#include <charconv>
#include <cmath>
#include <fstream>
#include <stdexcept>

namespace radnode::node {

namespace {

std::string trim(const std::string& text) {
    const auto first = text.find_first_not_of(" \t");
    if (first == std::string::npos) return "";
    return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

} // namespace

std::vector<std::string> splitCsvLine(const std::string& line, const std::string& where) {
    std::vector<std::string> fields;
    std::string field;
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted) {
            if (c != '"') {
                field += c;
            } else if (i + 1 < line.size() && line[i + 1] == '"') {
                field += '"';
                ++i;
            } else {
                quoted = false;
            }
        } else if (c == '"' && field.empty()) {
            quoted = true;
        } else if (c == ',') {
            fields.push_back(field);
            field.clear();
        } else {
            field += c;
        }
    }
    if (quoted) throw std::invalid_argument(where + ": unterminated quoted field");
    fields.push_back(field);
    return fields;
}

CsvTable readCsvFile(const std::filesystem::path& file) {
    std::ifstream in(file);
    if (!in) throw std::invalid_argument("cannot read " + file.string());
    CsvTable table;
    table.source = file.string();
    std::string line;
    std::size_t lineNumber = 0;
    while (std::getline(in, line)) {
        ++lineNumber;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (trim(line).empty()) continue;
        const std::string where = table.source + " line " + std::to_string(lineNumber);
        auto fields = splitCsvLine(line, where);
        for (auto& field : fields) field = trim(field);
        if (table.header.empty()) {
            table.header = std::move(fields);
            continue;
        }
        if (fields.size() != table.header.size()) {
            throw std::invalid_argument(where + ": " + std::to_string(fields.size()) + " fields, the header has " +
                                        std::to_string(table.header.size()));
        }
        table.rows.push_back(std::move(fields));
        table.lineNumbers.push_back(lineNumber);
    }
    if (table.header.empty()) {
        throw std::invalid_argument(table.source + " is empty (expected a header row naming the columns)");
    }
    return table;
}

std::optional<std::size_t> CsvTable::findColumn(const std::string& name) const {
    for (std::size_t i = 0; i < header.size(); ++i) {
        if (header[i] == name) return i;
    }
    return std::nullopt;
}

std::size_t CsvTable::column(const std::string& name, const std::string& askedBy) const {
    if (const auto index = findColumn(name)) return *index;
    std::string names;
    for (const auto& h : header) names += (names.empty() ? "'" : ", '") + h + "'";
    throw std::invalid_argument(source + " has no column '" + name + "' (" + askedBy + "); its columns are " + names);
}

std::string CsvTable::where(std::size_t row) const { return source + " line " + std::to_string(lineNumbers.at(row)); }

std::string csvField(const std::string& text) {
    if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
    std::string out = "\"";
    for (const char c : text) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

std::optional<double> parseCsvNumber(const std::string& text) {
    double value = 0;
    const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || result.ec != std::errc() || result.ptr != text.data() + text.size() || !std::isfinite(value)) {
        return std::nullopt;
    }
    return value;
}

} // namespace radnode::node
