package sqlstore

import (
	"context"
	"log/slog"
	"time"

	"github.com/jmoiron/sqlx"
)

// Options tune the connection pools. Zero fields take the defaults below.
type Options struct {
	// Postgres pool: most open connections (default 20). For SQLite it
	// caps the reader pool; the writer is always one connection.
	MaxOpenConns int
	// Postgres pool: most idle connections kept (default MaxOpenConns:
	// fewer makes a pool under steady load reconnect all the time).
	MaxIdleConns int
	// Postgres pool: a connection is closed after this age (default 30m).
	ConnMaxLifetime time.Duration
	// Postgres pool: an idle connection is closed after this long
	// (default 5m).
	ConnMaxIdleTime time.Duration
	// Logger receives open and migration events (default: discarded).
	Logger *slog.Logger
	// Trace makes every statement an OpenTelemetry span (otelsql, through
	// the global tracer provider; internal/tracing installs it).
	Trace bool
}

// Pool defaults, matching the configuration's.
const (
	defaultMaxOpenConns    = 20
	defaultConnMaxLifetime = 30 * time.Minute
	defaultConnMaxIdleTime = 5 * time.Minute
	// openTimeout bounds the first connection when ctx has no deadline.
	openTimeout = 30 * time.Second
)

func (o Options) withDefaults() Options {
	if o.MaxOpenConns <= 0 {
		o.MaxOpenConns = defaultMaxOpenConns
	}
	if o.MaxIdleConns <= 0 {
		o.MaxIdleConns = o.MaxOpenConns
	}
	if o.ConnMaxLifetime <= 0 {
		o.ConnMaxLifetime = defaultConnMaxLifetime
	}
	if o.ConnMaxIdleTime <= 0 {
		o.ConnMaxIdleTime = defaultConnMaxIdleTime
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Open connects to the database that databaseURL names (see ParseURL) and
// checks that it answers. It does not migrate: call Migrate. Close the
// Store when done.
func Open(ctx context.Context, databaseURL string, opts Options) (*Store, error) {
	name, dsn, err := ParseURL(databaseURL)
	if err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, openTimeout)
		defer cancel()
	}
	var write, read, ckpt *sqlx.DB
	if name == SQLite {
		write, read, ckpt, err = openSQLite(ctx, dsn, opts)
	} else {
		write, err = openPostgres(ctx, dsn, opts)
		read = write
	}
	if err != nil {
		return nil, err
	}
	s, err := newStore(dialect{name: name}, write, read, opts.Logger)
	if err != nil {
		closePools(write, read)
		if ckpt != nil {
			_ = ckpt.Close()
		}
		return nil, err
	}
	if ckpt != nil {
		s.ckpt = startCheckpointer(ckpt, opts.Logger, checkpointInterval)
	}
	opts.Logger.InfoContext(ctx, "database open", slog.String("dialect", name), slog.String("target", describe(name, dsn)))
	return s, nil
}

func closePools(write, read *sqlx.DB) {
	if read != nil && read != write {
		_ = read.Close()
	}
	if write != nil {
		_ = write.Close()
	}
}

// describe names the database for logs without secrets.
func describe(dialect, dsn string) string {
	if dialect == SQLite {
		return dsn
	}
	return redactURL(dsn)
}
