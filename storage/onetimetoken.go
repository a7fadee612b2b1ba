package storage

import (
	"context"
	"time"
)

// Purposes of one-time tokens.
const (
	PurposeVerifyEmail       = "verify_email"       // confirm the address given at registration
	PurposeActivate          = "activate"           // shape B: confirm, then set a password
	PurposeResetPassword     = "reset_password"     // reset "link" style: a page to set a new password
	PurposeResetGenerated    = "reset_generated"    // reset "generated" style: confirm, then see a generated password
	PurposeTemporaryPassword = "temporary_password" // reset "temporary" style: the hash of an emailed password
	PurposeChangeEmail       = "change_email"       // confirm a new address from the account page
)

// OneTimeToken is a link token sent by mail. The link holds 128+ random
// bits; the store keeps their SHA-256. A token is bound to one user, one
// address and one purpose, expires, is used once, and a newer token of the
// same user and purpose voids the older ones. Deleting the user deletes
// their tokens. The store does not compare Email with the user's current
// address: the caller does, after Consume.
type OneTimeToken struct {
	ID        string
	UserID    string
	Purpose   string
	TokenHash []byte
	Email     string // the address the link was sent to
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time // zero until consumed
}

// OneTimeTokenStore keeps one-time tokens.
type OneTimeTokenStore interface {
	// Issue stores t and voids (deletes) every other unused token of the
	// same user and purpose, in one transaction; parallel Issues for one
	// user and purpose leave exactly one unused token. It fills an empty
	// ID and a zero CreatedAt (now). UserID, Purpose, TokenHash and
	// ExpiresAt are required (ErrInvalid). ErrNotFound when the user does
	// not exist; ErrAlreadyExists when the hash (or id) is taken.
	Issue(ctx context.Context, t *OneTimeToken) error
	// Peek returns the token with this hash for purpose without consuming
	// it (the GET that shows the confirm button). ErrNotFound when unknown
	// or of another purpose; the caller checks UsedAt and ExpiresAt to
	// explain which.
	Peek(ctx context.Context, purpose string, hash []byte) (OneTimeToken, error)
	// Consume marks the token used at now, atomically: of any number of
	// parallel calls on any replica exactly one succeeds. ErrNotFound when
	// unknown, of another purpose or expired at now (ExpiresAt <= now);
	// ErrConflict when already used, returned with the token (so the
	// caller can tell "already confirmed" from a bad link).
	Consume(ctx context.Context, purpose string, hash []byte, now time.Time) (OneTimeToken, error)
	// DeleteByUser removes the user's tokens of purpose (all when empty).
	DeleteByUser(ctx context.Context, userID, purpose string) error
	// DeleteExpired removes tokens, used or not, expired at now
	// (ExpiresAt <= now).
	DeleteExpired(ctx context.Context, now time.Time) (int64, error)
}
