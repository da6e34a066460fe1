-- Retry failed rows and dry runs. Forward-only, like every script here.
-- The same change as Migrations/Sqlite/0006_retry_and_dry_run.sql, for SQL Server.

-- A retry of an import's failed rows names the import it retries; Job Details shows the link both ways.
-- A dry run ("Validate only") reads, validates and matches keys like an import, and writes nothing to the
-- collection: its audit log says "would create" / "would update" / "failed".
ALTER TABLE jobs ADD
    retry_of_job_id bigint NULL CONSTRAINT fk_jobs_retry_of REFERENCES jobs (id),
    dry_run         bit    NOT NULL CONSTRAINT df_jobs_dry_run DEFAULT 0;
GO
CREATE INDEX ix_jobs_retry_of ON jobs (retry_of_job_id);
