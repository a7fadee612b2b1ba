package storage

import (
	"context"
	"time"
)

// AuthRequest is one OpenID authorization request, from /authorize until
// its code is redeemed. It is bound to the browser that started it: the
// browser holds a random secret in a cookie, the store its SHA-256
// (BrowserHash).
type AuthRequest struct {
	ID                  string
	ClientID            string
	RedirectURI         string
	Scopes              []string
	ResponseType        string
	ResponseMode        string
	State               string
	Nonce               string
	CodeChallenge       string
	CodeChallengeMethod string
	Prompt              []string
	// MaxAge in seconds; nil when the request had no max_age.
	MaxAge      *int64
	LoginHint   string
	UILocales   []string
	BrowserHash []byte

	// ACRValues are the requested authentication context classes
	// (acr_values), e.g. ["mfa"].
	ACRValues []string

	// Set by Complete once the user authenticated (and consented).
	UserID    string
	SessionID string // the browser session (becomes sid)
	AuthTime  time.Time
	AMR       []string
	Done      bool

	CreatedAt time.Time
	ExpiresAt time.Time
}

// AuthRequestStore keeps authorization requests and their codes. A code is
// stored only as its SHA-256 and is claimed once, atomically: of any number
// of parallel redemptions on any replicas exactly one succeeds.
type AuthRequestStore interface {
	// Create stores r, filling an empty ID and a zero CreatedAt (now).
	// ClientID, RedirectURI and ExpiresAt are required (ErrInvalid);
	// ErrNotFound when the client (or a given UserID) does not exist.
	Create(ctx context.Context, r *AuthRequest) error
	// ByID returns the request (expired ones are ErrNotFound at now).
	ByID(ctx context.Context, id string, now time.Time) (AuthRequest, error)
	// Complete records who authenticated: user, session, auth time and
	// methods, and marks the request done. ErrInvalid without a user id
	// or auth time; ErrNotFound when the request or the user is gone.
	// Deleting the user later deletes the request.
	Complete(ctx context.Context, id, userID, sessionID string, authTime time.Time, amr []string) error
	// SaveCode attaches a code (its hash) that expires at expiresAt,
	// replacing an unused earlier code. ErrConflict once a code of the
	// request was claimed (a spent request never gets a fresh code);
	// ErrAlreadyExists when another request has this hash; ErrNotFound when
	// the request is gone.
	SaveCode(ctx context.Context, id string, codeHash []byte, expiresAt time.Time) error
	// CompleteWithCode is Complete and SaveCode in one statement, for the
	// login page that issues the code itself: a request not yet done
	// becomes done and holds the code (its hash, expiring at
	// codeExpiresAt) at once, or nothing happens. ErrInvalid without a
	// user id, auth time, hash or expiry; ErrNotFound when the request or
	// the user is gone; ErrConflict when the request is already done (so
	// of two parallel completions one wins); ErrAlreadyExists when
	// another request has this hash.
	CompleteWithCode(ctx context.Context, id, userID, sessionID string, authTime time.Time, amr []string, codeHash []byte, codeExpiresAt time.Time) error
	// ClaimCode marks the code used and returns its request. ErrNotFound
	// for an unknown code or an unused one that expired; ErrConflict (with
	// the request) when the code was already used, expired or not, so the
	// caller can revoke what it issued. The claim is one conditional
	// UPDATE: of parallel claims exactly one wins.
	ClaimCode(ctx context.Context, codeHash []byte, now time.Time) (AuthRequest, error)
	// ByCode is ClaimCode without the claim: the request of an unused,
	// unexpired code, with the same errors (ErrNotFound for an unknown or
	// expired unused code, ErrConflict with the request for a used one).
	// The token endpoint looks first and claims the code in the
	// transaction that stores the tokens it buys.
	ByCode(ctx context.Context, codeHash []byte, now time.Time) (AuthRequest, error)
	// Delete removes the request; a missing one is not an error.
	Delete(ctx context.Context, id string) error
	// DeleteExpired removes requests whose request and code have expired
	// at now and returns how many it removed. A claimed code stays until
	// then, so its reuse is recognized.
	DeleteExpired(ctx context.Context, now time.Time) (int64, error)
}
