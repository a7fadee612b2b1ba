package adminapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/storage"
)

// Prefix is where the API lives.
const Prefix = "/api/v1"

// Scope is the OAuth scope every management call needs.
const Scope = "gatehouse:admin"

// ErrBadToken: the bearer token is unknown, expired, revoked or malformed.
var ErrBadToken = errors.New("adminapi: bad token")

// Caller is who presented a verified bearer token.
type Caller struct {
	TokenID  string
	ClientID string
	UserID   string // empty for a service client (client credentials)
	Scopes   []string
	// Admin: the user has role admin, or the client is an admin client.
	Admin bool
	// Personal: the token is a personal API token (ClientID is then
	// PersonalTokenClient). It may not mint credentials (client creation
	// and secret rotation are refused).
	Personal bool
}

// PersonalTokenClient is the ClientID of a Caller with a personal token.
const PersonalTokenClient = "personal-token"

// Actor is how the audit log names the caller: the user id, or
// "client:<id>" for a service client.
func (c Caller) Actor() string {
	if c.UserID != "" {
		return c.UserID
	}
	return "client:" + c.ClientID
}

// MaySetRole: only administrator users change roles; service clients do
// not (SECURITY 50).
func (c Caller) MaySetRole() bool { return c.UserID != "" && c.Admin }

func (c Caller) hasScope(s string) bool {
	for _, x := range c.Scopes {
		if x == s {
			return true
		}
	}
	return false
}

// Verifier checks bearer tokens (the server wires op.Provider).
type Verifier interface {
	// Verify returns the caller of a live token, an error wrapping
	// ErrBadToken for a bad one, or another error when the check failed.
	Verify(ctx context.Context, token string) (Caller, error)
}

// Accounts is the account layer (*account.Registrar).
type Accounts interface {
	User(ctx context.Context, id string) (storage.User, error)
	ListUsers(ctx context.Context, f storage.UserFilter) (storage.Page[storage.User], error)
	CreateUserByAdmin(ctx context.Context, in account.AdminNewUser, actorID string, maySetRole bool) (storage.User, error)
	UpdateUserByAdmin(ctx context.Context, id string, in account.AdminUserUpdate, actorID string, maySetRole bool) (storage.User, error)
	DeleteUser(ctx context.Context, id, actorID string) error
	Approve(ctx context.Context, id, actorID string) (storage.User, error)
	Reject(ctx context.Context, id, actorID, reason string) (storage.User, error)
	Block(ctx context.Context, id, actorID string) (storage.User, error)
	Unblock(ctx context.Context, id, actorID string) (storage.User, error)
	SendPasswordReset(ctx context.Context, id, actorID string) error
	AdminResendVerification(ctx context.Context, id, actorID string) error
	UserSessions(ctx context.Context, id string) ([]storage.BrowserSession, error)
	EndUserSessions(ctx context.Context, id, actorID string) error
	Identities(ctx context.Context, id string) ([]storage.Identity, error)
	AdminUnlinkIdentity(ctx context.Context, id, identityID, actorID string) error
	AuditEvents(ctx context.Context, f storage.AuditFilter) (storage.Page[storage.AuditEvent], error)
	AdminAudit(ctx context.Context, e storage.AuditEvent) error
	Settings(ctx context.Context) (account.RegistrationSettings, error)
	SaveSettingsByAdmin(ctx context.Context, rs account.RegistrationSettings, actorID string) error
	SessionSettings(ctx context.Context) (account.SessionLifetimes, error)
	SaveSessionSettingsByAdmin(ctx context.Context, l account.SessionLifetimes, actorID string) error
	// UserMFA reports whether the user has two-step verification on;
	// ResetMFA turns it off (account.ErrMFANotEnabled when it was off).
	UserMFA(ctx context.Context, id string) (bool, error)
	ResetMFA(ctx context.Context, id, actorID string) error
	ConsoleSettings(ctx context.Context) (account.ConsoleSettings, error)
	SaveConsoleSettingsByAdmin(ctx context.Context, cs account.ConsoleSettings, actorID string) error
	// OAuth protocol switches (issue 18).
	ProtocolSettings(ctx context.Context) (account.ProtocolSettings, error)
	SaveProtocolSettingsByAdmin(ctx context.Context, ps account.ProtocolSettings, actorID string) error
	PersonalTokens(ctx context.Context, userID string) ([]storage.PersonalToken, error)
	RevokePersonalToken(ctx context.Context, userID, tokenID, actorID, ip string) error
	// UserPasskeys lists the user's passkeys; RemovePasskey removes one
	// (audited with the actor, mailed; account.ErrLastSignInMethod for
	// the last one of a user without a password).
	UserPasskeys(ctx context.Context, id string) ([]storage.Passkey, error)
	RemovePasskey(ctx context.Context, id, passkeyID, actorID string) error
}

// Clients manages OAuth clients with the registration rules of the CLI;
// every change drops the client from the provider's cache and is written
// to the audit log with actorID (the console shares the implementation).
// Rule violations wrap ErrInvalidInput.
type Clients interface {
	List(ctx context.Context, cursor string, limit int) (storage.Page[storage.Client], error)
	Get(ctx context.Context, id string) (storage.Client, error)
	// Create hashes secret (ignored for public clients) and stores c.
	Create(ctx context.Context, actorID string, c storage.Client, secret string) error
	// Update stores c, keeping its SecretHash.
	Update(ctx context.Context, actorID string, c storage.Client) error
	// SetSecret replaces the client's secret.
	SetSecret(ctx context.Context, actorID, id, secret string) error
	Delete(ctx context.Context, actorID, id string) error
	// NewSecret returns a fresh random secret.
	NewSecret() string
	// DefaultGrantTypes and DefaultScopes are what a client registered
	// without them gets (the same as `gatehouse clients create`).
	DefaultGrantTypes() []string
	DefaultScopes(grantTypes []string) []string
}

