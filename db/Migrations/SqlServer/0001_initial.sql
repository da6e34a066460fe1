-- JobTracker schema, version 1, for SQL Server (2016 or later). Forward-only: never edit a merged
-- script; add 0002_... instead. The same tables, columns, constraints and indexes as SQLite's.
-- Times are UTC in datetime2. Names are unique ignoring case (a _CI_ collation, as SQLite's COLLATE
-- NOCASE); record keys compare and sort by code (a BIN2 collation, as SQLite compares text).

CREATE TABLE users (
    id            bigint        IDENTITY CONSTRAINT pk_users PRIMARY KEY,
    user_name     nvarchar(200) COLLATE Latin1_General_100_CI_AS NOT NULL CONSTRAINT uq_users_user_name UNIQUE,
    password_hash nvarchar(400) NOT NULL,
    role          nvarchar(20)  NOT NULL CONSTRAINT ck_users_role CHECK (role IN ('admin', 'support', 'viewer')),
    created_at    datetime2     NOT NULL
);

CREATE TABLE workspaces (
    id         bigint        IDENTITY CONSTRAINT pk_workspaces PRIMARY KEY,
    name       nvarchar(400) COLLATE Latin1_General_100_CI_AS NOT NULL CONSTRAINT uq_workspaces_name UNIQUE,
    created_at datetime2     NOT NULL
);

-- schema_json: [{"name":"amount","type":"decimal","required":true}, ...]
-- types: string, integer, decimal, boolean, datetime
-- record_count: kept by each batch's transaction, so pages never count a large collection.
CREATE TABLE collections (
    id           bigint        IDENTITY CONSTRAINT pk_collections PRIMARY KEY,
    workspace_id bigint        NOT NULL CONSTRAINT fk_collections_workspace REFERENCES workspaces (id),
    name         nvarchar(400) COLLATE Latin1_General_100_CI_AS NOT NULL,
    key_field    nvarchar(400) NULL,
    schema_json  nvarchar(max) NOT NULL DEFAULT '[]',
    record_count bigint        NOT NULL DEFAULT 0,
    created_at   datetime2     NOT NULL,
    CONSTRAINT uq_collections_name UNIQUE (workspace_id, name)
);

-- One JSON object per record, as the UTF-8 the import wrote and the export writes (varbinary: never
-- decoded to text and back); the key is the key field's value, or a generated id. A key is at most
-- 800 characters (the unique index's 1,700 bytes), and trailing spaces do not tell keys apart (SQL
-- Server pads text to compare it). version counts writes: 1 = created, > 1 = updated since.
-- Clustered on id rather than on the key: imports append rows in file order instead of splitting
-- key-ordered pages.
CREATE TABLE records (
    id            bigint         IDENTITY CONSTRAINT pk_records PRIMARY KEY,
    collection_id bigint         NOT NULL,
    record_key    nvarchar(800)  COLLATE Latin1_General_100_BIN2 NOT NULL,
    data          varbinary(max) NOT NULL,
    version       bigint         NOT NULL DEFAULT 1,
    CONSTRAINT uq_records_key UNIQUE (collection_id, record_key)
);
-- A batch locks a row per record it writes; escalated to the whole table, that lock would hold up
-- every other collection's import and export until the batch commits.
ALTER TABLE records SET (LOCK_ESCALATION = DISABLE);

-- Uploaded files live on disk under the storage folder; this row is how they are addressed.
CREATE TABLE stored_files (
    id           bigint         IDENTITY CONSTRAINT pk_stored_files PRIMARY KEY,
    file_name    nvarchar(1000) NOT NULL,
    storage_name nvarchar(800)  NOT NULL CONSTRAINT uq_stored_files_storage_name UNIQUE,
    size_bytes   bigint         NOT NULL,
    created_at   datetime2      NOT NULL
);

-- status: QUEUED, IN PROGRESS, COMPLETED, CANCELED, RAN WITH ERRORS, FAILED.
-- total_rows / batch_count are NULL until the worker has split the file.
-- lease_owner / lease_until: the worker process that holds the job; an expired lease may be taken over.
CREATE TABLE jobs (
    id             bigint         IDENTITY CONSTRAINT pk_jobs PRIMARY KEY,
    collection_id  bigint         NOT NULL CONSTRAINT fk_jobs_collection REFERENCES collections (id),
    job_type       nvarchar(20)   NOT NULL CONSTRAINT ck_jobs_job_type CHECK (job_type IN ('Import', 'Export')),
    file_name      nvarchar(1000) NOT NULL,
    file_format    nvarchar(20)   NULL,
    source_file_id bigint         NULL CONSTRAINT fk_jobs_source_file REFERENCES stored_files (id),
    status         nvarchar(40)   NOT NULL,
    status_reason  nvarchar(max)  NULL,
    initiated_by   nvarchar(400)  NOT NULL,
    batch_size     int            NOT NULL,
    created_at     datetime2      NOT NULL,
    started_at     datetime2      NULL,
    finished_at    datetime2      NULL,
    total_rows     bigint         NULL,
    succeeded_rows bigint         NOT NULL DEFAULT 0,
    failed_rows    bigint         NOT NULL DEFAULT 0,
    batch_count    int            NULL,
    csv_header     nvarchar(max)  NULL,
    lease_owner    nvarchar(400)  NULL,
    lease_until    datetime2      NULL
);
CREATE INDEX ix_jobs_collection ON jobs (collection_id, id);
CREATE INDEX ix_jobs_unfinished ON jobs (collection_id, id) WHERE finished_at IS NULL;

-- One batch = a slice of the source file: rows [first_row, first_row + row_count), bytes
-- [byte_offset, byte_offset + byte_length), starting on line first_line.
CREATE TABLE batches (
    job_id         bigint        NOT NULL CONSTRAINT fk_batches_job REFERENCES jobs (id),
    batch_no       int           NOT NULL,
    status         nvarchar(40)  NOT NULL,
    status_reason  nvarchar(max) NULL,
    first_row      bigint        NOT NULL,
    row_count      int           NOT NULL,
    byte_offset    bigint        NOT NULL,
    byte_length    bigint        NOT NULL,
    first_line     bigint        NOT NULL,
    started_at     datetime2     NULL,
    finished_at    datetime2     NULL,
    succeeded_rows int           NOT NULL DEFAULT 0,
    failed_rows    int           NOT NULL DEFAULT 0,
    CONSTRAINT pk_batches PRIMARY KEY (job_id, batch_no)
);
CREATE INDEX ix_batches_status ON batches (job_id, status, batch_no);

-- The audit log of one committed batch: one line per row (row, key, outcome, field, message),
-- gzip-compressed, written in the batch's own transaction.
CREATE TABLE audit_entries (
    job_id   bigint         NOT NULL,
    batch_no int            NOT NULL,
    entries  varbinary(max) NOT NULL,
    CONSTRAINT pk_audit_entries PRIMARY KEY (job_id, batch_no)
);
