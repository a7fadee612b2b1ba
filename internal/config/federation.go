package config

import (
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"
)

// Provider types: the two generic kinds and the presets.
const (
	ProviderOIDC      = "oidc"
	ProviderOAuth2    = "oauth2"
	ProviderGitHub    = "github"
	ProviderGoogle    = "google"
	ProviderMicrosoft = "microsoft"
	ProviderGitLab    = "gitlab"
)

// DefaultProviderTimeout bounds every request to an upstream provider when
// its `timeout` is not set.
const DefaultProviderTimeout = 10 * time.Second

// FederationConfig is the YAML-only `federation:` section.
type FederationConfig struct {
	Providers []ProviderConfig `yaml:"providers"`
}

// ProviderConfig is one upstream identity provider (`federation.providers`).
// Presets (github, google, microsoft, gitlab) need only id, client_id and
// client_secret; Resolved fills in the rest.
type ProviderConfig struct {
	ID               string   `yaml:"id"`
	Name             string   `yaml:"name"`
	Type             string   `yaml:"type"`
	Issuer           string   `yaml:"issuer"`
	ClientID         string   `yaml:"client_id"`
	ClientSecret     string   `yaml:"client_secret"`
	ClientSecretFile string   `yaml:"client_secret_file"`
	Scopes           []string `yaml:"scopes"`
	// Tenant is the Microsoft Entra tenant id (microsoft preset).
	Tenant string `yaml:"tenant"`
	// OAuth2 (type oauth2): endpoints and where the userinfo answer keeps
	// each claim.
	AuthURL     string      `yaml:"auth_url"`
	TokenURL    string      `yaml:"token_url"`
	UserinfoURL string      `yaml:"userinfo_url"`
	Claims      ClaimFields `yaml:"claims"`
	// TrustEmail: a verified address from this upstream counts as
	// verified here (default false).
	TrustEmail bool `yaml:"trust_email"`
	// AllowSignup: an unknown identity may create a user (default true).
	AllowSignup *bool `yaml:"allow_signup"`
	// AllowPrivateAddresses lets the upstream's URLs resolve to loopback,
	// link-local or private addresses (default false, SECURITY 49).
	AllowPrivateAddresses bool `yaml:"allow_private_addresses"`
	// Timeout bounds every request to the upstream (DefaultProviderTimeout).
	Timeout time.Duration `yaml:"timeout"`
}

// ClaimFields names the userinfo members of an oauth2 provider. Empty
// fields take the OpenID Connect names (sub, email, email_verified,
// given_name, family_name, name).
type ClaimFields struct {
	Subject       string `yaml:"subject"`
	Email         string `yaml:"email"`
	EmailVerified string `yaml:"email_verified"`
	GivenName     string `yaml:"given_name"`
	FamilyName    string `yaml:"family_name"`
	Name          string `yaml:"name"`
}

// SignupAllowed reports allow_signup, true when unset.
func (p ProviderConfig) SignupAllowed() bool { return p.AllowSignup == nil || *p.AllowSignup }

// IsOIDC reports whether the provider is verified as OpenID Connect
// (discovery and ID token) rather than plain OAuth2.
func (p ProviderConfig) IsOIDC() bool {
	switch p.Type {
	case ProviderOIDC, ProviderGoogle, ProviderMicrosoft, ProviderGitLab:
		return true
	}
	return false
}

