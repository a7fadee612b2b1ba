package op

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	zop "github.com/zitadel/oidc/v3/pkg/op"

	"github.com/gatehouse/gatehouse/storage"
)

// authRequest is a stored authorization request as zop sees it.
type authRequest struct {
	r storage.AuthRequest
	// codeHash is the code being redeemed (AuthRequestByCode); the token
	// endpoint claims it with the tokens (claimCodeWith).
	codeHash []byte
}

var (
	_ zop.AuthRequest    = (*authRequest)(nil)
	_ zop.LogAuthRequest = (*authRequest)(nil)
)

func (a *authRequest) GetID() string          { return a.r.ID }
func (a *authRequest) GetACR() string         { return acrOf(a.r.AMR) }
func (a *authRequest) GetAMR() []string       { return a.r.AMR }
func (a *authRequest) GetAudience() []string  { return []string{a.r.ClientID} }
func (a *authRequest) GetAuthTime() time.Time { return a.r.AuthTime }
func (a *authRequest) GetClientID() string    { return a.r.ClientID }
func (a *authRequest) GetNonce() string       { return a.r.Nonce }
func (a *authRequest) GetRedirectURI() string { return a.r.RedirectURI }
func (a *authRequest) GetScopes() []string    { return a.r.Scopes }
func (a *authRequest) GetState() string       { return a.r.State }
func (a *authRequest) GetSubject() string     { return a.r.UserID }
func (a *authRequest) Done() bool             { return a.r.Done }
func (a *authRequest) sessionID() string      { return a.r.SessionID }
func (a *authRequest) GetResponseMode() oidc.ResponseMode {
	return oidc.ResponseMode(a.r.ResponseMode)
}

func (a *authRequest) GetResponseType() oidc.ResponseType {
	return oidc.ResponseType(a.r.ResponseType)
}

func (a *authRequest) GetCodeChallenge() *oidc.CodeChallenge {
	if a.r.CodeChallenge == "" {
		return nil
	}
	return &oidc.CodeChallenge{Challenge: a.r.CodeChallenge, Method: oidc.CodeChallengeMethod(a.r.CodeChallengeMethod)}
}

// LogValue keeps secrets (state, nonce, challenge) out of the logs.
func (a *authRequest) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", a.r.ID), slog.String("client_id", a.r.ClientID),
		slog.String("redirect_uri", a.r.RedirectURI), slog.Any("scopes", a.r.Scopes))
}

// CreateAuthRequest stores a validated /authorize request, bound to the
// browser (WithBrowserBinding). zop has checked the client, the exact
// redirect URI, the response type against the client and dropped scopes the
// client may not have; this adds PKCE S256 for every client (SECURITY 34),
// code-only (SECURITY 36) and narrows standard scopes to the client's.
// The id_token_hint subject (third argument) is not kept.
func (s *oidcStorage) CreateAuthRequest(ctx context.Context, req *oidc.AuthRequest, _ string) (zop.AuthRequest, error) {
	if err := checkAuthorizeParams(req); err != nil {
		return nil, err
	}
	binding := browserBinding(ctx)
	if len(binding) == 0 {
		// A wiring fault, not the user's: answered server_error.
		return nil, fmt.Errorf("op: /authorize without browser binding middleware: %w", ErrBrowserMismatch)
	}
	c, err := s.client(ctx, req.ClientID)
	if err != nil {
		return nil, err
	}
	r := s.newAuthRequest(req, c, binding)
	if len(r.Scopes) == 0 {
		return nil, oidc.ErrInvalidScope().WithDescription("none of the requested scopes is allowed for this client")
	}
	if err := s.store.AuthRequests().Create(ctx, &r); err != nil {
		return nil, serverError(err, "store auth request")
	}
	return &authRequest{r: r}, nil
}

