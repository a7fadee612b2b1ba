-- Protocol completeness (issue 18, items 4, 6 and 8): pushed
-- authorization requests (RFC 9126; the random part of the request_uri
-- kept as SHA-256, single-use, 60 s), a client's
-- require_pushed_authorization_requests and token_exchange_delegation
-- (RFC 8693), and dynamic client registration (RFC 7591/7592): initial
-- access tokens that administrators create (hashed) and each registered
-- client's registration access token (hashed).
-- Additive: new tables and defaulted columns, so a server that knows only
-- earlier migrations keeps serving next to one that migrated.

-- +goose Up
ALTER TABLE clients ADD COLUMN require_pushed_authorization_requests boolean NOT NULL DEFAULT false;
ALTER TABLE clients ADD COLUMN token_exchange_delegation boolean NOT NULL DEFAULT false;
ALTER TABLE clients ADD COLUMN registration_access_token_hash bytea;

CREATE TABLE pushed_authorization_requests (
    id         bytea PRIMARY KEY,
    client_id  text NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    params     text NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX pushed_authorization_requests_expires_idx ON pushed_authorization_requests (expires_at);

CREATE TABLE registration_tokens (
    id           text PRIMARY KEY,
    name         text NOT NULL DEFAULT '',
    token_hash   bytea NOT NULL,
    created_by   text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz,
    revoked_at   timestamptz,
    last_used_at timestamptz,
    CONSTRAINT registration_tokens_hash_uniq UNIQUE (token_hash)
);

-- +goose Down
DROP TABLE registration_tokens;
DROP TABLE pushed_authorization_requests;
ALTER TABLE clients DROP COLUMN registration_access_token_hash;
ALTER TABLE clients DROP COLUMN token_exchange_delegation;
ALTER TABLE clients DROP COLUMN require_pushed_authorization_requests;
