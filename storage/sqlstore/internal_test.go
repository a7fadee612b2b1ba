package sqlstore

import (
	"context"
	"path/filepath"
	"testing"
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

func TestLockKeyIsStable(t *testing.T) {
	if lockKey("signing-key") != lockKey("signing-key") || lockKey("a") == lockKey("b") {
		t.Fatal("lockKey is not a stable function of the name")
	}
}
