package ui

import (
	"strings"
)

// The "Integration" panel of an application's page: what a relying
// party needs to sign in through Gatehouse (the issuer, the discovery
// URL and the endpoints) and example configurations to copy: generic
// environment variables, oauth2-proxy and Grafana.

// ProviderEndpoints are the provider's public URLs.
type ProviderEndpoints struct {
	Issuer, Discovery, Authorization, Token, Userinfo, JWKS, EndSession string
}

// AdminEndpoints gives the console the provider's URLs; an Admin that
// provides it gets the Integration panel on each application's page.
type AdminEndpoints interface {
	ProviderEndpoints() ProviderEndpoints
}

// integrationView is the panel's data.
type integrationView struct {
	Endpoints []endpointRow
	Examples  []integrationExample
}

// endpointRow is one URL of the panel.
type endpointRow struct{ ID, Label, URL string }

// integrationExample is one configuration to copy.
type integrationExample struct{ ID, Label, Hint, Text string }

// secretPlaceholder stands for the client's secret, which is never shown
// again after creation.
const secretPlaceholder = "<the client secret>"

// integration builds the panel of client in for lang; nil when the
// console does not know the provider's URLs.
func (u *UI) integration(lang string, in clientInput) *integrationView {
	ep, ok := u.admin.(AdminEndpoints)
	if !ok || in.New {
		return nil
	}
	e := ep.ProviderEndpoints()
	v := &integrationView{Endpoints: []endpointRow{
		{"issuer", u.bundle.T(lang, "console2.integration.issuer"), e.Issuer},
		{"discovery", u.bundle.T(lang, "console2.integration.discovery"), e.Discovery},
		{"authorization", u.bundle.T(lang, "console2.integration.authorization"), e.Authorization},
		{"token", u.bundle.T(lang, "console2.integration.token"), e.Token},
		{"userinfo", u.bundle.T(lang, "console2.integration.userinfo"), e.Userinfo},
		{"jwks", u.bundle.T(lang, "console2.integration.jwks"), e.JWKS},
		{"end-session", u.bundle.T(lang, "console2.integration.end_session"), e.EndSession},
	}}
	redirect := "https://app.example.com/callback"
	if len(in.RedirectURIs) > 0 {
		redirect = in.RedirectURIs[0]
	}
	secret := secretPlaceholder
	if in.Public {
		secret = ""
	}
	scopes := integrationScopes(in.Scopes)
	v.Examples = []integrationExample{
		{ID: "generic", Label: u.bundle.T(lang, "console2.integration.generic"), Hint: u.bundle.T(lang, "console2.integration.generic_hint"),
			Text: genericExample(e, in.ID, secret, redirect, scopes)},
		{ID: "oauth2-proxy", Label: "oauth2-proxy", Hint: u.bundle.T(lang, "console2.integration.oauth2_proxy_hint"),
			Text: oauth2ProxyExample(e, in.ID, secret, redirect, scopes)},
		{ID: "grafana", Label: "Grafana", Hint: u.bundle.T(lang, "console2.integration.grafana_hint"),
			Text: grafanaExample(e, in.ID, secret, scopes)},
	}
	return v
}

// integrationScopes are the scopes the examples ask for: the client's
// among openid, profile, email (openid always).
func integrationScopes(allowed []string) []string {
	out := []string{"openid"}
	for _, s := range []string{"profile", "email"} {
		for _, a := range allowed {
			if a == s {
				out = append(out, s)
			}
		}
	}
	return out
}

func genericExample(e ProviderEndpoints, id, secret, redirect string, scopes []string) string {
	lines := []string{
		"OIDC_ISSUER=" + e.Issuer,
		"OIDC_DISCOVERY_URL=" + e.Discovery,
		"OIDC_CLIENT_ID=" + id,
	}
	if secret != "" {
		lines = append(lines, "OIDC_CLIENT_SECRET="+secret)
	}
	lines = append(lines, "OIDC_REDIRECT_URI="+redirect, "OIDC_SCOPES="+strings.Join(scopes, " "))
	return strings.Join(lines, "\n")
}

func oauth2ProxyExample(e ProviderEndpoints, id, secret, redirect string, scopes []string) string {
	lines := []string{
		`provider = "oidc"`,
		`provider_display_name = "Gatehouse"`,
		`oidc_issuer_url = "` + e.Issuer + `"`,
		`client_id = "` + id + `"`,
	}
	if secret != "" {
		lines = append(lines, `client_secret = "`+secret+`"`)
	}
	lines = append(lines,
		`redirect_url = "`+redirect+`"`,
		`scope = "`+strings.Join(scopes, " ")+`"`,
		`code_challenge_method = "S256"`,
		`email_domains = ["*"]`,
		`cookie_secret = "<32 random bytes, base64>"`,
	)
	return strings.Join(lines, "\n")
}

func grafanaExample(e ProviderEndpoints, id, secret string, scopes []string) string {
	lines := []string{
		"[auth.generic_oauth]",
		"enabled = true",
		"name = Gatehouse",
		"allow_sign_up = true",
		"client_id = " + id,
	}
	if secret != "" {
		lines = append(lines, "client_secret = "+secret)
	}
	lines = append(lines,
		"scopes = "+strings.Join(scopes, " "),
		"auth_url = "+e.Authorization,
		"token_url = "+e.Token,
		"api_url = "+e.Userinfo,
		"signout_redirect_url = "+e.EndSession,
		"use_pkce = true",
		"email_attribute_path = email",
		"login_attribute_path = preferred_username",
		"name_attribute_path = name",
	)
	return strings.Join(lines, "\n")
}

// integrationMessageKeys lists the panel's keys built in Go.
func integrationMessageKeys() []string {
	return []string{"console2.integration.issuer", "console2.integration.discovery", "console2.integration.authorization",
		"console2.integration.token", "console2.integration.userinfo", "console2.integration.jwks",
		"console2.integration.end_session", "console2.integration.generic", "console2.integration.generic_hint",
		"console2.integration.oauth2_proxy_hint", "console2.integration.grafana_hint"}
}
