package sqlstore

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Dialect names, as ParseURL and (*Store).Dialect return them.
const (
	Postgres = "postgres"
	SQLite   = "sqlite"
)

// memoryPath is the sqlite: path of a private in-memory database.
const memoryPath = ":memory:"

// ParseURL checks a database URL and splits it into its dialect (Postgres or
// SQLite) and what that dialect opens: the connection URL for Postgres, the
// file path (or ":memory:") for SQLite. Accepted forms:
//
//	postgres://user:pass@host:5432/dbname?sslmode=require   (or postgresql://)
//	sqlite:gatehouse.db       relative path (also sqlite://gatehouse.db)
//	sqlite:/data/gh.db        absolute path (also sqlite:///data/gh.db)
//	sqlite::memory:           private in-memory database, for tests
//
// Error messages never contain the URL, which may hold a password.
func ParseURL(raw string) (dialect, dsn string, err error) {
	switch {
	case raw == "":
		return "", "", errors.New("database URL is empty; use sqlite:PATH or postgres://user:pass@host:5432/dbname")
	case strings.HasPrefix(raw, "sqlite:"):
		path, err := parseSQLitePath(strings.TrimPrefix(raw, "sqlite:"))
		return SQLite, path, err
	case strings.HasPrefix(raw, "postgres://"), strings.HasPrefix(raw, "postgresql://"):
		return Postgres, raw, checkPostgresURL(raw)
	}
	return "", "", unknownScheme(raw)
}

func parseSQLitePath(rest string) (string, error) {
	path := strings.TrimPrefix(rest, "//")
	switch {
	case path == "":
		return "", errors.New("sqlite: URL needs a file path, e.g. sqlite:gatehouse.db or sqlite:/data/gatehouse.db")
	case strings.ContainsAny(path, "?\x00"):
		return "", errors.New("sqlite: URL takes no ?options (Gatehouse sets the connection options itself); use sqlite:PATH")
	case strings.HasPrefix(path, "file:"):
		return "", errors.New("sqlite: URL takes a plain path, not a file: URI; use sqlite:PATH")
	}
	return path, nil
}

func checkPostgresURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // url.Error repeats the URL, password included
		}
		return fmt.Errorf("malformed postgres URL: %v", err)
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return errors.New("malformed query (?...) in postgres URL")
	}
	if u.Host == "" && q.Get("host") == "" {
		return errors.New("postgres URL needs a host: postgres://user:pass@host:5432/dbname")
	}
	if strings.Trim(u.Path, "/") == "" && q.Get("dbname") == "" {
		return errors.New("postgres URL needs a database name: postgres://user:pass@host:5432/dbname")
	}
	return nil
}

func unknownScheme(raw string) error {
	scheme, _, found := strings.Cut(raw, ":")
	if !found || scheme == "" || strings.ContainsAny(scheme, "/@ ") {
		return errors.New("database URL has no scheme; it must start with sqlite: or postgres://")
	}
	if scheme == "postgres" || scheme == "postgresql" {
		return fmt.Errorf("a postgres URL starts with %s:// (host, then /dbname)", scheme)
	}
	return fmt.Errorf("unsupported database URL scheme %q; it must start with sqlite: or postgres://", scheme)
}
