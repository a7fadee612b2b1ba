package storagetest

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

// Writers and writes per writer of the concurrency test.
const (
	concurrentWriters = 8
	writesPerWriter   = 200
)

func (s suite) concurrency(t *testing.T) {
	s.testAlone(t, "ParallelWriters", testParallelWriters)
}

// testParallelWriters runs 8 goroutines x 200 writes (user creations,
// audit appends, transactions with both, setting upserts, each followed by a
// read) and requires every one to succeed: no SQLITE_BUSY, no lost rows.
func testParallelWriters(t *testing.T, st storage.Store) {
	start := time.Now()
	var wg sync.WaitGroup
	for w := range concurrentWriters {
		wg.Go(func() {
			for i := range writesPerWriter {
				if err := oneWrite(t.Context(), st, w, i); err != nil {
					t.Errorf("writer %d, write %d: %v", w, i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	t.Logf("%d goroutines x %d writes took %v", concurrentWriters, writesPerWriter, time.Since(start))
	if t.Failed() {
		return
	}
	counts, err := st.Users().CountByState(t.Context())
	noErr(t, err)
	if want := concurrentWriters * writesPerWriter / 2; counts[storage.UserActive] != want {
		t.Fatalf("%d users, want %d", counts[storage.UserActive], want)
	}
	if got, want := countAudit(t, st), concurrentWriters*writesPerWriter/2; got != want {
		t.Fatalf("%d audit events, want %d", got, want)
	}
}

// oneWrite is write i of writer w: a quarter each of the four kinds.
func oneWrite(ctx context.Context, st storage.Store, w, i int) error {
	switch i % 4 {
	case 0:
		u := newUser()
		if err := st.Users().Create(ctx, &u); err != nil {
			return err
		}
		_, err := st.Users().ByID(ctx, u.ID)
		return err
	case 1:
		return st.Audit().Append(ctx, &storage.AuditEvent{Type: "test.parallel", ActorID: fmt.Sprint(w)})
	case 2:
		return st.InTx(ctx, func(tx storage.Tx) error {
			u := newUser()
			if err := tx.Users().Create(ctx, &u); err != nil {
				return err
			}
			return tx.Audit().Append(ctx, &storage.AuditEvent{Type: "test.parallel", UserID: u.ID})
		})
	default:
		key := fmt.Sprintf("parallel.%d", w)
		if err := st.Settings().Set(ctx, key, json.RawMessage(fmt.Sprint(i))); err != nil {
			return err
		}
		_, err := st.Settings().Get(ctx, key)
		return err
	}
}

func countAudit(t *testing.T, st storage.Store) int {
	t.Helper()
	n := 0
	f := storage.AuditFilter{Type: "test.parallel", Limit: storage.MaxLimit}
	for {
		page, err := st.Audit().List(t.Context(), f)
		noErr(t, err)
		n += len(page.Items)
		if page.Next == "" {
			return n
		}
		f.Cursor = page.Next
	}
}
