package storage

import (
	"context"
	"time"
)

// ThrottleBuckets is how finely ThrottleStore tracks a window: failures are
// counted in buckets of window/ThrottleBuckets (at least a millisecond), so
// a key never holds more than ThrottleBuckets+1 live rows. A failure stops
// counting at most one bucket width (1/60 of the window) before it is a
// full window old, never later.
const ThrottleBuckets = 60

// ThrottleStore counts failures per key (such as "login:user:<id>" or
// "login:ip:<addr>") in the database, so every replica sees the same counts.
// Use the same window for a key in every call. Failures stamped after now
// (a replica whose clock runs ahead) count too.
type ThrottleStore interface {
	// Hit records one failure for key in the window starting at now-window
	// and returns the failures counted in that window, including this one.
	// It is atomic: parallel hits on any replica are all counted, and the
	// k-th of them returns at least k. It also drops the key's buckets that
	// left the window. ErrInvalid for an empty key or a window under 1ms.
	Hit(ctx context.Context, key string, now time.Time, window time.Duration) (int, error)
	// Count returns the failures for key within window before now.
	Count(ctx context.Context, key string, now time.Time, window time.Duration) (int, error)
	// Release takes back one hit that Hit recorded for key at the time at
	// with the same window (an attempt that is over); nothing happens when
	// that hit has already left the window. It never goes below zero.
	Release(ctx context.Context, key string, at time.Time, window time.Duration) error
	// Reset forgets the failures of key (after a successful sign-in).
	Reset(ctx context.Context, key string) error
	// DeleteExpired removes counters older than window (pass the longest
	// window in use) and returns how many rows it removed.
	DeleteExpired(ctx context.Context, now time.Time, window time.Duration) (int64, error)
}
