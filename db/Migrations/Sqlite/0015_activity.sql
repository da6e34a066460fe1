-- Activity trail (issue 10): one row per state change or download, written in the same transaction as the change
-- (by the jobs/ services). The actor and the object are kept as they were named at the time (a renamed user or
-- collection keeps its old name here). actor_user_id is NULL for a system actor ("worker", "schedule <name>",
-- "retention"); via is "console" or "API token <name>"; client_address is the request's address (NULL for the system).
CREATE TABLE activity (
    id             INTEGER PRIMARY KEY,
    at_utc         TEXT    NOT NULL,
    actor_user_id  INTEGER NULL,
    actor_name     TEXT    NOT NULL,
    via            TEXT    NULL,
    action         TEXT    NOT NULL,
    object_kind    TEXT    NOT NULL,
    object_id      INTEGER NULL,
    object_label   TEXT    NULL,
    job_id         INTEGER NULL,
    detail         TEXT    NULL,
    client_address TEXT    NULL
);
-- The Activity page, newest first (keyset on id), by who, by action, by object; a job's own entries.
CREATE INDEX ix_activity_actor ON activity (actor_name, id);
CREATE INDEX ix_activity_action ON activity (action, id);
CREATE INDEX ix_activity_object ON activity (object_kind, object_id, id);
CREATE INDEX ix_activity_job ON activity (job_id, id);
CREATE INDEX ix_activity_at ON activity (at_utc);
