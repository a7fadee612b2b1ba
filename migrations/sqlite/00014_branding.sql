-- Branding (issue 17 item 5): the uploaded logo, favicon and custom
-- stylesheet, one row per kind, with the SHA-256 of the checked content
-- (the hash in their URLs). The display name and primary colour are
-- instance settings (branding.display_name, branding.primary_color).
-- Additive: a new table.

-- +goose Up
CREATE TABLE branding_assets (
    kind         TEXT PRIMARY KEY,
    content_type TEXT NOT NULL,
    body         BLOB NOT NULL,
    hash         TEXT NOT NULL,
    updated_at   INTEGER NOT NULL
) STRICT;

-- +goose Down
DROP TABLE branding_assets;
