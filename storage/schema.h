// The database schema, versioned with PRAGMA user_version: each migration moves the
// schema one version up inside a transaction, so a database is always at a known version.
#pragma once

#include "storage/database.h"

namespace radnode::storage {

// The version this build writes and understands.
int currentSchemaVersion();

// Brings the database to currentSchemaVersion(). Refuses a database from a newer build.
void migrate(Database& database);

} // namespace radnode::storage