// Resolved returns p with a preset's issuer, endpoints, scopes and name
// filled in, the default timeout, and the secret read from
// client_secret_file when set.
func (p ProviderConfig) Resolved() (ProviderConfig, error) {
	switch p.Type {
	case ProviderGoogle:
		p.Issuer = orDefault(p.Issuer, "https://accounts.google.com")
		p.Name = orDefault(p.Name, "Google")
	case ProviderGitLab:
		p.Issuer = orDefault(p.Issuer, "https://gitlab.com")
		p.Name = orDefault(p.Name, "GitLab")
	case ProviderMicrosoft:
		if p.Issuer == "" && p.Tenant != "" {
			p.Issuer = "https://login.microsoftonline.com/" + url.PathEscape(p.Tenant) + "/v2.0"
		}
		p.Name = orDefault(p.Name, "Microsoft")
	case ProviderGitHub:
		p.AuthURL = orDefault(p.AuthURL, "https://github.com/login/oauth/authorize")
		p.TokenURL = orDefault(p.TokenURL, "https://github.com/login/oauth/access_token")
		p.UserinfoURL = orDefault(p.UserinfoURL, "https://api.github.com/user")
		p.Name = orDefault(p.Name, "GitHub")
		if len(p.Scopes) == 0 {
			p.Scopes = []string{"read:user", "user:email"}
		}
	}
	if p.IsOIDC() && len(p.Scopes) == 0 {
		p.Scopes = []string{"openid", "email", "profile"}
	}
	if p.Timeout == 0 {
		p.Timeout = DefaultProviderTimeout
	}
	p.Name = orDefault(p.Name, p.ID)
	if p.ClientSecret == "" && p.ClientSecretFile != "" {
		b, err := os.ReadFile(p.ClientSecretFile)
		if err != nil {
			return p, invalid("CONFIG", "federation provider %s: cannot read client_secret_file: %v", p.ID, err)
		}
		p.ClientSecret = strings.TrimSpace(string(b))
	}
	return p, nil
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

var providerIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)

// validateFederation checks the providers and replaces them with their
// resolved form.
func (c *Config) validateFederation() error {
	seen := map[string]bool{}
	for i, raw := range c.Federation.Providers {
		if !providerIDPattern.MatchString(raw.ID) {
			return invalid("CONFIG", "federation.providers[%d]: id %q must be 1-32 of a-z, 0-9, _ and -", i, raw.ID)
		}
		if seen[raw.ID] {
			return invalid("CONFIG", "federation.providers[%d]: duplicate id %q", i, raw.ID)
		}
		seen[raw.ID] = true
		p, err := raw.Resolved()
		if err != nil {
			return err
		}
		if err := p.validate(); err != nil {
			return invalid("CONFIG", "federation provider %s: %s", p.ID, err.Error())
		}
		c.Federation.Providers[i] = p
	}
	return nil
}

type problem string

func (p problem) Error() string { return string(p) }

func (p ProviderConfig) validate() error {
	switch p.Type {
	case ProviderOIDC, ProviderOAuth2, ProviderGitHub, ProviderGoogle, ProviderMicrosoft, ProviderGitLab:
	default:
		return problem("type " + quote(p.Type) + " is not oidc, oauth2, github, google, microsoft or gitlab")
	}
	if p.ClientID == "" || p.ClientSecret == "" {
		return problem("client_id and client_secret (or client_secret_file) are required")
	}
	if p.Timeout < 100*time.Millisecond || p.Timeout > 2*time.Minute {
		return problem("timeout must be between 100ms and 2m")
	}
	if p.IsOIDC() {
		if p.Type == ProviderMicrosoft && p.Issuer == "" {
			return problem("the microsoft preset needs tenant (a tenant id)")
		}
		return p.checkURL("issuer", p.Issuer)
	}
	for name, v := range map[string]string{"auth_url": p.AuthURL, "token_url": p.TokenURL, "userinfo_url": p.UserinfoURL} {
		if err := p.checkURL(name, v); err != nil {
			return err
		}
	}
	return nil
}

// checkURL requires an absolute https URL (http only with
// allow_private_addresses, for tests and private networks).
func (p ProviderConfig) checkURL(name, raw string) error {
	u, err := url.Parse(raw)
	if raw == "" || err != nil || u.Host == "" {
		return problem(name + " must be an absolute URL")
	}
	if u.Scheme != "https" && (u.Scheme != "http" || !p.AllowPrivateAddresses) {
		return problem(name + " must be https (http only with allow_private_addresses)")
	}
	return nil
}

func quote(s string) string { return `"` + s + `"` }
