-- Account console: personal API tokens (only their SHA-256 is kept) and
-- the browsers each user has signed in with (for "new sign-in" letters).
-- Additive: new tables, so a server that knows only earlier migrations
-- keeps serving next to one that has migrated.

-- +goose Up
CREATE TABLE personal_tokens (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    token_hash   BLOB NOT NULL UNIQUE,
    scopes       TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    last_used_ip TEXT NOT NULL DEFAULT '',
    revoked_at   INTEGER
) STRICT;
CREATE INDEX personal_tokens_user_idx ON personal_tokens (user_id);
CREATE INDEX personal_tokens_expires_idx ON personal_tokens (expires_at);

CREATE TABLE known_devices (
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    device_hash  BLOB NOT NULL,
    first_seen   INTEGER NOT NULL,
    last_seen    INTEGER NOT NULL,
    PRIMARY KEY (user_id, device_hash)
) STRICT;

-- +goose Down
DROP TABLE known_devices;
DROP TABLE personal_tokens;
