package storage

import (
	"context"
	"time"
)

// Passkey is a WebAuthn credential of a user (issue 15). Credential is the
// relying-party library's record of it (public key, flags, transports) as
// opaque JSON; the columns beside it are what the store queries and
// checks.
type Passkey struct {
	ID           string
	UserID       string
	CredentialID []byte // the authenticator's credential id; unique
	Name         string // given by the user
	Credential   []byte // JSON of the library's credential record
	// SignCount is the authenticator's signature counter at the last use;
	// zero for authenticators that keep none.
	SignCount  int64
	Synced     bool // backup eligible: a synced (software) passkey
	CreatedAt  time.Time
	LastUsedAt time.Time // zero: never used to sign in
}

// PasskeyChallenge is a WebAuthn ceremony in progress: its challenge is
// single-use, bound to the browser that asked for it (BrowserHash, the
// SHA-256 of the browser-binding cookie) and expires.
type PasskeyChallenge struct {
	// ID is the SHA-256 of the challenge (hex); the challenge itself
	// comes back inside the browser's clientDataJSON.
	ID          string
	Purpose     string // "register", "signin", "second_step"
	UserID      string // empty for a discoverable sign-in
	BrowserHash []byte
	Session     []byte // JSON of the library's ceremony state
	ExpiresAt   time.Time
}

// PasskeyStore keeps passkeys and ceremony challenges. Deleting the user
// deletes their passkeys and challenges.
type PasskeyStore interface {
	// Create stores p, filling an empty ID and a zero CreatedAt.
	// ErrAlreadyExists when the credential id is registered already;
	// ErrNotFound when the user does not exist.
	Create(ctx context.Context, p *Passkey) error
	// ListByUser returns the user's passkeys, oldest first.
	ListByUser(ctx context.Context, userID string) ([]Passkey, error)
	// ByCredentialID returns the passkey with this credential id, or
	// ErrNotFound.
	ByCredentialID(ctx context.Context, credentialID []byte) (Passkey, error)
	// CountByUser counts the user's passkeys.
	CountByUser(ctx context.Context, userID string) (int, error)
	// Rename sets the name of the user's passkey; ErrNotFound when the
	// user has no passkey with this id.
	Rename(ctx context.Context, userID, id, name string) error
	// Delete removes the user's passkey; ErrNotFound when there is none.
	Delete(ctx context.Context, userID, id string) error
	// RecordUse stores the counter and record of a sign-in, in one
	// conditional UPDATE: only when the stored counter is below count, or
	// both are zero (an authenticator without a counter). ErrConflict
	// otherwise (a counter that did not move forward: a replay or a
	// clone); ErrNotFound when the passkey is gone.
	RecordUse(ctx context.Context, id string, count int64, credential []byte, now time.Time) error
	// SaveChallenge stores a ceremony in progress.
	SaveChallenge(ctx context.Context, ch PasskeyChallenge) error
	// TakeChallenge removes and returns the live challenge with this id,
	// purpose and browser hash, in one DELETE ... RETURNING: of parallel
	// calls exactly one gets it. ErrNotFound when there is none (never
	// stored, used, expired, or another browser's).
	TakeChallenge(ctx context.Context, id, purpose string, browserHash []byte, now time.Time) (PasskeyChallenge, error)
	// DeleteExpiredChallenges removes challenges expired at now.
	DeleteExpiredChallenges(ctx context.Context, now time.Time) (int64, error)
}
