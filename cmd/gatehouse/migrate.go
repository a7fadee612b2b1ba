package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/gatehouse/gatehouse/internal/server"
	"github.com/gatehouse/gatehouse/storage/sqlstore"
)

func runMigrate(ctx context.Context, e *env, common *commonFlags, _ any, _ []string) error {
	cfg, err := loadConfig(e, common)
	if err != nil {
		return err
	}
	cfg.AutoMigrate = true
	store, err := server.OpenStore(ctx, cfg, commandLogger(cfg, e, common))
	if err != nil {
		return err
	}
	defer store.Close()
	fmt.Fprintln(e.stdout, "migrations applied")
	return printStatus(ctx, e, store)
}

func runMigrateStatus(ctx context.Context, e *env, common *commonFlags, _ any, _ []string) error {
	cfg, err := loadConfig(e, common)
	if err != nil {
		return err
	}
	cfg.AutoMigrate = false
	store, err := server.OpenStore(ctx, cfg, commandLogger(cfg, e, common))
	if err != nil {
		return err
	}
	defer store.Close()
	return printStatus(ctx, e, store)
}

func printStatus(ctx context.Context, e *env, store *sqlstore.Store) error {
	states, err := store.MigrationStatus(ctx)
	if err != nil {
		return fmt.Errorf("migration status: %w", err)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "VERSION\tNAME\tSTATE\tAPPLIED AT")
	for _, s := range states {
		state, at := "pending", "-"
		if s.Applied {
			state, at = "applied", s.AppliedAt.UTC().Format("2006-01-02 15:04:05Z")
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", s.Version, s.Name, state, at)
	}
	return tw.Flush()
}
