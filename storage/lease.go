package storage

import (
	"context"
	"time"
)

// LeaseStore hands out named leases: a periodic job that every replica runs
// (the sweeper) takes the lease before it works, so one replica does each
// round and the others skip it.
type LeaseStore interface {
	// Acquire takes the lease name for holder until now+ttl when it is free
	// (never taken, or expired at or before now) or already holder's, and
	// reports whether holder has it. Of parallel calls by different holders
	// at most one gets it. ErrInvalid for an empty name or holder or a ttl
	// under a millisecond.
	Acquire(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error)
}
