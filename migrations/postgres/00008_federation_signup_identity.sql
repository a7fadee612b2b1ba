-- Federation: a sign-up through an upstream provider waits for the
-- registration captcha and the fields the instance requires; the verified
-- upstream identity (JSON) is kept meanwhile in the flow row that the
-- completion page takes once. Empty for every other flow.
-- Additive: a new column with a default, so a server that knows only
-- earlier migrations keeps serving next to one that has migrated.

-- +goose Up
ALTER TABLE federation_flows ADD COLUMN identity text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE federation_flows DROP COLUMN identity;
