package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

// throttles implements storage.ThrottleStore with one row per key and
// bucket: a bucket is window/storage.ThrottleBuckets wide and aligned to
// multiples of its width since the Unix epoch. Hit increments its bucket
// with an atomic upsert (ON CONFLICT DO UPDATE), so parallel hits on any
// replica are all counted; Count sums the buckets that start inside the
// window. A key holds at most ThrottleBuckets+1 live rows, and Hit deletes
// the key's rows that left the window.
type throttles struct{ h handle }

// bucketWidth is the width of the buckets of a window.
func bucketWidth(window time.Duration) time.Duration {
	return max(time.Millisecond, (window / storage.ThrottleBuckets).Truncate(time.Millisecond))
}

// bucketStart is the start of the bucket that holds now.
func bucketStart(now time.Time, window time.Duration) time.Time {
	w := bucketWidth(window).Milliseconds()
	ms := storage.Time(now).UnixMilli()
	ms -= ((ms % w) + w) % w // floor, also before 1970
	return time.UnixMilli(ms).UTC()
}

func checkThrottle(key string, window time.Duration) error {
	if key == "" || window < time.Millisecond {
		return fmt.Errorf("%w: a key and a window of at least 1ms are required", storage.ErrInvalid)
	}
	return nil
}

func (s throttles) Hit(ctx context.Context, key string, now time.Time, window time.Duration) (int, error) {
	if err := checkThrottle(key, window); err != nil {
		return 0, fmt.Errorf("throttle hit: %w", err)
	}
	d := s.h.d
	_, err := s.h.exec(ctx, `INSERT INTO throttle_counters (key, bucket_start, hits) VALUES (?, ?, 1)
		ON CONFLICT (key, bucket_start) DO UPDATE SET hits = throttle_counters.hits + 1`,
		key, d.ts(bucketStart(now, window)))
	if err != nil {
		return 0, fmt.Errorf("throttle hit %s: %w", key, mapErr(err))
	}
	// Read after the increment committed (or inside the caller's
	// transaction, which sees it): the sum includes it and every hit
	// that was counted before it.
	n, err := s.Count(ctx, key, now, window)
	if err != nil {
		return 0, err
	}
	if _, err := s.h.exec(ctx, `DELETE FROM throttle_counters WHERE key = ? AND bucket_start <= ?`,
		key, d.ts(now.Add(-window))); err != nil {
		return 0, fmt.Errorf("throttle hit %s: drop old buckets: %w", key, mapErr(err))
	}
	return n, nil
}

func (s throttles) Count(ctx context.Context, key string, now time.Time, window time.Duration) (int, error) {
	if err := checkThrottle(key, window); err != nil {
		return 0, fmt.Errorf("throttle count: %w", err)
	}
	var n int64
	err := s.h.get(ctx, &n, `SELECT COALESCE(SUM(hits), 0) FROM throttle_counters
		WHERE key = ? AND bucket_start > ?`, key, s.h.d.ts(now.Add(-window)))
	if err != nil {
		return 0, fmt.Errorf("throttle count %s: %w", key, mapErr(err))
	}
	return int(n), nil
}

func (s throttles) Release(ctx context.Context, key string, at time.Time, window time.Duration) error {
	if err := checkThrottle(key, window); err != nil {
		return fmt.Errorf("throttle release: %w", err)
	}
	_, err := s.h.exec(ctx, `UPDATE throttle_counters SET hits = hits - 1
		WHERE key = ? AND bucket_start = ? AND hits > 0`, key, s.h.d.ts(bucketStart(at, window)))
	if err != nil {
		return fmt.Errorf("throttle release %s: %w", key, mapErr(err))
	}
	return nil
}

func (s throttles) Reset(ctx context.Context, key string) error {
	if _, err := s.h.exec(ctx, `DELETE FROM throttle_counters WHERE key = ?`, key); err != nil {
		return fmt.Errorf("throttle reset %s: %w", key, mapErr(err))
	}
	return nil
}

func (s throttles) DeleteExpired(ctx context.Context, now time.Time, window time.Duration) (int64, error) {
	n, err := s.h.exec(ctx, `DELETE FROM throttle_counters WHERE bucket_start <= ?`, s.h.d.ts(now.Add(-window)))
	if err != nil {
		return 0, fmt.Errorf("delete expired throttle counters: %w", mapErr(err))
	}
	return n, nil
}
