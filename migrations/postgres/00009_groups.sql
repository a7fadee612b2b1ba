-- Groups and memberships (the groups claim), per-application access rules
-- (clients.allowed_groups, a JSON array of group names) and invitations.
-- Additive: new tables and a column with a default, so a server that knows
-- only earlier migrations keeps serving next to one that has migrated.

-- +goose Up
CREATE TABLE user_groups (
    id          text PRIMARY KEY,
    name        text NOT NULL,
    name_key    text NOT NULL,
    description text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);
CREATE UNIQUE INDEX user_groups_name_key_uniq ON user_groups (name_key);

CREATE TABLE group_members (
    group_id   text NOT NULL REFERENCES user_groups (id) ON DELETE CASCADE,
    user_id    text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user_idx ON group_members (user_id);

ALTER TABLE clients ADD COLUMN allowed_groups text NOT NULL DEFAULT '[]';

CREATE TABLE invitations (
    id         text PRIMARY KEY,
    email      text NOT NULL,
    token_hash bytea NOT NULL,
    group_names text NOT NULL DEFAULT '[]',
    created_by text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    user_id    text NOT NULL DEFAULT '',
    revoked_at timestamptz
);
CREATE UNIQUE INDEX invitations_token_hash_uniq ON invitations (token_hash);
CREATE INDEX invitations_created_idx ON invitations (created_at, id);

-- +goose Down
DROP TABLE invitations;
ALTER TABLE clients DROP COLUMN allowed_groups;
DROP TABLE group_members;
DROP TABLE user_groups;
