-- Retention (issue 10): files, audit logs and finished jobs are kept for JobTracker:Retention's days after a
-- job finishes; the nightly cleanup deletes what expired. Forward-only, like every script here.
-- The same change as Migrations/Sqlite/0014_retention.sql, for PostgreSQL 15.

-- When the cleanup deleted a job's files (its uploaded file, or an export's batch files) and its audit log.
-- The job row, its batches and their numbers stay until the job itself expires; downloads of what expired
-- say so ("Expired on ...") instead of failing.
ALTER TABLE jobs ADD COLUMN files_expired_at timestamptz NULL;
ALTER TABLE jobs ADD COLUMN audit_expired_at timestamptz NULL;

-- Per schedule, "Keep the last N exports": the files of its older finished exports expire at the next
-- cleanup, whatever the days say. NULL = no limit.
ALTER TABLE export_schedules ADD COLUMN keep_last_exports integer NULL;

-- The cleanup's reads: finished jobs by their finish time, and which jobs share an uploaded file (a dry run
-- and its import for real).
CREATE INDEX ix_jobs_finished ON jobs (finished_at);
CREATE INDEX ix_jobs_source_file ON jobs (source_file_id);
