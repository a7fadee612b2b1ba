package sqlstore_test

import (
	"io/fs"
	"testing"

	"github.com/gatehouse/gatehouse/internal/testharness"
	"github.com/gatehouse/gatehouse/migrations"
	"github.com/gatehouse/gatehouse/storage/sqlstore"
)

func TestMigrateSQLite(t *testing.T) { testMigrate(t, sqliteURL(t)) }

func TestMigratePostgres(t *testing.T) { testMigrate(t, testharness.PostgresURL(t)) }

// testMigrate checks status before and after migrating, and that migrating
// again, also from a second store, changes nothing.
func testMigrate(t *testing.T, url string) {
	st := open(t, url)
	files := migrationFiles(t, st.Dialect())
	pending, err := st.PendingMigrations(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) != len(files) {
		t.Fatalf("pending before Migrate: %d, want every file (%d)", len(pending), len(files))
	}
	for i, m := range pending {
		if m.Name != files[i] || m.Applied || !m.AppliedAt.IsZero() || m.Version < 1 {
			t.Fatalf("pending[%d] = %+v, want %s not applied", i, m, files[i])
		}
	}
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	wantAllApplied(t, st)
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	again := open(t, url)
	if err := again.Migrate(t.Context()); err != nil {
		t.Fatalf("Migrate from a second store: %v", err)
	}
	wantAllApplied(t, again)
}

func wantAllApplied(t *testing.T, st *sqlstore.Store) {
	t.Helper()
	states, err := st.MigrationStatus(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	files := migrationFiles(t, st.Dialect())
	if len(states) != len(files) {
		t.Fatalf("status lists %d migrations, want %d", len(states), len(files))
	}
	for i, m := range states {
		if m.Name != files[i] || !m.Applied || m.AppliedAt.IsZero() || m.AppliedAt.Location().String() != "UTC" {
			t.Fatalf("status[%d] = %+v, want %s applied (UTC time)", i, m, files[i])
		}
	}
	pending, err := st.PendingMigrations(t.Context())
	if err != nil || len(pending) != 0 {
		t.Fatalf("pending after Migrate: %v, %v", pending, err)
	}
}

func migrationFiles(t *testing.T, dialect string) []string {
	t.Helper()
	fsys, err := migrations.ForDialect(dialect)
	if err != nil {
		t.Fatal(err)
	}
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil || len(names) == 0 {
		t.Fatalf("no %s migrations: %v", dialect, err)
	}
	return names
}

// TestMigrationsDownAndUp undoes every migration and applies them again, so
// the Down sections are known to work.
func TestMigrationsDownAndUp(t *testing.T) {
	urls := map[string]func(t *testing.T) string{
		"sqlite":   sqliteURL,
		"postgres": func(t *testing.T) string { return testharness.PostgresURL(t) },
	}
	for name, url := range urls {
		t.Run(name, func(t *testing.T) {
			st := openMigrated(t, url(t))
			if err := sqlstore.MigrateDownToZero(t.Context(), st); err != nil {
				t.Fatalf("down: %v", err)
			}
			if pending, err := st.PendingMigrations(t.Context()); err != nil || len(pending) == 0 {
				t.Fatalf("pending after down: %v, %v", pending, err)
			}
			if err := st.Migrate(t.Context()); err != nil {
				t.Fatalf("up again: %v", err)
			}
			wantAllApplied(t, st)
		})
	}
}
