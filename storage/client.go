package storage

import (
	"context"
	"net/url"
	"time"
)

// Access token formats a client may ask for.
const (
	AccessTokenJWT    = "jwt"    // RFC 9068 JWT, typ at+jwt
	AccessTokenOpaque = "opaque" // random reference checked by introspection
)

// Client is an application that delegates sign-in to Gatehouse (an OAuth
// client / OpenID relying party). Redirect URIs are matched exactly.
type Client struct {
	ID string
	// SecretHash is the PHC string of the client secret; empty for public
	// clients (token endpoint auth method "none").
	SecretHash             string
	Public                 bool
	Name                   string
	RedirectURIs           []string
	PostLogoutRedirectURIs []string
	GrantTypes             []string // authorization_code, refresh_token, client_credentials
	Scopes                 []string // scopes the client may request
	FirstParty             bool     // no consent page
	AccessTokenFormat      string   // AccessTokenJWT or AccessTokenOpaque
	// Dev clients may register non-loopback http redirect URIs.
	Dev bool
	// Admin service clients get the gatehouse:admin scope by client
	// credentials.
	Admin bool
	// AllowedGroups, when not empty, admits only members of at least one
	// of these groups (names, compared under FoldCase).
	AllowedGroups []string
	CreatedAt     time.Time
	UpdatedAt     time.Time

	// RequireMFA: users signing in to this client must pass a second
	// factor (and enrol one when they have none).
	RequireMFA bool

	// BackchannelLogoutURI receives logout tokens (OIDC Back-Channel
	// Logout 1.0) when a browser session in which the client got tokens
	// ends; empty: none are sent.
	BackchannelLogoutURI string
	// BackchannelLogoutSessionRequired: the client needs sid in logout
	// tokens (Gatehouse always sends it).
	BackchannelLogoutSessionRequired bool
	// JWKS is the client's public key set (JSON) for private_key_jwt;
	// JWKSURI is where to fetch it instead. At most one is set.
	JWKS    string
	JWKSURI string
	// TokenEndpointAuthMethod is how the client authenticates
	// (client_secret_basic, client_secret_post, private_key_jwt,
	// client_secret_jwt, none); empty: by secret, or none when public.
	TokenEndpointAuthMethod string
	// IDTokenSignedResponseAlg: the algorithm of this client's ID tokens
	// (RS256, ES256 or EdDSA); empty is the instance's algorithm.
	IDTokenSignedResponseAlg string

	// Issue 18 items 4, 6 and 8.

	// RequirePushedAuthorizationRequests: /authorize accepts this client's
	// requests only through a request_uri from the PAR endpoint (RFC 9126).
	RequirePushedAuthorizationRequests bool
	// TokenExchangeDelegation lets the client ask, by token exchange
	// (RFC 8693), for tokens that act for the subject (with an act claim
	// naming the client); without it only narrower tokens for the same
	// subject are issued.
	TokenExchangeDelegation bool
	// RegistrationAccessTokenHash is the SHA-256 of the registration
	// access token of a dynamically registered client (RFC 7592); nil for
	// clients registered by administrators.
	RegistrationAccessTokenHash []byte
	// HomeURL is the application's home page, where a signed-in user's
	// list of applications sends them; empty: see HomePage.
	HomeURL string
}

// HomePage is where a user goes to use the application: HomeURL, else the
// origin of the first http(s) redirect URI (with a trailing slash), else
// "" (a native or device client with no web page).
func (c Client) HomePage() string {
	if c.HomeURL != "" {
		return c.HomeURL
	}
	for _, raw := range c.RedirectURIs {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			continue
		}
		return u.Scheme + "://" + u.Host + "/"
	}
	return ""
}

// ClientStore keeps clients.
type ClientStore interface {
	// Create stores c, filling an empty ID (NewID), an empty
	// AccessTokenFormat (AccessTokenJWT) and a zero CreatedAt (now), and
	// setting UpdatedAt to CreatedAt. ErrAlreadyExists when the id is
	// taken; ErrInvalid for an unknown access token format.
	Create(ctx context.Context, c *Client) error
	// ByID returns the client, or ErrNotFound.
	ByID(ctx context.Context, id string) (Client, error)
	// List returns clients ordered by id (cursor pagination as for users).
	List(ctx context.Context, cursor string, limit int) (Page[Client], error)
	// Update writes every field of c except ID and CreatedAt and advances
	// UpdatedAt (last writer wins). ErrNotFound when it is gone, ErrInvalid
	// as for Create.
	Update(ctx context.Context, c *Client) error
	// Delete removes the client with its auth requests, tokens and
	// consents. ErrNotFound when there is no such client.
	Delete(ctx context.Context, id string) error
}
