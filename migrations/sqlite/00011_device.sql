-- Protocol completeness (issue 18): the ID token signing algorithm a
-- client asks for (id_token_signed_response_alg; empty is the instance's).
-- Additive: a defaulted column, so a server that knows only earlier
-- migrations keeps serving next to one that migrated.

-- +goose Up
ALTER TABLE clients ADD COLUMN id_token_signed_response_alg TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE clients DROP COLUMN id_token_signed_response_alg;
