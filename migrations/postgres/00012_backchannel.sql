-- Back-channel logout (clients.backchannel_logout_*, logout_deliveries, a
-- durable queue of logout tokens to send) and client authentication with
-- JWTs (clients.jwks, jwks_uri, token_endpoint_auth_method;
-- client_assertion_jtis, the assertion ids already used, kept until they
-- expire). Additive: new tables and columns with defaults.

-- +goose Up
ALTER TABLE clients ADD COLUMN backchannel_logout_uri text NOT NULL DEFAULT '';
ALTER TABLE clients ADD COLUMN backchannel_logout_session_required boolean NOT NULL DEFAULT false;
ALTER TABLE clients ADD COLUMN jwks text NOT NULL DEFAULT '';
ALTER TABLE clients ADD COLUMN jwks_uri text NOT NULL DEFAULT '';
ALTER TABLE clients ADD COLUMN token_endpoint_auth_method text NOT NULL DEFAULT '';

-- user_id and session_id are plain columns: the delivery outlives both.
CREATE TABLE logout_deliveries (
    id              text PRIMARY KEY,
    client_id       text NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    session_id      text NOT NULL,
    user_id         text NOT NULL,
    created_at      timestamptz NOT NULL,
    next_attempt_at timestamptz NOT NULL,
    attempts        integer NOT NULL DEFAULT 0,
    last_error      text NOT NULL DEFAULT '',
    sent_at         timestamptz,
    abandoned_at    timestamptz
);
CREATE INDEX logout_deliveries_due_idx ON logout_deliveries (next_attempt_at) WHERE sent_at IS NULL AND abandoned_at IS NULL;
CREATE INDEX logout_deliveries_session_idx ON logout_deliveries (session_id);

CREATE TABLE client_assertion_jtis (
    client_id  text NOT NULL,
    jti        text NOT NULL,
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (client_id, jti)
);
CREATE INDEX client_assertion_jtis_expires_idx ON client_assertion_jtis (expires_at);

-- +goose Down
DROP TABLE client_assertion_jtis;
DROP TABLE logout_deliveries;
ALTER TABLE clients DROP COLUMN token_endpoint_auth_method;
ALTER TABLE clients DROP COLUMN jwks_uri;
ALTER TABLE clients DROP COLUMN jwks;
ALTER TABLE clients DROP COLUMN backchannel_logout_session_required;
ALTER TABLE clients DROP COLUMN backchannel_logout_uri;
