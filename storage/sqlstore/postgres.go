package sqlstore

import (
	"context"
	"fmt"
	"net/url"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq" // driver "postgres"
)

// openPostgres opens the pool and checks that the server answers.
func openPostgres(ctx context.Context, dsn string, opts Options) (*sqlx.DB, error) {
	db, err := openDB("postgres", dsn, opts.Trace)
	if err != nil {
		return nil, fmt.Errorf("open postgres %s: %w", redactURL(dsn), err)
	}
	db.SetMaxOpenConns(opts.MaxOpenConns)
	db.SetMaxIdleConns(opts.MaxIdleConns)
	db.SetConnMaxLifetime(opts.ConnMaxLifetime)
	db.SetConnMaxIdleTime(opts.ConnMaxIdleTime)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open postgres %s: %w", redactURL(dsn), err)
	}
	return db, nil
}

// redactURL hides the password of a connection URL.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "<unparsable URL>"
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}
