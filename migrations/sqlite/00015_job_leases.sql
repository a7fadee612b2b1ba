-- Leases of periodic jobs that every replica runs (the sweeper): the
-- replica holding a job's lease does the round, the others skip it.
-- Additive: a new table.

-- +goose Up
CREATE TABLE job_leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;

-- +goose Down
DROP TABLE job_leases;
