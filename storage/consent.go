package storage

import (
	"context"
	"time"
)

// Consent records that a user granted a client some scopes.
type Consent struct {
	UserID    string
	ClientID  string
	Scopes    []string
	GrantedAt time.Time
}

// ConsentStore keeps consents, one row per user and client.
type ConsentStore interface {
	// Get returns the consent, or ErrNotFound.
	Get(ctx context.Context, userID, clientID string) (Consent, error)
	// Grant adds scopes to the user's consent for the client, creating it
	// when missing: earlier scopes stay first, new ones follow in order,
	// no duplicates; GrantedAt becomes now. Parallel grants all count.
	// ErrNotFound when the user or client does not exist.
	Grant(ctx context.Context, userID, clientID string, scopes []string, now time.Time) error
	// Revoke removes the consent; a missing one is not an error.
	Revoke(ctx context.Context, userID, clientID string) error
	// ListByUser returns the user's consents, most recently granted first.
	ListByUser(ctx context.Context, userID string) ([]Consent, error)
}
