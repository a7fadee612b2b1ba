package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gatehouse/gatehouse/migrations"
)

// ErrNotSQLite: the operation is for SQLite databases (Postgres has
// pg_dump and pg_restore).
var ErrNotSQLite = errors.New("not a SQLite database")

// ErrNotGatehouseBackup: the file is not a complete Gatehouse SQLite
// database.
var ErrNotGatehouseBackup = errors.New("not a Gatehouse database")

// Backup writes a consistent copy of the SQLite database to dest with
// VACUUM INTO: one read transaction sees every transaction committed before
// it began and none after, while the server keeps reading and writing. The
// copy is written beside dest under a temporary name, synced, then renamed,
// so dest is either absent or complete. dest must not exist.
func (s *Store) Backup(ctx context.Context, dest string) error {
	if s.d.postgres() {
		return fmt.Errorf("backup: %w", ErrNotSQLite)
	}
	if _, err := os.Lstat(dest); err == nil {
		return fmt.Errorf("backup: %s already exists", dest)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("backup: %w", err)
	}
	tmp, err := tempPath(dest)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer os.Remove(tmp) // after the rename there is nothing to remove
	// On the writer connection: readers are query-only, which refuses
	// VACUUM INTO. It holds only a read transaction, so in a command
	// process (its own connections) the server's writes go on.
	// The gate keeps the store's own writes queued meanwhile.
	err = s.h.gate.hold(ctx, func() error {
		_, err := s.write.ExecContext(ctx, `VACUUM INTO ?`, tmp)
		return classify(ctx, err)
	})
	if err != nil {
		return fmt.Errorf("backup: vacuum into %s: %w", tmp, err)
	}
	if err := syncFile(tmp); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := os.Link(tmp, dest); err != nil { // fails rather than replace a file made meanwhile
		return fmt.Errorf("backup: %w", err)
	}
	return syncDir(filepath.Dir(dest))
}

// BackupInfo describes a Gatehouse SQLite database file.
type BackupInfo struct {
	// Version is the newest migration applied.
	Version int64
	// Users counts the accounts it holds.
	Users int64
}

// InspectBackup opens file read-only and checks that it is a whole
// Gatehouse SQLite database: SQLite's integrity check passes, goose's
// version table lists migrations, every migration this binary knows up to
// the newest applied one is applied, and none is newer than this binary
// knows (a backup of a newer release cannot be run by this one). Errors
// wrap ErrNotGatehouseBackup when the file is not one.
func InspectBackup(ctx context.Context, file string) (BackupInfo, error) {
	var info BackupInfo
	f, err := os.Open(file)
	if err != nil {
		return info, err
	}
	header := make([]byte, 16)
	_, err = f.Read(header)
	f.Close()
	if err != nil || string(header) != "SQLite format 3\x00" {
		return info, fmt.Errorf("%s: %w: not a SQLite file", file, ErrNotGatehouseBackup)
	}
	v := url.Values{}
	v.Set("mode", "ro")
	v.Set("_query_only", "1")
	db, err := sql.Open("sqlite", "file:"+file+"?"+v.Encode())
	if err != nil {
		return info, fmt.Errorf("open %s: %w", file, err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	var check string
	if err := db.QueryRowContext(ctx, `PRAGMA integrity_check(1)`).Scan(&check); err != nil {
		return info, fmt.Errorf("%s: %w: %v", file, ErrNotGatehouseBackup, err)
	}
	if check != "ok" {
		return info, fmt.Errorf("%s: %w: integrity check: %s", file, ErrNotGatehouseBackup, check)
	}
	applied := map[int64]bool{}
	rows, err := db.QueryContext(ctx, `SELECT version_id FROM goose_db_version WHERE is_applied AND version_id > 0`)
	if err != nil {
		return info, fmt.Errorf("%s: %w: no migration table", file, ErrNotGatehouseBackup)
	}
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return info, fmt.Errorf("%s: %w", file, err)
		}
		applied[v] = true
		info.Version = max(info.Version, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return info, fmt.Errorf("%s: %w", file, err)
	}
	known, err := knownVersions()
	if err != nil {
		return info, err
	}
	if info.Version == 0 {
		return info, fmt.Errorf("%s: %w: no migration applied", file, ErrNotGatehouseBackup)
	}
	if info.Version > known[len(known)-1] {
		return info, fmt.Errorf("%s: %w: it has migration %d, newer than this release knows (%d): restore it with the release that made it",
			file, ErrNotGatehouseBackup, info.Version, known[len(known)-1])
	}
	for _, k := range known {
		if k <= info.Version && !applied[k] {
			return info, fmt.Errorf("%s: %w: migration %d is missing", file, ErrNotGatehouseBackup, k)
		}
	}
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&info.Users); err != nil {
		return info, fmt.Errorf("%s: %w: no users table", file, ErrNotGatehouseBackup)
	}
	return info, nil
}

