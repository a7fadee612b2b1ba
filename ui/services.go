package ui

import (
	"context"
	"errors"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

// Accounts is what the sign-in pages need from the account rules
// (internal/account). The server passes an adapter over *account.Service.
type Accounts interface {
	// Authenticate checks a login (email or username) and password. Its
	// errors are sorted by Options.ClassifySignInError.
	Authenticate(ctx context.Context, login, password, clientIP string) (storage.User, error)
	// StartSession opens a new browser session and returns the cookie
	// secret for it. persistent is "remember me"; amr lists the methods
	// used (RFC 8176), e.g. ["pwd"].
	StartSession(ctx context.Context, userID string, persistent bool, amr []string,
		userAgent, ip string) (cookieSecret string, s storage.BrowserSession, err error)
	// SessionFromCookie returns the live session the cookie secret names
	// and its (active) user. "No such session" must classify as
	// SignInNoSession; any other error is a failure, not "signed out".
	SessionFromCookie(ctx context.Context, secret string) (storage.BrowserSession, storage.User, error)
	// EndSession ends one session; ending one that is gone is no error.
	EndSession(ctx context.Context, sessionID string) error
}

// AuthRequestView is what the pages need to know about one OpenID
// authorization request.
type AuthRequestView struct {
	ID         string
	ClientID   string
	ClientName string // shown to the user; the client id when empty
	FirstParty bool   // never asks for consent
	Scopes     []string
	// Prompt holds the prompt values (none, login, consent,
	// select_account); space-separated entries are split.
	Prompt []string
	// MaxAge in seconds; nil when the request had none.
	MaxAge    *int64
	LoginHint string
	// BrowserHash is the SHA-256 of the browser-binding cookie value the
	// request was started with (see BrowserBindingMiddleware).
	BrowserHash []byte
	// CreatedAt is when /authorize created the request; a sign-in before
	// it does not satisfy prompt=login.
	CreatedAt time.Time
	// RedirectURI is where the client gets its answer. The pages' CSP
	// form-action must allow its origin: browsers apply form-action to
	// the redirects that follow a form submission.
	RedirectURI string
	// ACRValues are the requested acr values; "mfa" asks for a second
	// factor (mfa.go).
	ACRValues []string
	// RequireMFA: the client requires a second factor.
	RequireMFA bool
}

// ErrScopeNotAllowed: the authorization request asks for a scope the
// signed-in user may not have; the client gets invalid_scope.
var ErrScopeNotAllowed = errors.New("ui: scope not allowed for this user")

// ErrNoAccess: the application admits only some groups and the signed-in
// user is in none of them; the pages explain it and the client gets
// access_denied.
var ErrNoAccess = errors.New("ui: the user has no access to this application")

// AuthRequests is what the pages need from the OpenID Provider. The server
// passes an adapter: package ui never imports package op.
type AuthRequests interface {
	// Get returns the request; an error wrapping storage.ErrNotFound when
	// it is unknown or expired.
	Get(ctx context.Context, id string) (AuthRequestView, error)
	// Complete records who signed in, marks the request done and returns
	// where the browser goes next: the application's redirect URI with
	// the code, or the provider's /authorize/callback?id=... where the
	// provider answers itself (a form_post response). An error wrapping
	// storage.ErrNotFound when the request is gone, ErrScopeNotAllowed
	// when it asks for a scope the user may not have, ErrNoAccess when
	// the application does not admit the user.
	Complete(ctx context.Context, id, userID, sessionID string, authTime time.Time, amr []string) (string, error)
	// ErrorURL is the client's redirect URI carrying the OAuth error
	// (login_required, consent_required, access_denied, invalid_scope)
	// and its state.
	ErrorURL(ctx context.Context, id string, oauthError string) (string, error)
}

// Consents remembers which scopes a user granted a client.
type Consents interface {
	// Has reports whether the user granted the client every one of scopes.
	Has(ctx context.Context, userID, clientID string, scopes []string) (bool, error)
	// Grant adds scopes to the user's consent for the client.
	Grant(ctx context.Context, userID, clientID string, scopes []string) error
}

// SignInProblemKind sorts the errors of Accounts. The zero value is
// SignInInternal, so an error the classifier does not know fails closed.
type SignInProblemKind int

// Kinds of sign-in problem.
const (
	// SignInInternal: a failure (database down, bug): the 500 page.
	SignInInternal SignInProblemKind = iota
	// SignInInvalidCredentials: unknown login or wrong password, told
	// apart from nothing.
	SignInInvalidCredentials
	// SignInThrottled: too many attempts; RetryAfter says how long.
	SignInThrottled
	// SignInNotVerified: right password, email address not confirmed.
	SignInNotVerified
	// SignInPendingApproval: right password, waiting for an administrator.
	SignInPendingApproval
	// SignInBlocked: right password, the account is blocked.
	SignInBlocked
	// SignInRejected: right password, registration refused.
	SignInRejected
	// SignInNoSession: the session cookie names no live session of an
	// active user (SessionFromCookie only).
	SignInNoSession
	// SignInTemporaryUsed: the password was an emailed temporary password
	// that was used already.
	SignInTemporaryUsed
	// SignInTemporaryExpired: the password was an emailed temporary
	// password that expired.
	SignInTemporaryExpired
)

// SignInProblem is what Options.ClassifySignInError makes of an error.
type SignInProblem struct {
	Kind SignInProblemKind
	// RetryAfter bounds the wait for SignInThrottled; zero when unknown.
	RetryAfter time.Duration
}

// OAuth error codes the pages send back to clients through ErrorURL.
const (
	oauthLoginRequired   = "login_required"
	oauthConsentRequired = "consent_required"
	oauthAccessDenied    = "access_denied"
	oauthInvalidScope    = "invalid_scope"
)