// Deps are what the API needs.
type Deps struct {
	Verifier Verifier
	Accounts Accounts
	Clients  Clients
	// Access manages groups, invitations and imports.
	Access Access
	// RegistrationTokens, when set, adds /registration-tokens
	// (registration_tokens.go).
	RegistrationTokens RegistrationTokens
	// Branding, when set, adds the branding routes' service (branding.go);
	// without it they answer 404.
	Branding Branding
	Logger   *slog.Logger
}

// API is the management REST API.
type API struct {
	verifier Verifier
	accounts Accounts
	clients  Clients
	access   Access
	// regTokens: initial access tokens (registration_tokens.go); may be nil.
	regTokens RegistrationTokens
	branding  Branding
	log       *slog.Logger
	seenMu    sync.Mutex
	seen      map[string]struct{} // token ids already audited as admin sign-ins
}

// New returns the API over deps.
func New(deps Deps) (*API, error) {
	if deps.Verifier == nil || deps.Accounts == nil || deps.Clients == nil || deps.Access == nil {
		return nil, errors.New("adminapi: New needs a verifier, accounts, clients and access")
	}
	if deps.Logger == nil {
		deps.Logger = slog.Default()
	}
	return &API{verifier: deps.Verifier, accounts: deps.Accounts, clients: deps.Clients, access: deps.Access, branding: deps.Branding, log: deps.Logger,
		regTokens: deps.RegistrationTokens,
		seen:      map[string]struct{}{}}, nil
}

// Register adds every route under Prefix to r.
func (a *API) Register(r gin.IRouter) {
	g := r.Group(Prefix)
	g.GET("/openapi.json", a.openAPI)
	authed := g.Group("", a.authenticate)
	for _, rt := range a.routes() {
		authed.Handle(rt.Method, rt.Path, rt.Handler)
	}
}

// caller returns the verified caller of the request.
func caller(c *gin.Context) Caller {
	v, _ := c.Get("adminapi.caller")
	cl, _ := v.(Caller)
	return cl
}

// authenticate admits only bearer tokens with the admin scope of an admin
// user or admin client: 401 without a good token, 403 without the scope or
// role.
func (a *API) authenticate(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	h := c.GetHeader("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		c.Header("WWW-Authenticate", `Bearer scope="`+Scope+`"`)
		writeProblem(c, http.StatusUnauthorized, ProblemUnauthorized, "a bearer access token is required")
		return
	}
	c.Request = c.Request.WithContext(account.WithClientIP(c.Request.Context(), c.ClientIP()))
	cl, err := a.verifier.Verify(c.Request.Context(), strings.TrimSpace(token))
	if errors.Is(err, ErrBadToken) {
		c.Header("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeProblem(c, http.StatusUnauthorized, ProblemUnauthorized, "the access token is not valid")
		return
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	if !cl.hasScope(Scope) || !cl.Admin {
		c.Header("WWW-Authenticate", `Bearer error="insufficient_scope", scope="`+Scope+`"`)
		writeProblem(c, http.StatusForbidden, ProblemForbidden, "the token lacks the "+Scope+" scope or administrator role")
		return
	}
	c.Set("adminapi.caller", cl)
	a.auditFirstUse(c, cl)
	c.Next()
}

// EventAdminAPISignIn is audited the first time this replica sees an
// admin token (the API's "admin sign-in").
const EventAdminAPISignIn = "admin.api.signin"

// auditFirstUse records an admin token's first use on this replica.
func (a *API) auditFirstUse(c *gin.Context, cl Caller) {
	a.seenMu.Lock()
	_, done := a.seen[cl.TokenID]
	if !done {
		if len(a.seen) > 10000 {
			a.seen = map[string]struct{}{}
		}
		a.seen[cl.TokenID] = struct{}{}
	}
	a.seenMu.Unlock()
	if done {
		return
	}
	e := storage.AuditEvent{Type: EventAdminAPISignIn, ActorID: cl.Actor(), UserID: cl.UserID, IP: c.ClientIP(),
		Details: map[string]string{"client_id": cl.ClientID}}
	if err := a.accounts.AdminAudit(c.Request.Context(), e); err != nil {
		a.log.WarnContext(c.Request.Context(), "audit admin sign-in", "error", err)
	}
}

// Fallback answers unknown routes and methods under Prefix with problem
// details (404 or 405) and passes every other request on: put it before
// the HTML fallbacks of the engine's NoRoute and NoMethod.
func Fallback(status int) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.URL.Path != Prefix && !strings.HasPrefix(c.Request.URL.Path, Prefix+"/") {
			c.Next()
			return
		}
		if status == http.StatusMethodNotAllowed {
			writeProblem(c, status, ProblemMethod, "this route does not take "+c.Request.Method)
			return
		}
		writeProblem(c, http.StatusNotFound, ProblemNotFound, "no such route; see "+Prefix+"/openapi.json")
	}
}
