package storage

import (
	"context"
	"time"
)

// PushedRequest is a pushed authorization request (RFC 9126): the
// authorization parameters a client sent to the PAR endpoint, kept until
// the browser brings its request_uri to /authorize once, or it expires.
type PushedRequest struct {
	// IDHash is the SHA-256 of the random part of the request_uri.
	IDHash    []byte
	ClientID  string
	Params    string // the authorization parameters, URL-encoded
	CreatedAt time.Time
	ExpiresAt time.Time
}

// PushedRequestStore keeps pushed authorization requests.
type PushedRequestStore interface {
	// Create stores r (IDHash, ClientID and ExpiresAt are required:
	// ErrInvalid; a zero CreatedAt is now).
	Create(ctx context.Context, r *PushedRequest) error
	// Take removes and returns the request pushed by clientID with
	// idHash, so that of parallel calls one wins. ErrNotFound when there
	// is none for that client (unknown, taken before, or another
	// client's, which stays) or it expired at now.
	Take(ctx context.Context, idHash []byte, clientID string, now time.Time) (PushedRequest, error)
	// DeleteExpired removes the requests expired at now.
	DeleteExpired(ctx context.Context, now time.Time) (int64, error)
}
