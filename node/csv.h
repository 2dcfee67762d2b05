// Comma-separated tables as researchers and pathology systems exchange them (RFC 4180
// quoting; a quoted field may not span lines). Errors name the file, the line and the column.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace radnode::node {

struct CsvTable {
    std::string source;                          // the file, for messages
    std::vector<std::string> header;             // trimmed column names
    std::vector<std::vector<std::string>> rows;  // trimmed fields, as many as the header
    std::vector<std::size_t> lineNumbers;        // of each row, 1-based

    // The column's index; throws naming the file, the option that asked, and the columns found.
    std::size_t column(const std::string& name, const std::string& askedBy) const;
    std::optional<std::size_t> findColumn(const std::string& name) const;
    // "FILE line N" for messages about row `row`.
    std::string where(std::size_t row) const;
};

// Reads a table with a header row; blank lines are skipped. Throws std::invalid_argument.
CsvTable readCsvFile(const std::filesystem::path& file);

std::vector<std::string> splitCsvLine(const std::string& line, const std::string& where);

// A field quoted for writing when it contains a comma, a quote or a line break.
std::string csvField(const std::string& text);

// A finite number filling the whole text, else nullopt.
std::optional<double> parseCsvNumber(const std::string& text);

} // namespace radnode::node
