-- Sign-in protection, server-side sessions and the user lifecycle. Forward-only, like every script here.
-- The same change as Migrations/Sqlite/0004_sessions_and_users.sql, for SQL Server.

-- failed_sign_ins counts the wrong passwords since the last good one; reaching JobTracker:SignIn:LockoutFailures
-- sets locked_until (no password is checked before then) and starts the count again. A user with
-- disabled_at set cannot sign in, and their sessions end when it is set.
ALTER TABLE users ADD
    failed_sign_ins int       NOT NULL CONSTRAINT df_users_failed_sign_ins DEFAULT 0,
    locked_until    datetime2 NULL,
    disabled_at     datetime2 NULL;

-- One row per sign-in. The cookie carries a random token; only its SHA-256 (hex) is stored. A session
-- is live while ended_at is NULL and last_seen_at (renewed at most once a minute) is recent enough.
-- ended_reason says why it ended: signed out, ended by an admin, password changed, user disabled.
CREATE TABLE sessions (
    id             bigint        IDENTITY CONSTRAINT pk_sessions PRIMARY KEY,
    token_hash     nvarchar(64)  NOT NULL CONSTRAINT uq_sessions_token_hash UNIQUE,
    user_id        bigint        NOT NULL CONSTRAINT fk_sessions_user REFERENCES users (id),
    created_at     datetime2     NOT NULL,
    last_seen_at   datetime2     NOT NULL,
    client_address nvarchar(100) NULL,
    user_agent     nvarchar(400) NULL,
    ended_at       datetime2     NULL,
    ended_reason   nvarchar(100) NULL
);
CREATE INDEX ix_sessions_user ON sessions (user_id, ended_at);
