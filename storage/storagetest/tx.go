package storagetest

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"sync"
	"testing"

	"github.com/gatehouse/gatehouse/storage"
)

func (s suite) transactions(t *testing.T) {
	s.test(t, "CommitsTogether", testTxCommit)
	s.test(t, "RollbackOnError", testTxRollback)
	s.test(t, "RollbackOnStoreError", testTxStoreError)
	s.test(t, "RollbackOnPanic", testTxPanic)
	s.test(t, "CanceledContext", testTxCanceled)
	s.test(t, "WithLockSerializes", testTxWithLock)
}

var errBoom = errors.New("boom")

func testTxCommit(t *testing.T, st storage.Store) {
	var u storage.User
	err := st.InTx(t.Context(), func(tx storage.Tx) error {
		u = newUser()
		if err := tx.Users().Create(t.Context(), &u); err != nil {
			return err
		}
		if _, err := tx.Users().ByID(t.Context(), u.ID); err != nil { // reads its own writes
			return err
		}
		return tx.Audit().Append(t.Context(), &storage.AuditEvent{Type: "user.register", UserID: u.ID})
	})
	noErr(t, err)
	if _, err := st.Users().ByID(t.Context(), u.ID); err != nil {
		t.Fatalf("user after commit: %v", err)
	}
	wantAuditCount(t, st, u.ID, 1)
}

// writeAll makes one write of each kind in tx and returns the user id.
func writeAll(t *testing.T, tx storage.Tx) string {
	t.Helper()
	u := newUser()
	noErr(t, tx.Users().Create(t.Context(), &u))
	noErr(t, tx.Audit().Append(t.Context(), &storage.AuditEvent{Type: "user.register", UserID: u.ID}))
	noErr(t, tx.Settings().Set(t.Context(), "tx.setting", json.RawMessage(`1`)))
	bs := newSession(u.ID, clock())
	noErr(t, tx.Sessions().Create(t.Context(), &bs))
	return u.ID
}

// wantNothingLeft checks that a rolled-back writeAll left no trace.
func wantNothingLeft(t *testing.T, st storage.Store, userID string) {
	t.Helper()
	_, err := st.Users().ByID(t.Context(), userID)
	wantErr(t, err, storage.ErrNotFound)
	_, err = st.Settings().Get(t.Context(), "tx.setting")
	wantErr(t, err, storage.ErrNotFound)
	wantAuditCount(t, st, userID, 0)
	// The store still writes: the transaction released what it held.
	createUser(t, st)
}

func testTxRollback(t *testing.T, st storage.Store) {
	var userID string
	err := st.InTx(t.Context(), func(tx storage.Tx) error {
		userID = writeAll(t, tx)
		return errBoom
	})
	wantErr(t, err, errBoom)
	wantNothingLeft(t, st, userID)
}

func testTxStoreError(t *testing.T, st storage.Store) {
	var userID string
	err := st.InTx(t.Context(), func(tx storage.Tx) error {
		userID = writeAll(t, tx)
		u, err := tx.Users().ByID(t.Context(), userID)
		if err != nil {
			return err
		}
		dup := newUser(func(d *storage.User) { d.Email = u.Email })
		return tx.Users().Create(t.Context(), &dup)
	})
	wantErr(t, err, storage.ErrAlreadyExists)
	wantNothingLeft(t, st, userID)
}

func testTxPanic(t *testing.T, st storage.Store) {
	var userID string
	func() {
		defer func() {
			if r := recover(); r != errBoom {
				t.Fatalf("recovered %v, want the panic to pass through", r)
			}
		}()
		_ = st.InTx(t.Context(), func(tx storage.Tx) error {
			userID = writeAll(t, tx)
			panic(errBoom)
		})
	}()
	wantNothingLeft(t, st, userID)
}

func testTxCanceled(t *testing.T, st storage.Store) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	called := false
	err := st.InTx(ctx, func(tx storage.Tx) error { called = true; return nil })
	if err == nil || called {
		t.Fatalf("InTx with a canceled context: err %v, fn called %v", err, called)
	}
	createUser(t, st) // still usable
}

// testTxWithLock runs read-modify-write increments of one setting under a
// named lock from several goroutines: none may be lost.
func testTxWithLock(t *testing.T, st storage.Store) {
	const workers, rounds = 4, 10
	noErr(t, st.Settings().Set(t.Context(), "counter", json.RawMessage(`0`)))
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range rounds {
				err := st.WithLock(t.Context(), "counter", func(tx storage.Tx) error {
					return increment(t.Context(), tx)
				})
				if err != nil {
					t.Errorf("increment: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	got, err := st.Settings().Get(t.Context(), "counter")
	noErr(t, err)
	if string(got.Value) != strconv.Itoa(workers*rounds) {
		t.Fatalf("counter = %s, want %d: increments were lost", got.Value, workers*rounds)
	}
}

func increment(ctx context.Context, tx storage.Tx) error {
	if err := tx.Lock(ctx, "another-lock"); err != nil { // a second lock in one tx
		return err
	}
	s, err := tx.Settings().Get(ctx, "counter")
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(string(s.Value))
	if err != nil {
		return err
	}
	return tx.Settings().Set(ctx, "counter", json.RawMessage(strconv.Itoa(n+1)))
}

func wantAuditCount(t *testing.T, st storage.Store, userID string, want int) {
	t.Helper()
	page, err := st.Audit().List(t.Context(), storage.AuditFilter{UserID: userID})
	noErr(t, err)
	if len(page.Items) != want {
		t.Fatalf("audit events of %s: %d, want %d", userID, len(page.Items), want)
	}
}
