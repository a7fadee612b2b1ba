package migrations

import (
	"embed"
	"fmt"
	"io/fs"
)

// FS holds every migration file, under postgres/ and sqlite/.
//
//go:embed postgres/*.sql sqlite/*.sql
var FS embed.FS

// Dialect names, matching the folder names.
const (
	Postgres = "postgres"
	SQLite   = "sqlite"
)

// ForDialect returns the migrations of one dialect with the files at the
// root, as goose expects them.
func ForDialect(dialect string) (fs.FS, error) {
	if dialect != Postgres && dialect != SQLite {
		return nil, fmt.Errorf("migrations: unknown dialect %q (want %q or %q)", dialect, Postgres, SQLite)
	}
	sub, err := fs.Sub(FS, dialect)
	if err != nil {
		return nil, fmt.Errorf("migrations: %s: %w", dialect, err)
	}
	return sub, nil
}
