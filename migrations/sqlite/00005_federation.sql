-- Federation: sign-ins at upstream identity providers in progress, each
-- bound to the browser that started it and used once.
-- Additive: a new table, so a server that knows only earlier migrations
-- keeps serving next to one that has migrated.

-- +goose Up
CREATE TABLE federation_flows (
    id              TEXT PRIMARY KEY,
    provider        TEXT NOT NULL,
    purpose         TEXT NOT NULL,
    browser_hash    BLOB NOT NULL,
    nonce           TEXT NOT NULL,
    pkce_verifier   TEXT NOT NULL,
    session_id      TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    auth_request_id TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX federation_flows_expires_idx ON federation_flows (expires_at);

-- +goose Down
DROP TABLE federation_flows;
