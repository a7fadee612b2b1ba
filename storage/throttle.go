package storage

import (
	"context"
	"time"
)

// ThrottleStore counts failures per key (such as "login:user:<id>" or
// "login:ip:<addr>") in the database, so every replica sees the same counts.
type ThrottleStore interface {
	// Hit records one failure for key in the window starting at now-window
	// and returns the failures counted in that window, including this one.
	// It is atomic: parallel hits on any replica are all counted.
	Hit(ctx context.Context, key string, now time.Time, window time.Duration) (int, error)
	// Count returns the failures for key within window before now.
	Count(ctx context.Context, key string, now time.Time, window time.Duration) (int, error)
	// Reset forgets the failures of key (after a successful sign-in).
	Reset(ctx context.Context, key string) error
	// DeleteExpired removes counters older than window.
	DeleteExpired(ctx context.Context, now time.Time, window time.Duration) (int64, error)
}
