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
ALTER TABLE clients ADD COLUMN require_pushed_authorization_requests INTEGER NOT NULL DEFAULT 0;
ALTER TABLE clients ADD COLUMN token_exchange_delegation INTEGER NOT NULL DEFAULT 0;
ALTER TABLE clients ADD COLUMN registration_access_token_hash BLOB;

CREATE TABLE pushed_authorization_requests (
    id         BLOB PRIMARY KEY,
    client_id  TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    params     TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX pushed_authorization_requests_expires_idx ON pushed_authorization_requests (expires_at);

CREATE TABLE registration_tokens (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL DEFAULT '',
    token_hash   BLOB NOT NULL,
    created_by   TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER,
    revoked_at   INTEGER,
    last_used_at INTEGER,
    CONSTRAINT registration_tokens_hash_uniq UNIQUE (token_hash)
) STRICT;

-- +goose Down
DROP TABLE registration_tokens;
DROP TABLE pushed_authorization_requests;
ALTER TABLE clients DROP COLUMN registration_access_token_hash;
ALTER TABLE clients DROP COLUMN token_exchange_delegation;
ALTER TABLE clients DROP COLUMN require_pushed_authorization_requests;
