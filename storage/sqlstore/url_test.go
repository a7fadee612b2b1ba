package sqlstore_test

import (
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/storage/sqlstore"
)

func TestParseURL(t *testing.T) {
	cases := []struct {
		name, url, dialect, dsn string
	}{
		{"sqlite relative", "sqlite:gatehouse.db", sqlstore.SQLite, "gatehouse.db"},
		{"sqlite relative dir", "sqlite:data/gh.db", sqlstore.SQLite, "data/gh.db"},
		{"sqlite absolute", "sqlite:/var/lib/gatehouse/gh.db", sqlstore.SQLite, "/var/lib/gatehouse/gh.db"},
		{"sqlite double slash relative", "sqlite://gh.db", sqlstore.SQLite, "gh.db"},
		{"sqlite triple slash absolute", "sqlite:///data/gh.db", sqlstore.SQLite, "/data/gh.db"},
		{"sqlite memory", "sqlite::memory:", sqlstore.SQLite, ":memory:"},
		{"postgres", "postgres://u:p@db:5432/gh?sslmode=require", sqlstore.Postgres, "postgres://u:p@db:5432/gh?sslmode=require"},
		{"postgresql scheme", "postgresql://u@db/gh", sqlstore.Postgres, "postgresql://u@db/gh"},
		{"postgres socket host", "postgres:///gh?host=/run/postgresql", sqlstore.Postgres, "postgres:///gh?host=/run/postgresql"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dialect, dsn, err := sqlstore.ParseURL(c.url)
			if err != nil || dialect != c.dialect || dsn != c.dsn {
				t.Fatalf("ParseURL(%q) = %q, %q, %v; want %q, %q", c.url, dialect, dsn, err, c.dialect, c.dsn)
			}
		})
	}
}

func TestParseURLErrors(t *testing.T) {
	cases := []struct {
		name, url, want string
	}{
		{"empty", "", "empty"},
		{"sqlite without path", "sqlite:", "needs a file path"},
		{"sqlite double slash without path", "sqlite://", "needs a file path"},
		{"sqlite with options", "sqlite:gh.db?_pragma=foo", "no ?options"},
		{"sqlite file uri", "sqlite:file:gh.db", "plain path"},
		{"unknown scheme", "mysql://u:secret@db/gh", `unsupported database URL scheme "mysql"`},
		{"no scheme", "/data/gh.db", "no scheme"},
		{"postgres without slashes", "postgres:db/gh", "starts with postgres://"},
		{"postgres malformed", "postgres://u:secret@db:port/gh", "malformed postgres URL"},
		{"postgres bad escape", "postgres://u:sec%zzret@db/gh", "malformed postgres URL"},
		{"postgres bad query", "postgres://u:secret@db/gh?a=%zz", "malformed query"},
		{"postgres without host", "postgres:///gh", "needs a host"},
		{"postgres without database", "postgres://u:secret@db:5432/", "needs a database name"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := sqlstore.ParseURL(c.url)
			if err == nil {
				t.Fatalf("ParseURL(%q) succeeded", c.url)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("ParseURL(%q) = %q, want it to mention %q", c.url, err, c.want)
			}
			if strings.Contains(err.Error(), "secret") || strings.Contains(err.Error(), "sec%zzret") {
				t.Fatalf("error %q leaks the password", err)
			}
		})
	}
}
