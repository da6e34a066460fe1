-- Webhooks (issue 10). The same change as Migrations/Sqlite/0013_webhooks.sql, for SQL Server.
-- The secret is kept as it was given: it must be, to sign each delivery (HMAC-SHA256).
CREATE TABLE webhook_endpoints (
    id          bigint         IDENTITY CONSTRAINT pk_webhook_endpoints PRIMARY KEY,
    url         nvarchar(2000) NOT NULL,
    secret      nvarchar(200)  NOT NULL,
    events      nvarchar(200)  NOT NULL,
    created_by  nvarchar(100)  NOT NULL,
    created_at  datetime2      NOT NULL
);
CREATE TABLE webhook_deliveries (
    id               bigint         IDENTITY CONSTRAINT pk_webhook_deliveries PRIMARY KEY,
    endpoint_id      bigint         NOT NULL CONSTRAINT fk_webhook_deliveries_endpoint REFERENCES webhook_endpoints (id),
    event            nvarchar(50)   NOT NULL,
    event_key        nvarchar(200)  NULL,
    job_id           bigint         NULL,
    schedule_id      bigint         NULL,
    body             nvarchar(max)  NOT NULL,
    attempts         int            NOT NULL CONSTRAINT df_webhook_deliveries_attempts DEFAULT 0,
    next_attempt_at  datetime2      NULL,
    last_status_code int            NULL,
    last_error       nvarchar(1000) NULL,
    last_attempt_at  datetime2      NULL,
    delivered_at     datetime2      NULL,
    failed_at        datetime2      NULL,
    created_at       datetime2      NOT NULL
);
CREATE INDEX ix_webhook_deliveries_due ON webhook_deliveries (next_attempt_at);
CREATE INDEX ix_webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id);
CREATE INDEX ix_webhook_deliveries_key ON webhook_deliveries (event_key);
