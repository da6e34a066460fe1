-- The job that last wrote each record, for the record viewer ("last written by job N"). Forward-only.
-- The same change as Migrations/Sqlite/0007_records_last_job.sql, for PostgreSQL 15.
-- NULL for records written before this migration; adding a nullable column without a default
-- rewrites no row. The UNIQUE (collection_id, record_key) index (record_key COLLATE "C") serves the
-- viewer's key-range scans.
ALTER TABLE records ADD COLUMN last_job_id bigint;
