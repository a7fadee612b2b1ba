package testharness_test

import (
	"context"
	"database/sql"
	"net/url"
	"strings"
	"testing"
	"time"

	_ "github.com/lib/pq"

	"github.com/gatehouse/gatehouse/internal/testharness"
)

func openDB(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func dbName(t *testing.T, dsn string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("parse %q: %v", dsn, err)
	}
	return strings.TrimPrefix(u.Path, "/")
}

func databaseExists(t *testing.T, name string) bool {
	t.Helper()
	admin := openDB(t, testharness.PostgresAdminURL(t))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var n int
	if err := admin.QueryRowContext(ctx, "SELECT count(*) FROM pg_database WHERE datname = $1", name).Scan(&n); err != nil {
		t.Fatalf("query pg_database: %v", err)
	}
	return n == 1
}

func TestPostgresURLFreshDatabaseDroppedAtCleanup(t *testing.T) {
	var first, second string
	t.Run("use", func(t *testing.T) {
		first = testharness.PostgresURL(t)
		second = testharness.PostgresURL(t)
		if first == second {
			t.Fatalf("two calls gave the same database %s", first)
		}
		db := openDB(t, first)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var tables int
		if err := db.QueryRowContext(ctx,
			"SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'").Scan(&tables); err != nil {
			t.Fatalf("count tables: %v", err)
		}
		if tables != 0 {
			t.Errorf("fresh database has %d tables", tables)
		}
		if _, err := db.ExecContext(ctx, "CREATE TABLE t (id int PRIMARY KEY, s text)"); err != nil {
			t.Fatalf("create table: %v", err)
		}
		if _, err := db.ExecContext(ctx, "INSERT INTO t VALUES (1, 'ünïcode')"); err != nil {
			t.Fatalf("insert: %v", err)
		}
		var s string
		if err := db.QueryRowContext(ctx, "SELECT s FROM t WHERE id = 1").Scan(&s); err != nil || s != "ünïcode" {
			t.Fatalf("select = %q, %v", s, err)
		}
		if !databaseExists(t, dbName(t, first)) {
			t.Fatalf("database %s not found in pg_database", dbName(t, first))
		}
		// The connection stays open: the drop must force it closed.
	})
	if t.Failed() {
		return
	}
	for _, u := range []string{first, second} {
		if databaseExists(t, dbName(t, u)) {
			t.Errorf("database %s still exists after the subtest's cleanup", dbName(t, u))
		}
	}
}

func TestPostgresViaProxyCutAndRestore(t *testing.T) {
	dsn, proxy := testharness.PostgresViaProxy(t)
	if !strings.Contains(dsn, proxy.Addr()) {
		t.Fatalf("URL %s does not point at the proxy %s", dsn, proxy.Addr())
	}
	db := openDB(t, dsn)
	ping := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		var one int
		return db.QueryRowContext(ctx, "SELECT 1").Scan(&one)
	}
	if err := ping(); err != nil {
		t.Fatalf("query through the proxy: %v", err)
	}
	proxy.Cut()
	for i := 0; i < 3; i++ { // the pool may hold a dead connection: every try must fail
		if err := ping(); err == nil {
			t.Fatalf("query %d succeeded while the proxy is cut", i)
		}
	}
	proxy.Restore()
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := ping()
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("query after Restore: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
