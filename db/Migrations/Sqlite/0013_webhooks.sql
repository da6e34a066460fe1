-- Webhooks (issue 10): endpoints an admin registers, and the deliveries to them (an outbox). A delivery row is
-- written in the same transaction as the state change it tells about (a job's final status), so nothing is lost
-- on a crash; a Quartz job sends due rows and retries with backoff. The secret is kept as it was given: it must
-- be, to sign each delivery (HMAC-SHA256). events is a comma-separated list (job.finished,job.failed,schedule.missed).
-- event_key says which occurrence a delivery is about (a schedule watch warning), so it is recorded once.
CREATE TABLE webhook_endpoints (
    id          INTEGER PRIMARY KEY,
    url         TEXT    NOT NULL,
    secret      TEXT    NOT NULL,
    events      TEXT    NOT NULL,
    created_by  TEXT    NOT NULL,
    created_at  TEXT    NOT NULL
);
CREATE TABLE webhook_deliveries (
    id               INTEGER PRIMARY KEY,
    endpoint_id      INTEGER NOT NULL REFERENCES webhook_endpoints (id),
    event            TEXT    NOT NULL,
    event_key        TEXT    NULL,
    job_id           INTEGER NULL,
    schedule_id      INTEGER NULL,
    body             TEXT    NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT    NULL,
    last_status_code INTEGER NULL,
    last_error       TEXT    NULL,
    last_attempt_at  TEXT    NULL,
    delivered_at     TEXT    NULL,
    failed_at        TEXT    NULL,
    created_at       TEXT    NOT NULL
);
-- The sender's due rows; an endpoint's delivery log, newest first; a warning recorded once per endpoint.
CREATE INDEX ix_webhook_deliveries_due ON webhook_deliveries (next_attempt_at);
CREATE INDEX ix_webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id);
CREATE INDEX ix_webhook_deliveries_key ON webhook_deliveries (event_key);
