-- Passkeys (WebAuthn credentials) and the challenges of ceremonies in
-- progress (single-use, bound to the browser, expiring; in the database so
-- any replica can finish a ceremony another started). Additive.

-- +goose Up
CREATE TABLE passkeys (
    id            text PRIMARY KEY,
    user_id       text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    credential_id bytea NOT NULL,
    name          text NOT NULL,
    credential    bytea NOT NULL,
    sign_count    bigint NOT NULL DEFAULT 0,
    synced        boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL,
    last_used_at  timestamptz,
    CONSTRAINT passkeys_credential_uniq UNIQUE (credential_id)
);
CREATE INDEX passkeys_user_idx ON passkeys (user_id);

CREATE TABLE passkey_challenges (
    id           text PRIMARY KEY,
    purpose      text NOT NULL,
    user_id      text REFERENCES users (id) ON DELETE CASCADE,
    browser_hash bytea NOT NULL,
    session      bytea NOT NULL,
    expires_at   timestamptz NOT NULL
);
CREATE INDEX passkey_challenges_expires_idx ON passkey_challenges (expires_at);

-- +goose Down
DROP TABLE passkey_challenges;
DROP TABLE passkeys;
