-- Two-step verification: TOTP authenticators (secret encrypted with a key
-- derived from the instance key), single-use recovery codes (hashed), the
-- second factor's time in browser sessions, the acr_values of
-- authorization requests and the require_mfa flag of clients.
-- Additive: new tables and nullable or defaulted columns, so a server that
-- knows only earlier migrations keeps serving next to one that migrated.

-- +goose Up
CREATE TABLE mfa_totp (
    user_id      TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret_enc   BLOB NOT NULL,
    confirmed    INTEGER NOT NULL DEFAULT 0,
    last_step    INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    confirmed_at INTEGER
) STRICT;

CREATE TABLE mfa_recovery_codes (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    used_at    INTEGER,
    CONSTRAINT mfa_recovery_codes_hash_uniq UNIQUE (user_id, code_hash)
) STRICT;
CREATE INDEX mfa_recovery_codes_user_idx ON mfa_recovery_codes (user_id);

ALTER TABLE browser_sessions ADD COLUMN mfa_time INTEGER;
ALTER TABLE auth_requests ADD COLUMN acr_values TEXT NOT NULL DEFAULT '[]';
ALTER TABLE clients ADD COLUMN require_mfa INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE clients DROP COLUMN require_mfa;
ALTER TABLE auth_requests DROP COLUMN acr_values;
ALTER TABLE browser_sessions DROP COLUMN mfa_time;
DROP TABLE mfa_recovery_codes;
DROP TABLE mfa_totp;
