-- The job that last wrote each record, for the record viewer ("last written by job N"). Forward-only.
-- NULL for records written before this migration. No foreign key: the record outlives nothing it needs,
-- and the import's hot path checks no constraint for it.
-- The record viewer pages and searches by (collection_id, record_key): the UNIQUE constraint's index
-- of 0001 serves those range scans, so no index is added.
ALTER TABLE records ADD COLUMN last_job_id INTEGER;