func (s *oidcStorage) newAuthRequest(req *oidc.AuthRequest, c storage.Client, binding []byte) storage.AuthRequest {
	now := s.now()
	allowed := allowedScopes(c)
	r := storage.AuthRequest{
		ClientID:            req.ClientID,
		RedirectURI:         req.RedirectURI,
		Scopes:              slices.DeleteFunc(slices.Clone(req.Scopes), func(sc string) bool { return !slices.Contains(allowed, sc) }),
		ResponseType:        string(req.ResponseType),
		ResponseMode:        string(req.ResponseMode),
		State:               req.State,
		Nonce:               req.Nonce,
		CodeChallenge:       req.CodeChallenge,
		CodeChallengeMethod: string(req.CodeChallengeMethod),
		Prompt:              slices.Clone(req.Prompt),
		LoginHint:           req.LoginHint,
		ACRValues:           slices.Clone([]string(req.ACRValues)),
		BrowserHash:         binding,
		CreatedAt:           now,
		ExpiresAt:           now.Add(s.opts.AuthRequestLifetime),
	}
	if req.MaxAge != nil {
		m := int64(*req.MaxAge)
		r.MaxAge = &m
	}
	for _, t := range req.UILocales {
		r.UILocales = append(r.UILocales, t.String())
	}
	return r
}

// Authentication context classes (acr): "mfa" when the sign-in used a
// second factor (its amr has "mfa", RFC 8176), else "pwd".
const (
	acrMFA      = "mfa"
	acrPassword = "pwd"
)

// acrValuesSupported is what discovery announces.
var acrValuesSupported = []string{acrMFA, acrPassword}

// acrOf is the acr of a sign-in with methods amr.
func acrOf(amr []string) string {
	if slices.Contains(amr, "mfa") {
		return acrMFA
	}
	return acrPassword
}

// errUnsupportedResponseType is RFC 6749 §4.1.2.1's error (zop has no
// constructor for it).
func errUnsupportedResponseType() *oidc.Error {
	return &oidc.Error{ErrorType: "unsupported_response_type", Description: "only response_type=code is supported"}
}

// checkAuthorizeParams refuses what zop lets through. Errors are redirected
// to the (already verified) redirect URI with the state.
func checkAuthorizeParams(req *oidc.AuthRequest) error {
	switch {
	case req.ResponseType != oidc.ResponseTypeCode:
		return errUnsupportedResponseType()
	case req.CodeChallenge == "":
		return oidc.ErrInvalidRequest().WithDescription("code_challenge is required (PKCE with S256)")
	case req.CodeChallengeMethod != oidc.CodeChallengeMethodS256:
		return oidc.ErrInvalidRequest().WithDescription("code_challenge_method must be S256")
	case !validS256Challenge(req.CodeChallenge):
		return oidc.ErrInvalidRequest().WithDescription("code_challenge must be the base64url SHA-256 of the verifier")
	}
	switch req.ResponseMode {
	case "", oidc.ResponseModeQuery, oidc.ResponseModeFragment, oidc.ResponseModeFormPost:
		return nil
	}
	return oidc.ErrInvalidRequest().WithDescription("unsupported response_mode")
}

// validS256Challenge: 43 base64url characters (a SHA-256 without padding).
func validS256Challenge(c string) bool {
	if len(c) != 43 {
		return false
	}
	for i := 0; i < len(c); i++ {
		b := c[i]
		if !(b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '-' || b == '_') {
			return false
		}
	}
	return true
}

// AuthRequestByID serves /authorize/callback: only the browser that
// started the request may collect its code.
func (s *oidcStorage) AuthRequestByID(ctx context.Context, id string) (zop.AuthRequest, error) {
	r, err := s.boundAuthRequest(ctx, id)
	if err != nil {
		return nil, err
	}
	return &authRequest{r: r}, nil
}

// boundAuthRequest loads a live request and checks the browser binding,
// once per HTTP request (browserScope).
func (s *oidcStorage) boundAuthRequest(ctx context.Context, id string) (storage.AuthRequest, error) {
	now := s.now()
	scope := scopeOf(ctx)
	if r, ok := scope.recall(id, now); ok {
		return r, nil
	}
	r, err := s.store.AuthRequests().ByID(ctx, id, now)
	if err != nil {
		return storage.AuthRequest{}, fmt.Errorf("op: auth request: %w", err)
	}
	if err := checkBrowser(ctx, r); err != nil {
		return storage.AuthRequest{}, err
	}
	scope.keep(r)
	return r, nil
}