// knownVersions lists the SQLite migration versions of this binary in order.
func knownVersions() ([]int64, error) {
	fsys, err := migrations.ForDialect(migrations.SQLite)
	if err != nil {
		return nil, err
	}
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("list migrations: %w", err)
	}
	var versions []int64
	for _, e := range entries {
		num, _, ok := strings.Cut(path.Base(e.Name()), "_")
		if v, err := strconv.ParseInt(num, 10, 64); ok && err == nil {
			versions = append(versions, v)
		}
	}
	if len(versions) == 0 {
		return nil, errors.New("no migrations embedded")
	}
	return versions, nil
}

// tempPath is an unused name beside dest.
func tempPath(dest string) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(dest), "."+filepath.Base(dest)+".partial-*")
	if err != nil {
		return "", err
	}
	name := f.Name()
	f.Close()
	// VACUUM INTO wants a file that does not exist or is empty.
	return name, nil
}

func syncFile(name string) error {
	f, err := os.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	_ = d.Sync() // not every file system syncs directories
	return nil
}

// ErrTargetExists: restore would replace a database and was not forced.
var ErrTargetExists = errors.New("the database file already exists")

// Restore checks backup with InspectBackup and installs a copy of it as
// the SQLite database target. An existing target is refused unless force;
// when forced, the old database (with its -wal and -shm files) is moved
// aside to target.before-restore-SUFFIX, whose name is returned, so
// nothing is lost. The server must not be running on target.
func Restore(ctx context.Context, backup, target, suffix string, force bool) (BackupInfo, string, error) {
	info, err := InspectBackup(ctx, backup)
	if err != nil {
		return info, "", err
	}
	if err := checkSQLiteDir(target); err != nil {
		return info, "", err
	}
	tmp, err := tempPath(target)
	if err != nil {
		return info, "", fmt.Errorf("restore: %w", err)
	}
	defer os.Remove(tmp)
	if err := copyFile(backup, tmp); err != nil {
		return info, "", fmt.Errorf("restore: %w", err)
	}
	var aside string
	if _, err := os.Lstat(target); err == nil {
		if !force {
			return info, "", fmt.Errorf("restore: %s: %w (use --force to replace it; the old file is kept beside it)", target, ErrTargetExists)
		}
		aside = target + ".before-restore-" + suffix
		for _, ext := range []string{"", "-wal", "-shm"} {
			if err := os.Rename(target+ext, aside+ext); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return info, "", fmt.Errorf("restore: move the old database aside: %w", err)
			}
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return info, "", fmt.Errorf("restore: %w", err)
	}
	for _, ext := range []string{"-wal", "-shm"} { // stale journal files would be applied to the restored file
		if err := os.Remove(target + ext); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return info, aside, fmt.Errorf("restore: %w", err)
		}
	}
	if err := os.Rename(tmp, target); err != nil {
		return info, aside, fmt.Errorf("restore: %w", err)
	}
	return info, aside, syncDir(filepath.Dir(target))
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
