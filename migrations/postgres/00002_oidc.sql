-- OpenID provider state: clients, authorization requests and their codes,
-- access and refresh tokens, signing keys, consents, throttle counters.
-- Additive: the tables of 00001 are untouched, so a server that knows only
-- 00001 keeps serving next to one that has migrated.
-- Lists are JSON arrays of strings (text). A missing reference is NULL, so
-- that foreign keys hold and '' never matches a lookup.
-- Rows that belong to a user or a client go with it (ON DELETE CASCADE).
-- Session, auth request and refresh token ids on tokens are plain columns:
-- tokens outlive the browser session and the request they came from, and
-- are revoked (revoked_at), not deleted, when those end.

-- +goose Up
CREATE TABLE clients (
    id                        text PRIMARY KEY,
    secret_hash               text NOT NULL DEFAULT '',
    public                    boolean NOT NULL DEFAULT false,
    name                      text NOT NULL DEFAULT '',
    redirect_uris             text NOT NULL DEFAULT '[]',
    post_logout_redirect_uris text NOT NULL DEFAULT '[]',
    grant_types               text NOT NULL DEFAULT '[]',
    scopes                    text NOT NULL DEFAULT '[]',
    first_party               boolean NOT NULL DEFAULT false,
    access_token_format       text NOT NULL DEFAULT 'jwt',
    dev                       boolean NOT NULL DEFAULT false,
    admin                     boolean NOT NULL DEFAULT false,
    created_at                timestamptz NOT NULL,
    updated_at                timestamptz NOT NULL
);

-- An auth request has no user until Complete; deleting the user deletes
-- the request, so a code of a deleted user can never be redeemed.
CREATE TABLE auth_requests (
    id                    text PRIMARY KEY,
    client_id             text NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    redirect_uri          text NOT NULL,
    scopes                text NOT NULL DEFAULT '[]',
    response_type         text NOT NULL DEFAULT '',
    response_mode         text NOT NULL DEFAULT '',
    state                 text NOT NULL DEFAULT '',
    nonce                 text NOT NULL DEFAULT '',
    code_challenge        text NOT NULL DEFAULT '',
    code_challenge_method text NOT NULL DEFAULT '',
    prompt                text NOT NULL DEFAULT '[]',
    max_age               bigint,
    login_hint            text NOT NULL DEFAULT '',
    ui_locales            text NOT NULL DEFAULT '[]',
    browser_hash          bytea,
    user_id               text REFERENCES users (id) ON DELETE CASCADE,
    session_id            text,
    auth_time             timestamptz,
    amr                   text NOT NULL DEFAULT '[]',
    done                  boolean NOT NULL DEFAULT false,
    created_at            timestamptz NOT NULL,
    expires_at            timestamptz NOT NULL,
    code_hash             bytea,
    code_expires_at       timestamptz,
    code_used_at          timestamptz,
    CONSTRAINT auth_requests_code_hash_uniq UNIQUE (code_hash)
);
CREATE INDEX auth_requests_client_idx ON auth_requests (client_id);
CREATE INDEX auth_requests_user_idx ON auth_requests (user_id);
CREATE INDEX auth_requests_expires_idx ON auth_requests (expires_at);

-- Refresh tokens are kept until their family expires, so that reusing a
-- rotated token is recognized for the family's whole life.
CREATE TABLE refresh_tokens (
    id                text PRIMARY KEY,
    token_hash        bytea NOT NULL,
    family_id         text NOT NULL,
    client_id         text NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    user_id           text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    audience          text NOT NULL DEFAULT '[]',
    scopes            text NOT NULL DEFAULT '[]',
    auth_request_id   text,
    session_id        text,
    auth_time         timestamptz,
    amr               text NOT NULL DEFAULT '[]',
    created_at        timestamptz NOT NULL,
    expires_at        timestamptz NOT NULL,
    family_expires_at timestamptz NOT NULL,
    used_at           timestamptz,
    revoked_at        timestamptz,
    CONSTRAINT refresh_tokens_token_hash_uniq UNIQUE (token_hash)
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_client_idx ON refresh_tokens (client_id);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);
CREATE INDEX refresh_tokens_auth_request_idx ON refresh_tokens (auth_request_id);
CREATE INDEX refresh_tokens_session_idx ON refresh_tokens (session_id);
CREATE INDEX refresh_tokens_family_expires_idx ON refresh_tokens (family_expires_at);

-- user_id is the subject of a user's token, NULL for client credentials.
CREATE TABLE access_tokens (
    id               text PRIMARY KEY,
    client_id        text NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    subject          text NOT NULL,
    user_id          text REFERENCES users (id) ON DELETE CASCADE,
    audience         text NOT NULL DEFAULT '[]',
    scopes           text NOT NULL DEFAULT '[]',
    refresh_token_id text,
    auth_request_id  text,
    session_id       text,
    auth_time        timestamptz,
    amr              text NOT NULL DEFAULT '[]',
    created_at       timestamptz NOT NULL,
    expires_at       timestamptz NOT NULL,
    revoked_at       timestamptz
);
CREATE INDEX access_tokens_client_idx ON access_tokens (client_id);
CREATE INDEX access_tokens_user_idx ON access_tokens (user_id);
CREATE INDEX access_tokens_refresh_idx ON access_tokens (refresh_token_id);
CREATE INDEX access_tokens_auth_request_idx ON access_tokens (auth_request_id);
CREATE INDEX access_tokens_session_idx ON access_tokens (session_id);
CREATE INDEX access_tokens_expires_idx ON access_tokens (expires_at);

CREATE TABLE signing_keys (
    id                text PRIMARY KEY,
    algorithm         text NOT NULL,
    state             text NOT NULL,
    private_encrypted bytea NOT NULL,
    public_jwk        bytea NOT NULL,
    created_at        timestamptz NOT NULL,
    activated_at      timestamptz,
    retired_at        timestamptz,
    publish_until     timestamptz
);
CREATE INDEX signing_keys_created_idx ON signing_keys (created_at, id);

CREATE TABLE consents (
    user_id    text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_id  text NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    scopes     text NOT NULL DEFAULT '[]',
    granted_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, client_id)
);
CREATE INDEX consents_client_idx ON consents (client_id);

-- Failures per key, counted in buckets of a fraction of the window.
CREATE TABLE throttle_counters (
    key          text NOT NULL,
    bucket_start timestamptz NOT NULL,
    hits         bigint NOT NULL,
    PRIMARY KEY (key, bucket_start)
);
CREATE INDEX throttle_counters_bucket_idx ON throttle_counters (bucket_start);

-- +goose Down
DROP TABLE throttle_counters;
DROP TABLE consents;
DROP TABLE signing_keys;
DROP TABLE access_tokens;
DROP TABLE refresh_tokens;
DROP TABLE auth_requests;
DROP TABLE clients;
