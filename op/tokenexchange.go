package op

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	zop "github.com/zitadel/oidc/v3/pkg/op"

	"github.com/gatehouse/gatehouse/storage"
)

// Token exchange (RFC 8693), for clients that registered GrantTokenExchange.
// A client exchanges an access token of this instance (subject_token, of
// type access_token, active: not expired, not revoked, its user active)
// for an access token with the same or a narrower audience and scope:
//
//   - The subject token must have been issued to the client, or name it in
//     its audience; anything else would let a client act as a user it was
//     never given (impersonation), and is refused.
//   - scope and audience (and resource, treated as audience) may only
//     narrow: a scope the subject token lacks is invalid_scope, an audience
//     it lacks invalid_target. Left out, they are the subject token's.
//   - Delegation: with an actor_token (an active access token of this
//     instance issued to the client, e.g. its client-credentials token),
//     the new token carries act {"sub": the actor token's subject} (RFC
//     8693 §4.1) — only for clients with TokenExchangeDelegation;
//     otherwise an actor_token is refused.
//   - Only access tokens are issued (requested_token_type access_token or
//     left out); no refresh or ID tokens.
//
// The exchange is handled here, not through zop.TokenExchangeStorage: zop
// offers no way to set the audience of the issued token. The response is
// zop's CreateTokenExchangeResponse for an access token, the token signed
// once by accessToken (tokenresponse.go) and stored like any other, tied
// to the subject token's session and authorization request, so ending the
// session or replaying the code revokes it too.

// GrantTokenExchange is the token exchange grant type (RFC 8693).
const GrantTokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange"

// exchangeRequest is a validated token exchange: zop's TokenExchangeRequest
// and TokenActorRequest, and our sessionBound.
type exchangeRequest struct {
	client  storage.Client
	subject storage.AccessToken // the subject token
	actor   string              // actor token's subject; "" without delegation
	scopes  []string
	aud     []string
}

var (
	_ zop.TokenExchangeRequest = (*exchangeRequest)(nil)
	_ zop.TokenActorRequest    = (*exchangeRequest)(nil)
)

func (r *exchangeRequest) GetAMR() []string                              { return r.subject.AMR }
func (r *exchangeRequest) GetAudience() []string                         { return r.aud }
func (r *exchangeRequest) GetResourses() []string                        { return nil }
func (r *exchangeRequest) GetAuthTime() time.Time                        { return r.subject.AuthTime }
func (r *exchangeRequest) GetClientID() string                           { return r.client.ID }
func (r *exchangeRequest) GetScopes() []string                           { return r.scopes }
func (r *exchangeRequest) GetSubject() string                            { return r.subject.Subject }
func (r *exchangeRequest) GetRequestedTokenType() oidc.TokenType         { return oidc.AccessTokenType }
func (r *exchangeRequest) GetExchangeSubject() string                    { return r.subject.Subject }
func (r *exchangeRequest) GetExchangeSubjectTokenType() oidc.TokenType   { return oidc.AccessTokenType }
func (r *exchangeRequest) GetExchangeSubjectTokenIDOrToken() string      { return r.subject.ID }
func (r *exchangeRequest) GetExchangeSubjectTokenClaims() map[string]any { return nil }
func (r *exchangeRequest) GetExchangeActor() string                      { return r.actor }
func (r *exchangeRequest) GetExchangeActorTokenType() oidc.TokenType {
	if r.actor == "" {
		return ""
	}
	return oidc.AccessTokenType
}
func (r *exchangeRequest) GetExchangeActorTokenIDOrToken() string      { return "" }
func (r *exchangeRequest) GetExchangeActorTokenClaims() map[string]any { return nil }
func (r *exchangeRequest) SetCurrentScopes(scopes []string)            { r.scopes = scopes }
func (r *exchangeRequest) SetRequestedTokenType(oidc.TokenType)        {}
func (r *exchangeRequest) SetSubject(string)                           {}
func (r *exchangeRequest) sessionID() string                           { return r.subject.SessionID }

// GetActor is the act claim of a delegated token (nil otherwise).
func (r *exchangeRequest) GetActor() *oidc.ActorClaims {
	if r.actor == "" {
		return nil
	}
	return &oidc.ActorClaims{Subject: r.actor}
}

func (r *exchangeRequest) grant() grant {
	return grant{clientID: r.client.ID, userID: r.subject.Subject, sessionID: r.subject.SessionID,
		authRequestID: r.subject.AuthRequestID, audience: r.aud, scopes: r.scopes,
		authTime: r.subject.AuthTime, amr: r.subject.AMR}
}

// serveTokenExchange answers grant_type token-exchange at the token
// endpoint (r's form parsed).
func (p *Provider) serveTokenExchange(w http.ResponseWriter, r *http.Request) {
	ctx := zop.ContextWithIssuer(r.Context(), p.opts.Issuer)
	r = r.WithContext(ctx)
	req, err := p.validateExchange(ctx, r)
	if err != nil {
		zop.RequestError(w, r, err, nil)
		return
	}
	// zop's CreateTokenExchangeResponse for the one token type issued
	// here, an access token, signed once (tokenresponse.go).
	at, refresh, validity, err := p.accessToken(ctx, req, &client{c: req.client, opts: &p.opts}, "")
	if err != nil {
		zop.RequestError(w, r, err, nil)
		return
	}
	resp := &oidc.TokenExchangeResponse{
		AccessToken:     at,
		IssuedTokenType: req.GetRequestedTokenType(),
		TokenType:       oidc.BearerToken,
		ExpiresIn:       uint64(validity.Seconds()),
		RefreshToken:    refresh,
		Scopes:          req.GetScopes(),
	}
	p.log.InfoContext(ctx, "token exchanged", "client_id", req.client.ID, "subject_token", req.subject.ID,
		"delegated", req.actor != "", "scope", strings.Join(req.scopes, " "))
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_ = json.NewEncoder(w).Encode(resp)
}

