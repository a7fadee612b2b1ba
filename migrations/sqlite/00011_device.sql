-- Protocol completeness (issue 18): the ID token signing algorithm a
-- client asks for (id_token_signed_response_alg; empty is the instance's),
-- and device authorizations (RFC 8628; both codes kept as SHA-256).
-- Additive: a new table and a defaulted column, so a server that knows only earlier
-- migrations keeps serving next to one that migrated.

-- +goose Up
CREATE TABLE device_authorizations (
    id               TEXT PRIMARY KEY,
    client_id        TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    device_code_hash BLOB NOT NULL,
    user_code_hash   BLOB NOT NULL,
    scopes           TEXT NOT NULL DEFAULT '[]',
    state            TEXT NOT NULL,
    user_id          TEXT REFERENCES users (id) ON DELETE CASCADE,
    auth_time        INTEGER,
    amr              TEXT NOT NULL DEFAULT '[]',
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    last_poll_at     INTEGER,
    CONSTRAINT device_authorizations_device_code_uniq UNIQUE (device_code_hash),
    CONSTRAINT device_authorizations_user_code_uniq UNIQUE (user_code_hash)
) STRICT;
CREATE INDEX device_authorizations_expires_idx ON device_authorizations (expires_at);
ALTER TABLE clients ADD COLUMN id_token_signed_response_alg TEXT NOT NULL DEFAULT '';

-- +goose Down
DROP TABLE device_authorizations;
ALTER TABLE clients DROP COLUMN id_token_signed_response_alg;
