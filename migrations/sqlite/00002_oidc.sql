-- OpenID provider state: clients, authorization requests and their codes,
-- access and refresh tokens, signing keys, consents, throttle counters.
-- Additive: the tables of 00001 are untouched, so a server that knows only
-- 00001 keeps serving next to one that has migrated.
-- Times are INTEGER unix milliseconds (UTC); booleans are INTEGER 0/1;
-- lists are JSON arrays of strings. A missing reference is NULL, so that
-- foreign keys hold and "" never matches a lookup.
-- Rows that belong to a user or a client go with it (ON DELETE CASCADE).
-- Session, auth request and refresh token ids on tokens are plain columns:
-- tokens outlive the browser session and the request they came from, and
-- are revoked (revoked_at), not deleted, when those end.

-- +goose Up
CREATE TABLE clients (
    id                        TEXT PRIMARY KEY,
    secret_hash               TEXT NOT NULL DEFAULT '',
    public                    INTEGER NOT NULL DEFAULT 0,
    name                      TEXT NOT NULL DEFAULT '',
    redirect_uris             TEXT NOT NULL DEFAULT '[]',
    post_logout_redirect_uris TEXT NOT NULL DEFAULT '[]',
    grant_types               TEXT NOT NULL DEFAULT '[]',
    scopes                    TEXT NOT NULL DEFAULT '[]',
    first_party               INTEGER NOT NULL DEFAULT 0,
    access_token_format       TEXT NOT NULL DEFAULT 'jwt',
    dev                       INTEGER NOT NULL DEFAULT 0,
    admin                     INTEGER NOT NULL DEFAULT 0,
    created_at                INTEGER NOT NULL,
    updated_at                INTEGER NOT NULL
) STRICT;

-- An auth request has no user until Complete; deleting the user deletes
-- the request, so a code of a deleted user can never be redeemed.
CREATE TABLE auth_requests (
    id                    TEXT PRIMARY KEY,
    client_id             TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    redirect_uri          TEXT NOT NULL,
    scopes                TEXT NOT NULL DEFAULT '[]',
    response_type         TEXT NOT NULL DEFAULT '',
    response_mode         TEXT NOT NULL DEFAULT '',
    state                 TEXT NOT NULL DEFAULT '',
    nonce                 TEXT NOT NULL DEFAULT '',
    code_challenge        TEXT NOT NULL DEFAULT '',
    code_challenge_method TEXT NOT NULL DEFAULT '',
    prompt                TEXT NOT NULL DEFAULT '[]',
    max_age               INTEGER,
    login_hint            TEXT NOT NULL DEFAULT '',
    ui_locales            TEXT NOT NULL DEFAULT '[]',
    browser_hash          BLOB,
    user_id               TEXT REFERENCES users (id) ON DELETE CASCADE,
    session_id            TEXT,
    auth_time             INTEGER,
    amr                   TEXT NOT NULL DEFAULT '[]',
    done                  INTEGER NOT NULL DEFAULT 0,
    created_at            INTEGER NOT NULL,
    expires_at            INTEGER NOT NULL,
    code_hash             BLOB,
    code_expires_at       INTEGER,
    code_used_at          INTEGER,
    CONSTRAINT auth_requests_code_hash_uniq UNIQUE (code_hash)
) STRICT;
CREATE INDEX auth_requests_client_idx ON auth_requests (client_id);
CREATE INDEX auth_requests_user_idx ON auth_requests (user_id);
CREATE INDEX auth_requests_expires_idx ON auth_requests (expires_at);

-- Refresh tokens are kept until their family expires, so that reusing a
-- rotated token is recognized for the family's whole life.
CREATE TABLE refresh_tokens (
    id                TEXT PRIMARY KEY,
    token_hash        BLOB NOT NULL,
    family_id         TEXT NOT NULL,
    client_id         TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    user_id           TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    audience          TEXT NOT NULL DEFAULT '[]',
    scopes            TEXT NOT NULL DEFAULT '[]',
    auth_request_id   TEXT,
    session_id        TEXT,
    auth_time         INTEGER,
    amr               TEXT NOT NULL DEFAULT '[]',
    created_at        INTEGER NOT NULL,
    expires_at        INTEGER NOT NULL,
    family_expires_at INTEGER NOT NULL,
    used_at           INTEGER,
    revoked_at        INTEGER,
    CONSTRAINT refresh_tokens_token_hash_uniq UNIQUE (token_hash)
) STRICT;
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_client_idx ON refresh_tokens (client_id);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);
CREATE INDEX refresh_tokens_auth_request_idx ON refresh_tokens (auth_request_id);
CREATE INDEX refresh_tokens_session_idx ON refresh_tokens (session_id);
CREATE INDEX refresh_tokens_family_expires_idx ON refresh_tokens (family_expires_at);

-- user_id is the subject of a user's token, NULL for client credentials.
CREATE TABLE access_tokens (
    id               TEXT PRIMARY KEY,
    client_id        TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    subject          TEXT NOT NULL,
    user_id          TEXT REFERENCES users (id) ON DELETE CASCADE,
    audience         TEXT NOT NULL DEFAULT '[]',
    scopes           TEXT NOT NULL DEFAULT '[]',
    refresh_token_id TEXT,
    auth_request_id  TEXT,
    session_id       TEXT,
    auth_time        INTEGER,
    amr              TEXT NOT NULL DEFAULT '[]',
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    revoked_at       INTEGER
) STRICT;
CREATE INDEX access_tokens_client_idx ON access_tokens (client_id);
CREATE INDEX access_tokens_user_idx ON access_tokens (user_id);
CREATE INDEX access_tokens_refresh_idx ON access_tokens (refresh_token_id);
CREATE INDEX access_tokens_auth_request_idx ON access_tokens (auth_request_id);
CREATE INDEX access_tokens_session_idx ON access_tokens (session_id);
CREATE INDEX access_tokens_expires_idx ON access_tokens (expires_at);

CREATE TABLE signing_keys (
    id                TEXT PRIMARY KEY,
    algorithm         TEXT NOT NULL,
    state             TEXT NOT NULL,
    private_encrypted BLOB NOT NULL,
    public_jwk        BLOB NOT NULL,
    created_at        INTEGER NOT NULL,
    activated_at      INTEGER,
    retired_at        INTEGER,
    publish_until     INTEGER
) STRICT;
CREATE INDEX signing_keys_created_idx ON signing_keys (created_at, id);

CREATE TABLE consents (
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_id  TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    scopes     TEXT NOT NULL DEFAULT '[]',
    granted_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, client_id)
) STRICT;
CREATE INDEX consents_client_idx ON consents (client_id);

-- Failures per key, counted in buckets of a fraction of the window.
CREATE TABLE throttle_counters (
    key          TEXT NOT NULL,
    bucket_start INTEGER NOT NULL,
    hits         INTEGER NOT NULL,
    PRIMARY KEY (key, bucket_start)
) STRICT;
CREATE INDEX throttle_counters_bucket_idx ON throttle_counters (bucket_start);

-- +goose Down
DROP TABLE throttle_counters;
DROP TABLE consents;
DROP TABLE signing_keys;
DROP TABLE access_tokens;
DROP TABLE refresh_tokens;
DROP TABLE auth_requests;
DROP TABLE clients;
