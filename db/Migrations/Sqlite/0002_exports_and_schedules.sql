-- Exports and scheduled exports. Forward-only, like every script here.

-- Export jobs: export_name names the batch files ({export_name}-{batch_no}.json).
-- A scheduled export carries its schedule and the fire time it was created for; the unique index
-- makes sure one fire never creates two jobs, even with two processes firing.
ALTER TABLE jobs ADD COLUMN export_name TEXT NULL;
ALTER TABLE jobs ADD COLUMN schedule_id INTEGER NULL;
ALTER TABLE jobs ADD COLUMN scheduled_for TEXT NULL;
-- A remark shown in the job's details that its outcome does not overwrite (e.g. a missed fire run late).
ALTER TABLE jobs ADD COLUMN note TEXT NULL;
CREATE UNIQUE INDEX ux_jobs_schedule_fire ON jobs (schedule_id, scheduled_for) WHERE schedule_id IS NOT NULL;

-- An export batch covers the records whose keys lie in [first_key, last_key] (key order), fixed
-- when the export starts; file_id is its finished batch file (NULL until the batch commits).
ALTER TABLE batches ADD COLUMN first_key TEXT NULL;
ALTER TABLE batches ADD COLUMN last_key TEXT NULL;
ALTER TABLE batches ADD COLUMN file_id INTEGER NULL REFERENCES stored_files (id);

-- Nightly (cron) exports. next_fire_at is the UTC time of the next fire this schedule owes: a
-- value in the past when the server comes back is a missed fire, run once.
CREATE TABLE export_schedules (
    id               INTEGER PRIMARY KEY,
    collection_id    INTEGER NOT NULL REFERENCES collections (id),
    name             TEXT    NOT NULL COLLATE NOCASE,
    cron             TEXT    NOT NULL,
    time_zone        TEXT    NOT NULL,
    name_pattern     TEXT    NOT NULL,
    records_per_file INTEGER NOT NULL,
    enabled          INTEGER NOT NULL DEFAULT 1,
    next_fire_at     TEXT    NULL,
    created_by       TEXT    NOT NULL,
    created_at       TEXT    NOT NULL,
    UNIQUE (collection_id, name)
);
