-- The same change as Migrations/Sqlite/0005_job_search.sql, for SQL Server.
-- Job search on the Job Tracker: newest first by (created_at, id), keyset-paged; with a status
-- filter the second index reads only that status's jobs, and counts per status come from it.
CREATE INDEX ix_jobs_created ON jobs (collection_id, created_at, id);
CREATE INDEX ix_jobs_status_created ON jobs (collection_id, status, created_at, id);
