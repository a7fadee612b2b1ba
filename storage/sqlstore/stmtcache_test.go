package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/gatehouse/gatehouse/internal/testharness"
	"github.com/gatehouse/gatehouse/storage"
)

// stmtStores are a file SQLite store (two pools) and, with
// GATEHOUSE_TEST_POSTGRES_URL, a Postgres one (one pool).
func stmtStores(t *testing.T) map[string]*Store {
	t.Helper()
	urls := map[string]string{"sqlite": "sqlite:" + t.TempDir() + "/gh.db"}
	if os.Getenv(testharness.EnvPostgresURL) != "" {
		urls["postgres"] = testharness.PostgresURL(t)
	}
	stores := map[string]*Store{}
	for name, u := range urls {
		st, err := Open(t.Context(), u, Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		if err := st.Migrate(t.Context()); err != nil {
			t.Fatal(err)
		}
		stores[name] = st
	}
	return stores
}

// TestStatementsPreparedOnce: many callers that use a query for the first
// time at once get one statement, which later calls reuse.
func TestStatementsPreparedOnce(t *testing.T) {
	for name, st := range stmtStores(t) {
		t.Run(name, func(t *testing.T) {
			const query = `SELECT COUNT(*) FROM users WHERE id <> ?`
			n := st.h.rs.size()
			var wg sync.WaitGroup
			got := make([]any, 16)
			for i := range got {
				wg.Go(func() { got[i] = st.h.rs.get(t.Context(), query) })
			}
			wg.Wait()
			for i, s := range got {
				if s == nil || s != got[0] {
					t.Fatalf("caller %d got statement %p, caller 0 %p", i, s, got[0])
				}
			}
			if st.h.rs.size() != n+1 {
				t.Fatalf("%d statements after one new query, want %d", st.h.rs.size(), n+1)
			}
			var count int
			if err := st.h.get(t.Context(), &count, query, "x"); err != nil || st.h.rs.get(t.Context(), query) != got[0] {
				t.Fatalf("a later read: %v, or another statement", err)
			}
		})
	}
}

// TestStatementCacheIsBounded: past maxCachedStmts distinct queries, new
// ones run unprepared, and still run.
func TestStatementCacheIsBounded(t *testing.T) {
	st := stmtStores(t)["sqlite"]
	ctx := t.Context()
	for i := st.h.rs.size(); i < maxCachedStmts; i++ {
		if st.h.rs.get(ctx, fmt.Sprintf("SELECT %d", i)) == nil {
			t.Fatalf("query %d was not prepared", i)
		}
	}
	const extra = `SELECT COUNT(*) FROM users WHERE email = ?`
	if st.h.rs.get(ctx, extra) != nil {
		t.Fatal("a query past the bound was prepared")
	}
	var n int
	if err := st.h.get(ctx, &n, extra, "nobody@example.test"); err != nil || n != 0 {
		t.Fatalf("a query past the bound: %d, %v", n, err)
	}
	if st.h.rs.size() != maxCachedStmts {
		t.Fatalf("%d statements, want the bound %d", st.h.rs.size(), maxCachedStmts)
	}
}

// TestStatementsInTransactions: a query first seen inside a transaction
// runs as text (preparing it would need the writer connection the
// transaction holds, on SQLite); the next transaction prepares it before it
// begins and runs it prepared on its connection; writes outside
// transactions use the writer pool's cache.
func TestStatementsInTransactions(t *testing.T) {
	for name, st := range stmtStores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			const query = `SELECT COUNT(*) FROM clients WHERE id <> ?`
			run := func() (prepared bool) {
				err := st.InTx(ctx, func(tx storage.Tx) error {
					h := tx.(txStore).h
					prepared = h.stmt(ctx, h.ws, query) != nil
					var n int
					return h.get(ctx, &n, query, "x")
				})
				if err != nil {
					t.Fatal(err)
				}
				return prepared
			}
			if run() {
				t.Fatal("a query new to the writer was prepared inside a transaction")
			}
			if !run() {
				t.Fatal("the next transaction did not run it prepared")
			}
			const write = `UPDATE users SET given_name = given_name WHERE id = ?`
			if _, err := st.h.exec(ctx, write, "nobody"); err != nil {
				t.Fatal(err)
			}
			if st.h.ws.lookup(write) == nil {
				t.Fatal("a write outside a transaction was not prepared on the writer pool")
			}
		})
	}
}

