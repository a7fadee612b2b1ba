package op

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	zop "github.com/zitadel/oidc/v3/pkg/op"

	"github.com/gatehouse/gatehouse/storage"
)

// ErrRequestDone: the authorization request was already completed.
var ErrRequestDone = fmt.Errorf("op: authorization request already completed: %w", storage.ErrConflict)

// ErrScopeNotAllowed: the request asks for a scope the user may not have
// (gatehouse:admin for a non-administrator). The login page answers the
// client with invalid_scope (the InvalidScope rejection).
var ErrScopeNotAllowed = errors.New("op: scope not allowed for this user")

// Rejection is the error a login page sends back to the client instead of
// a code.
type Rejection string

// Rejections (OAuth 2.0 §4.1.2.1, OpenID Connect Core §3.1.2.6).
const (
	AccessDenied        Rejection = "access_denied"        // the user cancelled (login or consent)
	LoginRequired       Rejection = "login_required"       // prompt=none without a session
	ConsentRequired     Rejection = "consent_required"     // prompt=none, consent missing
	InteractionRequired Rejection = "interaction_required" // prompt=none, another page needed
	InvalidScope        Rejection = "invalid_scope"        // a scope the user may not have (ErrScopeNotAllowed)
)

// AuthRequest returns the authorization request id and its client, for the
// login and consent pages. ctx must carry the browser binding of the
// browser that started it (ErrBrowserMismatch); an unknown or expired
// request is storage.ErrNotFound.
func (p *Provider) AuthRequest(ctx context.Context, id string) (storage.AuthRequest, storage.Client, error) {
	r, err := p.st.boundAuthRequest(ctx, id)
	if err != nil {
		return storage.AuthRequest{}, storage.Client{}, err
	}
	c, err := p.st.client(ctx, r.ClientID)
	if err != nil {
		return storage.AuthRequest{}, storage.Client{}, fmt.Errorf("op: client of auth request: %w", err)
	}
	return r, c, nil
}

// Complete records that userID authenticated in browser session sessionID
// at authTime with methods amr (RFC 8176: "pwd", "otp", ...), after the
// page handled consent, and returns where the login page sends the
// browser. For a response in the query or the fragment (every response
// mode but form_post) the code is issued in the statement that completes
// the request, and the answer is the client's redirect URI with code,
// state and iss, exactly what zop's callback would have sent, one
// redirect and one write earlier. A form_post response is a page the
// callback renders, so then the answer is CallbackURL.
//
// The user must be active (ErrUserNotActive); the request must be this
// browser's (ErrBrowserMismatch) and not yet completed (ErrRequestDone); a
// scope the user may not have is ErrScopeNotAllowed; a user outside the
// client's allowed groups is ErrNoAccess.
func (p *Provider) Complete(ctx context.Context, id, userID, sessionID string, authTime time.Time, amr []string) (string, error) {
	r, err := p.completable(ctx, id, userID, authTime)
	if err != nil {
		return "", err
	}
	defer scopeOf(ctx).forget(id)
	if oidc.ResponseMode(r.ResponseMode) == oidc.ResponseModeFormPost {
		if err := p.st.store.AuthRequests().Complete(ctx, id, userID, sessionID, storage.Time(authTime), amr); err != nil {
			return "", fmt.Errorf("op: complete auth request: %w", err)
		}
		return p.CallbackURL(ctx, id), nil
	}
	code, err := zop.BuildAuthRequestCode(&authRequest{r: r}, p.zop.Crypto())
	if err != nil {
		return "", fmt.Errorf("op: build code: %w", err)
	}
	expires := minTime(p.st.now().Add(p.opts.CodeLifetime), r.ExpiresAt)
	err = p.st.store.AuthRequests().CompleteWithCode(ctx, id, userID, sessionID, storage.Time(authTime), amr, hashToken(code), expires)
	if errors.Is(err, storage.ErrConflict) {
		return "", ErrRequestDone // completed by another HTTP request since it was read
	}
	if err != nil {
		return "", fmt.Errorf("op: complete auth request with its code: %w", err)
	}
	resp := &zop.CodeResponseType{Code: code, State: r.State}
	u, err := zop.AuthResponseURL(r.RedirectURI, oidc.ResponseType(r.ResponseType), oidc.ResponseMode(r.ResponseMode), resp, p.zop.Encoder())
	if err != nil {
		return "", fmt.Errorf("op: code response: %w", err)
	}
	return addIss(u, p.opts.Issuer), nil
}

