package server_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/testserver"
)

const (
	rpRedirect = "http://127.0.0.1:9/callback" // never contacted: redirects are read, not followed
	rpLogout   = "http://127.0.0.1:9/signed-out"
	testPass   = "correct horse battery staple"
)

// relyingParty is an independent OpenID relying party (coreos/go-oidc and
// golang.org/x/oauth2) with a browser-like HTTP client that keeps cookies
// and does not follow redirects by itself.
type relyingParty struct {
	t        testing.TB
	srv      *testserver.Server
	provider *oidc.Provider
	oauth    oauth2.Config
	verifier *oidc.IDTokenVerifier
	browser  *http.Client
}

func newRelyingParty(t testing.TB, srv *testserver.Server, clientID, secret string) *relyingParty {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	provider, err := oidc.NewProvider(ctx, srv.URL)
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	jar, _ := cookiejar.New(nil)
	return &relyingParty{
		t: t, srv: srv, provider: provider,
		oauth: oauth2.Config{
			ClientID: clientID, ClientSecret: secret, Endpoint: provider.Endpoint(),
			RedirectURL: rpRedirect, Scopes: []string{oidc.ScopeOpenID, "profile", "email", oidc.ScopeOfflineAccess},
		},
		verifier: provider.Verifier(&oidc.Config{ClientID: clientID}),
		browser: &http.Client{
			Jar: jar, Timeout: 15 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
}

func registerClient(t testing.TB, srv *testserver.Server, id string, firstParty bool, grants ...string) string {
	t.Helper()
	if len(grants) == 0 {
		grants = []string{"authorization_code", "refresh_token"}
	}
	return srv.CreateClient(t, config.ClientConfig{
		ID: id, Name: "App " + id, RedirectURIs: []string{rpRedirect},
		PostLogoutRedirectURIs: []string{rpLogout}, GrantTypes: grants, FirstParty: firstParty,
	})
}

func random(t testing.TB) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// authFlow is one authorization request in progress.
type authFlow struct {
	state, nonce, verifier string
	url                    string
}

func (rp *relyingParty) newFlow(extra ...oauth2.AuthCodeOption) authFlow {
	f := authFlow{state: random(rp.t), nonce: random(rp.t), verifier: oauth2.GenerateVerifier()}
	opts := append([]oauth2.AuthCodeOption{oidc.Nonce(f.nonce), oauth2.S256ChallengeOption(f.verifier)}, extra...)
	f.url = rp.oauth.AuthCodeURL(f.state, opts...)
	return f
}

// do sends a request with the RP's browser and returns status, Location
// and body.
func (rp *relyingParty) do(req *http.Request) (int, string, string) {
	rp.t.Helper()
	resp, err := rp.browser.Do(req)
	if err != nil {
		rp.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(body)
}

func (rp *relyingParty) get(raw string) (int, string, string) {
	rp.t.Helper()
	req, err := http.NewRequest(http.MethodGet, rp.absolute(raw), nil)
	if err != nil {
		rp.t.Fatal(err)
	}
	return rp.do(req)
}

func (rp *relyingParty) postForm(raw string, form url.Values) (int, string, string) {
	rp.t.Helper()
	req, err := http.NewRequest(http.MethodPost, rp.absolute(raw), strings.NewReader(form.Encode()))
	if err != nil {
		rp.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return rp.do(req)
}

func (rp *relyingParty) absolute(raw string) string {
	if strings.HasPrefix(raw, "/") {
		return rp.srv.URL + raw
	}
	return raw
}

var authRequestIDRe = regexp.MustCompile(`name="authRequestID" value="([^"]+)"`)

// follow walks redirects from raw until the browser is sent to the
// client's redirect URI (returned) or a page is shown (status, body).
func (rp *relyingParty) follow(raw string) (location string, status int, body string) {
	rp.t.Helper()
	for range 10 {
		status, loc, body := rp.get(raw)
		if status < 300 || status >= 400 {
			return "", status, body
		}
		if strings.HasPrefix(loc, rpRedirect) || strings.HasPrefix(loc, rpLogout) {
			return loc, status, body
		}
		raw = loc
	}
	rp.t.Fatal("too many redirects")
	return "", 0, ""
}

// signIn runs an authorization request through the login form and returns
// the code.
func (rp *relyingParty) signIn(f authFlow, login, password string) string {
	rp.t.Helper()
	loc, status, body := rp.follow(f.url)
	if loc != "" {
		rp.t.Fatalf("expected the login page, was redirected to %s", loc)
	}
	m := authRequestIDRe.FindStringSubmatch(body)
	if status != http.StatusOK || m == nil {
		rp.t.Fatalf("login page: status %d\n%s", status, body)
	}
	status, loc, body = rp.postForm("/login", url.Values{"login": {login}, "password": {password}, "authRequestID": {m[1]}})
	if status != http.StatusSeeOther {
		rp.t.Fatalf("login POST: status %d (want 303)\n%s", status, body)
	}
	return rp.codeFrom(f, loc)
}

// codeFrom follows loc to the client's redirect URI and returns the code,
// checking the state.
func (rp *relyingParty) codeFrom(f authFlow, loc string) string {
	rp.t.Helper()
	if !strings.HasPrefix(loc, rpRedirect) {
		var status int
		var body string
		loc, status, body = rp.follow(loc)
		if loc == "" {
			rp.t.Fatalf("no redirect to the client: status %d\n%s", status, body)
		}
	}
	u, err := url.Parse(loc)
	if err != nil {
		rp.t.Fatal(err)
	}
	q := u.Query()
	if q.Get("state") != f.state {
		rp.t.Fatalf("state %q, want %q (%s)", q.Get("state"), f.state, loc)
	}
	if q.Get("code") == "" {
		rp.t.Fatalf("no code in %s", loc)
	}
	return q.Get("code")
}

func (rp *relyingParty) exchange(f authFlow, code string) (*oauth2.Token, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return rp.oauth.Exchange(ctx, code, oauth2.VerifierOption(f.verifier))
}

// verifyIDToken checks signature, issuer, audience, expiry, nonce and
// at_hash and returns the claims.
func (rp *relyingParty) verifyIDToken(tok *oauth2.Token, nonce string) (*oidc.IDToken, map[string]any) {
	rp.t.Helper()
	raw, ok := tok.Extra("id_token").(string)
	if !ok {
		rp.t.Fatal("no id_token in the token response")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	idt, err := rp.verifier.Verify(ctx, raw)
	if err != nil {
		rp.t.Fatalf("ID token: %v", err)
	}
	if idt.Nonce != nonce {
		rp.t.Errorf("nonce %q, want %q", idt.Nonce, nonce)
	}
	if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
		rp.t.Errorf("at_hash: %v", err)
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		rp.t.Fatal(err)
	}
	return idt, claims
}

// introspect asks the introspection endpoint about token with the client's
// credentials and returns the response.
func introspect(t testing.TB, base, clientID, secret, token string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/oauth/introspect", strings.NewReader(url.Values{"token": {token}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(clientID), url.QueryEscape(secret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("introspection status %d: %v", resp.StatusCode, err)
	}
	return out
}

// tokenRequest posts form to the token endpoint with basic client auth.
func tokenRequest(t testing.TB, base, clientID, secret string, form url.Values) (int, map[string]any, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(clientID), url.QueryEscape(secret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out, resp.Header
}

func clientWithRedirect(id, redirect string) config.ClientConfig {
	return config.ClientConfig{ID: id, Name: id, RedirectURIs: []string{redirect}, GrantTypes: []string{"authorization_code", "refresh_token"}, FirstParty: true}
}

func regexpFind(s, pattern string) string {
	m := regexp.MustCompile(pattern).FindStringSubmatch(s)
	if m == nil {
		return ""
	}
	return m[1]
}

func htmlUnescape(s string) string { return html.UnescapeString(s) }
