package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/testserver"
)

// TestRelyingPartyCodeFlow: an independent relying party completes the
// authorization code flow with PKCE through the login form, verifies the ID
// token, reads userinfo, rotates its refresh token (the old one then fails
// and takes its family with it), introspects and revokes, and logs out.
func TestRelyingPartyCodeFlow(t *testing.T) {
	srv := testserver.Start(t, testserver.ServerOptions{})
	userID := srv.CreateUser(t, "alice@example.com", testPass)
	secret := registerClient(t, srv, "webapp", true)
	rp := newRelyingParty(t, srv, "webapp", secret)

	f := rp.newFlow()
	code := rp.signIn(f, "Alice@Example.com", testPass)
	tok, err := rp.exchange(f, code)
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	idt, claims := rp.verifyIDToken(tok, f.nonce)
	if idt.Subject != userID || claims["email"] != "alice@example.com" || claims["email_verified"] != true {
		t.Errorf("claims = %v", claims)
	}
	for _, c := range []string{"auth_time", "amr", "sid", "given_name", "family_name", "name"} {
		if _, ok := claims[c]; !ok {
			t.Errorf("ID token lacks %s: %v", c, claims)
		}
	}
	if tok.RefreshToken == "" {
		t.Fatal("no refresh token despite offline_access")
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	info, err := rp.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil || info.Subject != userID || info.Email != "alice@example.com" {
		t.Fatalf("userinfo %+v: %v", info, err)
	}

	// Refresh rotation: the new token works, the old one is reuse.
	refreshed, err := rp.oauth.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if refreshed.RefreshToken == "" || refreshed.RefreshToken == tok.RefreshToken {
		t.Fatal("the refresh token was not rotated")
	}
	refreshedID, refreshedClaims := rp.verifyIDToken(refreshed, "")
	if refreshedID.Subject != userID || refreshedClaims["auth_time"] != claims["auth_time"] {
		t.Errorf("refreshed ID token: sub %s auth_time %v, want %s %v", refreshedID.Subject, refreshedClaims["auth_time"], userID, claims["auth_time"])
	}
	status, body, _ := tokenRequest(t, srv.URL, "webapp", secret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}})
	if status != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Fatalf("reused refresh token: %d %v", status, body)
	}
	status, body, _ = tokenRequest(t, srv.URL, "webapp", secret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refreshed.RefreshToken}})
	if status != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Fatalf("after reuse the whole family must be revoked, newest token got %d %v", status, body)
	}

	// Introspection and revocation of a fresh access token.
	f2 := rp.newFlow()
	tok2, err := rp.exchange(f2, rp.codeFrom(f2, mustFollowSSO(t, rp, f2)))
	if err != nil {
		t.Fatal(err)
	}
	if got := introspect(t, srv.URL, "webapp", secret, tok2.AccessToken); got["active"] != true || got["sub"] != userID {
		t.Fatalf("introspection of a live token: %v", got)
	}
	if status, _, _ := rp.postFormBasic("/revoke", "webapp", secret, url.Values{"token": {tok2.AccessToken}}); status != http.StatusOK {
		t.Fatalf("revoke: %d", status)
	}
	if got := introspect(t, srv.URL, "webapp", secret, tok2.AccessToken); got["active"] != false {
		t.Fatalf("introspection after revocation: %v", got)
	}
	if status, _, _ := rp.postFormBasic("/oauth/introspect", "webapp", "wrong-secret-wrong-secret-wrong-secret", url.Values{"token": {tok2.AccessToken}}); status != http.StatusUnauthorized {
		t.Fatalf("introspection with a wrong client secret: %d, want 401", status)
	}
	if status, _, _ := rp.postForm("/oauth/introspect", url.Values{"token": {tok2.AccessToken}}); status != http.StatusUnauthorized {
		t.Fatalf("introspection without client authentication: %d, want 401", status)
	}

	// RP-initiated logout with id_token_hint and an exact post-logout URI.
	rawID, _ := tok2.Extra("id_token").(string)
	q := url.Values{"id_token_hint": {rawID}, "post_logout_redirect_uri": {rpLogout}, "state": {"bye"}}
	loc, _, _ := rp.follow("/end_session?" + q.Encode())
	if loc != rpLogout+"?state=bye" {
		t.Fatalf("end_session redirected to %q", loc)
	}
	// The session is over: the next authorization shows the login page.
	if loc, status, _ := rp.follow(rp.newFlow().url); loc != "" || status != http.StatusOK {
		t.Fatalf("after logout: redirect %q status %d", loc, status)
	}
}

// mustFollowSSO runs an authorization request that the browser's session
// completes without the login page and returns the client redirect.
func mustFollowSSO(t testing.TB, rp *relyingParty, f authFlow) string {
	t.Helper()
	loc, status, body := rp.follow(f.url)
	if loc == "" {
		t.Fatalf("SSO did not complete: status %d\n%s", status, body)
	}
	return loc
}

func (rp *relyingParty) postFormBasic(path, clientID, secret string, form url.Values) (int, string, string) {
	rp.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, rp.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(clientID), url.QueryEscape(secret))
	return rp.do(req)
}

