-- The same change as Migrations/Sqlite/0012_job_search_covering.sql, for SQL Server: the filters'
-- columns as included columns (no size limit for included nvarchar(max) columns).
DROP INDEX ix_jobs_status_created ON jobs;
CREATE INDEX ix_jobs_status_created ON jobs (collection_id, status, created_at, id) INCLUDE (job_type, initiated_by, file_name, export_name);
