package sqlstore

import (
	"context"
	"errors"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

// openGateStore opens a migrated file SQLite store with a table that
// records the order of writes.
func openGateStore(t *testing.T) *Store {
	t.Helper()
	st, err := Open(t.Context(), "sqlite:"+filepath.Join(t.TempDir(), "gh.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := st.h.exec(t.Context(), `CREATE TABLE fifo (seq INTEGER PRIMARY KEY AUTOINCREMENT, i INTEGER NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	return st
}

// holdWriter runs a transaction that holds the writer until the returned
// function is called, which waits for it to end.
func holdWriter(t *testing.T, st *Store) (release func()) {
	t.Helper()
	holding, done, end := make(chan struct{}), make(chan error), make(chan struct{})
	go func() {
		done <- st.InTx(context.Background(), func(storage.Tx) error {
			close(holding)
			<-end
			return nil
		})
	}()
	<-holding
	return func() {
		close(end)
		if err := <-done; err != nil {
			t.Errorf("holding transaction: %v", err)
		}
	}
}

// waitQueued waits until n goroutines are parked in writeGate.acquire,
// that is, queued on the gate's channel.
func waitQueued(t *testing.T, n int) {
	t.Helper()
	buf := make([]byte, 1<<20)
	for deadline := time.Now().Add(30 * time.Second); ; {
		buf = buf[:runtime.Stack(buf[:cap(buf)], true)]
		queued := 0
		for _, g := range strings.Split(string(buf), "\n\n") {
			if strings.Contains(g, "sqlstore.writeGate.acquire") && (strings.Contains(g, "[select") || strings.Contains(g, "[chan send")) {
				queued++
			}
		}
		if queued == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines queued on the writer, want %d", queued, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestWriterIsFIFO queues writers of every kind (single statements,
// transactions of the store and of atomic) one after the other behind a
// transaction that holds the writer: they run in the order they came, and
// none waited inside database/sql's pool, whose waiters are served at random.
func TestWriterIsFIFO(t *testing.T) {
	st := openGateStore(t)
	ctx := t.Context()
	insert := `INSERT INTO fifo (i) VALUES (?)`
	writes := []func(i int) error{
		func(i int) error { _, err := st.h.exec(ctx, insert, i); return err },
		func(i int) error {
			var seq int64
			return st.h.getWrite(ctx, &seq, insert+` RETURNING seq`, i)
		},
		func(i int) error {
			var seqs []int64
			return st.h.selectWrite(ctx, &seqs, insert+` RETURNING seq`, i)
		},
		func(i int) error {
			return st.InTx(ctx, func(tx storage.Tx) error { _, err := tx.(txStore).h.exec(ctx, insert, i); return err })
		},
		func(i int) error {
			return st.h.atomic(ctx, func(h handle) error { _, err := h.exec(ctx, insert, i); return err })
		},
	}
	const n = 20
	release := holdWriter(t, st)
	errs := make(chan error, n)
	for i := range n {
		go func() { errs <- writes[i%len(writes)](i) }()
		waitQueued(t, i+1)
	}
	release()
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	var got []int
	if err := st.h.selectRows(ctx, &got, `SELECT i FROM fifo ORDER BY seq`); err != nil {
		t.Fatal(err)
	}
	want := make([]int, n)
	for i := range want {
		want[i] = i
	}
	if !slices.Equal(got, want) {
		t.Fatalf("writers ran in the order %v, want %v", got, want)
	}
	if w := st.write.Stats().WaitCount; w != 0 {
		t.Errorf("%d waits for the writer connection in the pool; every writer should queue on the gate", w)
	}
}

// TestWriterWaitEndsWithContext: a writer queued behind a busy writer gives
// up when its context ends, with the context's error classified like a
// query's (a deadline means unavailable), without taking a turn; the
// writers queued after it still run.
func TestWriterWaitEndsWithContext(t *testing.T) {
	st := openGateStore(t)
	release := holdWriter(t, st)

	canceled, cancel := context.WithCancel(t.Context())
	errCanceled := make(chan error, 1)
	go func() { _, err := st.h.exec(canceled, `INSERT INTO fifo (i) VALUES (1)`); errCanceled <- err }()
	waitQueued(t, 1)
	errLater := make(chan error, 1)
	go func() { _, err := st.h.exec(t.Context(), `INSERT INTO fifo (i) VALUES (3)`); errLater <- err }()
	waitQueued(t, 2)

	cancel()
	if err := <-errCanceled; !errors.Is(err, context.Canceled) || errors.Is(err, storage.ErrUnavailable) {
		t.Errorf("canceled while waiting: %v, want context.Canceled", err)
	}
	waitQueued(t, 1)

	wctx, watch := storage.WatchUnavailable(t.Context())
	expiring, stop := context.WithTimeout(wctx, 50*time.Millisecond)
	defer stop()
	err := st.InTx(expiring, func(storage.Tx) error { return errors.New("ran without its turn") })
	if !errors.Is(err, storage.ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("deadline passed while waiting: %v, want ErrUnavailable wrapping the deadline", err)
	}
	if !watch.Seen() {
		t.Error("the watch did not see the deadline as an outage")
	}

	release()
	if err := <-errLater; err != nil {
		t.Fatalf("the writer queued after the ones that gave up: %v", err)
	}
	var got []int
	if err := st.h.selectRows(t.Context(), &got, `SELECT i FROM fifo ORDER BY seq`); err != nil || !slices.Equal(got, []int{3}) {
		t.Fatalf("rows %v, %v; want only the last writer's", got, err)
	}
}

// TestOuterWriteInsideTxWaitsForItsContext: inside InTx a write through
// the outer store queues behind the transaction itself, so it ends only
// with its context, as the package documentation says (and the
// transaction goes on).
func TestOuterWriteInsideTxWaitsForItsContext(t *testing.T) {
	st := openGateStore(t)
	err := st.InTx(t.Context(), func(tx storage.Tx) error {
		ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		defer cancel()
		if _, err := st.h.exec(ctx, `INSERT INTO fifo (i) VALUES (1)`); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("outer write inside the transaction: %v, want the deadline", err)
		}
		_, err := tx.(txStore).h.exec(t.Context(), `INSERT INTO fifo (i) VALUES (2)`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	if err := st.h.selectRows(t.Context(), &got, `SELECT i FROM fifo ORDER BY seq`); err != nil || !slices.Equal(got, []int{2}) {
		t.Fatalf("rows %v, %v; want the transaction's only", got, err)
	}
}
