-- Activity trail (issue 10). The same change as Migrations/Sqlite/0015_activity.sql, for SQL Server.
CREATE TABLE activity (
    id             bigint         IDENTITY CONSTRAINT pk_activity PRIMARY KEY,
    at_utc         datetime2      NOT NULL,
    actor_user_id  bigint         NULL,
    actor_name     nvarchar(200)  NOT NULL,
    via            nvarchar(200)  NULL,
    action         nvarchar(100)  NOT NULL,
    object_kind    nvarchar(50)   NOT NULL,
    object_id      bigint         NULL,
    object_label   nvarchar(400)  NULL,
    job_id         bigint         NULL,
    detail         nvarchar(1000) NULL,
    client_address nvarchar(100)  NULL
);
CREATE INDEX ix_activity_actor ON activity (actor_name, id);
CREATE INDEX ix_activity_action ON activity (action, id);
CREATE INDEX ix_activity_object ON activity (object_kind, object_id, id);
CREATE INDEX ix_activity_job ON activity (job_id, id);
CREATE INDEX ix_activity_at ON activity (at_utc);
