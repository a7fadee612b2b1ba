package op

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/storage"
)

func validClient(t *testing.T) storage.Client {
	t.Helper()
	h, err := HashClientSecret(GenerateClientSecret())
	if err != nil {
		t.Fatal(err)
	}
	return storage.Client{
		ID: "app", SecretHash: h, RedirectURIs: []string{"https://app.example.com/cb"},
		PostLogoutRedirectURIs: []string{"https://app.example.com/bye"},
		GrantTypes:             []string{GrantAuthorizationCode, GrantRefreshToken},
		Scopes:                 []string{"openid", "profile", "email", "offline_access", "orders:read"},
		AccessTokenFormat:      storage.AccessTokenJWT,
	}
}

func TestValidateClient(t *testing.T) {
	tests := []struct {
		name   string
		mod    func(c *storage.Client)
		errHas string // empty: valid
	}{
		{"valid confidential", func(*storage.Client) {}, ""},
		{"valid public", func(c *storage.Client) { c.Public, c.SecretHash = true, "" }, ""},
		{"opaque tokens", func(c *storage.Client) { c.AccessTokenFormat = storage.AccessTokenOpaque }, ""},
		{"device flow, public, no redirect URI", func(c *storage.Client) {
			c.Public, c.SecretHash, c.RedirectURIs, c.GrantTypes = true, "", nil, []string{GrantDeviceCode, GrantRefreshToken}
		}, ""},
		{"id token alg ES256", func(c *storage.Client) { c.IDTokenSignedResponseAlg = AlgES256 }, ""},
		{"id token alg HS256", func(c *storage.Client) { c.IDTokenSignedResponseAlg = "HS256" }, "id_token_signed_response_alg"},
		{"loopback http 127.0.0.1", func(c *storage.Client) { c.RedirectURIs = []string{"http://127.0.0.1:8765/cb"} }, ""},
		{"loopback http localhost", func(c *storage.Client) { c.RedirectURIs = []string{"http://localhost:3000/cb"} }, ""},
		{"loopback http ::1", func(c *storage.Client) { c.RedirectURIs = []string{"http://[::1]:3000/cb"} }, ""},
		{"native custom scheme", func(c *storage.Client) { c.RedirectURIs = []string{"com.example.app:/oauth2redirect"} }, ""},
		{"dev client http", func(c *storage.Client) { c.Dev, c.RedirectURIs = true, []string{"http://app.internal/cb"} }, ""},
		{"query in redirect", func(c *storage.Client) { c.RedirectURIs = []string{"https://app.example.com/cb?x=1"} }, ""},
		{"client credentials only", func(c *storage.Client) {
			c.GrantTypes, c.RedirectURIs, c.PostLogoutRedirectURIs = []string{GrantClientCredentials}, nil, nil
			c.Scopes = DefaultScopes(c.GrantTypes)
		}, ""},
		{"offline_access without refresh_token", func(c *storage.Client) { c.GrantTypes = []string{GrantAuthorizationCode} }, "offline_access needs the refresh_token"},

		{"non-loopback http", func(c *storage.Client) { c.RedirectURIs = []string{"http://app.example.com/cb"} }, "loopback"},
		{"http post logout", func(c *storage.Client) { c.PostLogoutRedirectURIs = []string{"http://app.example.com/bye"} }, "post_logout_redirect_uris[0]"},
		{"wildcard host", func(c *storage.Client) { c.RedirectURIs = []string{"https://*.example.com/cb"} }, "wildcard"},
		{"wildcard path", func(c *storage.Client) { c.RedirectURIs = []string{"https://app.example.com/*"} }, "wildcard"},
		{"wildcard post logout", func(c *storage.Client) { c.PostLogoutRedirectURIs = []string{"https://app.example.com/*"} }, "wildcard"},
		{"javascript", func(c *storage.Client) { c.RedirectURIs = []string{"javascript:alert(1)"} }, "javascript"},
		{"javascript mixed case", func(c *storage.Client) { c.RedirectURIs = []string{"JaVaScRiPt:alert(1)"} }, "javascript"},
		{"javascript with dot", func(c *storage.Client) { c.RedirectURIs = []string{"javascript:a.b"} }, "javascript"},
		{"javascript tab", func(c *storage.Client) { c.RedirectURIs = []string{"java\tscript:alert(1)"} }, "whitespace"},
		{"data", func(c *storage.Client) { c.RedirectURIs = []string{"data:text/html,hi"} }, "data:"},
		{"data upper", func(c *storage.Client) { c.RedirectURIs = []string{"DATA:text/html,hi"} }, "data:"},
		{"vbscript", func(c *storage.Client) { c.RedirectURIs = []string{"VBScript:msgbox"} }, "vbscript"},
		{"javascript post logout", func(c *storage.Client) { c.PostLogoutRedirectURIs = []string{"javascript:alert(1)"} }, "javascript"},
		{"file scheme", func(c *storage.Client) { c.RedirectURIs = []string{"file:///etc/passwd"} }, "not allowed"},
		{"fragment", func(c *storage.Client) { c.RedirectURIs = []string{"https://app.example.com/cb#x"} }, "fragment"},
		{"empty fragment", func(c *storage.Client) { c.RedirectURIs = []string{"https://app.example.com/cb#"} }, "fragment"},
		{"relative", func(c *storage.Client) { c.RedirectURIs = []string{"/cb"} }, "absolute"},
		{"scheme relative", func(c *storage.Client) { c.RedirectURIs = []string{"//app.example.com/cb"} }, "absolute"},
		{"user info", func(c *storage.Client) { c.RedirectURIs = []string{"https://user@app.example.com/cb"} }, "user info"},
		{"no host", func(c *storage.Client) { c.RedirectURIs = []string{"https:///cb"} }, "host"},
		{"space", func(c *storage.Client) { c.RedirectURIs = []string{"https://app.example.com/c b"} }, "whitespace"},
		{"empty uri", func(c *storage.Client) { c.RedirectURIs = []string{""} }, "empty"},
		{"no redirect for code", func(c *storage.Client) { c.RedirectURIs = nil }, "redirect URI"},

		{"no grant", func(c *storage.Client) { c.GrantTypes = nil }, "at least one grant"},
		{"implicit grant", func(c *storage.Client) { c.GrantTypes = []string{"implicit"} }, "not allowed"},
		{"password grant", func(c *storage.Client) { c.GrantTypes = []string{GrantAuthorizationCode, "password"} }, "not allowed"},
		{"refresh without code", func(c *storage.Client) { c.GrantTypes = []string{GrantRefreshToken, GrantClientCredentials} }, "refresh_token needs"},
		{"client credentials public", func(c *storage.Client) {
			c.Public, c.SecretHash, c.GrantTypes = true, "", []string{GrantAuthorizationCode, GrantClientCredentials}
		}, "client_credentials needs"},
		{"confidential without secret", func(c *storage.Client) { c.SecretHash = "" }, "needs a secret"},
		{"public with secret", func(c *storage.Client) { c.Public = true }, "no secret"},
		{"plaintext secret", func(c *storage.Client) { c.SecretHash = "hunter2hunter2hunter2hunter2hunter2" }, "HashClientSecret"},
		{"token format", func(c *storage.Client) { c.AccessTokenFormat = "paseto" }, "access token format"},
		{"empty token format", func(c *storage.Client) { c.AccessTokenFormat = "" }, "access token format"},
		{"bad scope", func(c *storage.Client) { c.Scopes = []string{"openid", "a b"} }, "scope"},
		{"quote scope", func(c *storage.Client) { c.Scopes = []string{`a"b`} }, "scope"},
		{"empty id", func(c *storage.Client) { c.ID = "" }, "client id"},
		{"colon id", func(c *storage.Client) { c.ID = "a:b" }, "client id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validClient(t)
			tt.mod(&c)
			err := ValidateClient(c)
			if tt.errHas == "" {
				if err != nil {
					t.Fatalf("ValidateClient: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalidClient) {
				t.Fatalf("err = %v, want ErrInvalidClient", err)
			}
			if !strings.Contains(err.Error(), tt.errHas) {
				t.Fatalf("err = %q, want it to mention %q", err, tt.errHas)
			}
		})
	}
}

func TestValidateClientReportsEveryProblem(t *testing.T) {
	c := validClient(t)
	c.RedirectURIs = []string{"javascript:x", "https://a.example/*"}
	c.AccessTokenFormat = ""
	err := ValidateClient(c)
	for _, want := range []string{"redirect_uris[0]", "redirect_uris[1]", "access token format"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want it to mention %s", err, want)
		}
	}
}

// TestDefaultScopesFollowGrants: offline_access comes with refresh_token
// only, so the defaults always pass ValidateClient.
func TestDefaultScopesFollowGrants(t *testing.T) {
	if got := DefaultScopes(DefaultGrantTypes()); !slices.Contains(got, ScopeOfflineAccess) {
		t.Errorf("default scopes %v lack offline_access", got)
	}
	if got := DefaultScopes([]string{GrantAuthorizationCode}); slices.Contains(got, ScopeOfflineAccess) {
		t.Errorf("scopes %v offer offline_access without refresh_token", got)
	}
}
