-- Password reset: a user who signed in with an emailed temporary password
-- must choose a new one before anything else.
-- Additive: one column with a default, so a server that knows only 00003
-- keeps serving next to one that has migrated.

-- +goose Up
ALTER TABLE users ADD COLUMN password_change_required boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE users DROP COLUMN password_change_required;
