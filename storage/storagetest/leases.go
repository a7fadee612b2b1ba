package storagetest

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

func (s suite) leases(t *testing.T) {
	s.group(t, "Leases",
		sub("AcquireRenewExpire", testLeaseLifecycle),
		sub("Parallel20OneWins", testLeaseParallel),
	)
}

// testLeaseLifecycle: a free lease is taken; another holder is refused
// until it expires; the holder renews its own.
func testLeaseLifecycle(t *testing.T, st storage.Store) {
	ctx, now, l := t.Context(), clock(), st.Leases()
	ok, err := l.Acquire(ctx, "sweep-a", "r1", now, time.Minute)
	if noErr(t, err); !ok {
		t.Fatal("a free lease was not taken")
	}
	if ok, err := l.Acquire(ctx, "sweep-a", "r2", now.Add(30*time.Second), time.Minute); err != nil || ok {
		t.Fatalf("another holder took a live lease: %v %v", ok, err)
	}
	if ok, err := l.Acquire(ctx, "sweep-b", "r2", now, time.Minute); err != nil || !ok {
		t.Fatalf("another lease name is independent: %v %v", ok, err)
	}
	if ok, err := l.Acquire(ctx, "sweep-a", "r1", now.Add(30*time.Second), time.Minute); err != nil || !ok {
		t.Fatalf("the holder could not renew: %v %v", ok, err)
	}
	// Renewed until now+90s: r2 waits until then.
	if ok, err := l.Acquire(ctx, "sweep-a", "r2", now.Add(80*time.Second), time.Minute); err != nil || ok {
		t.Fatalf("taken before the renewed expiry: %v %v", ok, err)
	}
	if ok, err := l.Acquire(ctx, "sweep-a", "r2", now.Add(90*time.Second), time.Minute); err != nil || !ok {
		t.Fatalf("an expired lease was not taken: %v %v", ok, err)
	}
	if ok, err := l.Acquire(ctx, "sweep-a", "r1", now.Add(100*time.Second), time.Minute); err != nil || ok {
		t.Fatalf("the former holder took it back: %v %v", ok, err)
	}
	for name, call := range map[string]func() error{
		"no name":   func() error { _, err := l.Acquire(ctx, "", "r1", now, time.Minute); return err },
		"no holder": func() error { _, err := l.Acquire(ctx, "x", "", now, time.Minute); return err },
		"zero ttl":  func() error { _, err := l.Acquire(ctx, "x", "r1", now, 0); return err },
	} {
		if err := call(); !isErr(err, storage.ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
}

// testLeaseParallel: of 20 holders racing for a free lease exactly one
// gets it.
func testLeaseParallel(t *testing.T, st storage.Store) {
	now := clock().Add(time.Hour)
	var won atomic.Int32
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			ok, err := st.Leases().Acquire(t.Context(), "race", fmt.Sprintf("r%d", i), now, time.Minute)
			if err != nil {
				t.Errorf("holder %d: %v", i, err)
			}
			if ok {
				won.Add(1)
			}
		})
	}
	wg.Wait()
	if won.Load() != 1 {
		t.Fatalf("%d holders got the lease, want 1", won.Load())
	}
}
