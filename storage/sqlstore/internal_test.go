package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestSQLiteConnections checks the connection setup the package
// documentation describes.
func TestSQLiteConnections(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "gh.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if st.write.Stats().MaxOpenConnections != 1 {
		t.Fatalf("writer pool allows %d connections, want 1", st.write.Stats().MaxOpenConnections)
	}
	for pragma, want := range map[string]string{
		"journal_mode": "wal", "synchronous": "1", "foreign_keys": "1", "busy_timeout": "10000", "secure_delete": "1",
		"wal_autocheckpoint": "0", "journal_size_limit": "67108864",
	} {
		var got string
		if err := st.write.GetContext(ctx, &got, "PRAGMA "+pragma); err != nil || got != want {
			t.Errorf("writer PRAGMA %s = %q, %v; want %q", pragma, got, err, want)
		}
	}
	var busy string
	if err := st.read.GetContext(ctx, &busy, "PRAGMA busy_timeout"); err != nil || busy != "10000" {
		t.Errorf("reader busy_timeout = %q, %v", busy, err)
	}
	if _, err := st.read.ExecContext(ctx, "CREATE TABLE t (x INTEGER)"); err == nil {
		t.Fatal("the reader pool accepted a write")
	}
}

// TestCheckpointsInTheBackground: commits never checkpoint (the writer's
// automatic checkpoint is off), the checkpointer copies the log into the
// database file on its own, and Close stops it and leaves no log behind.
func TestCheckpointsInTheBackground(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "gh.db")
	st, err := Open(ctx, "sqlite:"+path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if st.ckpt == nil {
		t.Fatal("a file database has no checkpointer")
	}
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		if _, err := st.h.exec(ctx, `INSERT INTO instance_settings (name, value, updated_at) VALUES (?, '1', 1)`,
			fmt.Sprintf("test.checkpoint.%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(30 * time.Second) // a bound, not a measurement
	for st.ckpt.frames.Load() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the checkpointer copied nothing in 30 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-st.ckpt.done:
	default:
		t.Fatal("Close left the checkpointer running")
	}
	if _, err := os.Stat(path + "-wal"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("after Close the write-ahead log is still there: %v", err)
	}
	if st, err = Open(ctx, "sqlite:"+path, Options{}); err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var n int
	if err := st.read.GetContext(ctx, &n, `SELECT count(*) FROM instance_settings WHERE name LIKE 'test.checkpoint.%'`); err != nil || n != 50 {
		t.Fatalf("after reopening: %d rows, %v; want 50", n, err)
	}
}

func TestLockKeyIsStable(t *testing.T) {
	if lockKey("signing-key") != lockKey("signing-key") || lockKey("a") == lockKey("b") {
		t.Fatal("lockKey is not a stable function of the name")
	}
}
