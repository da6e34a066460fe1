-- Retry failed rows and dry runs. Forward-only, like every script here.

-- A retry of an import's failed rows names the import it retries; Job Details shows the link both ways.
ALTER TABLE jobs ADD COLUMN retry_of_job_id INTEGER NULL REFERENCES jobs (id);
CREATE INDEX ix_jobs_retry_of ON jobs (retry_of_job_id);

-- A dry run ("Validate only") reads, validates and matches keys like an import, and writes nothing to the
-- collection: its audit log says "would create" / "would update" / "failed".
ALTER TABLE jobs ADD COLUMN dry_run INTEGER NOT NULL DEFAULT 0;
