-- Personal API tokens (issue 10): a user creates named tokens on their settings page for scripts that call
-- /api/v1 with "Authorization: Bearer <token>". The token is shown once; only its SHA-256 (hex) is kept here.
-- A token acts with its user's role as the users table has it now, and stops working when it is revoked
-- (revoked_at set) or its user is disabled. last_used_at is renewed at most once a minute.
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    name         TEXT    NOT NULL,
    hash         TEXT    NOT NULL UNIQUE,
    created_at   TEXT    NOT NULL,
    last_used_at TEXT    NULL,
    revoked_at   TEXT    NULL
);
CREATE INDEX ix_api_tokens_user ON api_tokens (user_id, revoked_at);
