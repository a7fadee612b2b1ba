package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

// leases implements storage.LeaseStore over job_leases: one upsert whose
// update only applies to an expired lease or the holder's own, so of
// replicas racing for it one row change wins.
type leases struct{ h handle }

func (s leases) Acquire(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error) {
	if name == "" || holder == "" || ttl < time.Millisecond {
		return false, fmt.Errorf("acquire lease: %w: a name, a holder and a ttl of 1ms or more are required", storage.ErrInvalid)
	}
	d := s.h.d
	n, err := s.h.exec(ctx, `INSERT INTO job_leases (name, holder, expires_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
		WHERE job_leases.expires_at <= ? OR job_leases.holder = ?`,
		name, holder, d.ts(now.Add(ttl)), d.ts(now), holder)
	if err != nil {
		return false, fmt.Errorf("acquire lease %s: %w", name, mapErr(err))
	}
	return n == 1, nil
}
