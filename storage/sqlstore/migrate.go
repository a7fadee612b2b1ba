package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"path"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/gatehouse/gatehouse/migrations"
)

// MigrationState is one migration file and whether the database has it.
type MigrationState struct {
	Version   int64
	Name      string // file name, e.g. 00001_init.sql
	Applied   bool
	AppliedAt time.Time // zero while pending
}

// newMigrator builds the goose provider over the dialect's embedded
// migrations. On Postgres a session advisory lock makes replicas that start
// together migrate one after the other.
func newMigrator(d dialect, db *sql.DB, log *slog.Logger) (*goose.Provider, error) {
	fsys, err := migrations.ForDialect(d.name)
	if err != nil {
		return nil, err
	}
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true)}
	if d.postgres() {
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return nil, fmt.Errorf("migration lock: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(d.gooseDialect(), db, fsys, opts...)
	if err != nil {
		return nil, fmt.Errorf("load %s migrations: %w", d.name, err)
	}
	return p, nil
}

// Migrate applies every pending migration, each in its own transaction.
// Running it again applies nothing. On SQLite it holds the writer
// throughout (goose uses the writer pool).
func (s *Store) Migrate(ctx context.Context) error {
	var results []*goose.MigrationResult
	err := s.h.gate.hold(ctx, func() (err error) {
		results, err = s.goose.Up(ctx)
		return err
	})
	if err != nil {
		return fmt.Errorf("migrate %s: %w", s.d.name, err)
	}
	if len(results) > 0 { // the schema changed under any prepared statement
		s.h.ws.reset()
		s.h.rs.reset()
	}
	for _, r := range results {
		s.log.InfoContext(ctx, "migration applied", slog.Int64("version", r.Source.Version),
			slog.String("name", path.Base(r.Source.Path)), slog.Duration("took", r.Duration))
	}
	return nil
}

// MigrationStatus lists every known migration, oldest first.
func (s *Store) MigrationStatus(ctx context.Context) ([]MigrationState, error) {
	var status []*goose.MigrationStatus
	err := s.h.gate.hold(ctx, func() (err error) {
		status, err = s.goose.Status(ctx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("migration status of %s: %w", s.d.name, err)
	}
	states := make([]MigrationState, len(status))
	for i, st := range status {
		states[i] = MigrationState{
			Version: st.Source.Version,
			Name:    path.Base(st.Source.Path),
			Applied: st.State == goose.StateApplied,
		}
		if states[i].Applied {
			states[i].AppliedAt = st.AppliedAt.UTC()
		}
	}
	return states, nil
}

// PendingMigrations lists the migrations that Migrate would apply.
func (s *Store) PendingMigrations(ctx context.Context) ([]MigrationState, error) {
	all, err := s.MigrationStatus(ctx)
	if err != nil {
		return nil, err
	}
	var pending []MigrationState
	for _, m := range all {
		if !m.Applied {
			pending = append(pending, m)
		}
	}
	return pending, nil
}
