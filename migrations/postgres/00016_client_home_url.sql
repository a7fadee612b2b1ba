-- The client's home page (clients.home_url): where a signed-in user's
-- list of applications on the landing page sends them. Empty: the origin
-- of the first redirect URI. Additive: a new column with a default.

-- +goose Up
ALTER TABLE clients ADD COLUMN home_url text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE clients DROP COLUMN home_url;
