-- Registration: the mail outbox, one-time link tokens, captcha challenges,
-- and when a user accepted the terms.
-- Additive: new tables and one nullable column, so a server that knows only
-- 00002 keeps serving next to one that has migrated (its user updates leave
-- terms_accepted_at alone).
-- Times are INTEGER unix milliseconds (UTC), NULL when absent.

-- +goose Up
ALTER TABLE users ADD COLUMN terms_accepted_at INTEGER;

-- Letters written in the transaction of the change that caused them and
-- sent by a worker on any replica. A worker leases a message by pushing
-- next_attempt_at; the partial index holds only the messages still waiting.
CREATE TABLE outbox_messages (
    id              TEXT PRIMARY KEY,
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL DEFAULT '',
    text_body       TEXT NOT NULL DEFAULT '',
    html_body       TEXT NOT NULL DEFAULT '',
    kind            TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT '',
    sent_at         INTEGER,
    abandoned_at    INTEGER
) STRICT;
CREATE INDEX outbox_messages_due_idx ON outbox_messages (next_attempt_at, id)
    WHERE sent_at IS NULL AND abandoned_at IS NULL;
CREATE INDEX outbox_messages_created_idx ON outbox_messages (created_at, id);
CREATE INDEX outbox_messages_sent_idx ON outbox_messages (sent_at) WHERE sent_at IS NOT NULL;
CREATE INDEX outbox_messages_abandoned_idx ON outbox_messages (abandoned_at) WHERE abandoned_at IS NOT NULL;

-- Confirmation, activation and reset links: the SHA-256 of the secret,
-- bound to a user, an address and a purpose; used_at is set once.
CREATE TABLE one_time_tokens (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL,
    token_hash BLOB NOT NULL,
    email      TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER,
    CONSTRAINT one_time_tokens_token_hash_uniq UNIQUE (token_hash)
) STRICT;
CREATE INDEX one_time_tokens_user_purpose_idx ON one_time_tokens (user_id, purpose);
CREATE INDEX one_time_tokens_expires_idx ON one_time_tokens (expires_at);

-- Answers of built-in captcha images (SHA-256), deleted when checked.
CREATE TABLE captcha_challenges (
    id          TEXT PRIMARY KEY,
    answer_hash BLOB NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX captcha_challenges_expires_idx ON captcha_challenges (expires_at);

-- +goose Down
DROP TABLE captcha_challenges;
DROP TABLE one_time_tokens;
DROP TABLE outbox_messages;
ALTER TABLE users DROP COLUMN terms_accepted_at;
