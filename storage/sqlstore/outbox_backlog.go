package sqlstore

import (
	"context"
	"fmt"
	"time"
)

// OutboxBacklog counts the letters neither sent nor abandoned and returns
// the creation time of the oldest (zero when there is none): the mail
// queue depth and age gauges of /metrics.
func (s *Store) OutboxBacklog(ctx context.Context) (int64, time.Time, error) {
	var row struct {
		N      int64  `db:"n"`
		Oldest dbTime `db:"oldest"`
	}
	err := s.h.get(ctx, &row, `SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM outbox_messages
		WHERE sent_at IS NULL AND abandoned_at IS NULL`)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("outbox backlog: %w", err)
	}
	return row.N, row.Oldest.time(), nil
}
