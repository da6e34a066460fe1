-- JobTracker schema, version 1. Forward-only: never edit a merged script; add 0002_... instead.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    user_name     TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('admin', 'support', 'viewer')),
    created_at    TEXT    NOT NULL
);

CREATE TABLE workspaces (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    created_at TEXT    NOT NULL
);

-- schema_json: [{"name":"amount","type":"decimal","required":true}, ...]
-- types: string, integer, decimal, boolean, datetime
-- record_count: kept by each batch's transaction, so pages never count a large collection.
CREATE TABLE collections (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    name         TEXT    NOT NULL COLLATE NOCASE,
    key_field    TEXT    NULL,
    schema_json  TEXT    NOT NULL DEFAULT '[]',
    record_count INTEGER NOT NULL DEFAULT 0,
    created_at   TEXT    NOT NULL,
    UNIQUE (workspace_id, name)
);

-- One JSON object per record; the key is the key field's value, or a generated id.
-- version counts writes: 1 = created, > 1 = updated since. A rowid table with a unique index
-- rather than WITHOUT ROWID: imports append rows in file order instead of splitting key-ordered pages.
CREATE TABLE records (
    id            INTEGER PRIMARY KEY,
    collection_id INTEGER NOT NULL,
    record_key    TEXT    NOT NULL,
    data          TEXT    NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1,
    UNIQUE (collection_id, record_key)
);

-- Uploaded files live on disk under the storage folder; this row is how they are addressed.
CREATE TABLE stored_files (
    id           INTEGER PRIMARY KEY,
    file_name    TEXT    NOT NULL,
    storage_name TEXT    NOT NULL UNIQUE,
    size_bytes   INTEGER NOT NULL,
    created_at   TEXT    NOT NULL
);

-- status: QUEUED, IN PROGRESS, COMPLETED, CANCELED, RAN WITH ERRORS, FAILED.
-- total_rows / batch_count are NULL until the worker has split the file.
-- lease_owner / lease_until: the worker process that holds the job; an expired lease may be taken over.
CREATE TABLE jobs (
    id             INTEGER PRIMARY KEY,
    collection_id  INTEGER NOT NULL REFERENCES collections (id),
    job_type       TEXT    NOT NULL CHECK (job_type IN ('Import', 'Export')),
    file_name      TEXT    NOT NULL,
    file_format    TEXT    NULL,
    source_file_id INTEGER NULL REFERENCES stored_files (id),
    status         TEXT    NOT NULL,
    status_reason  TEXT    NULL,
    initiated_by   TEXT    NOT NULL,
    batch_size     INTEGER NOT NULL,
    created_at     TEXT    NOT NULL,
    started_at     TEXT    NULL,
    finished_at    TEXT    NULL,
    total_rows     INTEGER NULL,
    succeeded_rows INTEGER NOT NULL DEFAULT 0,
    failed_rows    INTEGER NOT NULL DEFAULT 0,
    batch_count    INTEGER NULL,
    csv_header     TEXT    NULL,
    lease_owner    TEXT    NULL,
    lease_until    TEXT    NULL
);
CREATE INDEX ix_jobs_collection ON jobs (collection_id, id);
CREATE INDEX ix_jobs_unfinished ON jobs (collection_id, id) WHERE finished_at IS NULL;

-- One batch = a slice of the source file: rows [first_row, first_row + row_count), bytes
-- [byte_offset, byte_offset + byte_length), starting on line first_line.
CREATE TABLE batches (
    job_id         INTEGER NOT NULL REFERENCES jobs (id),
    batch_no       INTEGER NOT NULL,
    status         TEXT    NOT NULL,
    status_reason  TEXT    NULL,
    first_row      INTEGER NOT NULL,
    row_count      INTEGER NOT NULL,
    byte_offset    INTEGER NOT NULL,
    byte_length    INTEGER NOT NULL,
    first_line     INTEGER NOT NULL,
    started_at     TEXT    NULL,
    finished_at    TEXT    NULL,
    succeeded_rows INTEGER NOT NULL DEFAULT 0,
    failed_rows    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (job_id, batch_no)
);
CREATE INDEX ix_batches_status ON batches (job_id, status, batch_no);

-- The audit log of one committed batch: one line per row (row, key, outcome, field, message),
-- gzip-compressed, written in the batch's own transaction.
CREATE TABLE audit_entries (
    job_id   INTEGER NOT NULL,
    batch_no INTEGER NOT NULL,
    entries  BLOB    NOT NULL,
    PRIMARY KEY (job_id, batch_no)
);
