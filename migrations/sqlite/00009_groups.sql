-- Groups and memberships (the groups claim), per-application access rules
-- (clients.allowed_groups, a JSON array of group names) and invitations.
-- Additive: new tables and a column with a default, so a server that knows
-- only earlier migrations keeps serving next to one that has migrated.

-- +goose Up
CREATE TABLE user_groups (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX user_groups_name_key_uniq ON user_groups (name_key);

CREATE TABLE group_members (
    group_id   TEXT NOT NULL REFERENCES user_groups (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (group_id, user_id)
) STRICT;
CREATE INDEX group_members_user_idx ON group_members (user_id);

ALTER TABLE clients ADD COLUMN allowed_groups TEXT NOT NULL DEFAULT '[]';

CREATE TABLE invitations (
    id         TEXT PRIMARY KEY,
    email      TEXT NOT NULL,
    token_hash BLOB NOT NULL,
    group_names TEXT NOT NULL DEFAULT '[]',
    created_by TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER,
    user_id    TEXT NOT NULL DEFAULT '',
    revoked_at INTEGER
) STRICT;
CREATE UNIQUE INDEX invitations_token_hash_uniq ON invitations (token_hash);
CREATE INDEX invitations_created_idx ON invitations (created_at, id);

-- +goose Down
DROP TABLE invitations;
ALTER TABLE clients DROP COLUMN allowed_groups;
DROP TABLE group_members;
DROP TABLE user_groups;
