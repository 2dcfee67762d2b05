#include "storage/schema.h"

#include <string>
#include <vector>

namespace radnode::storage {

namespace {

// Times are integer milliseconds since the Unix epoch (UTC).
const char* const kVersion1 = R"sql(
CREATE TABLE studies (
    study_uid         TEXT PRIMARY KEY,
    patient_id        TEXT,
    accession_number  TEXT,
    first_received_at INTEGER NOT NULL,
    last_received_at  INTEGER NOT NULL,
    assembled_at      INTEGER
);

CREATE TABLE instances (
    id                INTEGER PRIMARY KEY,
    sop_instance_uid  TEXT NOT NULL,
    version           INTEGER NOT NULL DEFAULT 1,
    sop_class_uid     TEXT NOT NULL,
    study_uid         TEXT NOT NULL REFERENCES studies(study_uid),
    series_uid        TEXT NOT NULL,
    modality          TEXT,
    transfer_syntax   TEXT,
    path              TEXT NOT NULL UNIQUE,
    size_bytes        INTEGER NOT NULL,
    calling_ae        TEXT,
    peer_address      TEXT,
    received_at       INTEGER NOT NULL,
    UNIQUE (sop_instance_uid, version)
);
CREATE INDEX instances_by_study ON instances(study_uid);

-- What each segmentation was drawn on: the instances a job needs before it can run.
CREATE TABLE segmentation_references (
    instance_id       INTEGER NOT NULL REFERENCES instances(id),
    referenced_uid    TEXT NOT NULL,
    PRIMARY KEY (instance_id, referenced_uid)
);

CREATE TABLE jobs (
    id                INTEGER PRIMARY KEY,
    study_uid         TEXT NOT NULL REFERENCES studies(study_uid),
    state             TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
    attempts          INTEGER NOT NULL DEFAULT 0,
    lease_owner       TEXT,
    lease_expires_at  INTEGER,
    last_error        TEXT,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);
CREATE INDEX jobs_by_state ON jobs(state);

CREATE TABLE results (
    id                    INTEGER PRIMARY KEY,
    job_id                INTEGER NOT NULL UNIQUE REFERENCES jobs(id),
    study_uid             TEXT NOT NULL,
    sr_sop_instance_uid   TEXT NOT NULL UNIQUE,
    sr_series_uid         TEXT NOT NULL,
    sr_path               TEXT NOT NULL,
    summary               TEXT NOT NULL,
    supersedes_result_id  INTEGER REFERENCES results(id),
    created_at            INTEGER NOT NULL
);

CREATE TABLE deliveries (
    id                INTEGER PRIMARY KEY,
    result_id         INTEGER NOT NULL REFERENCES results(id),
    destination       TEXT NOT NULL,
    state             TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts          INTEGER NOT NULL DEFAULT 0,
    next_attempt_at   INTEGER NOT NULL,
    last_status       TEXT,
    last_error        TEXT,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    UNIQUE (result_id, destination)
);
CREATE INDEX deliveries_due ON deliveries(state, next_attempt_at);

CREATE TABLE audit_log (
    id                INTEGER PRIMARY KEY,
    at                INTEGER NOT NULL,
    event             TEXT NOT NULL,
    study_uid         TEXT,
    sop_instance_uid  TEXT,
    calling_ae        TEXT,
    peer_address      TEXT,
    job_id            INTEGER,
    detail            TEXT
);
CREATE INDEX audit_by_study ON audit_log(study_uid);
-- The audit trail is append-only: the database itself refuses edits and deletions.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
)sql";

// Version 2: what each result said, in queryable form: the model scores a worklist or the
// HTTP API shows, the feature values a research export needs, and further objects (summary
// images) delivered with the SR.
const char* const kVersion2 = R"sql(
CREATE TABLE result_scores (
    result_id         INTEGER NOT NULL REFERENCES results(id),
    model_name        TEXT NOT NULL,
    model_version     TEXT NOT NULL,
    scored            INTEGER NOT NULL,
    reason            TEXT,
    rad_score         REAL,
    probability       REAL,
    threshold         REAL,
    predicted_class   TEXT,
    flags             TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (result_id, model_name, model_version)
);

CREATE TABLE result_features (
    result_id         INTEGER NOT NULL REFERENCES results(id),
    roi               TEXT NOT NULL,
    view              TEXT NOT NULL,
    laterality        TEXT NOT NULL,
    feature           TEXT NOT NULL,
    value             REAL  -- NULL where the feature is not defined (NaN)
);
CREATE INDEX result_features_by_result ON result_features(result_id);

CREATE TABLE result_objects (
    result_id         INTEGER NOT NULL REFERENCES results(id),
    sop_instance_uid  TEXT NOT NULL UNIQUE,
    sop_class_uid     TEXT NOT NULL,
    path              TEXT NOT NULL
);
CREATE INDEX result_objects_by_result ON result_objects(result_id);
)sql";

