package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/storage"
	"github.com/gatehouse/gatehouse/storage/sqlstore"
)

// TestOutboxBacklog counts letters neither sent nor abandoned and dates
// the oldest of them.
func TestOutboxBacklog(t *testing.T) {
	ctx := context.Background()
	store, err := sqlstore.Open(ctx, "sqlite::memory:", sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if err := store.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if n, oldest, err := store.OutboxBacklog(ctx); err != nil || n != 0 || !oldest.IsZero() {
		t.Fatalf("empty outbox: %d %v %v", n, oldest, err)
	}
	base := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	var ids []string
	for i := range 3 {
		m := &storage.OutboxMessage{To: "a@example.com", Subject: "s", Kind: "verify_email", CreatedAt: base.Add(time.Duration(i) * time.Minute)}
		if err := store.Outbox().Enqueue(ctx, m); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.ID)
	}
	if err := store.Outbox().MarkSent(ctx, ids[0], base.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := store.Outbox().MarkFailed(ctx, ids[2], base.Add(time.Hour), base.Add(2*time.Hour), "down", true); err != nil {
		t.Fatal(err)
	}
	n, oldest, err := store.OutboxBacklog(ctx)
	if err != nil || n != 1 || !oldest.Equal(base.Add(time.Minute)) {
		t.Fatalf("backlog = %d, oldest %v (%v); want 1 waiting since %v", n, oldest, err, base.Add(time.Minute))
	}
}
