-- Federation: sign-ins at upstream identity providers in progress, each
-- bound to the browser that started it and used once.
-- Additive: a new table, so a server that knows only earlier migrations
-- keeps serving next to one that has migrated.

-- +goose Up
CREATE TABLE federation_flows (
    id              text PRIMARY KEY,
    provider        text NOT NULL,
    purpose         text NOT NULL,
    browser_hash    bytea NOT NULL,
    nonce           text NOT NULL,
    pkce_verifier   text NOT NULL,
    session_id      text NOT NULL,
    user_id         text NOT NULL,
    auth_request_id text NOT NULL,
    created_at      timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL
);
CREATE INDEX federation_flows_expires_idx ON federation_flows (expires_at);

-- +goose Down
DROP TABLE federation_flows;
