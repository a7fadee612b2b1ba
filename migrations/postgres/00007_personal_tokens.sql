-- Account console: personal API tokens (only their SHA-256 is kept) and
-- the browsers each user has signed in with (for "new sign-in" letters).
-- Additive: new tables, so a server that knows only earlier migrations
-- keeps serving next to one that has migrated.

-- +goose Up
CREATE TABLE personal_tokens (
    id           text PRIMARY KEY,
    user_id      text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         text NOT NULL,
    token_hash   bytea NOT NULL UNIQUE,
    scopes       text NOT NULL,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    last_used_at timestamptz,
    last_used_ip text NOT NULL DEFAULT '',
    revoked_at   timestamptz
);
CREATE INDEX personal_tokens_user_idx ON personal_tokens (user_id);
CREATE INDEX personal_tokens_expires_idx ON personal_tokens (expires_at);

CREATE TABLE known_devices (
    user_id      text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    device_hash  bytea NOT NULL,
    first_seen   timestamptz NOT NULL,
    last_seen    timestamptz NOT NULL,
    PRIMARY KEY (user_id, device_hash)
);

-- +goose Down
DROP TABLE known_devices;
DROP TABLE personal_tokens;
