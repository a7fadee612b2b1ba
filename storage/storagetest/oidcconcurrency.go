package storagetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

// race runs f(i) for i in [0, n) on n goroutines released together and
// returns the errors in order of i.
func race(n int, f func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = f(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// wantOneWinner checks that exactly one call succeeded and every other
// failed with ErrConflict.
func wantOneWinner(t *testing.T, errs []error) {
	t.Helper()
	wantOneWinnerOf(t, errs, storage.ErrConflict)
}

// wantOneWinnerOf checks that exactly one call succeeded and every other
// failed with loser.
func wantOneWinnerOf(t *testing.T, errs []error, loser error) {
	t.Helper()
	wins := 0
	for i, err := range errs {
		switch {
		case err == nil:
			wins++
		case !isErr(err, loser):
			t.Errorf("call %d: %v, want success or %v", i, err, loser)
		}
	}
	if wins != 1 {
		t.Fatalf("%d of %d parallel calls succeeded, want exactly 1", wins, len(errs))
	}
}

// testParallelClaims redeems one code from n goroutines (SECURITY 39).
func testParallelClaims(t *testing.T, st storage.Store, n int) {
	r, code := completedWithCode(t, st)
	got := make([]storage.AuthRequest, n)
	errs := race(n, func(i int) error {
		var err error
		got[i], err = st.AuthRequests().ClaimCode(t.Context(), code, clock())
		return err
	})
	wantOneWinner(t, errs)
	for i := range got {
		if got[i].ID != r.ID {
			t.Fatalf("claim %d returned request %q, want %q (also on conflict)", i, got[i].ID, r.ID)
		}
	}
}

// testParallelRefresh rotates one refresh token from 20 goroutines
// (SECURITY 41).
func testParallelRefresh(t *testing.T, st storage.Store) {
	u, c := createUser(t, st), createClient(t, st)
	rt := newRefresh(c.ID, u.ID, clock())
	noErr(t, st.Tokens().CreateRefresh(t.Context(), &rt))
	errs := race(20, func(i int) error {
		return st.Tokens().MarkRefreshUsed(t.Context(), rt.ID, clock().Add(time.Duration(i)*time.Millisecond))
	})
	wantOneWinner(t, errs)
	got, err := st.Tokens().RefreshByID(t.Context(), rt.ID)
	noErr(t, err)
	winner := slices.IndexFunc(errs, func(err error) bool { return err == nil })
	if want := clock().Add(time.Duration(winner) * time.Millisecond); !got.UsedAt.Equal(want) {
		t.Fatalf("UsedAt = %v, want the winner's %v", got.UsedAt, want)
	}
}

// testParallelHits counts 50 parallel failures of one key: all are
// counted, and the k-th smallest result is at least k, so no more than
// `limit` callers can see a count within a limit.
func testParallelHits(t *testing.T, st storage.Store) {
	const n = 50
	key := "test:parallel:" + storage.NewID()
	counts := make([]int, n)
	errs := race(n, func(i int) error {
		var err error
		counts[i], err = st.Throttles().Hit(t.Context(), key, clock(), time.Minute)
		return err
	})
	for _, err := range errs {
		noErr(t, err)
	}
	slices.Sort(counts)
	for k, c := range counts {
		if c < k+1 || c > n {
			t.Fatalf("sorted Hit results %v: position %d has %d", counts, k, c)
		}
	}
	got, err := st.Throttles().Count(t.Context(), key, clock(), time.Minute)
	noErr(t, err)
	wantN(t, "Count after parallel hits", got, n)
}

// testParallelGrants grants 20 different scopes at once: none is lost.
func testParallelGrants(t *testing.T, st storage.Store) {
	u, c := createUser(t, st), createClient(t, st)
	const n = 20
	errs := race(n, func(i int) error {
		return st.Consents().Grant(t.Context(), u.ID, c.ID, []string{"openid", fmt.Sprintf("scope%d", i)}, clock())
	})
	for _, err := range errs {
		noErr(t, err)
	}
	got, err := st.Consents().Get(t.Context(), u.ID, c.ID)
	noErr(t, err)
	if len(got.Scopes) != n+1 {
		t.Fatalf("after %d parallel grants the consent has %d scopes: %v", n, len(got.Scopes), got.Scopes)
	}
	for i := range n {
		if !slices.Contains(got.Scopes, fmt.Sprintf("scope%d", i)) {
			t.Fatalf("scope%d lost: %v", i, got.Scopes)
		}
	}
}
