package storage

import (
	"context"
	"time"
)

// Invitation lets one address register, already verified, while the
// registration mode is invite (or skip approval in audit mode). The link
// holds 128+ random bits; the store keeps their SHA-256. An invitation is
// single-use, expires and can be revoked.
type Invitation struct {
	ID        string
	Email     string
	TokenHash []byte
	// Groups are the names of the groups joined on sign-up.
	Groups    []string
	CreatedBy string // actor that invited
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time // zero until used
	UserID    string    // the user it registered, once used
	RevokedAt time.Time // zero unless revoked
}

// InvitationStore keeps invitations.
type InvitationStore interface {
	// Create stores inv, filling an empty ID and a zero CreatedAt. Email,
	// TokenHash and ExpiresAt are required (ErrInvalid); ErrAlreadyExists
	// when the hash is taken.
	Create(ctx context.Context, inv *Invitation) error
	// ByID returns the invitation, or ErrNotFound.
	ByID(ctx context.Context, id string) (Invitation, error)
	// ByTokenHash returns the invitation with this hash, used or not, or
	// ErrNotFound.
	ByTokenHash(ctx context.Context, hash []byte) (Invitation, error)
	// Consume marks the invitation used by userID at now, atomically: of
	// parallel calls exactly one succeeds. ErrNotFound when unknown,
	// revoked or expired at now; ErrConflict when already used.
	Consume(ctx context.Context, hash []byte, userID string, now time.Time) (Invitation, error)
	// List returns invitations newest first (cursor pagination).
	List(ctx context.Context, cursor string, limit int) (Page[Invitation], error)
	// Revoke marks an unused invitation revoked at now. ErrNotFound when
	// unknown; ErrConflict when already used or revoked.
	Revoke(ctx context.Context, id string, now time.Time) error
}
