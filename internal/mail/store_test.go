package mail

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/testharness"
	"github.com/gatehouse/gatehouse/storage"
	"github.com/gatehouse/gatehouse/storage/sqlstore"
)

// The worker against the real stores: letters commit with their
// transaction or not at all, two workers deliver each once, and failures
// end in an abandoned row.
func TestWithSQLite(t *testing.T) {
	runStoreTests(t, func(t *testing.T) storage.Store {
		return openStore(t, "sqlite:"+filepath.Join(t.TempDir(), "gatehouse.db"))
	})
}

func TestWithPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	runStoreTests(t, func(t *testing.T) storage.Store { return openStore(t, testharness.PostgresURL(t)) })
}

func openStore(t *testing.T, databaseURL string) storage.Store {
	t.Helper()
	st, err := sqlstore.Open(t.Context(), databaseURL, sqlstore.Options{})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return st
}

func runStoreTests(t *testing.T, newStore func(*testing.T) storage.Store) {
	t.Run("letter commits with its transaction", func(t *testing.T) { testTransaction(t, newStore(t)) })
	t.Run("two workers send each letter once", func(t *testing.T) { testTwoWorkers(t, newStore(t)) })
	t.Run("abandoned after max attempts", func(t *testing.T) { testAbandon(t, newStore(t)) })
}

func testTransaction(t *testing.T, st storage.Store) {
	ctx := context.Background()
	m := newTestMailer(t, Options{})
	errRollback := errors.New("roll back")
	err := st.InTx(ctx, func(tx storage.Tx) error {
		if err := m.Enqueue(ctx, tx.Outbox(), verifyLetter(m, "rolled@example.org")); err != nil {
			return err
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatalf("InTx = %v", err)
	}
	err = st.InTx(ctx, func(tx storage.Tx) error {
		return m.Enqueue(ctx, tx.Outbox(), verifyLetter(m, "kept@example.org"))
	})
	if err != nil {
		t.Fatal(err)
	}
	page, err := st.Outbox().List(ctx, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 1 || page.Items[0].To != "kept@example.org" || page.Items[0].HTMLBody == "" {
		t.Fatalf("outbox holds %+v, want only the committed letter", page.Items)
	}
}

func testTwoWorkers(t *testing.T, st storage.Store) {
	sink := testharness.NewSMTPSink(t)
	a := newTestMailer(t, Options{SMTPURL: sink.URL(), PollInterval: 5 * time.Millisecond})
	b := newTestMailer(t, Options{SMTPURL: sink.URL(), PollInterval: 5 * time.Millisecond})
	const letters = 15
	for i := range letters {
		if err := a.Enqueue(context.Background(), st.Outbox(), verifyLetter(a, fmt.Sprintf("u%02d@example.org", i))); err != nil {
			t.Fatal(err)
		}
	}
	runWorker(t, a, st.Outbox())
	runWorker(t, b, st.Outbox())
	waitFor(t, "every letter marked sent", 30*time.Second, func() bool {
		page, err := st.Outbox().List(context.Background(), "", letters)
		if err != nil {
			return false
		}
		for _, m := range page.Items {
			if m.SentAt.IsZero() {
				return false
			}
		}
		return len(page.Items) == letters
	})
	time.Sleep(50 * time.Millisecond)
	seen := map[string]int{}
	for _, msg := range sink.Messages() {
		seen[msg.To[0]]++
	}
	if len(seen) != letters || len(sink.Messages()) != letters {
		t.Errorf("%d messages to %d recipients, want %d", len(sink.Messages()), len(seen), letters)
	}
}

func testAbandon(t *testing.T, st storage.Store) {
	sink := testharness.NewSMTPSink(t)
	sink.SetDown(true)
	m := newTestMailer(t, Options{SMTPURL: sink.URL(), MaxAttempts: 2})
	if err := m.Enqueue(context.Background(), st.Outbox(), verifyLetter(m, "anna@example.org")); err != nil {
		t.Fatal(err)
	}
	runWorker(t, m, st.Outbox())
	var row storage.OutboxMessage
	waitFor(t, "the letter to be abandoned", 10*time.Second, func() bool {
		page, err := st.Outbox().List(context.Background(), "", 1)
		if err != nil || len(page.Items) != 1 {
			return false
		}
		row = page.Items[0]
		return !row.AbandonedAt.IsZero()
	})
	if row.Attempts != 2 || row.LastError == "" || !row.SentAt.IsZero() {
		t.Errorf("abandoned row: %+v", row)
	}
}
