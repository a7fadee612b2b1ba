package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"
	_ "modernc.org/sqlite" // driver "sqlite"
)

// sqliteBusyTimeout is how long a connection waits for a lock held by
// another process (the server and a CLI command on one file) before it
// fails with SQLITE_BUSY.
const sqliteBusyTimeout = 10 * time.Second

// openSQLite opens a file database as two pools: one writer connection that
// carries every write and transaction, and a few read-only connections for
// reads outside transactions. See the package documentation for why. A
// private in-memory database exists only inside its connection, so it gets
// a single connection that does both and is never closed while idle.
//
// A file database also gets the checkpointer's connection (ckpt; nil for
// a private in-memory one, which has no write-ahead log).
func openSQLite(ctx context.Context, path string, opts Options) (write, read, ckpt *sqlx.DB, err error) {
	if path == memoryPath {
		db, err := openSQLitePool(ctx, path, sqliteParams(true, false), 1, opts.Trace)
		return db, db, nil, err
	}
	if err := checkSQLiteDir(path); err != nil {
		return nil, nil, nil, err
	}
	if write, err = openSQLitePool(ctx, path, sqliteParams(true, true), 1, opts.Trace); err != nil {
		return nil, nil, nil, err
	}
	readers := min(max(2, runtime.GOMAXPROCS(0)), opts.MaxOpenConns)
	if read, err = openSQLitePool(ctx, path, sqliteParams(false, true), readers, opts.Trace); err != nil {
		_ = write.Close()
		return nil, nil, nil, err
	}
	// Not traced: its statements are the checkpointer's, not a request's.
	if ckpt, err = openSQLitePool(ctx, path, checkpointerParams(), 1, false); err != nil {
		_ = read.Close()
		_ = write.Close()
		return nil, nil, nil, err
	}
	return write, read, ckpt, nil
}

// checkpointerParams are the DSN parameters of the checkpointer's
// connection: it writes only what checkpoints write.
func checkpointerParams() url.Values {
	v := url.Values{}
	v.Set("_busy_timeout", strconv.FormatInt(sqliteBusyTimeout.Milliseconds(), 10))
	v.Add("_pragma", "secure_delete(ON)")
	return v
}

// sqliteParams are the modernc DSN parameters of a writer or reader
// connection. Writers begin transactions IMMEDIATE so that a transaction
// that reads before it writes cannot fail to upgrade its lock; readers are
// query-only, so a write sent to the wrong pool fails loudly.
func sqliteParams(writer, wal bool) url.Values {
	v := url.Values{}
	v.Set("_busy_timeout", strconv.FormatInt(sqliteBusyTimeout.Milliseconds(), 10))
	v.Set("_foreign_keys", "1")
	// Deleted and overwritten content (erased letters, spent tokens) is
	// zeroed in the file, not left in free space for a backup to carry.
	v.Add("_pragma", "secure_delete(ON)")
	if writer {
		v.Set("_txlock", "immediate")
		if wal {
			v.Set("_journal_mode", "WAL")
			v.Set("_synchronous", "NORMAL")
			// Checkpoints run in the background (checkpoint.go), not in
			// the commit that happens to cross 1000 pages.
			v.Add("_pragma", "wal_autocheckpoint(0)")
			v.Add("_pragma", "journal_size_limit("+strconv.Itoa(walSizeLimit)+")")
		}
	} else {
		v.Set("_query_only", "1")
	}
	return v
}

func openSQLitePool(ctx context.Context, path string, params url.Values, conns int, trace bool) (*sqlx.DB, error) {
	db, err := openDB("sqlite", path+"?"+params.Encode(), trace)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	// Connections live as long as the pool: reopening costs a file open
	// and the pragmas, and a :memory: database dies with its connection.
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	return db, nil
}

// checkSQLiteDir fails clearly when the database's directory is missing:
// Gatehouse creates the file but never directories.
func checkSQLiteDir(path string) error {
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("open sqlite %s: directory %s does not exist; create it first", path, dir)
	case err != nil:
		return fmt.Errorf("open sqlite %s: %w", path, err)
	case !fi.IsDir():
		return fmt.Errorf("open sqlite %s: %s is not a directory", path, dir)
	}
	return nil
}