// Version 3: clinical covariates entered for a study (by its UID or by accession number),
// append-only: the latest entry per key counts, earlier ones stay as the record of changes.
const char* const kVersion3 = R"sql(
CREATE TABLE clinical_inputs (
    id                INTEGER PRIMARY KEY,
    study_uid         TEXT NOT NULL DEFAULT '',
    accession_number  TEXT NOT NULL DEFAULT '',
    key               TEXT NOT NULL,
    value             TEXT NOT NULL,
    source            TEXT NOT NULL,
    entered_at        INTEGER NOT NULL,
    CHECK (study_uid <> '' OR accession_number <> '')
);
CREATE INDEX clinical_inputs_by_study ON clinical_inputs(study_uid);
CREATE INDEX clinical_inputs_by_accession ON clinical_inputs(accession_number);
)sql";

// Version 4: the retention policy purges received images after a configured time; the row
// stays (what was received, from whom, when) and says when its file was removed.
const char* const kVersion4 = R"sql(
ALTER TABLE instances ADD COLUMN purged_at INTEGER;
)sql";

// Version 5: /metrics counts refusals by audit event on every scrape; without an index that
// scan grows with years of audit trail.
const char* const kVersion5 = R"sql(
CREATE INDEX audit_by_event ON audit_log(event);
)sql";

// Version 6: what each delivery sent (which SR form, which summary images, by SOP Instance
// UID), and Storage Commitment transactions per delivery (dicom/storage_commitment.h): one
// row per N-ACTION, its state, and each referenced object's answer.
const char* const kVersion6 = R"sql(
CREATE TABLE delivery_objects (
    delivery_id       INTEGER NOT NULL REFERENCES deliveries(id),
    position          INTEGER NOT NULL,
    sop_instance_uid  TEXT NOT NULL,
    sop_class_uid     TEXT NOT NULL,
    PRIMARY KEY (delivery_id, position)
);

CREATE TABLE commitments (
    transaction_uid   TEXT PRIMARY KEY,
    delivery_id       INTEGER NOT NULL REFERENCES deliveries(id),
    state             TEXT NOT NULL CHECK (state IN ('requested', 'committed', 'failed', 'timed-out')),
    requested_at      INTEGER NOT NULL,
    deadline_at       INTEGER NOT NULL,
    answered_at       INTEGER,
    reported_by       TEXT,
    detail            TEXT
);
CREATE INDEX commitments_by_delivery ON commitments(delivery_id);
CREATE INDEX commitments_by_state ON commitments(state, deadline_at);

CREATE TABLE commitment_objects (
    transaction_uid   TEXT NOT NULL REFERENCES commitments(transaction_uid),
    sop_instance_uid  TEXT NOT NULL,
    sop_class_uid     TEXT NOT NULL,
    state             TEXT NOT NULL CHECK (state IN ('requested', 'committed', 'failed')),
    failure_reason    TEXT,
    PRIMARY KEY (transaction_uid, sop_instance_uid)
);
)sql";

const std::vector<const char*>& migrations() {
    static const std::vector<const char*> steps{kVersion1, kVersion2, kVersion3, kVersion4, kVersion5, kVersion6};
    return steps;
}

} // namespace

int currentSchemaVersion() { return static_cast<int>(migrations().size()); }

void migrate(Database& database) {
    const int found = database.userVersion();
    if (found > currentSchemaVersion()) {
        throw DatabaseError("database " + database.file().string() + " has schema version " + std::to_string(found) +
                            ", newer than this radnode understands (" + std::to_string(currentSchemaVersion()) + ")");
    }
    for (int version = found; version < currentSchemaVersion(); ++version) {
        Transaction transaction(database);
        database.execute(migrations()[static_cast<std::size_t>(version)]);
        database.setUserVersion(version + 1);
        transaction.commit();
    }
}

} // namespace radnode::storage
