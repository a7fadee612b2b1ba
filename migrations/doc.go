// Package migrations owns the database schema: numbered goose SQL files, one
// folder per dialect (postgres/, sqlite/), embedded in the binary.
//
// Rules for new files: the next number in both folders, with the same name
// and meaning in each; additive only (new tables, columns with defaults,
// indexes), so the previous release keeps working during a rolling deploy;
// a "-- +goose Down" section that undoes the file. Times are timestamptz on
// Postgres and INTEGER unix milliseconds on SQLite; SQLite tables are STRICT.
// Emails and usernames are unique through *_key columns that the store fills
// with storage.FoldCase, so the rule does not depend on the database locale.
package migrations
