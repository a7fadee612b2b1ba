package sqlstore_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/gatehouse/gatehouse/storage"
	"github.com/gatehouse/gatehouse/storage/sqlstore"
)

// TestObserveAuditSeesCommittedEventsOnly: events appended outside a
// transaction are seen at once, those of a transaction after it commits,
// and those of a rolled-back transaction never.
func TestObserveAuditSeesCommittedEventsOnly(t *testing.T) {
	ctx := context.Background()
	store, err := sqlstore.Open(ctx, "sqlite::memory:", sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if err := store.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var seen []string
	store.ObserveAudit(func(e storage.AuditEvent) {
		mu.Lock()
		seen = append(seen, e.Type)
		mu.Unlock()
	})
	if err := store.Audit().Append(ctx, &storage.AuditEvent{Type: "outside"}); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err = store.InTx(ctx, func(tx storage.Tx) error {
		if err := tx.Audit().Append(ctx, &storage.AuditEvent{Type: "rolled.back"}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	err = store.InTx(ctx, func(tx storage.Tx) error {
		if err := tx.Audit().Append(ctx, &storage.AuditEvent{Type: "committed"}); err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		if len(seen) != 1 {
			t.Errorf("an event was seen before its transaction committed: %v", seen)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 2 || seen[0] != "outside" || seen[1] != "committed" {
		t.Fatalf("seen %v, want [outside committed]", seen)
	}
}
