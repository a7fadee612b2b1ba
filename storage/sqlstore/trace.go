package sqlstore

import (
	"github.com/XSAM/otelsql"
	"github.com/jmoiron/sqlx"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"
)

// openDB opens a pool of driver; with trace, through otelsql so that
// every statement is a span (its text, never its arguments: they hold
// password hashes and token hashes).
func openDB(driver, dsn string, trace bool) (*sqlx.DB, error) {
	if !trace {
		return sqlx.Open(driver, dsn)
	}
	system := semconv.DBSystemSqlite
	if driver == "postgres" {
		system = semconv.DBSystemPostgreSQL
	}
	db, err := otelsql.Open(driver, dsn,
		otelsql.WithAttributes(system),
		otelsql.WithSpanOptions(otelsql.SpanOptions{DisableErrSkip: true, OmitConnResetSession: true, OmitConnPrepare: true, OmitRows: true}),
	)
	if err != nil {
		return nil, err
	}
	return sqlx.NewDb(db, driver), nil
}
