#include "storage/database.h"

#include <sqlite3.h>

#include <sys/stat.h>

namespace radnode::storage {

Statement::Statement(Database& database, std::string_view sql) : database_(database), sql_(sql) {
    if (sqlite3_prepare_v2(database.handle(), sql_.c_str(), static_cast<int>(sql_.size()), &statement_, nullptr) !=
        SQLITE_OK) {
        throw DatabaseError("cannot prepare SQL (" + database.errorMessage() + "): " + sql_);
    }
}

Statement::~Statement() { sqlite3_finalize(statement_); }

namespace {
void check(int rc, Database& database, const std::string& sql) {
    if (rc != SQLITE_OK) throw DatabaseError("cannot bind parameter (" + database.errorMessage() + "): " + sql);
}
} // namespace

Statement& Statement::bind(int index, std::int64_t value) {
    check(sqlite3_bind_int64(statement_, index, value), database_, sql_);
    return *this;
}

Statement& Statement::bind(int index, double value) {
    check(sqlite3_bind_double(statement_, index, value), database_, sql_);
    return *this;
}

Statement& Statement::bind(int index, std::string_view value) {
    check(sqlite3_bind_text(statement_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT),
          database_, sql_);
    return *this;
}

Statement& Statement::bindNull(int index) {
    check(sqlite3_bind_null(statement_, index), database_, sql_);
    return *this;
}

Statement& Statement::bind(int index, const std::optional<std::string>& value) {
    return value ? bind(index, std::string_view(*value)) : bindNull(index);
}

Statement& Statement::bind(int index, const std::optional<std::int64_t>& value) {
    return value ? bind(index, *value) : bindNull(index);
}

Statement& Statement::bind(int index, const std::optional<double>& value) {
    return value ? bind(index, *value) : bindNull(index);
}

bool Statement::step() {
    const int rc = sqlite3_step(statement_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw DatabaseError("SQL failed (" + database_.errorMessage() + "): " + sql_);
}

void Statement::run() {
    while (step()) {
    }
}

void Statement::reset() {
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
}

bool Statement::isNull(int column) const { return sqlite3_column_type(statement_, column) == SQLITE_NULL; }
std::int64_t Statement::integer(int column) const { return sqlite3_column_int64(statement_, column); }
double Statement::real(int column) const { return sqlite3_column_double(statement_, column); }

std::string Statement::text(int column) const {
    const auto* bytes = sqlite3_column_text(statement_, column);
    if (!bytes) return {};
    return std::string(reinterpret_cast<const char*>(bytes), static_cast<std::size_t>(sqlite3_column_bytes(statement_, column)));
}

std::optional<std::string> Statement::optionalText(int column) const {
    if (isNull(column)) return std::nullopt;
    return text(column);
}

std::optional<std::int64_t> Statement::optionalInteger(int column) const {
    if (isNull(column)) return std::nullopt;
    return integer(column);
}

std::optional<double> Statement::optionalReal(int column) const {
    if (isNull(column)) return std::nullopt;
    return real(column);
}

Database::Database(const std::filesystem::path& file) : file_(file) {
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
    if (sqlite3_open_v2(file.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
        const std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
        sqlite3_close(db_);
        db_ = nullptr;
        throw DatabaseError("cannot open database " + file.string() + ": " + message);
    }
    ::chmod(file.c_str(), 0600);
    sqlite3_busy_timeout(db_, 10000);
    execute("PRAGMA journal_mode=WAL");
    // FULL: a commit survives power loss, which is what a success status promises the sender.
    execute("PRAGMA synchronous=FULL");
    execute("PRAGMA foreign_keys=ON");
}

Database::~Database() { sqlite3_close(db_); }

void Database::execute(std::string_view sql) {
    char* error = nullptr;
    const std::string text(sql);
    if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
        const std::string message = error ? error : errorMessage();
        sqlite3_free(error);
        throw DatabaseError("SQL failed on " + file_.string() + " (" + message + "): " + text);
    }
}

std::int64_t Database::lastInsertId() const { return sqlite3_last_insert_rowid(db_); }
int Database::changes() const { return sqlite3_changes(db_); }
std::string Database::errorMessage() const { return sqlite3_errmsg(db_); }

int Database::userVersion() {
    Statement statement(*this, "PRAGMA user_version");
    statement.step();
    return static_cast<int>(statement.integer(0));
}

void Database::setUserVersion(int version) { execute("PRAGMA user_version=" + std::to_string(version)); }

Transaction::Transaction(Database& database) : database_(database) { database_.execute("BEGIN IMMEDIATE"); }

Transaction::~Transaction() {
    if (!done_) {
        try {
            database_.execute("ROLLBACK");
        } catch (...) {
            // Nothing more to do: SQLite rolls back an unfinished transaction on close.
        }
    }
}

void Transaction::commit() {
    database_.execute("COMMIT");
    done_ = true;
}

} // namespace radnode::storage
