-- Sign-in protection, server-side sessions and the user lifecycle. Forward-only, like every script here.

-- failed_sign_ins counts the wrong passwords since the last good one; reaching JobTracker:SignIn:LockoutFailures
-- sets locked_until (no password is checked before then) and starts the count again. A user with
-- disabled_at set cannot sign in, and their sessions end when it is set.
ALTER TABLE users ADD COLUMN failed_sign_ins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locked_until TEXT NULL;
ALTER TABLE users ADD COLUMN disabled_at TEXT NULL;

-- One row per sign-in. The cookie carries a random token; only its SHA-256 (hex) is stored. A session
-- is live while ended_at is NULL and last_seen_at (renewed at most once a minute) is recent enough.
-- ended_reason says why it ended: signed out, ended by an admin, password changed, user disabled.
CREATE TABLE sessions (
    id             INTEGER PRIMARY KEY,
    token_hash     TEXT    NOT NULL UNIQUE,
    user_id        INTEGER NOT NULL REFERENCES users (id),
    created_at     TEXT    NOT NULL,
    last_seen_at   TEXT    NOT NULL,
    client_address TEXT    NULL,
    user_agent     TEXT    NULL,
    ended_at       TEXT    NULL,
    ended_reason   TEXT    NULL
);
CREATE INDEX ix_sessions_user ON sessions (user_id, ended_at);
