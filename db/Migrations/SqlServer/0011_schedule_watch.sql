-- Health, the schedule watch, the overview page and skipped fires. Forward-only, like every script here.
-- The same change as Migrations/Sqlite/0011_schedule_watch.sql, for SQL Server.

-- A fire that comes while the schedule's previous export is unfinished is skipped (no pile-up) unless the
-- schedule says otherwise; the last skip is kept on the schedule: the fire's time and why, for its page.
ALTER TABLE export_schedules ADD
    skip_while_unfinished bit            NOT NULL CONSTRAINT df_export_schedules_skip DEFAULT 1,
    last_skipped_at       datetime2      NULL,
    last_skip_reason      nvarchar(1000) NULL;
GO
-- The overview's failures of the last 24 hours: a range of finished_at per status.
CREATE INDEX ix_jobs_status_finished ON jobs (status, finished_at);
-- A schedule's newest jobs first (its last run, its last finished run), for the Schedules page and the watch.
CREATE INDEX ix_jobs_schedule ON jobs (schedule_id, id) WHERE schedule_id IS NOT NULL;
