package sqlstore_test

import (
	"path/filepath"
	"testing"

	"github.com/gatehouse/gatehouse/internal/testharness"
	"github.com/gatehouse/gatehouse/storage"
	"github.com/gatehouse/gatehouse/storage/sqlstore"
	"github.com/gatehouse/gatehouse/storage/storagetest"
)

func TestMain(m *testing.M) { testharness.Main(m) }

func TestSQLite(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Store { return openMigrated(t, sqliteURL(t)) })
}

func TestSQLiteMemory(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Store { return openMigrated(t, "sqlite::memory:") })
}

func TestPostgres(t *testing.T) {
	testharness.PostgresAdminURL(t) // skips (or fails) once, loudly, without a server
	template := migratedTemplate(t)
	storagetest.Run(t, func(t *testing.T) storage.Store { return open(t, cloneURL(t, template)) })
}

// sqliteURL names a new database file in a fresh temporary directory.
func sqliteURL(t *testing.T) string {
	return "sqlite:" + filepath.Join(t.TempDir(), "gatehouse.db")
}

// open opens the database and closes it at cleanup.
func open(t *testing.T, databaseURL string) *sqlstore.Store {
	t.Helper()
	st, err := sqlstore.Open(t.Context(), databaseURL, sqlstore.Options{})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return st
}

// openMigrated is open followed by Migrate.
func openMigrated(t *testing.T, databaseURL string) *sqlstore.Store {
	t.Helper()
	st := open(t, databaseURL)
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return st
}
