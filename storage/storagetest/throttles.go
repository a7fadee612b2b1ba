package storagetest

import (
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

func (s suite) throttles(t *testing.T) {
	s.group(t, "Throttles",
		sub("HitAndCount", testThrottleHitCount),
		sub("WindowSlides", testThrottleWindow),
		sub("Reset", testThrottleReset),
		sub("Release", testThrottleRelease),
		sub("RejectsInvalid", testThrottleInvalid),
		sub("RowsPerKeyBounded", testThrottleBounded),
		sub("DeleteExpired", testThrottleDeleteExpired),
		sub("ParallelHits", testParallelHits),
	)
}

func throttleKey() string { return "test:" + storage.NewID() }

// hit records a failure and checks the count Hit returns.
func hit(t *testing.T, st storage.Store, key string, at time.Time, window time.Duration, want int) {
	t.Helper()
	n, err := st.Throttles().Hit(t.Context(), key, at, window)
	noErr(t, err)
	wantN(t, "Hit", n, want)
}

func wantCount(t *testing.T, st storage.Store, key string, at time.Time, window time.Duration, want int) {
	t.Helper()
	n, err := st.Throttles().Count(t.Context(), key, at, window)
	noErr(t, err)
	wantN(t, "Count", n, want)
}

func testThrottleHitCount(t *testing.T, st storage.Store) {
	key, other := throttleKey(), throttleKey()
	wantCount(t, st, key, clock(), time.Minute, 0)
	hit(t, st, key, clock(), time.Minute, 1)
	hit(t, st, key, clock(), time.Minute, 2)
	hit(t, st, key, clock().Add(time.Second), time.Minute, 3)
	wantCount(t, st, key, clock().Add(time.Second), time.Minute, 3)
	wantCount(t, st, other, clock(), time.Minute, 0)
	hit(t, st, other, clock(), time.Minute, 1)
	// Hits stamped after now (a replica with a clock ahead) count too.
	wantCount(t, st, key, clock().Add(-time.Second), time.Minute, 3)
}

// testThrottleWindowSlides: a failure counts for at least window minus one
// bucket width, and no longer than the window.
func testThrottleWindow(t *testing.T, st storage.Store) {
	const window = 15 * time.Minute
	width := window / storage.ThrottleBuckets
	key, t0 := throttleKey(), clock()
	for i := range 6 {
		hit(t, st, key, t0, window, i+1)
	}
	later := t0.Add(10 * time.Minute)
	for i := range 4 {
		hit(t, st, key, later, window, 6+i+1)
	}
	wantCount(t, st, key, t0.Add(window-width), window, 10)
	wantCount(t, st, key, t0.Add(window), window, 4)
	wantCount(t, st, key, t0.Add(window+time.Second), window, 4)
	hit(t, st, key, t0.Add(window+time.Second), window, 5)
	wantCount(t, st, key, later.Add(window), window, 1)
	// A tiny window still works: 1ms buckets.
	tiny := throttleKey()
	hit(t, st, tiny, t0, time.Millisecond, 1)
	hit(t, st, tiny, t0, time.Millisecond, 2)
	wantCount(t, st, tiny, t0.Add(time.Millisecond), time.Millisecond, 0)
}

func testThrottleReset(t *testing.T, st storage.Store) {
	key, other := throttleKey(), throttleKey()
	hit(t, st, key, clock(), time.Minute, 1)
	hit(t, st, key, clock().Add(30*time.Second), time.Minute, 2)
	hit(t, st, other, clock(), time.Minute, 1)
	noErr(t, st.Throttles().Reset(t.Context(), key))
	wantCount(t, st, key, clock().Add(30*time.Second), time.Minute, 0)
	wantCount(t, st, other, clock(), time.Minute, 1)
	noErr(t, st.Throttles().Reset(t.Context(), "test:never-hit"))
	hit(t, st, key, clock().Add(31*time.Second), time.Minute, 1)
}

// testThrottleRelease: Release takes back one hit of its bucket, never
// below zero, and leaves other keys and buckets alone.
func testThrottleRelease(t *testing.T, st storage.Store) {
	key, other := throttleKey(), throttleKey()
	t0 := clock()
	hit(t, st, key, t0, time.Minute, 1)
	hit(t, st, key, t0, time.Minute, 2)
	hit(t, st, key, t0.Add(30*time.Second), time.Minute, 3)
	hit(t, st, other, t0, time.Minute, 1)
	noErr(t, st.Throttles().Release(t.Context(), key, t0, time.Minute))
	wantCount(t, st, key, t0.Add(30*time.Second), time.Minute, 2)
	noErr(t, st.Throttles().Release(t.Context(), key, t0, time.Minute))
	noErr(t, st.Throttles().Release(t.Context(), key, t0, time.Minute)) // nothing left in that bucket
	wantCount(t, st, key, t0.Add(30*time.Second), time.Minute, 1)
	wantCount(t, st, other, t0, time.Minute, 1)
	noErr(t, st.Throttles().Release(t.Context(), "test:never-hit", t0, time.Minute))
	hit(t, st, key, t0.Add(30*time.Second), time.Minute, 2)
}

func testThrottleInvalid(t *testing.T, st storage.Store) {
	_, err := st.Throttles().Hit(t.Context(), "", clock(), time.Minute)
	wantErr(t, err, storage.ErrInvalid)
	_, err = st.Throttles().Hit(t.Context(), throttleKey(), clock(), 0)
	wantErr(t, err, storage.ErrInvalid)
	_, err = st.Throttles().Count(t.Context(), throttleKey(), clock(), -time.Minute)
	wantErr(t, err, storage.ErrInvalid)
}

// testThrottleBounded hits one key every 30s for an hour (120 buckets)
// with a 10-minute window: Hit drops what left the window, so only the
// buckets of the last window remain for the sweeper.
func testThrottleBounded(t *testing.T, st storage.Store) {
	const window = 10 * time.Minute
	key, start := throttleKey(), epoch().AddDate(-1, 0, 0) // before testThrottleDeleteExpired's rows
	var last time.Time
	for i := range 120 {
		last = start.Add(time.Duration(i) * 30 * time.Second)
		if _, err := st.Throttles().Hit(t.Context(), key, last, window); err != nil {
			t.Fatal(err)
		}
	}
	wantCount(t, st, key, last, window, 20)
	n, err := st.Throttles().DeleteExpired(t.Context(), last.Add(2*window), window)
	noErr(t, err)
	if n > 21 || n > storage.ThrottleBuckets+1 {
		t.Fatalf("%d rows left for one key, want at most 21 (the last window's buckets)", n)
	}
}

func testThrottleDeleteExpired(t *testing.T, st storage.Store) {
	const window = time.Hour
	now := epoch()
	old, fresh := throttleKey(), throttleKey()
	hit(t, st, old, now.Add(-window-time.Minute), window, 1)
	hit(t, st, fresh, now.Add(-window+time.Minute), window, 1)
	hit(t, st, fresh, now, window, 2)
	n, err := st.Throttles().DeleteExpired(t.Context(), now, window)
	noErr(t, err)
	wantN(t, "DeleteExpired", n, 1)
	wantCount(t, st, fresh, now, window, 2)
	wantCount(t, st, old, now.Add(-window-time.Minute), window, 0)
}
