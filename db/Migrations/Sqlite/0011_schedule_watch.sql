-- Health, the schedule watch, the overview page and skipped fires. Forward-only, like every script here.

-- A fire that comes while the schedule's previous export is unfinished is skipped (no pile-up) unless the
-- schedule says otherwise; the last skip is kept on the schedule: the fire's time and why, for its page.
ALTER TABLE export_schedules ADD COLUMN skip_while_unfinished INTEGER NOT NULL DEFAULT 1;
ALTER TABLE export_schedules ADD COLUMN last_skipped_at TEXT NULL;
ALTER TABLE export_schedules ADD COLUMN last_skip_reason TEXT NULL;

-- The overview's failures of the last 24 hours: a range of finished_at per status.
CREATE INDEX ix_jobs_status_finished ON jobs (status, finished_at);
-- A schedule's newest jobs first (its last run, its last finished run), for the Schedules page and the watch.
CREATE INDEX ix_jobs_schedule ON jobs (schedule_id, id) WHERE schedule_id IS NOT NULL;
