-- Personal API tokens (issue 10). The same change as Migrations/Sqlite/0010_api_tokens.sql, for SQL Server.
-- The token is shown once; only its SHA-256 (hex) is kept here. A token acts with its user's role as the users
-- table has it now, and stops working when it is revoked (revoked_at set) or its user is disabled.
CREATE TABLE api_tokens (
    id           bigint        IDENTITY CONSTRAINT pk_api_tokens PRIMARY KEY,
    user_id      bigint        NOT NULL CONSTRAINT fk_api_tokens_user REFERENCES users (id),
    name         nvarchar(100) NOT NULL,
    hash         nvarchar(64)  NOT NULL CONSTRAINT uq_api_tokens_hash UNIQUE,
    created_at   datetime2     NOT NULL,
    last_used_at datetime2     NULL,
    revoked_at   datetime2     NULL
);
CREATE INDEX ix_api_tokens_user ON api_tokens (user_id, revoked_at);
