package storage

import (
	"context"
	"time"
)

// LogoutDelivery is one back-channel logout token (OpenID Connect
// Back-Channel Logout 1.0) waiting to be POSTed to a client's
// backchannel_logout_uri. The session store writes one for every client
// with a back-channel logout URI that received tokens in a browser session,
// in the same transaction that ends the session (Sessions().Delete and
// DeleteByUser; not the expiry sweep). The token is signed when sent.
type LogoutDelivery struct {
	ID        string // also the logout token's jti
	ClientID  string
	SessionID string // the sid claim
	UserID    string // the sub claim
	CreatedAt time.Time
	// NextAttemptAt is when a worker may try (again).
	NextAttemptAt time.Time
	Attempts      int    // failed attempts so far
	LastError     string // short, safe description of the last failure
	SentAt        time.Time
	AbandonedAt   time.Time
}

// LogoutDeliveryStore keeps logout deliveries until a worker on any replica
// sends them. Delivery is at least once, with leases as for OutboxStore.
type LogoutDeliveryStore interface {
	// ClaimDue leases up to limit deliveries neither sent nor abandoned
	// and due at now, pushing NextAttemptAt to now+lease, so that parallel
	// workers on any replica never get the same one (as
	// OutboxStore.ClaimDue). lease must be positive (ErrInvalid).
	ClaimDue(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]LogoutDelivery, error)
	// MarkSent records a delivery; ErrNotFound when there is no such row.
	MarkSent(ctx context.Context, id string, now time.Time) error
	// MarkFailed records a failed attempt (Attempts+1, LastError, next
	// attempt time); with abandon set it is given up at now. ErrNotFound
	// when unknown; ErrConflict when already sent or abandoned.
	MarkFailed(ctx context.Context, id string, now, next time.Time, lastError string, abandon bool) error
	// ListBySession returns the deliveries of one session, oldest first.
	ListBySession(ctx context.Context, sessionID string) ([]LogoutDelivery, error)
	// DeleteDoneBefore removes deliveries sent or abandoned before t.
	DeleteDoneBefore(ctx context.Context, t time.Time) (int64, error)
}