// SaveAuthCode keeps the code's hash, valid for CodeLifetime but never
// past its request (so a live code always has a live request). The store
// refuses a fresh code for a request whose code was already claimed.
func (s *oidcStorage) SaveAuthCode(ctx context.Context, id, code string) error {
	now := s.now()
	r, err := s.store.AuthRequests().ByID(ctx, id, now)
	if err != nil {
		return fmt.Errorf("op: auth request: %w", err)
	}
	expires := minTime(now.Add(s.opts.CodeLifetime), r.ExpiresAt)
	err = s.store.AuthRequests().SaveCode(ctx, id, hashToken(code), expires)
	if errors.Is(err, storage.ErrConflict) {
		// The callback was replayed after the code was redeemed.
		return oidc.ErrInvalidRequest().WithDescription("authorization request already used")
	}
	if err != nil {
		return serverError(err, "save code")
	}
	return nil
}

// AuthRequestByCode finds the request of the code without spending it: the
// code is claimed in the transaction that stores its tokens
// (claimCodeWith), so a database lost in between leaves it unspent and
// redeemable, never spent without tokens. A code already spent is a reuse:
// it revokes everything the code issued. zop answers every error here
// invalid_grant.
func (s *oidcStorage) AuthRequestByCode(ctx context.Context, code string) (zop.AuthRequest, error) {
	now := s.now()
	hash := hashToken(code)
	r, err := s.store.AuthRequests().ByCode(ctx, hash, now)
	switch {
	case errors.Is(err, storage.ErrConflict):
		s.codeReused(ctx, r.ID, now)
		return nil, oidc.ErrInvalidGrant().WithDescription("code already used")
	case errors.Is(err, storage.ErrNotFound):
		return nil, oidc.ErrInvalidGrant().WithDescription("invalid or expired code")
	case err != nil:
		return nil, serverError(err, "find code")
	}
	if !r.Done {
		return nil, oidc.ErrInvalidGrant().WithDescription("authorization not completed")
	}
	if err := checkVerifier(ctx, r); err != nil {
		return nil, err
	}
	return &authRequest{r: r, codeHash: hash}, nil
}

// claimCodeWith claims the code of r and runs issue in the same
// transaction, with an oidcStorage whose stores work inside it: of
// parallel redemptions on any replica exactly one claims the code (SECURITY
// 39), the others are reuses that revoke what it issued; and the code is
// spent exactly when its tokens are stored.
func (s *oidcStorage) claimCodeWith(ctx context.Context, r *authRequest, issue func(tx *oidcStorage) error) error {
	if len(r.codeHash) == 0 {
		return errors.New("op: code grant without its code")
	}
	now := s.now()
	var reused bool
	err := s.store.InTx(ctx, func(tx storage.Tx) error {
		_, err := tx.AuthRequests().ClaimCode(ctx, r.codeHash, now)
		switch {
		case errors.Is(err, storage.ErrConflict):
			reused = true
			return err
		case errors.Is(err, storage.ErrNotFound):
			return oidc.ErrInvalidGrant().WithDescription("invalid or expired code")
		case err != nil:
			return serverError(err, "claim code")
		}
		scoped := *s
		scoped.store = txStore{tx}
		return issue(&scoped)
	})
	if reused {
		s.codeReused(ctx, r.r.ID, now)
		return oidc.ErrInvalidGrant().WithDescription("code already used")
	}
	var oerr *oidc.Error
	if err != nil && !errors.As(err, &oerr) {
		return serverError(err, "commit the code's tokens") // the commit itself failed
	}
	return err
}

// codeReused handles a second redemption: it deletes the request and
// revokes what the code issued. A reuse is seen only once the claim is
// committed, and the winner's tokens are committed with its claim
// (claimCodeWith), so they exist by the time they are revoked, whatever
// the interleaving.
func (s *oidcStorage) codeReused(ctx context.Context, authRequestID string, now time.Time) {
	if authRequestID == "" {
		// The store broke its contract; an empty id would match every
		// client-credentials token.
		s.log.ErrorContext(ctx, "authorization code reused, but the store returned no request id")
		return
	}
	s.log.WarnContext(ctx, "authorization code reused: revoking its tokens", slog.String("auth_request_id", authRequestID))
	if err := s.store.AuthRequests().Delete(ctx, authRequestID); err != nil {
		s.log.ErrorContext(ctx, "delete auth request of reused code", slog.String("auth_request_id", authRequestID), slog.Any("error", err))
	}
	s.revokeCodeGrant(ctx, authRequestID, now)
}

