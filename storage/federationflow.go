package storage

import (
	"context"
	"time"
)

// Purposes of federation flows.
const (
	FlowSignIn = "login"  // sign in (or sign up) through the upstream
	FlowSignUp = "signup" // started from the registration page after its captcha
	FlowLink   = "link"   // link the upstream identity to the signed-in user
	// FlowSignUpGrant is not a flow to an upstream: it marks a browser
	// that solved the registration page's captcha, so it may start a
	// FlowSignUp. Provider is empty.
	FlowSignUpGrant = "signup_grant"
	// FlowSignUpPending is not a flow to an upstream either: an upstream
	// sign-in that would create a user, held (Identity) until the browser
	// that made it has solved the captcha and given the registration
	// fields the instance requires.
	FlowSignUpPending = "signup_pending"
)

// FederationFlow is one sign-in at an upstream identity provider in
// progress. ID is the SHA-256 (hex) of the random state sent to the
// upstream; the state itself is never stored. A flow is bound to the
// browser that started it (BrowserHash, the SHA-256 of its binding
// cookie) and is used once.
type FederationFlow struct {
	ID            string
	Provider      string
	Purpose       string // FlowSignIn, FlowSignUp, FlowLink, FlowSignUpGrant or FlowSignUpPending
	BrowserHash   []byte
	Nonce         string
	PKCEVerifier  string
	SessionID     string // FlowLink: the session that started it
	UserID        string // FlowLink: the user to link to
	AuthRequestID string // the application sign-in to finish, if any
	// Identity is FlowSignUpPending's verified upstream identity, encoded
	// by its owner (internal/federation); empty otherwise.
	Identity  string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// FederationFlowStore keeps federation flows.
type FederationFlowStore interface {
	// Create stores f, filling a zero CreatedAt (now). ID, Purpose,
	// BrowserHash and ExpiresAt are required (ErrInvalid);
	// ErrAlreadyExists when the id is taken.
	Create(ctx context.Context, f *FederationFlow) error
	// Take removes and returns the flow, atomically: of parallel calls on
	// any replica exactly one gets it. ErrNotFound when unknown, already
	// taken or expired at now (an expired flow is removed all the same).
	Take(ctx context.Context, id string, now time.Time) (FederationFlow, error)
	// Get returns the flow without using it up. ErrNotFound when unknown,
	// taken or expired at now.
	Get(ctx context.Context, id string, now time.Time) (FederationFlow, error)
	// DeleteExpired removes flows expired at now (ExpiresAt <= now).
	DeleteExpired(ctx context.Context, now time.Time) (int64, error)
}
