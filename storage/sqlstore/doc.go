// Package sqlstore is the one implementation of the storage interfaces, for
// PostgreSQL (github.com/lib/pq) and SQLite (pure-Go modernc.org/sqlite),
// with sqlx and one set of queries; a small dialect value covers what
// differs (placeholders, time encoding, interval arithmetic, advisory
// locks, error codes). It also applies the embedded migrations with goose.
//
//	store, err := sqlstore.Open(ctx, "sqlite:gatehouse.db", sqlstore.Options{Logger: log})
//	err = store.Migrate(ctx)
//
// Times are timestamptz on Postgres and INTEGER unix milliseconds on
// SQLite, always written and returned in UTC at millisecond precision, so
// both databases give the same answers. Unique violations become
// storage.ErrAlreadyExists, missing rows (and rows that refer to missing
// ones) storage.ErrNotFound.
//
// # Single use and counters
//
// Codes and refresh tokens are spent by one conditional statement
// (UPDATE ... WHERE code_used_at IS NULL ... RETURNING, UPDATE ... WHERE
// used_at IS NULL): Postgres re-checks the condition after waiting for a
// concurrent writer's row lock, SQLite has one writer, so exactly one of
// any number of parallel attempts changes the row. Throttle hits are
// upserts that add one (ON CONFLICT DO UPDATE SET hits = hits + 1), summed
// afterwards. One-time link tokens are spent the same way (UPDATE ... WHERE
// used_at IS NULL RETURNING), captcha challenges by DELETE ... RETURNING.
// Outbox workers lease messages with UPDATE ... SET next_attempt_at =
// now+lease WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED) RETURNING:
// Postgres workers skip each other's rows instead of waiting for them,
// SQLite's one writer runs one claim at a time (logout deliveries the
// same). Job leases (job_leases: the sweeper's) are one upsert whose update
// applies only to an expired lease or the holder's own. Methods that write several
// statements (revocations, consent grants, issuing a one-time token, which
// voids the older ones under a named lock per user and purpose) run in one
// transaction: their own, or the caller's inside InTx.
//
// # SQLite connections
//
// SQLite allows one writer at a time per file. A pool of several
// connections that all write contends for that lock inside the database:
// busy_timeout turns most of it into sleeps and retries (slow, unfair), and
// a deferred transaction that reads before it writes can fail with
// SQLITE_BUSY at once, whatever the timeout. So a file database gets two
// pools:
//
//   - the writer: exactly one connection, which carries every write and
//     every transaction. Writers queue in the process, in arrival order,
//     on a gate (writegate.go) held for each single write statement and
//     for the whole of each transaction (InTx and the stores' own),
//     migrations, Backup and the writer's Ping: database/sql would hand a
//     freed connection to a random waiter, which gave long tails, so its
//     pool never has waiters. No lock contention, no SQLITE_BUSY;
//     transactions begin IMMEDIATE (_txlock=immediate), so they own the
//     write lock from their first statement, which is also why Tx.Lock
//     needs no more on SQLite. A waiting writer gives up when its context
//     ends, with the context's error (a deadline is ErrUnavailable).
//   - the readers: a few query-only connections (GOMAXPROCS, at least 2, at
//     most Options.MaxOpenConns) for reads outside transactions. In WAL mode
//     they never wait for the writer and see every committed write.
//
// Every connection has busy_timeout 10s (for other processes on the same
// file, such as a CLI command next to the server) and foreign_keys on; the
// writer sets journal_mode WAL and synchronous NORMAL (durable across
// application crashes; a power cut may lose the last commits, never
// consistency). The writer's automatic checkpoint is off: a checkpointer
// goroutine with a connection of its own copies the write-ahead log into
// the database file every 250 ms with passive checkpoints, which wait for
// neither the writer nor readers, so no commit (and no request queued
// behind it) pays for a checkpoint's copying and fsync (checkpoint.go); the
// log is cut back to 64 MiB when SQLite starts it over. Gatehouse creates
// the database file but not its directory.
// A "sqlite::memory:" database lives inside its one connection, so it gets a
// single connection for reads and writes (writes queue on the gate, reads
// in the pool).
//
// Inside InTx use only the Tx: on SQLite the transaction holds the writer,
// so a write through the outer Store would wait for it forever (until ctx
// ends). Store.DB is for pool statistics: a statement run on it directly
// bypasses the gate.
//
// # Postgres
//
// One pool sized by Options. Transactions are READ COMMITTED; Tx.Lock is
// pg_advisory_xact_lock, shared by every replica. Migrate holds a session
// advisory lock, so replicas that start together migrate once.
//
// # Prepared statements
//
// Each pool keeps its queries prepared (stmtcache.go): a query is
// prepared on first use, once however many callers want it at the same
// time, and database/sql prepares it again on each connection that runs it
// (including a new one after a connection broke), so SQLite does not parse
// it on every call nor Postgres wait for a Parse round trip. Transactions
// run the writer pool's statements on their connection (Tx.StmtxContext);
// a query first seen inside a transaction runs as text and is prepared
// before the next transaction begins, since preparing it on the pool would
// need the connection the transaction holds. At most 512 distinct queries
// per pool are kept (the queries are this package's own text, so there
// are far fewer); others run unprepared. Migrate forgets the statements of
// the old schema; Close closes them all.
//
// # Outages
//
// Every query, transaction and ping classifies its error: a connection
// that cannot be made or broke, a dead pooled connection, a deadline, a
// server shutting down or out of connections (SQLite: busy, locked, I/O)
// is wrapped with storage.ErrUnavailable and noted in the context's
// storage.UnavailableWatch.
//
// # Backups and observation
//
// Store.Backup copies a SQLite database online with VACUUM INTO;
// InspectBackup and Restore check and install such a copy (backup.go).
// ObserveAudit hands every committed audit event to an observer (the
// server's lifecycle metrics); OutboxBacklog feeds the mail queue gauges;
// Options.Trace turns every statement into an OpenTelemetry span.
package sqlstore
