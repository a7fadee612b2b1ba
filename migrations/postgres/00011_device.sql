-- Protocol completeness (issue 18): the ID token signing algorithm a
-- client asks for (id_token_signed_response_alg; empty is the instance's),
-- and device authorizations (RFC 8628; both codes kept as SHA-256).
-- Additive: a new table and a defaulted column, so a server that knows only earlier
-- migrations keeps serving next to one that migrated.

-- +goose Up
CREATE TABLE device_authorizations (
    id               text PRIMARY KEY,
    client_id        text NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    device_code_hash bytea NOT NULL,
    user_code_hash   bytea NOT NULL,
    scopes           text NOT NULL DEFAULT '[]',
    state            text NOT NULL,
    user_id          text REFERENCES users (id) ON DELETE CASCADE,
    auth_time        timestamptz,
    amr              text NOT NULL DEFAULT '[]',
    created_at       timestamptz NOT NULL,
    expires_at       timestamptz NOT NULL,
    last_poll_at     timestamptz,
    CONSTRAINT device_authorizations_device_code_uniq UNIQUE (device_code_hash),
    CONSTRAINT device_authorizations_user_code_uniq UNIQUE (user_code_hash)
);
CREATE INDEX device_authorizations_expires_idx ON device_authorizations (expires_at);
ALTER TABLE clients ADD COLUMN id_token_signed_response_alg TEXT NOT NULL DEFAULT '';

-- +goose Down
DROP TABLE device_authorizations;
ALTER TABLE clients DROP COLUMN id_token_signed_response_alg;
