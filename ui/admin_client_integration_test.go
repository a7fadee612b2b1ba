package ui

import (
	"strings"
	"testing"
)

// The example configurations carry the client's id, its first redirect
// URI, the scopes it may ask for, the provider's URLs under each tool's
// own keys, and a placeholder (never a secret) for a confidential
// client; a public client has no secret line.
func TestIntegrationExamples(t *testing.T) {
	iss := "https://id.example.com"
	e := ProviderEndpoints{Issuer: iss, Discovery: iss + "/.well-known/openid-configuration", Authorization: iss + "/authorize",
		Token: iss + "/oauth/token", Userinfo: iss + "/userinfo", JWKS: iss + "/keys", EndSession: iss + "/end_session"}
	scopes := integrationScopes([]string{"email", "openid", "offline_access"})
	if strings.Join(scopes, " ") != "openid email" {
		t.Fatalf("scopes %v", scopes)
	}
	proxy := oauth2ProxyExample(e, "wiki", secretPlaceholder, "https://wiki.example.com/oauth2/callback", scopes)
	for _, want := range []string{`provider = "oidc"`, `oidc_issuer_url = "https://id.example.com"`, `client_id = "wiki"`,
		`client_secret = "<the client secret>"`, `redirect_url = "https://wiki.example.com/oauth2/callback"`, `scope = "openid email"`} {
		if !strings.Contains(proxy, want) {
			t.Errorf("oauth2-proxy example lacks %q:\n%s", want, proxy)
		}
	}
	grafana := grafanaExample(e, "grafana", secretPlaceholder, scopes)
	for _, want := range []string{"[auth.generic_oauth]", "client_id = grafana", "auth_url = https://id.example.com/authorize",
		"token_url = https://id.example.com/oauth/token", "api_url = https://id.example.com/userinfo", "use_pkce = true"} {
		if !strings.Contains(grafana, want) {
			t.Errorf("Grafana example lacks %q:\n%s", want, grafana)
		}
	}
	generic := genericExample(e, "spa", "", "http://localhost:5173/cb", scopes)
	if strings.Contains(generic, "SECRET") || !strings.Contains(generic, "OIDC_ISSUER=https://id.example.com\n") ||
		!strings.Contains(generic, "OIDC_REDIRECT_URI=http://localhost:5173/cb") {
		t.Errorf("generic example of a public client:\n%s", generic)
	}
}
