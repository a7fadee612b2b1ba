-- Passkeys (WebAuthn credentials) and the challenges of ceremonies in
-- progress (single-use, bound to the browser, expiring; in the database so
-- any replica can finish a ceremony another started). Additive.

-- +goose Up
CREATE TABLE passkeys (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    credential_id BLOB NOT NULL,
    name          TEXT NOT NULL,
    credential    BLOB NOT NULL,
    sign_count    INTEGER NOT NULL DEFAULT 0,
    synced        INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER,
    CONSTRAINT passkeys_credential_uniq UNIQUE (credential_id)
) STRICT;
CREATE INDEX passkeys_user_idx ON passkeys (user_id);

CREATE TABLE passkey_challenges (
    id           TEXT PRIMARY KEY,
    purpose      TEXT NOT NULL,
    user_id      TEXT REFERENCES users (id) ON DELETE CASCADE,
    browser_hash BLOB NOT NULL,
    session      BLOB NOT NULL,
    expires_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX passkey_challenges_expires_idx ON passkey_challenges (expires_at);

-- +goose Down
DROP TABLE passkey_challenges;
DROP TABLE passkeys;
