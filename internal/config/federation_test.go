package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func loadYAML(t *testing.T, yaml string) (Config, error) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "gatehouse.yaml")
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(file, envOf(nil))
	if err != nil {
		return cfg, err
	}
	return cfg, cfg.Validate()
}

func TestFederationProvidersFromYAML(t *testing.T) {
	secretFile := filepath.Join(t.TempDir(), "gh-secret")
	if err := os.WriteFile(secretFile, []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := loadYAML(t, `federation:
  providers:
    - id: corp
      name: Corporate SSO
      type: oidc
      issuer: https://sso.example.com
      client_id: gh
      client_secret: s1
      trust_email: true
      allow_signup: false
      timeout: 3s
    - id: github
      type: github
      client_id: abc
      client_secret_file: `+secretFile+`
    - id: google
      type: google
      client_id: g
      client_secret: s
`)
	if err != nil {
		t.Fatal(err)
	}
	ps := cfg.Federation.Providers
	if len(ps) != 3 {
		t.Fatalf("providers = %+v", ps)
	}
	corp, gh, google := ps[0], ps[1], ps[2]
	if corp.Name != "Corporate SSO" || !corp.TrustEmail || corp.SignupAllowed() || corp.Timeout != 3*time.Second ||
		!corp.IsOIDC() || strings.Join(corp.Scopes, " ") != "openid email profile" {
		t.Errorf("corp = %+v", corp)
	}
	if gh.Name != "GitHub" || gh.ClientSecret != "from-file" || gh.AuthURL == "" || gh.UserinfoURL != "https://api.github.com/user" ||
		gh.IsOIDC() || !gh.SignupAllowed() || gh.TrustEmail || gh.AllowPrivateAddresses || gh.Timeout != DefaultProviderTimeout {
		t.Errorf("github = %+v", gh)
	}
	if google.Issuer != "https://accounts.google.com" || google.Name != "Google" {
		t.Errorf("google = %+v", google)
	}
}

func TestFederationProviderErrors(t *testing.T) {
	tests := []struct{ name, yaml, want string }{
		{"duplicate id", `- {id: a, type: google, client_id: x, client_secret: y}
    - {id: a, type: gitlab, client_id: x, client_secret: y}`, "duplicate id"},
		{"bad id", `- {id: "A B", type: google, client_id: x, client_secret: y}`, "id"},
		{"unknown type", `- {id: a, type: saml, client_id: x, client_secret: y}`, "type"},
		{"no secret", `- {id: a, type: google, client_id: x}`, "client_secret"},
		{"http issuer", `- {id: a, type: oidc, issuer: "http://sso.example.com", client_id: x, client_secret: y}`, "https"},
		{"no issuer", `- {id: a, type: oidc, client_id: x, client_secret: y}`, "issuer"},
		{"microsoft without tenant", `- {id: a, type: microsoft, client_id: x, client_secret: y}`, "tenant"},
		{"oauth2 without token url", `- {id: a, type: oauth2, auth_url: "https://x.example/a", userinfo_url: "https://x.example/u", client_id: x, client_secret: y}`, "token_url"},
		{"timeout", `- {id: a, type: google, client_id: x, client_secret: y, timeout: 10m}`, "timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadYAML(t, "federation:\n  providers:\n    "+tt.yaml+"\n")
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want ErrInvalid mentioning %q", err, tt.want)
			}
		})
	}
	// A private-network upstream over http is allowed only explicitly.
	_, err := loadYAML(t, `federation:
  providers:
    - {id: a, type: oidc, issuer: "http://127.0.0.1:9000", client_id: x, client_secret: y, allow_private_addresses: true}
`)
	if err != nil {
		t.Fatalf("allow_private_addresses with http: %v", err)
	}
}
