package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

// clientAssertions implements storage.ClientAssertionStore over
// client_assertion_jtis: the primary key (client_id, jti) makes a second
// Use fail on any replica.
type clientAssertions struct{ h handle }

func (s clientAssertions) Use(ctx context.Context, clientID, jti string, expiresAt time.Time) error {
	if clientID == "" || jti == "" {
		return fmt.Errorf("use client assertion: %w: client id and jti are required", storage.ErrInvalid)
	}
	_, err := s.h.exec(ctx, `INSERT INTO client_assertion_jtis (client_id, jti, expires_at) VALUES (?, ?, ?)`,
		clientID, jti, s.h.d.ts(storage.Time(expiresAt)))
	if err != nil {
		return fmt.Errorf("use client assertion: %w", mapErr(err))
	}
	return nil
}

func (s clientAssertions) DeleteExpired(ctx context.Context, now time.Time) (int64, error) {
	n, err := s.h.exec(ctx, `DELETE FROM client_assertion_jtis WHERE expires_at <= ?`, s.h.d.ts(now))
	if err != nil {
		return 0, fmt.Errorf("delete expired client assertions: %w", mapErr(err))
	}
	return n, nil
}
