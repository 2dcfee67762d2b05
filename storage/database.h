// A thin, explicit wrapper over one SQLite connection: prepared statements with bound
// parameters, transactions as scopes, and errors that carry the SQL that failed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace radnode::storage {

struct DatabaseError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class Database;

// One prepared statement. Bind by 1-based index, step through rows, read columns by index.
class Statement {
public:
    Statement(Database& database, std::string_view sql);
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    Statement& bind(int index, std::int64_t value);
    Statement& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
    Statement& bind(int index, double value);
    Statement& bind(int index, std::string_view value);
    Statement& bind(int index, const char* value) { return bind(index, std::string_view(value)); }
    Statement& bind(int index, const std::string& value) { return bind(index, std::string_view(value)); }
    Statement& bindNull(int index);
    Statement& bind(int index, const std::optional<std::string>& value);
    Statement& bind(int index, const std::optional<std::int64_t>& value);
    Statement& bind(int index, const std::optional<double>& value);

    // Advances to the next row; false when done.
    bool step();
    // Runs a statement that returns no rows.
    void run();
    // Makes a statement that ran ready to run again with new bindings (bulk inserts).
    void reset();

    bool isNull(int column) const;
    std::int64_t integer(int column) const;
    double real(int column) const;
    std::string text(int column) const;
    std::optional<std::string> optionalText(int column) const;
    std::optional<std::int64_t> optionalInteger(int column) const;
    std::optional<double> optionalReal(int column) const;

private:
    Database& database_;
    sqlite3_stmt* statement_ = nullptr;
    std::string sql_;
};

class Database {
public:
    // Opens (creating if needed) the database in WAL mode with a busy timeout.
    explicit Database(const std::filesystem::path& file);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    void execute(std::string_view sql);
    std::int64_t lastInsertId() const;
    int changes() const;
    int userVersion();
    void setUserVersion(int version);
    const std::filesystem::path& file() const { return file_; }

    sqlite3* handle() { return db_; }
    std::string errorMessage() const;

private:
    sqlite3* db_ = nullptr;
    std::filesystem::path file_;
};

// BEGIN IMMEDIATE on construction; ROLLBACK on destruction unless commit() was called.
class Transaction {
public:
    explicit Transaction(Database& database);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit();

private:
    Database& database_;
    bool done_ = false;
};

} // namespace radnode::storage
