-- Users, external identities, browser sessions, instance settings, audit log.

-- +goose Up
CREATE TABLE users (
    id             text PRIMARY KEY,
    username       text NOT NULL DEFAULT '',
    username_key   text NOT NULL DEFAULT '',
    email          text NOT NULL DEFAULT '',
    email_key      text NOT NULL DEFAULT '',
    email_verified boolean NOT NULL DEFAULT false,
    password_hash  text NOT NULL DEFAULT '',
    given_name     text NOT NULL DEFAULT '',
    family_name    text NOT NULL DEFAULT '',
    company        text NOT NULL DEFAULT '',
    country        text NOT NULL DEFAULT '',
    locale         text NOT NULL DEFAULT '',
    role           text NOT NULL DEFAULT 'user',
    state          text NOT NULL,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL
);
CREATE UNIQUE INDEX users_email_key_uniq ON users (email_key) WHERE email_key <> '';
CREATE UNIQUE INDEX users_username_key_uniq ON users (username_key) WHERE username_key <> '';
CREATE INDEX users_created_idx ON users (created_at, id);
CREATE INDEX users_state_created_idx ON users (state, created_at, id);

CREATE TABLE identities (
    id           text PRIMARY KEY,
    user_id      text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider     text NOT NULL,
    subject      text NOT NULL,
    email        text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL,
    last_used_at timestamptz,
    CONSTRAINT identities_provider_subject_uniq UNIQUE (provider, subject)
);
CREATE INDEX identities_user_idx ON identities (user_id, created_at);

CREATE TABLE browser_sessions (
    id              text PRIMARY KEY,
    user_id         text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash      bytea NOT NULL,
    created_at      timestamptz NOT NULL,
    last_seen_at    timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL,
    idle_timeout_ms bigint NOT NULL DEFAULT 0,
    persistent      boolean NOT NULL DEFAULT false,
    auth_time       timestamptz NOT NULL,
    amr             text NOT NULL DEFAULT '[]',
    user_agent      text NOT NULL DEFAULT '',
    ip              text NOT NULL DEFAULT '',
    CONSTRAINT browser_sessions_token_hash_uniq UNIQUE (token_hash)
);
CREATE INDEX browser_sessions_user_idx ON browser_sessions (user_id);
CREATE INDEX browser_sessions_expires_idx ON browser_sessions (expires_at);

CREATE TABLE instance_settings (
    name       text PRIMARY KEY,
    value      text NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE TABLE audit_events (
    id          text PRIMARY KEY,
    occurred_at timestamptz NOT NULL,
    type        text NOT NULL,
    actor_id    text NOT NULL DEFAULT '',
    user_id     text NOT NULL DEFAULT '',
    ip          text NOT NULL DEFAULT '',
    details     text NOT NULL DEFAULT '{}'
);
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
