package testharness

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lib/pq"
)

// Environment variables that control the Postgres tests.
const (
	// EnvPostgresURL names an admin-capable server URL
	// (postgres://user@host:port/postgres?sslmode=disable). Each test gets
	// its own database on that server.
	EnvPostgresURL = "GATEHOUSE_TEST_POSTGRES_URL"
	// EnvRequirePostgres, when true, turns "no server available" into a test
	// failure instead of a skip. .ci/run sets it.
	EnvRequirePostgres = "GATEHOUSE_TEST_REQUIRE_POSTGRES"
	// EnvPostgresBin optionally names the directory that holds initdb and
	// postgres; when set, PATH and /usr/lib/postgresql/*/bin are not searched
	// (point it at an empty directory to turn the throwaway cluster off).
	EnvPostgresBin = "GATEHOUSE_TEST_POSTGRES_BIN"
)

// dbOpTimeout bounds CREATE DATABASE and DROP DATABASE.
const dbOpTimeout = 30 * time.Second

// PostgresURL returns the URL of a fresh, empty database with a unique name,
// created for this test and dropped (WITH (FORCE)) in t.Cleanup. The server is
// the one of GATEHOUSE_TEST_POSTGRES_URL, else a throwaway cluster started once
// per test process from local PostgreSQL binaries (call Main from TestMain to
// stop it), else the test is skipped with a loud message, or fails when
// GATEHOUSE_TEST_REQUIRE_POSTGRES=1.
func PostgresURL(t testing.TB) string {
	t.Helper()
	admin := PostgresAdminURL(t)
	name := databaseName(t.Name())
	dbURL, err := withDatabase(admin, name)
	if err != nil {
		t.Fatalf("testharness: %v", err)
	}
	err = withAdmin(admin, func(ctx context.Context, db *sql.DB) error {
		_, err := db.ExecContext(ctx, "CREATE DATABASE "+pq.QuoteIdentifier(name)+
			" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'")
		return err
	})
	if err != nil {
		t.Fatalf("testharness: create database %s on %s: %v", name, redact(admin), err)
	}
	t.Cleanup(func() {
		if err := dropDatabase(admin, name); err != nil {
			t.Errorf("testharness: drop database %s: %v", name, err)
		}
	})
	return dbURL
}

// PostgresAdminURL returns the URL of a role that may create databases on the
// test server (see PostgresURL for where the server comes from). Prefer
// PostgresURL: whatever a test creates through this URL it must remove itself.
func PostgresAdminURL(t testing.TB) string {
	t.Helper()
	if u := os.Getenv(EnvPostgresURL); u != "" {
		if _, err := withDatabase(u, "x"); err != nil {
			t.Fatalf("testharness: %s: %v", EnvPostgresURL, err)
		}
		return u
	}
	c, err := sharedCluster(t)
	if err != nil {
		postgresUnavailable(t, err)
	}
	return c.url
}

// PostgresViaProxy returns a fresh database (as PostgresURL) whose URL points
// at a TCPProxy in front of the server, and that proxy. Cut the proxy to make
// the database unreachable; Restore it to bring it back.
func PostgresViaProxy(t testing.TB) (string, *TCPProxy) {
	t.Helper()
	raw := PostgresURL(t)
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || strings.HasPrefix(u.Host, "/") {
		t.Fatalf("testharness: cannot proxy %s: it needs a TCP host:port", redact(raw))
	}
	target := u.Host
	if u.Port() == "" {
		target = u.Host + ":5432"
	}
	p := NewTCPProxy(t, target)
	u.Host = p.Addr()
	return u.String(), p
}

// Main runs the tests of a package and then stops the throwaway PostgreSQL
// cluster, if one was started, and removes its data. Use it from TestMain:
//
//	func TestMain(m *testing.M) { testharness.Main(m) }
//
// Without Main the cluster still stops when the test process exits (it gets
// SIGQUIT as its parent dies), but its temporary directory stays until the
// next test process that starts a cluster sweeps it.
func Main(m *testing.M) {
	code := m.Run()
	stopSharedCluster()
	os.Exit(code)
}

var loudOnce sync.Once

// postgresUnavailable skips the test loudly, or fails it when Postgres is
// required.
func postgresUnavailable(t testing.TB, reason error) {
	t.Helper()
	if envTrue(EnvRequirePostgres) {
		t.Fatalf("POSTGRES TESTS REQUIRED (%s=1) but no server is available: %v", EnvRequirePostgres, reason)
	}
	msg := fmt.Sprintf("POSTGRES TESTS SKIPPED: %v. To run them, set %s to an admin-capable URL "+
		"(e.g. postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable) or install the PostgreSQL "+
		"server binaries (initdb, postgres: on PATH, under /usr/lib/postgresql/*/bin, or in %s). "+
		"Set %s=1 to make this a failure.", reason, EnvPostgresURL, EnvPostgresBin, EnvRequirePostgres)
	loudOnce.Do(func() { fmt.Fprintf(os.Stderr, "\n*** %s\n\n", msg) })
	t.Skip(msg)
}

func envTrue(name string) bool {
	v, err := strconv.ParseBool(strings.TrimSpace(os.Getenv(name)))
	return err == nil && v
}

// databaseName builds a unique, valid identifier (at most 63 bytes) from the
// test name.
func databaseName(testName string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(testName) {
		if b.Len() >= 40 {
			break
		}
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	var suffix [4]byte
	_, _ = rand.Read(suffix[:])
	return "gh_" + b.String() + "_" + hex.EncodeToString(suffix[:])
}

// withDatabase returns admin with its database replaced by name.
func withDatabase(admin, name string) (string, error) {
	u, err := url.Parse(admin)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", fmt.Errorf("%q is not a postgres:// URL", redact(admin))
	}
	u.Path = "/" + name
	u.RawPath = ""
	return u.String(), nil
}

// withAdmin runs f on a short-lived admin connection, bounded by dbOpTimeout.
func withAdmin(admin string, f func(context.Context, *sql.DB) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), dbOpTimeout)
	defer cancel()
	db, err := sql.Open("postgres", admin)
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	return f(ctx, db)
}

func dropDatabase(admin, name string) error {
	return withAdmin(admin, func(ctx context.Context, db *sql.DB) error {
		q := pq.QuoteIdentifier(name)
		_, err := db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+q+" WITH (FORCE)")
		var pqErr *pq.Error
		if errors.As(err, &pqErr) && pqErr.Code == "42601" { // syntax error: server older than 13
			_, _ = db.ExecContext(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name)
			_, err = db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+q)
		}
		return err
	})
}

// redact hides the password of a URL for messages.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "<unparsable URL>"
	}
	return u.Redacted()
}