// validateExchange authenticates the client and applies the rules above.
func (p *Provider) validateExchange(ctx context.Context, r *http.Request) (*exchangeRequest, error) {
	c, err := p.exchangeClient(ctx, r)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(c.GrantTypes, GrantTokenExchange) {
		return nil, oidc.ErrUnauthorizedClient().WithDescription("the client may not use token exchange")
	}
	f := r.PostForm
	switch {
	case f.Get("subject_token") == "":
		return nil, oidc.ErrInvalidRequest().WithDescription("subject_token is required")
	case f.Get("subject_token_type") != string(oidc.AccessTokenType):
		return nil, oidc.ErrInvalidRequest().WithDescription("subject_token_type must be %s", oidc.AccessTokenType)
	case f.Get("requested_token_type") != "" && f.Get("requested_token_type") != string(oidc.AccessTokenType):
		return nil, oidc.ErrInvalidRequest().WithDescription("only access tokens are issued")
	case (f.Get("actor_token") == "") != (f.Get("actor_token_type") == ""):
		return nil, oidc.ErrInvalidRequest().WithDescription("actor_token and actor_token_type go together")
	}
	subject, err := p.exchangedToken(ctx, f.Get("subject_token"))
	if err != nil {
		return nil, err
	}
	if isClientToken(subject) {
		return nil, oidc.ErrInvalidRequest().WithDescription("subject_token must be a user's access token")
	}
	if subject.ClientID != c.ID && !slices.Contains(subject.Audience, c.ID) {
		return nil, oidc.ErrAccessDenied().WithDescription("the subject_token was not issued to this client: impersonation is not allowed")
	}
	if err := p.st.checkUserGrant(ctx, grant{clientID: c.ID, userID: subject.Subject, scopes: subject.Scopes}); err != nil {
		return nil, err
	}
	req := &exchangeRequest{client: c, subject: subject, scopes: subject.Scopes, aud: subject.Audience}
	if sc := strings.Fields(f.Get("scope")); len(sc) > 0 {
		for _, s := range sc {
			if !slices.Contains(subject.Scopes, s) {
				return nil, oidc.ErrInvalidScope().WithDescription("scope %s is broader than the subject_token's", s)
			}
		}
		req.scopes = sc
	}
	if aud := append(slices.Clone(f["audience"]), f["resource"]...); len(aud) > 0 {
		for _, a := range aud {
			if !slices.Contains(subject.Audience, a) {
				return nil, oidc.ErrInvalidTarget().WithDescription("audience %s is broader than the subject_token's", a)
			}
		}
		slices.Sort(aud)
		req.aud = slices.Compact(aud)
	}
	if f.Get("actor_token") != "" {
		if !c.TokenExchangeDelegation {
			return nil, oidc.ErrInvalidRequest().WithDescription("delegation (actor_token) is not enabled for this client")
		}
		if f.Get("actor_token_type") != string(oidc.AccessTokenType) {
			return nil, oidc.ErrInvalidRequest().WithDescription("actor_token_type must be %s", oidc.AccessTokenType)
		}
		actor, err := p.exchangedToken(ctx, f.Get("actor_token"))
		if err != nil {
			return nil, err
		}
		if actor.ClientID != c.ID {
			return nil, oidc.ErrInvalidRequest().WithDescription("the actor_token must be issued to this client")
		}
		req.actor = actor.Subject
	}
	return req, nil
}

// exchangeClient authenticates the client: Basic credentials (a
// private_key_jwt assertion became them in withClientAssertion) or
// client_secret_post. Public clients cannot exchange tokens.
func (p *Provider) exchangeClient(ctx context.Context, r *http.Request) (storage.Client, error) {
	id, secret, ok := r.BasicAuth()
	if ok {
		var errID, errSecret error
		id, errID = url.QueryUnescape(id)
		secret, errSecret = url.QueryUnescape(secret)
		if errID != nil || errSecret != nil {
			return storage.Client{}, oidc.ErrInvalidClient().WithDescription("invalid basic auth header")
		}
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	c, err := p.st.authenticate(ctx, id, secret)
	if errors.Is(err, errClientAuth) {
		return storage.Client{}, oidc.ErrInvalidClient().WithDescription("client authentication failed").WithParent(err)
	}
	return c, err
}

// exchangedToken resolves a token of this instance (opaque or JWT, as zop
// encodes them) to its stored record, refusing anything not active.
func (p *Provider) exchangedToken(ctx context.Context, raw string) (storage.AccessToken, error) {
	pt, ok := p.presentedToken(ctx, raw)
	if !ok {
		return storage.AccessToken{}, oidc.ErrInvalidGrant().WithDescription("the token is not an access token of this server")
	}
	t, _, err := p.st.livePresented(ctx, pt)
	if err != nil {
		var oe *oidc.Error
		if errors.As(err, &oe) && oe.ErrorType == oidc.AccessDenied {
			return storage.AccessToken{}, oidc.ErrInvalidGrant().WithDescription("the token is not active")
		}
		return storage.AccessToken{}, err
	}
	return t, nil
}