func (s *oidcStorage) revokeCodeGrant(ctx context.Context, authRequestID string, now time.Time) {
	if err := s.store.Tokens().RevokeByAuthRequest(ctx, authRequestID, now); err != nil {
		s.log.ErrorContext(ctx, "revoke tokens of reused code", slog.String("auth_request_id", authRequestID), slog.Any("error", err))
	}
}

// checkVerifier checks PKCE with the verifier the token endpoint put in ctx
// (SECURITY 35), so that a missing or wrong verifier, or one sent for a
// code without a challenge, is invalid_grant. zop checks again after us
// (with invalid_request for the missing cases).
func checkVerifier(ctx context.Context, r storage.AuthRequest) error {
	v, ok := codeVerifier(ctx)
	if !ok {
		return nil
	}
	if r.CodeChallenge == "" {
		if v != "" {
			return oidc.ErrInvalidGrant().WithDescription("code_verifier sent for a code issued without code_challenge")
		}
		return nil
	}
	ch := &oidc.CodeChallenge{Challenge: r.CodeChallenge, Method: oidc.CodeChallengeMethod(r.CodeChallengeMethod)}
	if v == "" || !oidc.VerifyCodeChallenge(ch, v) {
		return oidc.ErrInvalidGrant().WithDescription("invalid code_verifier")
	}
	return nil
}

// DeleteAuthRequest does nothing: zop calls it once tokens are minted, but
// the claimed code must stay so that a second redemption is recognized and
// revokes them (SECURITY 39). Sweep removes requests once they and their
// codes have expired.
func (s *oidcStorage) DeleteAuthRequest(context.Context, string) error { return nil }

// ErrBrowserMismatch: the request does not come from the browser that
// started the authorization request (or carries no browser binding).
var ErrBrowserMismatch = errors.New("op: authorization request belongs to another browser")

type browserKey struct{}

// WithBrowserBinding returns ctx carrying the browser binding of the
// request: the SHA-256 of a random secret the browser holds in a cookie
// (storage.AuthRequest.BrowserHash). The lead's middleware sets it on
// /authorize (creating the cookie when absent), /authorize/callback and the
// login pages; CreateAuthRequest stores it, and the callback, AuthRequest
// and Complete insist on the same value.
func WithBrowserBinding(ctx context.Context, hash []byte) context.Context {
	return context.WithValue(ctx, browserKey{}, &browserScope{hash: append([]byte(nil), hash...)})
}

// browserScope is what WithBrowserBinding puts in the context of one HTTP
// request: the binding, and the authorization requests this HTTP request
// has read and checked against it, so that the login page's look
// (AuthRequest) and its Complete share one read. Complete and RejectURL
// forget what they change, and Complete's write is conditional on the
// request not being done yet, so a completion by another HTTP request in
// between is still refused.
type browserScope struct {
	hash []byte
	read requestMemo[storage.AuthRequest] // requestmemo.go
}

// scopeOf returns the browser scope in ctx, or nil.
func scopeOf(ctx context.Context) *browserScope {
	s, _ := ctx.Value(browserKey{}).(*browserScope)
	return s
}

// recall returns request id as this HTTP request read it, while it is live
// at now.
func (b *browserScope) recall(id string, now time.Time) (storage.AuthRequest, bool) {
	if b == nil {
		return storage.AuthRequest{}, false
	}
	r, ok := b.read.get(id)
	if !ok || !now.Before(r.ExpiresAt) {
		return storage.AuthRequest{}, false
	}
	return r, true
}

// keep remembers r, read and checked, for the rest of the HTTP request.
func (b *browserScope) keep(r storage.AuthRequest) {
	if b != nil {
		b.read.put(r.ID, r)
	}
}

// forget drops request id: this HTTP request changed it.
func (b *browserScope) forget(id string) {
	if b != nil {
		b.read.drop(id)
	}
}

// browserBinding returns the binding in ctx, or nil.
func browserBinding(ctx context.Context) []byte {
	if s := scopeOf(ctx); s != nil {
		return s.hash
	}
	return nil
}

// checkBrowser fails unless ctx carries the browser binding of r.
func checkBrowser(ctx context.Context, r storage.AuthRequest) error {
	b := browserBinding(ctx)
	if len(b) == 0 || len(r.BrowserHash) == 0 || subtle.ConstantTimeCompare(b, r.BrowserHash) != 1 {
		return ErrBrowserMismatch
	}
	return nil
}
