-- Two-step verification: TOTP authenticators (secret encrypted with a key
-- derived from the instance key), single-use recovery codes (hashed), the
-- second factor's time in browser sessions, the acr_values of
-- authorization requests and the require_mfa flag of clients.
-- Additive: new tables and nullable or defaulted columns, so a server that
-- knows only earlier migrations keeps serving next to one that migrated.

-- +goose Up
CREATE TABLE mfa_totp (
    user_id      text PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret_enc   bytea NOT NULL,
    confirmed    boolean NOT NULL DEFAULT false,
    last_step    bigint NOT NULL DEFAULT 0,
    created_at   timestamptz NOT NULL,
    confirmed_at timestamptz
);

CREATE TABLE mfa_recovery_codes (
    id         text PRIMARY KEY,
    user_id    text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  bytea NOT NULL,
    created_at timestamptz NOT NULL,
    used_at    timestamptz,
    CONSTRAINT mfa_recovery_codes_hash_uniq UNIQUE (user_id, code_hash)
);
CREATE INDEX mfa_recovery_codes_user_idx ON mfa_recovery_codes (user_id);

ALTER TABLE browser_sessions ADD COLUMN mfa_time timestamptz;
ALTER TABLE auth_requests ADD COLUMN acr_values text NOT NULL DEFAULT '[]';
ALTER TABLE clients ADD COLUMN require_mfa boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE clients DROP COLUMN require_mfa;
ALTER TABLE auth_requests DROP COLUMN acr_values;
ALTER TABLE browser_sessions DROP COLUMN mfa_time;
DROP TABLE mfa_recovery_codes;
DROP TABLE mfa_totp;
