package op

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	zop "github.com/zitadel/oidc/v3/pkg/op"

	"github.com/gatehouse/gatehouse/storage"
)

// ScopeAdmin grants the management API; only admin clients (client
// credentials) and admin users may hold it.
const ScopeAdmin = "gatehouse:admin"

// errClientAuth is the one answer to an unknown client or a wrong secret
// (zop turns a plain error into invalid_client).
var errClientAuth = errors.New("op: unknown client or wrong secret")

// client is a storage.Client as zop sees it.
type client struct {
	c    storage.Client
	opts *Options
}

var _ zop.Client = (*client)(nil)

func (c *client) GetID() string                    { return c.c.ID }
func (c *client) RedirectURIs() []string           { return c.c.RedirectURIs }
func (c *client) PostLogoutRedirectURIs() []string { return c.c.PostLogoutRedirectURIs }
func (c *client) IDTokenLifetime() time.Duration   { return c.opts.IDTokenLifetime }
func (c *client) ClockSkew() time.Duration         { return 0 }

// IDTokenUserinfoClaimsAssertion keeps profile and email claims in the ID
// token even when an access token is issued with it.
func (c *client) IDTokenUserinfoClaimsAssertion() bool { return true }

// ResponseTypes: the code flow only (SECURITY 36).
func (c *client) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}

func (c *client) GrantTypes() []oidc.GrantType {
	out := make([]oidc.GrantType, 0, len(c.c.GrantTypes))
	for _, g := range c.c.GrantTypes {
		out = append(out, oidc.GrantType(g))
	}
	return out
}

// ApplicationType decides how zop matches redirect URIs. Web and user-agent
// clients get exact matching. Native matching ignores the port of loopback
// URIs (RFC 8252 §7.3), so it is used only for public clients with a
// custom-scheme redirect URI and no loopback one: for those it is still
// exact, and it is the only type under which zop accepts custom schemes.
func (c *client) ApplicationType() zop.ApplicationType {
	if !c.c.Public {
		return zop.ApplicationTypeWeb
	}
	if hasCustomScheme(c.c.RedirectURIs) && !hasLoopback(c.c.RedirectURIs) && !hasLoopback(c.c.PostLogoutRedirectURIs) {
		return zop.ApplicationTypeNative
	}
	return zop.ApplicationTypeUserAgent
}

func (c *client) AuthMethod() oidc.AuthMethod {
	if c.c.Public {
		return oidc.AuthMethodNone
	}
	return oidc.AuthMethodBasic
}

// LoginURL is absolute: zop calls it without a context.
func (c *client) LoginURL(id string) string {
	return c.opts.Issuer + c.opts.LoginPath + "?authRequestID=" + url.QueryEscape(id)
}

func (c *client) AccessTokenType() zop.AccessTokenType {
	if c.c.AccessTokenFormat == storage.AccessTokenOpaque {
		return zop.AccessTokenTypeBearer
	}
	return zop.AccessTokenTypeJWT
}

// DevMode lets zop accept registered http redirect URIs. zop asks only
// after an exact match with a registered URI, and ValidateClient allows
// http only on loopback hosts unless the client is Dev; rows that somehow
// hold a non-loopback http URI of a non-dev client stay refused.
func (c *client) DevMode() bool {
	if c.c.Dev {
		return true
	}
	for _, u := range c.c.RedirectURIs {
		if strings.HasPrefix(u, "http://") && !isLoopbackURI(u) {
			return false
		}
	}
	return true
}

// The Restrict funcs must be non-nil: zop calls them unconditionally.
func (c *client) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(scopes []string) []string { return scopes }
}

func (c *client) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(scopes []string) []string { return scopes }
}

// IsScopeAllowed admits the custom scopes the client registered (zop keeps
// the standard ones itself; CreateAuthRequest narrows those too).
func (c *client) IsScopeAllowed(scope string) bool {
	return slices.Contains(allowedScopes(c.c), scope)
}

// allowedScopes are the scopes a client may request: those it registered,
// or the standard user scopes when it registered none.
func allowedScopes(c storage.Client) []string {
	if len(c.Scopes) > 0 {
		return c.Scopes
	}
	s := []string{oidc.ScopeOpenID, oidc.ScopeProfile, oidc.ScopeEmail}
	if slices.Contains(c.GrantTypes, GrantRefreshToken) {
		s = append(s, oidc.ScopeOfflineAccess)
	}
	return s
}