// TestCloseClosesStatements: Close closes the prepared statements, and a
// statement taken from the cache before is unusable after.
func TestCloseClosesStatements(t *testing.T) {
	for name, st := range stmtStores(t) {
		t.Run(name, func(t *testing.T) {
			if _, err := st.Users().ByID(t.Context(), "nobody"); err == nil {
				t.Fatal("found nobody")
			}
			stmts := []any{}
			for _, c := range []*stmtCache{st.h.rs, st.h.ws} {
				c.mu.Lock()
				for _, e := range c.entries {
					stmts = append(stmts, e.stmt)
				}
				c.mu.Unlock()
			}
			if len(stmts) == 0 {
				t.Fatal("nothing prepared")
			}
			if err := st.Close(); err != nil {
				t.Fatal(err)
			}
			if st.h.rs.size() != 0 || st.h.ws.size() != 0 {
				t.Fatal("statements left in the cache after Close")
			}
			for _, s := range stmts {
				var n int
				if err := s.(*sqlx.Stmt).GetContext(context.Background(), &n, "nobody"); err == nil || !strings.Contains(err.Error(), "statement is closed") {
					t.Fatalf("a cached statement after Close: %v", err)
				}
			}
			var n int
			err := st.h.rs.db.GetContext(context.Background(), &n, "SELECT 1")
			if err == nil || !strings.Contains(err.Error(), "closed") {
				t.Fatalf("the pool after Close: %v", err)
			}
		})
	}
}

// TestStatementsOutliveAnOutage: statements prepared before Postgres
// became unreachable fail with ErrUnavailable during the outage and work
// again after it, the same cached statements, which database/sql prepares
// again on the new connections.
func TestStatementsOutliveAnOutage(t *testing.T) {
	if os.Getenv(testharness.EnvPostgresURL) == "" {
		t.Skip(testharness.EnvPostgresURL + " is not set")
	}
	dbURL, proxy := testharness.PostgresViaProxy(t)
	st, err := Open(t.Context(), dbURL, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	calls := map[string]func(ctx context.Context) error{
		"read": func(ctx context.Context) error { _, err := st.Users().ByID(ctx, "nobody"); return err },
		"write": func(ctx context.Context) error {
			_, err := st.h.exec(ctx, `UPDATE users SET given_name = given_name WHERE id = ?`, "nobody")
			return err
		},
		"transaction": func(ctx context.Context) error {
			return st.InTx(ctx, func(tx storage.Tx) error { _, err := tx.Users().ByID(ctx, "nobody"); return err })
		},
	}
	for name, call := range calls { // twice: the transaction's statement is prepared at the second
		for range 2 {
			if err := call(ctx); err != nil && !errors.Is(err, storage.ErrNotFound) {
				t.Fatalf("%s before the outage: %v", name, err)
			}
		}
	}
	prepared := st.h.ws.size()

	proxy.Cut()
	for name, call := range calls {
		if err := call(ctx); !errors.Is(err, storage.ErrUnavailable) {
			t.Errorf("%s during the outage: %v, want ErrUnavailable", name, err)
		}
	}
	proxy.Restore()
	for name, call := range calls {
		deadline := time.Now().Add(15 * time.Second)
		for {
			err := call(ctx)
			if err == nil || errors.Is(err, storage.ErrNotFound) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s after the outage: %v", name, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	if st.h.ws.size() != prepared {
		t.Errorf("%d statements after the outage, %d before: the cache should keep them", st.h.ws.size(), prepared)
	}
}
