package storage

import (
	"context"
	"time"
)

// Identity links a user to an account at an external identity provider.
// Identities are keyed by (Provider, Subject), never by email.
type Identity struct {
	ID         string
	UserID     string
	Provider   string // the configured upstream's name
	Subject    string // the upstream's stable user id ("sub")
	Email      string // as the upstream last reported it; informational
	CreatedAt  time.Time
	LastUsedAt time.Time // zero until the first sign-in through it
}

// IdentityStore keeps identities.
type IdentityStore interface {
	// Create stores id, filling in an empty ID and a zero CreatedAt.
	// ErrAlreadyExists when (Provider, Subject) is linked already;
	// ErrNotFound when the user does not exist.
	Create(ctx context.Context, id *Identity) error
	// ByProviderSubject returns the identity, or ErrNotFound.
	ByProviderSubject(ctx context.Context, provider, subject string) (Identity, error)
	// ListByUser returns the user's identities, oldest first.
	ListByUser(ctx context.Context, userID string) ([]Identity, error)
	// Delete removes the identity, or returns ErrNotFound.
	Delete(ctx context.Context, id string) error
	// Touch records a sign-in through the identity at time at.
	// ErrNotFound when it does not exist.
	Touch(ctx context.Context, id string, at time.Time) error
}
