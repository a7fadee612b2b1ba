package storage

import (
	"context"
	"time"
)

// Signing key states. A key is published in JWKS while next, active or
// retired; only the active key signs.
const (
	KeyNext    = "next"
	KeyActive  = "active"
	KeyRetired = "retired"
)

// SigningKey is a token signing key. The private key is stored encrypted
// (AES-GCM with a key derived from the instance key); the store never sees
// it in the clear.
type SigningKey struct {
	ID               string // kid
	Algorithm        string // RS256, ES256, EdDSA
	State            string
	PrivateEncrypted []byte
	PublicJWK        []byte // JSON
	CreatedAt        time.Time
	ActivatedAt      time.Time // zero until active
	RetiredAt        time.Time // zero until retired
	// PublishUntil: a retired key stays in JWKS until everything it signed
	// has expired.
	PublishUntil time.Time
}

// SigningKeyStore keeps signing keys.
type SigningKeyStore interface {
	// Create stores k, filling an empty ID, a zero CreatedAt (now) and, for
	// an active key, a zero ActivatedAt (CreatedAt). Algorithm, a known
	// State and both key parts are required, and a retired key needs
	// PublishUntil (ErrInvalid). ErrAlreadyExists when the id is taken.
	Create(ctx context.Context, k *SigningKey) error
	// List returns every key that is not yet deleted, newest first.
	List(ctx context.Context) ([]SigningKey, error)
	// SetState moves a key to state at now (filling ActivatedAt or
	// RetiredAt and, for retired, PublishUntil). Keys only move forward:
	// next to active, next or active to retired; any other move is
	// ErrConflict (ErrInvalid for an unknown state, for next, or for
	// retired without publishUntil). ErrNotFound when there is no such key.
	SetState(ctx context.Context, id, state string, now, publishUntil time.Time) error
	// DeleteUnpublished removes retired keys whose PublishUntil is at or
	// before now and returns how many it removed.
	DeleteUnpublished(ctx context.Context, now time.Time) (int64, error)
	// Reseal replaces the encrypted private key of key id with sealed,
	// provided it is still was (compare-and-set, for re-encryption under a
	// new instance key). ErrConflict when the row holds something else,
	// ErrNotFound when there is no such key.
	Reseal(ctx context.Context, id string, was, sealed []byte) error
}