func hasCustomScheme(uris []string) bool {
	for _, u := range uris {
		if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
			return true
		}
	}
	return false
}

func hasLoopback(uris []string) bool {
	return slices.ContainsFunc(uris, isLoopbackURI)
}

func isLoopbackURI(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && isLoopbackHost(u.Hostname())
}

// GetClientByClientID returns the client, from the cache when fresh. An
// unknown client is a plain error (invalid_client), a database fault
// server_error.
func (s *oidcStorage) GetClientByClientID(ctx context.Context, id string) (zop.Client, error) {
	c, err := s.client(ctx, id)
	if err != nil {
		return nil, err
	}
	return &client{c: c, opts: &s.opts}, nil
}

// client loads a client through the cache. Unknown clients are not cached,
// so the cache holds at most the registered ones.
func (s *oidcStorage) client(ctx context.Context, id string) (storage.Client, error) {
	if c, ok := s.clients.get(id); ok {
		return c, nil
	}
	c, err := s.store.Clients().ByID(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return storage.Client{}, errClientAuth
	}
	if err != nil {
		return storage.Client{}, serverError(err, "load client")
	}
	s.clients.put(id, c)
	return c, nil
}

// AuthorizeClientIDSecret authenticates a confidential client.
func (s *oidcStorage) AuthorizeClientIDSecret(ctx context.Context, id, secret string) error {
	_, err := s.authenticate(ctx, id, secret)
	return err
}

// ClientCredentials authenticates a client for the client_credentials grant
// (zop then checks the grant type).
func (s *oidcStorage) ClientCredentials(ctx context.Context, id, secret string) (zop.Client, error) {
	c, err := s.authenticate(ctx, id, secret)
	if err != nil {
		return nil, err
	}
	return &client{c: c, opts: &s.opts}, nil
}

func (s *oidcStorage) authenticate(ctx context.Context, id, secret string) (storage.Client, error) {
	c, err := s.client(ctx, id)
	if errors.Is(err, errClientAuth) {
		VerifyClientSecret("", secret) // same work as for a known client
		return storage.Client{}, errClientAuth
	}
	if err != nil {
		return storage.Client{}, err
	}
	if asserted := assertedClient(ctx); asserted != "" { // clientassertion.go
		if asserted != c.ID {
			return storage.Client{}, errClientAuth
		}
		return c, nil
	}
	if c.Public || c.SecretHash == "" || c.TokenEndpointAuthMethod == AuthPrivateKeyJWT ||
		!VerifyClientSecret(c.SecretHash, secret) {
		return storage.Client{}, errClientAuth
	}
	return c, nil
}

// ClientCredentialsTokenRequest checks the requested scopes: only custom
// scopes the client registered (user scopes mean nothing without a user),
// gatehouse:admin only for admin clients.
func (s *oidcStorage) ClientCredentialsTokenRequest(ctx context.Context, id string, scopes []string) (zop.TokenRequest, error) {
	c, err := s.client(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, sc := range scopes {
		switch {
		case isUserScope(sc):
			return nil, oidc.ErrInvalidScope().WithDescription("scope %s needs a user", sc)
		case !slices.Contains(c.Scopes, sc):
			return nil, oidc.ErrInvalidScope().WithDescription("scope %s is not registered for the client", sc)
		case sc == ScopeAdmin && !c.Admin:
			return nil, oidc.ErrInvalidScope().WithDescription("scope %s is for admin clients", sc)
		}
	}
	return &clientCredentialsRequest{clientID: id, scopes: scopes}, nil
}

func isUserScope(s string) bool {
	switch s {
	case oidc.ScopeOpenID, oidc.ScopeProfile, oidc.ScopeEmail, oidc.ScopeOfflineAccess, oidc.ScopePhone, oidc.ScopeAddress:
		return true
	}
	return false
}

// clientCredentialsRequest is a token request of the client_credentials
// grant: the client is its own subject and audience.
type clientCredentialsRequest struct {
	clientID string
	scopes   []string
}

func (r *clientCredentialsRequest) GetSubject() string    { return r.clientID }
func (r *clientCredentialsRequest) GetAudience() []string { return []string{r.clientID} }
func (r *clientCredentialsRequest) GetScopes() []string   { return r.scopes }
