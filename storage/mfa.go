package storage

import (
	"context"
	"time"
)

// TOTP is a user's authenticator app (RFC 6238). The secret is stored
// encrypted (SecretEnc); the store never sees it in clear. An enrolment is
// pending (Confirmed false) until the user proves it with a valid code.
type TOTP struct {
	UserID    string
	SecretEnc []byte
	Confirmed bool
	// LastStep is the time step of the last code accepted; a code of this
	// step or an earlier one is never accepted again.
	LastStep    int64
	CreatedAt   time.Time
	ConfirmedAt time.Time // zero while pending
}

// MFAStore keeps second factors: one TOTP authenticator per user and the
// user's recovery codes (their SHA-256 only). Deleting the user deletes
// them.
type MFAStore interface {
	// TOTP returns the user's authenticator, confirmed or pending, or
	// ErrNotFound.
	TOTP(ctx context.Context, userID string) (TOTP, error)
	// BeginTOTP stores a pending enrolment, replacing a pending one; a
	// confirmed authenticator is left alone (ErrAlreadyExists). It fills a
	// zero CreatedAt (now). ErrNotFound when the user does not exist.
	BeginTOTP(ctx context.Context, t *TOTP) error
	// ConfirmTOTP turns the user's pending enrolment on, recording step as
	// the last step used, in one conditional UPDATE. ErrNotFound when
	// there is no pending enrolment (none, or already confirmed).
	ConfirmTOTP(ctx context.Context, userID string, step int64, now time.Time) error
	// UseTOTPStep records step as used, provided it is later than the last
	// step used: one conditional UPDATE, so of parallel calls with one
	// step exactly one succeeds. ErrConflict when the step (or a later
	// one) was used already; ErrNotFound without a confirmed authenticator.
	UseTOTPStep(ctx context.Context, userID string, step int64) error
	// DeleteTOTP removes the user's authenticator; a missing one is no
	// error. It reports whether there was a confirmed one.
	DeleteTOTP(ctx context.Context, userID string) (bool, error)
	// ReplaceRecoveryCodes voids every recovery code of the user and
	// stores hashes as the new ones, in one transaction.
	ReplaceRecoveryCodes(ctx context.Context, userID string, hashes [][]byte, now time.Time) error
	// UseRecoveryCode marks the user's unused code with this hash used, in
	// one conditional UPDATE (of parallel calls exactly one succeeds), and
	// returns how many unused codes are left. ErrNotFound when the user
	// has no unused code with this hash.
	UseRecoveryCode(ctx context.Context, userID string, hash []byte, now time.Time) (int, error)
	// RecoveryCodesLeft counts the user's unused recovery codes.
	RecoveryCodesLeft(ctx context.Context, userID string) (int, error)
	// DeleteRecoveryCodes removes every recovery code of the user.
	DeleteRecoveryCodes(ctx context.Context, userID string) error
	// TOTPAfter returns up to limit authenticators, confirmed or pending,
	// of users whose id sorts after afterUserID ("" for the first page), in
	// user id order (for re-encryption under a new instance key).
	TOTPAfter(ctx context.Context, afterUserID string, limit int) ([]TOTP, error)
	// ResealTOTP replaces the user's encrypted secret with sealed, provided
	// it is still was (compare-and-set). ErrConflict when the row holds
	// something else, ErrNotFound when the user has no authenticator.
	ResealTOTP(ctx context.Context, userID string, was, sealed []byte) error
}
