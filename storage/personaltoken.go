package storage

import (
	"context"
	"time"
)

// PersonalToken is a user's personal API token. The user holds the token
// text once; the store keeps only its SHA-256 (TokenHash).
type PersonalToken struct {
	ID         string
	UserID     string
	Name       string
	TokenHash  []byte // SHA-256 of the token text; unique
	Scopes     []string
	CreatedAt  time.Time
	ExpiresAt  time.Time
	LastUsedAt time.Time // zero until first used
	LastUsedIP string
	RevokedAt  time.Time // zero while not revoked
}

// Live reports whether the token still works at now.
func (t PersonalToken) Live(now time.Time) bool {
	return t.RevokedAt.IsZero() && now.Before(t.ExpiresAt)
}

// PersonalTokenStore keeps personal API tokens. Tokens go with their user.
type PersonalTokenStore interface {
	// Create stores t, filling an empty ID and a zero CreatedAt (now).
	// UserID, Name, TokenHash and ExpiresAt are required (ErrInvalid);
	// ErrNotFound when the user does not exist, ErrAlreadyExists for a
	// taken id or hash.
	Create(ctx context.Context, t *PersonalToken) error
	// ByHash returns the token, revoked or expired or not; ErrNotFound
	// when unknown. Never cached: a revocation counts at once everywhere.
	ByHash(ctx context.Context, hash []byte) (PersonalToken, error)
	// ListByUser returns the user's tokens that are not revoked, newest
	// first (expired ones included until swept).
	ListByUser(ctx context.Context, userID string) ([]PersonalToken, error)
	// Revoke revokes the user's token id (keeping the first RevokedAt);
	// ErrNotFound when the user has no such token.
	Revoke(ctx context.Context, userID, id string, now time.Time) error
	// RevokeByUser revokes every token of the user and returns how many
	// it revoked.
	RevokeByUser(ctx context.Context, userID string, now time.Time) (int64, error)
	// Touch records a use from ip at now, unless the last recorded use is
	// less than minGap before now (so a busy token writes at most once per
	// minGap). It reports whether it wrote.
	Touch(ctx context.Context, id, ip string, now time.Time, minGap time.Duration) (bool, error)
	// DeleteExpired removes tokens expired or revoked before now and
	// returns how many it removed.
	DeleteExpired(ctx context.Context, now time.Time) (int64, error)
}

// DeviceStore remembers the browsers (a long-lived random cookie, kept as
// its SHA-256) each user has signed in with, for "new sign-in" letters.
type DeviceStore interface {
	// Remember records that the user signed in with the device at now. It
	// reports whether the device was known before and how many other
	// devices the user had. ErrNotFound when the user does not exist.
	Remember(ctx context.Context, userID string, deviceHash []byte, now time.Time) (known bool, others int, err error)
	// DeleteUnseenSince forgets devices not seen since before and returns
	// how many it forgot.
	DeleteUnseenSince(ctx context.Context, before time.Time) (int64, error)
}
