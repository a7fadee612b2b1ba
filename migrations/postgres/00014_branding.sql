-- Branding (issue 17 item 5): the uploaded logo, favicon and custom
-- stylesheet, one row per kind, with the SHA-256 of the checked content
-- (the hash in their URLs). The display name and primary colour are
-- instance settings (branding.display_name, branding.primary_color).
-- Additive: a new table.

-- +goose Up
CREATE TABLE branding_assets (
    kind         text PRIMARY KEY,
    content_type text NOT NULL,
    body         bytea NOT NULL,
    hash         text NOT NULL,
    updated_at   timestamptz NOT NULL
);

-- +goose Down
DROP TABLE branding_assets;
