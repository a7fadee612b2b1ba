package op

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/storage"
)

// ErrInvalidClient wraps every reason ValidateClient refuses a client.
var ErrInvalidClient = errors.New("op: invalid client registration")

// Grant types a client may register.
const (
	GrantAuthorizationCode = "authorization_code"
	GrantRefreshToken      = "refresh_token"
	GrantClientCredentials = "client_credentials"
	// GrantDeviceCode is the device authorization grant (RFC 8628).
	GrantDeviceCode = "urn:ietf:params:oauth:grant-type:device_code"
)

// maxRedirectURILength bounds a registered URI (and so every URL built on it).
const maxRedirectURILength = 2000

// ValidateClient applies the registration rules (SECURITY 32-33, 36) to c
// and returns every violation joined, each wrapping ErrInvalidClient:
//
//   - the id is 1-128 characters of [A-Za-z0-9._~-] (it becomes the subject
//     of client-credentials tokens, which must not contain ':');
//   - redirect and post-logout URIs are absolute https URIs, http only on a
//     loopback host (any http host when c.Dev), or a reverse-domain custom
//     scheme for native apps; never a wildcard, a fragment, user info,
//     whitespace, or a javascript:, data: or vbscript: URI in any case;
//   - grant types are among authorization_code, refresh_token,
//     client_credentials and the device code grant (RFC 8628);
//     refresh_token needs authorization_code or the device code grant;
//     client_credentials needs a secret; authorization_code needs a
//     redirect URI;
//   - a confidential client has a secret hash from HashClientSecret, a
//     public one none;
//   - the access token format is "jwt" or "opaque";
//   - scopes are valid scope tokens (RFC 6749 §3.3);
//   - id_token_signed_response_alg is empty, RS256, ES256 or EdDSA.
func ValidateClient(c storage.Client) error {
	var errs []error
	add := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalidClient}, args...)...))
	}
	checkClientID(c.ID, add)
	checkSecret(c, add)
	checkGrants(c, add)
	checkURIs("redirect_uris", c.RedirectURIs, c.Dev, add)
	checkURIs("post_logout_redirect_uris", c.PostLogoutRedirectURIs, c.Dev, add)
	if c.AccessTokenFormat != storage.AccessTokenJWT && c.AccessTokenFormat != storage.AccessTokenOpaque {
		add("access token format %q is not jwt or opaque", c.AccessTokenFormat)
	}
	for _, s := range c.Scopes {
		if !validScopeToken(s) {
			add("scope %q is not a valid scope token", s)
		}
	}
	checkAllowedGroups(c.AllowedGroups, add) // groups.go
	checkClientAuth(c, add)                  // clientassertion.go rules, below
	if c.BackchannelLogoutURI != "" {
		if err := checkBackchannelURI(c.BackchannelLogoutURI, c.Dev); err != nil {
			add("backchannel_logout_uri %q: %v", c.BackchannelLogoutURI, err)
		}
	}
	if c.HomeURL != "" {
		// The same rules as a back-channel logout URI: the page a user's
		// list of applications links to.
		if err := checkBackchannelURI(c.HomeURL, c.Dev); err != nil {
			add("home_url %q: %v", c.HomeURL, err)
		}
	}
	if a := c.IDTokenSignedResponseAlg; a != "" && !validAlgorithm(a) {
		add("id_token_signed_response_alg %q is not RS256, ES256 or EdDSA", a)
	}
	return errors.Join(errs...)
}

type addFunc func(format string, args ...any)

func checkClientID(id string, add addFunc) {
	if id == "" || len(id) > 128 {
		add("client id must have 1 to 128 characters")
		return
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._~-", r)) {
			add("client id %q may only contain letters, digits and . _ ~ -", id)
			return
		}
	}
}

func checkSecret(c storage.Client, add addFunc) {
	switch {
	case c.Public && c.SecretHash != "":
		add("a public client has no secret")
	case !c.Public && c.SecretHash == "":
		add("a confidential client needs a secret")
	case !c.Public:
		if _, _, err := parseSecretHash(c.SecretHash); err != nil {
			add("secret hash is not from HashClientSecret")
		}
	}
}

func checkGrants(c storage.Client, add addFunc) {
	if len(c.GrantTypes) == 0 {
		add("at least one grant type is required")
	}
	for _, g := range c.GrantTypes {
		if g != GrantAuthorizationCode && g != GrantRefreshToken && g != GrantClientCredentials && g != GrantDeviceCode && g != GrantTokenExchange {
			add("grant type %q is not allowed (authorization_code, refresh_token, client_credentials, %s, %s)", g, GrantDeviceCode, GrantTokenExchange)
		}
	}
	has := func(g string) bool { return slices.Contains(c.GrantTypes, g) }
	if has(GrantRefreshToken) && !has(GrantAuthorizationCode) && !has(GrantDeviceCode) {
		add("refresh_token needs authorization_code or the device code grant")
	}
	if slices.Contains(c.Scopes, ScopeOfflineAccess) && !has(GrantRefreshToken) {
		add("scope offline_access needs the refresh_token grant type (without it the consent page would promise offline access that never comes)")
	}
	if has(GrantClientCredentials) && c.Public {
		add("client_credentials needs a confidential client with a secret")
	}
	if has(GrantTokenExchange) && c.Public {
		add("token exchange needs a confidential client")
	}
	if has(GrantAuthorizationCode) && len(c.RedirectURIs) == 0 {
		add("authorization_code needs at least one redirect URI")
	}
}

func checkURIs(field string, uris []string, dev bool, add addFunc) {
	for i, u := range uris {
		if err := checkRedirectURI(u, dev); err != nil {
			add("%s[%d] %q: %v", field, i, u, err)
		}
	}
}

