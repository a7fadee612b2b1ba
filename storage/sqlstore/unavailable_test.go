package sqlstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/testharness"
	"github.com/gatehouse/gatehouse/storage"
)

// TestUnreachablePostgresIsUnavailable cuts the connection to Postgres:
// reads, writes and transactions fail with storage.ErrUnavailable (not
// ErrNotFound, not a bare driver error), the context's watch notices, and
// once the database is back the same calls work again.
func TestUnreachablePostgresIsUnavailable(t *testing.T) {
	dbURL, proxy := testharness.PostgresViaProxy(t)
	st := openMigrated(t, dbURL)
	ctx := t.Context()
	if _, err := st.Users().ByID(ctx, "nobody"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("before the cut: ByID = %v, want ErrNotFound", err)
	}

	proxy.Cut()
	calls := map[string]func(ctx context.Context) error{
		"read": func(ctx context.Context) error { _, err := st.Users().ByID(ctx, "nobody"); return err },
		"write": func(ctx context.Context) error {
			_, err := st.AuthRequests().ClaimCode(ctx, []byte("hash"), time.Now())
			return err
		},
		"transaction": func(ctx context.Context) error {
			return st.InTx(ctx, func(tx storage.Tx) error { _, err := tx.Users().ByID(ctx, "nobody"); return err })
		},
	}
	for name, call := range calls {
		wctx, watch := storage.WatchUnavailable(ctx)
		err := call(wctx)
		if !errors.Is(err, storage.ErrUnavailable) || errors.Is(err, storage.ErrNotFound) {
			t.Errorf("%s during the cut: %v, want ErrUnavailable", name, err)
		}
		if !watch.Seen() {
			t.Errorf("%s during the cut: the watch saw nothing", name)
		}
	}

	proxy.Restore()
	deadline := time.Now().Add(15 * time.Second)
	for {
		wctx, watch := storage.WatchUnavailable(ctx)
		_, err := st.Users().ByID(wctx, "nobody")
		if errors.Is(err, storage.ErrNotFound) {
			if watch.Seen() {
				t.Error("the watch saw an outage on a call that succeeded")
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the restore: ByID = %v, want ErrNotFound", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
