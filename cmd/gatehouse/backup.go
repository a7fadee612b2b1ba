package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/server"
	"github.com/gatehouse/gatehouse/storage/sqlstore"
)

// errUsePostgresTools: backup and restore of a Postgres database are
// pg_dump's and pg_restore's job; the command printed the one to run.
var errUsePostgresTools = errors.New("PostgreSQL is backed up and restored with pg_dump and pg_restore: run the command printed above (it takes the password from PGPASSWORD or ~/.pgpass)")

func backupCommand() *command {
	return &command{name: "backup", args: "FILE", summary: "write a consistent copy of the SQLite database to FILE while the server runs (PostgreSQL: prints the pg_dump command)", run: runBackup}
}

type restoreOptions struct{ force bool }

func restoreCommand() *command {
	return &command{name: "restore", args: "FILE", summary: "replace the SQLite database with the backup FILE (stop the server first; PostgreSQL: prints the pg_restore command)", run: runRestore,
		flags: func(fs *flag.FlagSet) any {
			o := &restoreOptions{}
			fs.BoolVar(&o.force, "force", false, "restore although the database file exists (it is kept beside as FILE.before-restore-TIME) or a server answers on GATEHOUSE_LISTEN")
			return o
		}}
}

func oneFileArg(path string, args []string) (string, error) {
	if len(args) != 1 || strings.TrimSpace(args[0]) == "" {
		return "", fmt.Errorf("%w: %s takes one FILE (see %s --help)", errUsage, path, path)
	}
	return args[0], nil
}

func runBackup(ctx context.Context, e *env, common *commonFlags, _ any, args []string) error {
	file, err := oneFileArg("backup", args)
	if err != nil {
		return err
	}
	cfg, err := loadConfig(e, common)
	if err != nil {
		return err
	}
	if cfg.DatabaseKind() == config.Postgres {
		fmt.Fprintf(e.stdout, "pg_dump --format=custom --no-owner --file=%s %s\n", shellQuote(file), shellQuote("--dbname="+passwordless(cfg.DatabaseURL)))
		return errUsePostgresTools
	}
	if _, err := os.Lstat(file); err == nil {
		return badInput("backup: %s already exists; choose a new file name", file)
	}
	if _, err := os.Stat(cfg.SQLitePath()); errors.Is(err, fs.ErrNotExist) {
		return badInput("backup: the database %s does not exist (check GATEHOUSE_DATABASE_URL)", cfg.SQLitePath())
	}
	cfg.AutoMigrate = false
	store, err := server.OpenStore(ctx, cfg, commandLogger(cfg, e, common))
	if err != nil {
		return err
	}
	defer store.Close()
	if err := store.Backup(ctx, file); err != nil {
		return err
	}
	info, err := sqlstore.InspectBackup(ctx, file)
	if err != nil {
		return fmt.Errorf("backup written to %s but it does not check out: %w", file, err)
	}
	fmt.Fprintf(e.stdout, "backup written to %s (migration %d, %d users)\n", file, info.Version, info.Users)
	fmt.Fprintf(e.stdout, "keep the instance key with it: the backup's signing keys and TOTP secrets are encrypted with it\n")
	return nil
}

func runRestore(ctx context.Context, e *env, common *commonFlags, opts any, args []string) error {
	o := opts.(*restoreOptions)
	file, err := oneFileArg("restore", args)
	if err != nil {
		return err
	}
	cfg, err := loadConfig(e, common)
	if err != nil {
		return err
	}
	if cfg.DatabaseKind() == config.Postgres {
		fmt.Fprintf(e.stdout, "pg_restore --clean --if-exists --no-owner --single-transaction %s %s\n", shellQuote("--dbname="+passwordless(cfg.DatabaseURL)), shellQuote(file))
		return errUsePostgresTools
	}
	if _, err := os.Stat(file); err != nil {
		return badInput("restore: %s: %v", file, err)
	}
	if !o.force && serverAnswers(ctx, cfg.Listen) {
		return badInput("restore: a server answers on %s: stop it first (or --force if that is another program)", cfg.Listen)
	}
	suffix := time.Now().UTC().Format("20060102T150405Z")
	info, aside, err := sqlstore.Restore(ctx, file, cfg.SQLitePath(), suffix, o.force)
	switch {
	case errors.Is(err, sqlstore.ErrNotGatehouseBackup), errors.Is(err, sqlstore.ErrTargetExists):
		return badInput("%v", err)
	case err != nil:
		return err
	}
	if aside != "" {
		fmt.Fprintf(e.stdout, "the previous database was moved to %s\n", aside)
	}
	fmt.Fprintf(e.stdout, "restored %s to %s (migration %d, %d users); start the server with the instance key of the backup\n",
		file, cfg.SQLitePath(), info.Version, info.Users)
	return nil
}

// serverAnswers reports whether something answers /healthz on the
// configured listen address.
func serverAnswers(ctx context.Context, listen string) bool {
	target, err := localHealthURL(listen)
	if err != nil {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return true
}

// passwordless is the database URL without its password: pg_dump then
// takes it from PGPASSWORD or ~/.pgpass, and it never reaches a terminal
// or a shell history.
func passwordless(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return config.RedactURL(raw)
	}
	if u.User != nil {
		u.User = url.User(u.User.Username())
	}
	return u.String()
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:@,+%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
