-- Leases of periodic jobs that every replica runs (the sweeper): the
-- replica holding a job's lease does the round, the others skip it.
-- Additive: a new table.

-- +goose Up
CREATE TABLE job_leases (
    name       text PRIMARY KEY,
    holder     text NOT NULL,
    expires_at timestamptz NOT NULL
);

-- +goose Down
DROP TABLE job_leases;
