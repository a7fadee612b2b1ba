package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/fnv"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/gatehouse/gatehouse/storage"
)

// dialect is what differs between the databases. Queries are written once,
// with ? placeholders, in the SQL both understand (ON CONFLICT, row-value
// comparisons, partial indexes); the rest goes through these methods.
type dialect struct {
	name string
}

func (d dialect) postgres() bool { return d.name == Postgres }

// rebind turns ? placeholders into the dialect's.
func (d dialect) rebind(query string) string {
	if d.postgres() {
		return sqlx.Rebind(sqlx.DOLLAR, query)
	}
	return query
}

// gooseDialect names the dialect for goose.
func (d dialect) gooseDialect() goose.Dialect {
	if d.postgres() {
		return goose.DialectPostgres
	}
	return goose.DialectSQLite3
}

// ts encodes a time as the dialect stores it: timestamptz on Postgres,
// INTEGER unix milliseconds on SQLite; always UTC, to the millisecond.
func (d dialect) ts(t time.Time) any {
	t = storage.Time(t)
	if d.postgres() {
		return t
	}
	return t.UnixMilli()
}

// nullTS is ts with the zero time stored as NULL.
func (d dialect) nullTS(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return d.ts(t)
}

// idleDeadline is the SQL expression for the moment a browser session's
// idle timeout runs out.
func (d dialect) idleDeadline() string {
	if d.postgres() {
		return "(last_seen_at + idle_timeout_ms * interval '1 millisecond')"
	}
	return "(last_seen_at + idle_timeout_ms)"
}

// skipLocked ends a SELECT whose rows a statement is about to change, so
// that concurrent workers each take different rows: on Postgres it locks
// the rows and skips those another transaction has locked; on SQLite the
// only writer already runs one such statement at a time.
func (d dialect) skipLocked() string {
	if d.postgres() {
		return " FOR UPDATE SKIP LOCKED"
	}
	return ""
}

// lock takes a named lock held until tx ends. On Postgres it is an advisory
// transaction lock shared by every replica. On SQLite there is nothing to
// do: every write transaction begins IMMEDIATE on the only writer
// connection, so it already excludes every other writer.
func (d dialect) lock(ctx context.Context, tx queryer, name string) error {
	if !d.postgres() {
		return nil
	}
	_, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", lockKey(name))
	return err
}

// lockKey maps a lock name to the 64-bit key of pg_advisory_xact_lock.
func lockKey(name string) int64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte("gatehouse:" + name))
	return int64(h.Sum64())
}

// dbTime scans a time column of either dialect: INTEGER unix milliseconds
// (SQLite) or timestamptz (Postgres). NULL scans as the zero time.
type dbTime time.Time

// Scan implements sql.Scanner.
func (t *dbTime) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*t = dbTime{}
	case int64:
		*t = dbTime(time.UnixMilli(x).UTC())
	case time.Time:
		*t = dbTime(storage.Time(x))
	default:
		return fmt.Errorf("scan time: unsupported column type %T", v)
	}
	return nil
}

func (t dbTime) time() time.Time { return time.Time(t) }

// mapErr turns driver errors into the storage sentinels, keeping the driver
// error in the chain for logs.
func mapErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return storage.ErrNotFound
	case isUniqueViolation(err):
		return fmt.Errorf("%w: %w", storage.ErrAlreadyExists, err)
	case isForeignKeyViolation(err):
		return fmt.Errorf("%w: a row it refers to does not exist: %w", storage.ErrNotFound, err)
	}
	return err
}

func isUniqueViolation(err error) bool {
	if pqErr, ok := errors.AsType[*pq.Error](err); ok {
		return pqErr.Code == "23505"
	}
	if liteErr, ok := errors.AsType[*sqlite.Error](err); ok {
		code := liteErr.Code()
		return code == sqlite3.SQLITE_CONSTRAINT_UNIQUE || code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

func isForeignKeyViolation(err error) bool {
	if pqErr, ok := errors.AsType[*pq.Error](err); ok {
		return pqErr.Code == "23503"
	}
	if liteErr, ok := errors.AsType[*sqlite.Error](err); ok {
		return liteErr.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
	}
	return false
}
