-- Users, external identities, browser sessions, instance settings, audit log.
-- Times are INTEGER unix milliseconds (UTC); booleans are INTEGER 0/1.

-- +goose Up
CREATE TABLE users (
    id             TEXT PRIMARY KEY,
    username       TEXT NOT NULL DEFAULT '',
    username_key   TEXT NOT NULL DEFAULT '',
    email          TEXT NOT NULL DEFAULT '',
    email_key      TEXT NOT NULL DEFAULT '',
    email_verified INTEGER NOT NULL DEFAULT 0,
    password_hash  TEXT NOT NULL DEFAULT '',
    given_name     TEXT NOT NULL DEFAULT '',
    family_name    TEXT NOT NULL DEFAULT '',
    company        TEXT NOT NULL DEFAULT '',
    country        TEXT NOT NULL DEFAULT '',
    locale         TEXT NOT NULL DEFAULT '',
    role           TEXT NOT NULL DEFAULT 'user',
    state          TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX users_email_key_uniq ON users (email_key) WHERE email_key <> '';
CREATE UNIQUE INDEX users_username_key_uniq ON users (username_key) WHERE username_key <> '';
CREATE INDEX users_created_idx ON users (created_at, id);
CREATE INDEX users_state_created_idx ON users (state, created_at, id);

CREATE TABLE identities (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider     TEXT NOT NULL,
    subject      TEXT NOT NULL,
    email        TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    CONSTRAINT identities_provider_subject_uniq UNIQUE (provider, subject)
) STRICT;
CREATE INDEX identities_user_idx ON identities (user_id, created_at);

CREATE TABLE browser_sessions (
    id              TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash      BLOB NOT NULL,
    created_at      INTEGER NOT NULL,
    last_seen_at    INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    idle_timeout_ms INTEGER NOT NULL DEFAULT 0,
    persistent      INTEGER NOT NULL DEFAULT 0,
    auth_time       INTEGER NOT NULL,
    amr             TEXT NOT NULL DEFAULT '[]',
    user_agent      TEXT NOT NULL DEFAULT '',
    ip              TEXT NOT NULL DEFAULT '',
    CONSTRAINT browser_sessions_token_hash_uniq UNIQUE (token_hash)
) STRICT;
CREATE INDEX browser_sessions_user_idx ON browser_sessions (user_id);
CREATE INDEX browser_sessions_expires_idx ON browser_sessions (expires_at);

CREATE TABLE instance_settings (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE audit_events (
    id          TEXT PRIMARY KEY,
    occurred_at INTEGER NOT NULL,
    type        TEXT NOT NULL,
    actor_id    TEXT NOT NULL DEFAULT '',
    user_id     TEXT NOT NULL DEFAULT '',
    ip          TEXT NOT NULL DEFAULT '',
    details     TEXT NOT NULL DEFAULT '{}'
) STRICT;
CREATE INDEX audit_events_time_idx ON audit_events (occurred_at, id);
CREATE INDEX audit_events_user_time_idx ON audit_events (user_id, occurred_at, id);
CREATE INDEX audit_events_actor_time_idx ON audit_events (actor_id, occurred_at, id);
CREATE INDEX audit_events_type_time_idx ON audit_events (type, occurred_at, id);

-- +goose Down
DROP TABLE audit_events;
DROP TABLE instance_settings;
DROP TABLE browser_sessions;
DROP TABLE identities;
DROP TABLE users;
