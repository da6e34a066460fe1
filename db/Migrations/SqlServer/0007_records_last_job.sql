-- The job that last wrote each record, for the record viewer ("last written by job N"). Forward-only.
-- The same change as Migrations/Sqlite/0007_records_last_job.sql, for SQL Server.
-- NULL for records written before this migration (a metadata-only change). uq_records_key
-- (collection_id, record_key, BIN2) serves the viewer's key-range scans.
ALTER TABLE records ADD last_job_id bigint NULL;
