package storage

import (
	"context"
	"time"
)

// RegistrationToken is an initial access token (RFC 7591 §3): an
// administrator creates it so that software may register clients at the
// dynamic client registration endpoint. Only its hash is stored.
type RegistrationToken struct {
	ID         string
	Name       string
	TokenHash  []byte // SHA-256 of the token
	CreatedBy  string // the administrator's user id, or "" from the CLI
	CreatedAt  time.Time
	ExpiresAt  time.Time // zero: until revoked
	RevokedAt  time.Time // zero: not revoked
	LastUsedAt time.Time // zero: never used
}

// Active reports whether t may register clients at now.
func (t RegistrationToken) Active(now time.Time) bool {
	return t.RevokedAt.IsZero() && (t.ExpiresAt.IsZero() || now.Before(t.ExpiresAt))
}

// RegistrationTokenStore keeps initial access tokens.
type RegistrationTokenStore interface {
	// Create stores t, filling an empty ID and a zero CreatedAt
	// (TokenHash is required: ErrInvalid).
	Create(ctx context.Context, t *RegistrationToken) error
	// ByHash returns the token with that hash, or ErrNotFound.
	ByHash(ctx context.Context, hash []byte) (RegistrationToken, error)
	// List returns the tokens ordered by id (cursor pagination as for
	// users).
	List(ctx context.Context, cursor string, limit int) (Page[RegistrationToken], error)
	// Revoke marks the token revoked at now; ErrNotFound when there is no
	// such token. Revoking a revoked token keeps the first time.
	Revoke(ctx context.Context, id string, now time.Time) error
	// MarkUsed records that the token registered a client at now.
	MarkUsed(ctx context.Context, id string, now time.Time) error
}
