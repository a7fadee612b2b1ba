package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/instancekey"
	"github.com/gatehouse/gatehouse/internal/mfa"
	"github.com/gatehouse/gatehouse/internal/personaltoken"
	"github.com/gatehouse/gatehouse/op"
	"github.com/gatehouse/gatehouse/storage"
	"github.com/gatehouse/gatehouse/storage/sqlstore"
	"github.com/gatehouse/gatehouse/ui"
)

// Purposes of keys derived from the instance key.
const (
	purposeOIDCCrypto    = "oidc/crypto"
	purposeSigningKeyEnc = "oidc/signing-key-encryption"
)

// crossOriginBypass lists the endpoints that other origins call by design
// (token, introspection, revocation, userinfo, and the front-channel
// /authorize and /end_session that relying parties may POST to). Their own
// authentication (client credentials, tokens, PKCE, browser binding)
// protects them.
var crossOriginBypass = []string{
	op.PathAuthorize, op.PathToken, op.PathIntrospect, op.PathRevoke, op.PathUserinfo, op.PathEndSession,
	op.PathDeviceAuthorization,
}

// routeProvider registers every path of the provider on the engine. The
// auth request is bound to the browser at /authorize and checked at the
// callback. Errors the provider shows the browser itself (at /authorize,
// the callback and /end_session) become the styled error page.
func (s *Server) routeProvider(r gin.IRouter) {
	h := gin.WrapH(s.provider.Handler())
	for _, path := range s.provider.Paths() {
		chain := []gin.HandlerFunc{h}
		switch path {
		case op.PathUserinfo, op.PathIntrospect:
			chain = []gin.HandlerFunc{withClientIP, h}
		case op.PathToken:
			chain = []gin.HandlerFunc{s.metrics.CountTokens(), h} // tokens issued by grant_type
		case op.PathAuthorize:
			chain = []gin.HandlerFunc{s.pages.ProviderErrorPages(), s.pages.BrowserBindingMiddleware(), h}
		case op.PathCallback:
			chain = []gin.HandlerFunc{s.pages.ProviderErrorPages(), s.pages.BrowserBindingReader(), h}
		case op.PathEndSession:
			chain = []gin.HandlerFunc{s.pages.ProviderErrorPages(), h}
		}
		// OPTIONS reaches the provider for CORS preflights.
		for _, method := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodOptions} {
			r.Handle(method, path, chain...)
		}
	}
}

// withClientIP hands the provider the caller's IP as gin determined it
// (trusting only the configured proxies), for a personal token's "last
// used".
func withClientIP(c *gin.Context) {
	c.Request = c.Request.WithContext(op.WithClientIP(c.Request.Context(), c.ClientIP()))
	c.Next()
}

// authRequests adapts the provider to what the pages need; audit records
// the sign-ins an application's allowed groups refused.
type authRequests struct {
	p     *op.Provider
	audit storage.AuditStore
}

// asGone reports a request of another browser, or one already completed,
// as not found: the pages answer both with the invalid-request page, not
// an error page. A request completed by another HTTP request between a
// page's look and its Complete (two tabs submitting at once) is one.
func asGone(err error) error {
	if errors.Is(err, op.ErrBrowserMismatch) || errors.Is(err, op.ErrRequestDone) {
		return fmt.Errorf("%w: %w", storage.ErrNotFound, err)
	}
	return err
}

func (a authRequests) Get(ctx context.Context, id string) (ui.AuthRequestView, error) {
	r, c, err := a.p.AuthRequest(ctx, id)
	if err = asGone(err); err != nil {
		return ui.AuthRequestView{}, err
	}
	if r.Done {
		return ui.AuthRequestView{}, fmt.Errorf("auth request already completed: %w", storage.ErrNotFound)
	}
	return ui.AuthRequestView{
		ID: r.ID, ClientID: r.ClientID, ClientName: c.Name, FirstParty: c.FirstParty,
		Scopes: r.Scopes, Prompt: r.Prompt, MaxAge: r.MaxAge, LoginHint: r.LoginHint,
		BrowserHash: r.BrowserHash, CreatedAt: r.CreatedAt, RedirectURI: r.RedirectURI,
		ACRValues: r.ACRValues, RequireMFA: c.RequireMFA,
	}, nil
}

func (a authRequests) Complete(ctx context.Context, id, userID, sessionID string, authTime time.Time, amr []string) (string, error) {
	next, err := a.p.Complete(ctx, id, userID, sessionID, authTime, amr)
	if errors.Is(err, op.ErrScopeNotAllowed) {
		return "", fmt.Errorf("%w: %w", ui.ErrScopeNotAllowed, err)
	}
	if errors.Is(err, op.ErrNoAccess) {
		r, _, lookupErr := a.p.AuthRequest(ctx, id)
		e := &storage.AuditEvent{Time: time.Now(), Type: AuditAccessDenied, UserID: userID,
			Details: map[string]string{"client_id": r.ClientID, "reason": "not in an allowed group"}}
		if lookupErr == nil {
			if auditErr := a.audit.Append(ctx, e); auditErr != nil {
				return "", fmt.Errorf("audit refused sign-in: %w", auditErr)
			}
		}
		return "", fmt.Errorf("%w: %w", ui.ErrNoAccess, err)
	}
	return next, asGone(err)
}

// AuditAccessDenied is the audit event of a sign-in refused by a client's
// allowed groups.
const AuditAccessDenied = "access.denied"

func (a authRequests) ErrorURL(ctx context.Context, id, oauthError string) (string, error) {
	return a.p.RejectURL(ctx, id, op.Rejection(oauthError))
}

// consents adapts the consent store to the pages.
type consents struct {
	store storage.ConsentStore
	now   func() time.Time
}