// checkRedirectURI applies the redirect URI rules to one URI.
func checkRedirectURI(raw string, dev bool) error {
	if err := checkURIText(raw); err != nil {
		return err
	}
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("not a URI")
	}
	if u.Scheme == "" {
		return errors.New("must be absolute")
	}
	switch u.Scheme {
	case "https":
		return checkWebURI(u)
	case "http":
		if err := checkWebURI(u); err != nil {
			return err
		}
		if !dev && !isLoopbackHost(u.Hostname()) {
			return errors.New("http is only allowed on a loopback host (or for a dev client)")
		}
		return nil
	default:
		return checkCustomScheme(u)
	}
}

// checkURIText refuses what must not appear anywhere in a redirect URI.
func checkURIText(raw string) error {
	lower := strings.ToLower(raw)
	switch {
	case raw == "":
		return errors.New("empty")
	case len(raw) > maxRedirectURILength:
		return fmt.Errorf("longer than %d characters", maxRedirectURILength)
	case strings.IndexFunc(raw, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0:
		return errors.New("contains whitespace or control characters")
	case strings.HasPrefix(lower, "javascript:"), strings.HasPrefix(lower, "data:"), strings.HasPrefix(lower, "vbscript:"):
		return errors.New("javascript:, data: and vbscript: URIs are not allowed")
	case strings.Contains(raw, "*"):
		return errors.New("wildcards are not allowed")
	case strings.Contains(raw, "#"):
		return errors.New("fragments are not allowed")
	}
	return nil
}

func checkWebURI(u *url.URL) error {
	switch {
	case u.Opaque != "" || u.Host == "" || u.Hostname() == "":
		return errors.New("needs a host")
	case u.User != nil:
		return errors.New("user info is not allowed")
	}
	return nil
}

// checkCustomScheme allows private-use schemes of native apps, which RFC
// 8252 §7.1 asks to be reverse domain names (com.example.app:/cb): the dot
// also keeps out javascript:, file:, blob: and the like.
func checkCustomScheme(u *url.URL) error {
	if !strings.Contains(u.Scheme, ".") {
		return fmt.Errorf("scheme %q is not allowed (https, loopback http, or a reverse-domain scheme for native apps)", u.Scheme)
	}
	if u.User != nil {
		return errors.New("user info is not allowed")
	}
	return nil
}

// isLoopbackHost reports whether host (without port) is localhost or a
// loopback address.
func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// validScopeToken: 1*( %x21 / %x23-5B / %x5D-7E ), RFC 6749 §3.3.
func validScopeToken(s string) bool {
	if s == "" || len(s) > 200 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x21 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// ScopeOfflineAccess asks for a refresh token (OIDC Core §11).
const ScopeOfflineAccess = "offline_access"

// DefaultGrantTypes are the grant types of a client registered without
// any: the code flow with refresh tokens. The CLI, the API, the console
// and YAML clients share them.
func DefaultGrantTypes() []string { return []string{GrantAuthorizationCode, GrantRefreshToken} }

// DefaultScopes are the scopes of a client registered without any, for
// its grant types: offline_access only with refresh_token.
func DefaultScopes(grantTypes []string) []string {
	scopes := []string{"openid", "profile", "email"}
	if slices.Contains(grantTypes, GrantRefreshToken) {
		scopes = append(scopes, ScopeOfflineAccess)
	}
	return scopes
}

// checkBackchannelURI applies the rules of a back-channel logout URI: an
// absolute https URL (http only on a loopback host or for a dev client),
// without fragment or user info (Back-Channel Logout 1.0 §2.2).
func checkBackchannelURI(raw string, dev bool) error {
	if err := checkURIText(raw); err != nil {
		return err
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") {
		return errors.New("must be an absolute https URL")
	}
	if err := checkWebURI(u); err != nil {
		return err
	}
	if u.Scheme == "http" && !dev && !isLoopbackHost(u.Hostname()) {
		return errors.New("http is only allowed on a loopback host (or for a dev client)")
	}
	return nil
}

// checkClientAuth applies the rules of token_endpoint_auth_method, jwks
// and jwks_uri: private_key_jwt needs a confidential client with exactly
// one of jwks (public keys) and jwks_uri (https, or http on loopback or
// for a dev client); none is for public clients; client_secret_jwt is
// not supported (the secret is stored only hashed).
func checkClientAuth(c storage.Client, add addFunc) {
	switch c.TokenEndpointAuthMethod {
	case "", AuthClientSecretBasic, AuthClientSecretPost:
		if c.TokenEndpointAuthMethod != "" && c.Public {
			add("token_endpoint_auth_method %q needs a confidential client", c.TokenEndpointAuthMethod)
		}
	case AuthNone:
		if !c.Public {
			add("token_endpoint_auth_method none is for public clients")
		}
	case AuthPrivateKeyJWT:
		if c.Public {
			add("token_endpoint_auth_method private_key_jwt needs a confidential client")
		}
		if (c.JWKS == "") == (c.JWKSURI == "") {
			add("token_endpoint_auth_method private_key_jwt needs exactly one of jwks and jwks_uri")
		}
	case AuthClientSecretJWT:
		add("token_endpoint_auth_method client_secret_jwt is not supported")
	default:
		add("token_endpoint_auth_method %q is not one of client_secret_basic, client_secret_post, private_key_jwt, none", c.TokenEndpointAuthMethod)
	}
	if c.JWKS != "" {
		if _, err := ParseClientJWKS(c.JWKS); err != nil {
			add("jwks: %v", err)
		}
	}
	if c.JWKSURI != "" {
		if err := checkBackchannelURI(c.JWKSURI, c.Dev); err != nil {
			add("jwks_uri %q: %v", c.JWKSURI, err)
		}
	}
}