// completable loads request id for Complete and checks that
// userID may complete it now.
func (p *Provider) completable(ctx context.Context, id, userID string, authTime time.Time) (storage.AuthRequest, error) {
	r, err := p.st.boundAuthRequest(ctx, id)
	if err != nil {
		return storage.AuthRequest{}, err
	}
	if r.Done {
		return storage.AuthRequest{}, ErrRequestDone
	}
	if authTime.IsZero() || userID == "" {
		return storage.AuthRequest{}, errors.New("op: complete: user id and auth time are required")
	}
	if err := p.st.checkUserGrant(ctx, grant{clientID: r.ClientID, userID: userID, scopes: r.Scopes}); err != nil {
		return storage.AuthRequest{}, fmt.Errorf("op: complete: %w", err)
	}
	return r, nil
}

// CallbackURL is where Complete sends a form_post request: zop issues the
// code there and renders the page that posts it. (zop.AuthCallbackURL
// needs the issuer in ctx; with a static issuer it is built here.)
func (p *Provider) CallbackURL(_ context.Context, id string) string {
	return p.opts.Issuer + PathCallback + "?id=" + url.QueryEscape(id)
}

// RejectURL ends the authorization request and returns the client's
// redirect URI with error=reason and the state, honouring response_mode
// query or fragment (form_post falls back to query), with iss (RFC 9207). Use it for prompt=none
// without a session or consent, and for "cancel".
func (p *Provider) RejectURL(ctx context.Context, id string, reason Rejection) (string, error) {
	e := rejectionError(reason)
	if e == nil {
		return "", fmt.Errorf("op: unknown rejection %q", reason)
	}
	r, err := p.st.boundAuthRequest(ctx, id)
	if err != nil {
		return "", err
	}
	e.State = r.State
	mode := oidc.ResponseMode(r.ResponseMode)
	if mode == oidc.ResponseModeFormPost {
		mode = oidc.ResponseModeQuery
	}
	u, err := zop.AuthResponseURL(r.RedirectURI, oidc.ResponseType(r.ResponseType), mode, e, p.zop.Encoder())
	if err != nil {
		return "", fmt.Errorf("op: reject auth request: %w", err)
	}
	u = addIss(u, p.opts.Issuer)
	scopeOf(ctx).forget(id)
	if err := p.st.store.AuthRequests().Delete(ctx, id); err != nil {
		return "", fmt.Errorf("op: delete rejected auth request: %w", err)
	}
	return u, nil
}

// rejectionError is the error response of a rejection, nil for an
// unknown one.
func rejectionError(r Rejection) *oidc.Error {
	switch r {
	case AccessDenied:
		return oidc.ErrAccessDenied()
	case LoginRequired:
		return oidc.ErrLoginRequired()
	case ConsentRequired:
		return &oidc.Error{ErrorType: "consent_required"}
	case InteractionRequired:
		return oidc.ErrInteractionRequired()
	case InvalidScope:
		return oidc.ErrInvalidScope().WithDescription("a requested scope is not available to this user")
	}
	return nil
}

// PostLogoutURL is for the logout confirmation page: it checks that uri is
// exactly a post-logout redirect URI of clientID (ErrPostLogoutURI) and
// returns it with state. An empty uri gives "" (show the page's own
// "signed out").
func (p *Provider) PostLogoutURL(ctx context.Context, clientID, uri, state string) (string, error) {
	return p.st.postLogoutURL(ctx, clientID, uri, state)
}

// EndSession deletes the browser session and revokes the tokens issued in
// it (the confirmation page calls it for the browser's own session).
func (p *Provider) EndSession(ctx context.Context, sessionID string) error {
	return p.st.endSession(ctx, sessionID)
}