func (c consents) Has(ctx context.Context, userID, clientID string, scopes []string) (bool, error) {
	got, err := c.store.Get(ctx, userID, clientID)
	if errors.Is(err, storage.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read consent: %w", err)
	}
	for _, s := range scopes {
		if !slices.Contains(got.Scopes, s) {
			return false, nil
		}
	}
	return true, nil
}

func (c consents) Grant(ctx context.Context, userID, clientID string, scopes []string) error {
	return c.store.Grant(ctx, userID, clientID, scopes, c.now())
}

// accounts adapts the account rules to the pages. Ending a session also
// revokes the tokens issued in it.
type accounts struct {
	*account.Service
	p   *op.Provider
	reg *account.Registrar // temporary passwords; nil without registration
}

// Authenticate checks the password, then, when it is wrong, whether it is
// an emailed temporary password (reset style "temporary").
func (a accounts) Authenticate(ctx context.Context, login, password, clientIP string) (storage.User, error) {
	u, err := a.Service.Authenticate(ctx, login, password, clientIP)
	if a.reg == nil || !errors.Is(err, account.ErrInvalidCredentials) {
		return u, err
	}
	u, terr := a.reg.UseTemporaryPassword(ctx, login, password, clientIP)
	if errors.Is(terr, account.ErrInvalidCredentials) {
		return storage.User{}, err
	}
	return u, terr
}

func (a accounts) StartSession(ctx context.Context, userID string, persistent bool, amr []string, userAgent, ip string) (string, storage.BrowserSession, error) {
	return a.Service.StartSession(ctx, userID, account.SessionOptions{
		Persistent: persistent, AMR: amr, UserAgent: userAgent, IP: ip,
		SecondFactor: mfa.HasSecondFactor(amr),
	})
}

func (a accounts) EndSession(ctx context.Context, sessionID string) error {
	return a.p.EndSession(ctx, sessionID)
}

// classifySignInError sorts the account rules' errors for the pages.
func classifySignInError(err error) ui.SignInProblem {
	if te, ok := errors.AsType[*account.ThrottledError](err); ok {
		return ui.SignInProblem{Kind: ui.SignInThrottled, RetryAfter: te.RetryAfter}
	}
	kinds := []struct {
		err  error
		kind ui.SignInProblemKind
	}{
		{account.ErrInvalidCredentials, ui.SignInInvalidCredentials},
		{account.ErrThrottled, ui.SignInThrottled},
		{account.ErrNotVerified, ui.SignInNotVerified},
		{account.ErrPendingApproval, ui.SignInPendingApproval},
		{account.ErrBlocked, ui.SignInBlocked},
		{account.ErrRejected, ui.SignInRejected},
		{account.ErrNoSession, ui.SignInNoSession},
		{account.ErrTemporaryPasswordUsed, ui.SignInTemporaryUsed},
		{account.ErrTemporaryPasswordExpired, ui.SignInTemporaryExpired},
	}
	for _, k := range kinds {
		if errors.Is(err, k.err) {
			return ui.SignInProblem{Kind: k.kind}
		}
	}
	return ui.SignInProblem{Kind: ui.SignInInternal}
}

// logoutComplete turns the query the provider's end_session sent to the
// confirmation page into where the browser goes after signing out: the
// client's registered post-logout URI with its state, or "" for the
// signed-out page.
func logoutComplete(p *op.Provider) func(ctx context.Context, logoutRequest string) (string, error) {
	return func(ctx context.Context, logoutRequest string) (string, error) {
		q, err := url.ParseQuery(logoutRequest)
		if err != nil {
			return "", fmt.Errorf("logout request: %w", err)
		}
		uri := q.Get(op.LogoutParamRedirectURI)
		if uri == "" {
			return "", nil
		}
		return p.PostLogoutURL(ctx, q.Get(op.LogoutParamClientID), uri, q.Get(op.LogoutParamState))
	}
}

// NewProvider builds the OpenID Provider of cfg over store (creating the
// first signing key when there is none).
func NewProvider(ctx context.Context, cfg config.Config, key instancekey.Key, store *sqlstore.Store, logger *slog.Logger) (*op.Provider, error) {
	p, err := op.New(ctx, op.Options{
		Issuer:           cfg.Issuer,
		Dev:              cfg.Dev,
		CryptoKey:        key.Derive32(purposeOIDCCrypto),
		KeyEncryptionKey: key.Derive32(purposeSigningKeyEnc),
		// During an instance key rotation the older keys still decrypt.
		PreviousCryptoKeys:        key.DeriveAll32(purposeOIDCCrypto)[1:],
		PreviousKeyEncryptionKeys: key.DeriveAll32(purposeSigningKeyEnc)[1:],
		SigningAlgorithm:          cfg.SigningAlgorithm,
		KeyRotationPeriod:         cfg.KeyRotationPeriod,
		AccessTokenLifetime:       cfg.AccessTokenLifetime,
		IDTokenLifetime:           cfg.IDTokenLifetime,
		RefreshTokenLifetime:      cfg.RefreshTokenLifetime,
		RefreshFamilyLifetime:     cfg.RefreshFamilyLifetime,
		CodeLifetime:              cfg.CodeLifetime,
		KeysMaxAge:                keysMaxAge(cfg.JWKSMaxAge),
		PersonalTokens:            personaltoken.NewVerifier(store, nil, logger),
		Logger:                    logger,
	}, store)
	if err != nil {
		return nil, fmt.Errorf("openid provider: %w", err)
	}
	return p, nil
}

// keysMaxAge is GATEHOUSE_JWKS_MAX_AGE for the provider: 0 means no-cache.
func keysMaxAge(d time.Duration) time.Duration {
	if d == 0 {
		return op.NoKeysCache
	}
	return d
}
