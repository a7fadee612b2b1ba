package storage

import (
	"context"
	"time"
)

// ClientAssertionStore remembers the jti of every client assertion
// (RFC 7523 private_key_jwt) accepted, until it expires, so that an
// assertion is accepted once on any replica.
type ClientAssertionStore interface {
	// Use records (clientID, jti) valid until expiresAt; ErrAlreadyExists
	// when it was recorded before (a replay). Both are required
	// (ErrInvalid).
	Use(ctx context.Context, clientID, jti string, expiresAt time.Time) error
	// DeleteExpired removes the records expired at now.
	DeleteExpired(ctx context.Context, now time.Time) (int64, error)
}
