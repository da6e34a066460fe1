-- Exports and scheduled exports. Forward-only, like every script here.

-- Export jobs: export_name names the batch files ({export_name}-{batch_no}.json).
-- A scheduled export carries its schedule and the fire time it was created for; the unique index
-- makes sure one fire never creates two jobs, even with two processes firing.
-- note: a remark shown in the job's details that its outcome does not overwrite (e.g. a missed fire run late).
ALTER TABLE jobs ADD
    export_name   nvarchar(400) NULL,
    schedule_id   bigint        NULL,
    scheduled_for datetime2     NULL,
    note          nvarchar(max) NULL;
GO
-- In a batch of its own (GO): SQL Server compiles a batch before it runs, and the columns are new.
CREATE UNIQUE INDEX ux_jobs_schedule_fire ON jobs (schedule_id, scheduled_for) WHERE schedule_id IS NOT NULL;

-- An export batch covers the records whose keys lie in [first_key, last_key] (key order), fixed
-- when the export starts; file_id is its finished batch file (NULL until the batch commits).
ALTER TABLE batches ADD
    first_key nvarchar(800) COLLATE Latin1_General_100_BIN2 NULL,
    last_key  nvarchar(800) COLLATE Latin1_General_100_BIN2 NULL,
    file_id   bigint        NULL CONSTRAINT fk_batches_file REFERENCES stored_files (id);

-- Nightly (cron) exports. next_fire_at is the UTC time of the next fire this schedule owes: a
-- value in the past when the server comes back is a missed fire, run once.
CREATE TABLE export_schedules (
    id               bigint        IDENTITY CONSTRAINT pk_export_schedules PRIMARY KEY,
    collection_id    bigint        NOT NULL CONSTRAINT fk_export_schedules_collection REFERENCES collections (id),
    name             nvarchar(200) COLLATE Latin1_General_100_CI_AS NOT NULL,
    cron             nvarchar(400) NOT NULL,
    time_zone        nvarchar(100) NOT NULL,
    name_pattern     nvarchar(400) NOT NULL,
    records_per_file int           NOT NULL,
    enabled          bit           NOT NULL DEFAULT 1,
    next_fire_at     datetime2     NULL,
    created_by       nvarchar(400) NOT NULL,
    created_at       datetime2     NOT NULL,
    CONSTRAINT uq_export_schedules_name UNIQUE (collection_id, name)
);