func TestClientCredentials(t *testing.T) {
	srv := testserver.Start(t, testserver.ServerOptions{})
	secret := srv.CreateClient(t, config.ClientConfig{ID: "service", GrantTypes: []string{"client_credentials"}, Scopes: []string{"reports.read"}})
	cc := clientcredentials.Config{ClientID: "service", ClientSecret: secret, TokenURL: srv.URL + "/oauth/token", Scopes: []string{"reports.read"}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tok, err := cc.Token(ctx)
	if err != nil {
		t.Fatalf("client credentials: %v", err)
	}
	got := introspect(t, srv.URL, "service", secret, tok.AccessToken)
	if got["active"] != true || got["client_id"] != "service" {
		t.Errorf("introspection: %v", got)
	}
	bad := clientcredentials.Config{ClientID: "service", ClientSecret: strings.Repeat("x", 43), TokenURL: srv.URL + "/oauth/token"}
	if _, err := bad.Token(ctx); err == nil {
		t.Error("a wrong secret got a token")
	}
	status, body, hdr := tokenRequest(t, srv.URL, "service", secret, url.Values{"grant_type": {"client_credentials"}})
	if status != http.StatusOK || !strings.Contains(hdr.Get("Cache-Control"), "no-store") {
		t.Errorf("token response %d %v, Cache-Control %q", status, body, hdr.Get("Cache-Control"))
	}
	status, body, _ = tokenRequest(t, srv.URL, "service", secret, url.Values{"grant_type": {"password"}, "username": {"a"}, "password": {"b"}})
	if status == http.StatusOK {
		t.Errorf("grant_type=password was accepted: %v", body)
	}
}

// TestSingleSignOn: a second authorization in the same browser completes
// without the login page; prompt=login shows it again; prompt=none
// without a session returns login_required with no page.
func TestSingleSignOn(t *testing.T) {
	srv := testserver.Start(t, testserver.ServerOptions{})
	srv.CreateUser(t, "bob@example.com", testPass)
	secret := registerClient(t, srv, "portal", true)
	rp := newRelyingParty(t, srv, "portal", secret)

	f := rp.newFlow()
	first, err := rp.exchange(f, rp.signIn(f, "bob@example.com", testPass))
	if err != nil {
		t.Fatal(err)
	}
	_, firstClaims := rp.verifyIDToken(first, f.nonce)

	f2 := rp.newFlow()
	if _, err := rp.exchange(f2, rp.codeFrom(f2, mustFollowSSO(t, rp, f2))); err != nil {
		t.Fatal(err)
	}

	time.Sleep(1100 * time.Millisecond) // auth_time has second resolution
	f3 := rp.newFlow(oauth2.SetAuthURLParam("prompt", "login"))
	third, err := rp.exchange(f3, rp.signIn(f3, "bob@example.com", testPass))
	if err != nil {
		t.Fatal(err)
	}
	_, thirdClaims := rp.verifyIDToken(third, f3.nonce)
	if thirdClaims["auth_time"] == firstClaims["auth_time"] {
		t.Error("prompt=login must give a new auth_time")
	}

	stranger := newRelyingParty(t, srv, "portal", secret)
	f4 := stranger.newFlow(oauth2.SetAuthURLParam("prompt", "none"))
	loc, status, _ := stranger.follow(f4.url)
	if loc == "" || !strings.Contains(loc, "error=login_required") || !strings.Contains(loc, "state="+f4.state) {
		t.Fatalf("prompt=none without session: redirect %q status %d", loc, status)
	}
}

// TestConsent: a third-party client shows the consent page once; the grant
// is remembered for the same scopes.
func TestConsent(t *testing.T) {
	srv := testserver.Start(t, testserver.ServerOptions{})
	srv.CreateUser(t, "carol@example.com", testPass)
	secret := registerClient(t, srv, "thirdparty", false)
	rp := newRelyingParty(t, srv, "thirdparty", secret)

	f := rp.newFlow()
	loc, _, body := rp.follow(f.url)
	m := authRequestIDRe.FindStringSubmatch(body)
	if loc != "" || m == nil {
		t.Fatalf("expected the login page")
	}
	status, loc, _ := rp.postForm("/login", url.Values{"login": {"carol@example.com"}, "password": {testPass}, "authRequestID": {m[1]}})
	if status != http.StatusSeeOther {
		t.Fatalf("login: %d", status)
	}
	loc, status, body = rp.follow(loc)
	if loc != "" || status != http.StatusOK || !strings.Contains(body, "App thirdparty") || !strings.Contains(body, `value="allow"`) {
		t.Fatalf("expected the consent page naming the client, got %d %q", status, loc)
	}
	status, loc, _ = rp.postForm("/consent", url.Values{"authRequestID": {m[1]}, "action": {"allow"}})
	if status != http.StatusSeeOther {
		t.Fatalf("consent: %d", status)
	}
	if _, err := rp.exchange(f, rp.codeFrom(f, loc)); err != nil {
		t.Fatal(err)
	}
	f2 := rp.newFlow()
	if _, err := rp.exchange(f2, rp.codeFrom(f2, mustFollowSSO(t, rp, f2))); err != nil {
		t.Fatal("remembered consent should skip the page:", err)
	}
}
