package storage

import (
	"context"
	"time"
)

// States of a device authorization (RFC 8628).
const (
	DevicePending  = "pending"  // waiting for the user on /device
	DeviceApproved = "approved" // the user approved; the next poll gets tokens
	DeviceDenied   = "denied"   // the user denied; polls get access_denied
	DeviceConsumed = "consumed" // tokens were issued once; the code is spent
)

// DeviceAuthorization is one device authorization request: the device
// polls with the device code, the user enters the user code on /device.
// Both codes are kept as SHA-256 hashes (the user code normalized: upper
// case, no dash).
type DeviceAuthorization struct {
	ID             string
	ClientID       string
	DeviceCodeHash []byte
	UserCodeHash   []byte
	Scopes         []string
	State          string
	UserID         string    // set when decided
	AuthTime       time.Time // the approving user's sign-in time
	AMR            []string
	CreatedAt      time.Time
	ExpiresAt      time.Time
	LastPollAt     time.Time // zero until the first poll
}

// DeviceAuthorizationStore keeps device authorizations.
type DeviceAuthorizationStore interface {
	// Create stores d (State pending), filling an empty ID and a zero
	// CreatedAt. ErrAlreadyExists when a code hash is taken (the caller
	// draws a new user code); ErrNotFound when the client does not exist.
	Create(ctx context.Context, d *DeviceAuthorization) error
	// ByUserCode returns the authorization with this user code hash.
	// ErrNotFound when unknown.
	ByUserCode(ctx context.Context, hash []byte) (DeviceAuthorization, error)
	// Decide approves or denies a pending authorization not expired at now,
	// for userID, atomically: of parallel calls one wins, the others get
	// ErrConflict (as does a decided or expired one); ErrNotFound when
	// unknown.
	Decide(ctx context.Context, id string, approve bool, userID string, authTime time.Time, amr []string, now time.Time) error
	// Poll records a poll of clientID with this device code hash at now
	// and returns the authorization. An approved one comes back approved
	// exactly once (the store moves it to consumed in the same statement,
	// so of parallel polls on any replica one gets tokens). tooFast is
	// true, with nothing changed, when the previous poll was less than
	// interval ago. ErrNotFound when unknown or of another client.
	Poll(ctx context.Context, clientID string, hash []byte, now time.Time, interval time.Duration) (d DeviceAuthorization, tooFast bool, err error)
	// DeleteExpired removes authorizations expired before now.
	DeleteExpired(ctx context.Context, now time.Time) (int64, error)
}
