package sqlstore_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gatehouse/gatehouse/internal/testharness"
	"github.com/gatehouse/gatehouse/storage"
	"github.com/gatehouse/gatehouse/storage/sqlstore"
)

func TestOpenSQLiteMissingDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "missing")
	_, err := sqlstore.Open(t.Context(), "sqlite:"+filepath.Join(dir, "gh.db"), sqlstore.Options{})
	if err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("Open in a missing directory: %v, want a clear error", err)
	}
	if _, statErr := os.Stat(dir); !os.IsNotExist(statErr) {
		t.Fatalf("Open created the directory (%v)", statErr)
	}
}

func TestOpenSQLiteNotADatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gh.db")
	if err := os.WriteFile(path, []byte(strings.Repeat("not a database ", 100)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := sqlstore.Open(t.Context(), "sqlite:"+path, sqlstore.Options{}); err == nil {
		t.Fatal("Open of a file that is not a database succeeded")
	}
}

func TestOpenBadURL(t *testing.T) {
	if _, err := sqlstore.Open(t.Context(), "mysql://db/gh", sqlstore.Options{}); err == nil {
		t.Fatal("Open(mysql://...) succeeded")
	}
}

func TestOpenPostgresUnreachable(t *testing.T) {
	url := "postgres://u:secret@127.0.0.1:1/gh?sslmode=disable&connect_timeout=2"
	_, err := sqlstore.Open(t.Context(), url, sqlstore.Options{})
	if err == nil {
		t.Fatal("Open of an unreachable server succeeded")
	}
	if strings.Contains(err.Error(), "secret") {
		t.Fatalf("error %q leaks the password", err)
	}
}

func TestDialectAndDB(t *testing.T) {
	st := open(t, sqliteURL(t))
	if st.Dialect() != sqlstore.SQLite || st.DB() == nil {
		t.Fatalf("Dialect %q, DB %v", st.Dialect(), st.DB())
	}
	if err := st.Ping(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// TestSQLiteTwoStoresOneFile is the server and a CLI command writing to one
// file at once: the busy timeout and IMMEDIATE transactions make every
// write succeed.
func TestSQLiteTwoStoresOneFile(t *testing.T) {
	url := sqliteURL(t)
	a := openMigrated(t, url)
	b := open(t, url)
	var wg sync.WaitGroup
	for i, st := range []*sqlstore.Store{a, b, a, b} {
		wg.Go(func() {
			for j := range 50 {
				key := fmt.Sprintf("k%d", i)
				err := st.InTx(t.Context(), func(tx storage.Tx) error {
					if _, err := tx.Settings().SetIfAbsent(t.Context(), key, json.RawMessage(`0`)); err != nil {
						return err
					}
					return tx.Settings().Set(t.Context(), key, json.RawMessage(fmt.Sprint(j)))
				})
				if err != nil {
					t.Errorf("store %d, write %d: %v", i, j, err)
					return
				}
			}
		})
	}
	wg.Wait()
	all, err := b.Settings().GetAll(t.Context())
	if err != nil || len(all) != 4 {
		t.Fatalf("GetAll = %d settings, %v; want 4", len(all), err)
	}
}

// TestPostgresReplicasMigrateTogether starts several stores on one empty
// database at once; the migration lock lets each finish without error.
func TestPostgresReplicasMigrateTogether(t *testing.T) {
	url := testharness.PostgresURL(t)
	stores := []*sqlstore.Store{open(t, url), open(t, url), open(t, url)}
	var wg sync.WaitGroup
	for i, st := range stores {
		wg.Go(func() {
			if err := st.Migrate(t.Context()); err != nil {
				t.Errorf("replica %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	wantAllApplied(t, stores[0])
}
