package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/testharness"
	"github.com/gatehouse/gatehouse/internal/testserver"
)

const deviceGrant = "urn:ietf:params:oauth:grant-type:device_code"

// userCodeRe: 8 characters of the base-20 alphabet without vowels or
// look-alikes, shown as XXXX-XXXX.
var userCodeRe = regexp.MustCompile(`^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$`)

// deviceCLI is a command-line client of the device flow (x/oauth2).
func deviceCLI(t *testing.T, srv *testserver.Server, id string) *oauth2.Config {
	t.Helper()
	srv.CreateClient(t, config.ClientConfig{ID: id, Name: "TV " + id, Public: true,
		GrantTypes: []string{deviceGrant, "refresh_token"}, Scopes: []string{"openid", "profile", "offline_access"}})
	var disco struct {
		Device string   `json:"device_authorization_endpoint"`
		Token  string   `json:"token_endpoint"`
		Grants []string `json:"grant_types_supported"`
	}
	resp, err := http.Get(srv.URL + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&disco); err != nil {
		t.Fatal(err)
	}
	if disco.Device != srv.URL+"/oauth/device_authorization" || !strings.Contains(strings.Join(disco.Grants, " "), deviceGrant) {
		t.Fatalf("discovery: device endpoint %q, grants %v", disco.Device, disco.Grants)
	}
	return &oauth2.Config{ClientID: id, Scopes: []string{"openid", "profile", "offline_access"},
		Endpoint: oauth2.Endpoint{DeviceAuthURL: disco.Device, TokenURL: disco.Token, AuthStyle: oauth2.AuthStyleInParams}}
}

// pollOnce sends one device_code token request and returns the error code
// (or "" with the tokens).
func pollOnce(t *testing.T, srv *testserver.Server, clientID, deviceCode string) (string, map[string]any) {
	t.Helper()
	resp, err := http.PostForm(srv.URL+"/oauth/token", url.Values{"grant_type": {deviceGrant}, "client_id": {clientID}, "device_code": {deviceCode}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&body)
	if resp.StatusCode == http.StatusOK {
		return "", body
	}
	e, _ := body["error"].(string)
	return e, body
}

// TestDeviceFlowInBrowser: RFC 8628. A CLI-style client (x/oauth2) starts
// the device flow and polls (authorization_pending, then slow_down when
// too fast) while a Chromium session signs in on /device, types the code
// in lower case without the dash, sees the application and its scopes and
// approves: the client gets tokens whose ID token go-oidc verifies; the
// device code works once. A second request denied in the browser gets
// access_denied. Five wrong codes in a row are throttled: even the right
// code is then refused.
func TestDeviceFlowInBrowser(t *testing.T) {
	page := testharness.NewPage(t)
	srv := testserver.Start(t, testserver.ServerOptions{})
	srv.CreateUser(t, "dev@example.com", testPass)
	cli := deviceCLI(t, srv, "tv-cli")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	da, err := cli.DeviceAuth(ctx)
	if err != nil {
		t.Fatalf("device authorization: %v", err)
	}
	if !userCodeRe.MatchString(da.UserCode) || da.VerificationURI != srv.URL+"/device" ||
		da.VerificationURIComplete != srv.URL+"/device?user_code="+da.UserCode || da.Interval != 5 {
		t.Fatalf("device authorization response: %+v", da)
	}
	if e, _ := pollOnce(t, srv, "tv-cli", da.DeviceCode); e != "authorization_pending" {
		t.Fatalf("first poll: %q, want authorization_pending", e)
	}
	if e, _ := pollOnce(t, srv, "tv-cli", da.DeviceCode); e != "slow_down" {
		t.Fatalf("poll at once again: %q, want slow_down", e)
	}

	type result struct {
		tok *oauth2.Token
		err error
	}
	done := make(chan result, 1)
	go func() {
		tok, err := cli.DeviceAccessToken(ctx, da)
		done <- result{tok, err}
	}()

	page.Navigate(srv.URL + "/device")
	signInOnPage(t, page, "dev@example.com", testPass)
	if !strings.Contains(page.CurrentURL(), "/device") {
		t.Fatalf("after sign-in at %s, want /device", page.CurrentURL())
	}
	page.Fill("#user_code", strings.ToLower(strings.ReplaceAll(da.UserCode, "-", "")))
	page.ClickAndWait(`form[action="/device"] button[type="submit"]`)
	text := mainText(page.HTML())
	if !strings.Contains(text, "TV tv-cli") || !strings.Contains(text, da.UserCode) || !page.Has(`li[data-scope="offline_access"]`) {
		t.Fatalf("confirmation page without the application, code or scopes:\n%s", text)
	}
	page.ClickAndWait(`button[value="approve"]`)
	if !strings.Contains(mainText(page.HTML()), "Device connected") {
		t.Fatalf("after approving:\n%s", mainText(page.HTML()))
	}

	var r result
	select {
	case r = <-done:
	case <-ctx.Done():
		t.Fatal("the CLI got no tokens")
	}
	if r.err != nil {
		t.Fatalf("device access token: %v", r.err)
	}
	raw, _ := r.tok.Extra("id_token").(string)
	provider, err := oidc.NewProvider(ctx, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	idt, err := provider.Verifier(&oidc.Config{ClientID: "tv-cli"}).Verify(ctx, raw)
	if err != nil {
		t.Fatalf("ID token: %v", err)
	}
	if idt.Subject == "" || r.tok.RefreshToken == "" {
		t.Fatalf("subject %q, refresh token %q", idt.Subject, r.tok.RefreshToken)
	}
	if err := idt.VerifyAccessToken(r.tok.AccessToken); err != nil {
		t.Fatalf("the ID token's at_hash does not match the access token: %v", err)
	}
	if typ := jwtHeader(t, r.tok.AccessToken)["typ"]; typ != "at+jwt" {
		t.Fatalf("device access token typ %v, want at+jwt", typ)
	}
	if _, err := oidc.NewRemoteKeySet(ctx, srv.URL+"/keys").VerifySignature(ctx, r.tok.AccessToken); err != nil {
		t.Fatalf("device access token signature: %v", err)
	}
	if info := userinfoWith(t, srv, r.tok.AccessToken); info["sub"] != idt.Subject {
		t.Fatalf("userinfo with the device's token: %v", info)
	}
	time.Sleep(5 * time.Second)
	if e, _ := pollOnce(t, srv, "tv-cli", da.DeviceCode); e == "" {
		t.Fatal("the device code gave tokens twice")
	}

	// Denied.
	da2, err := cli.DeviceAuth(ctx)
	if err != nil {
		t.Fatal(err)
	}
	page.Navigate(da2.VerificationURIComplete)
	page.ClickAndWait(`button[value="deny"]`)
	if !strings.Contains(mainText(page.HTML()), "Request denied") {
		t.Fatalf("after denying:\n%s", mainText(page.HTML()))
	}
	if e, _ := pollOnce(t, srv, "tv-cli", da2.DeviceCode); e != "access_denied" {
		t.Fatalf("poll after deny: %q, want access_denied", e)
	}
	// A decided code cannot be used again on the page.
	page.Navigate(da2.VerificationURIComplete)
	if !strings.Contains(mainText(page.HTML()), "already used") {
		t.Fatalf("a decided code on the page:\n%s", mainText(page.HTML()))
	}

	// Five wrong codes, then even the right one is refused.
	da3, err := cli.DeviceAuth(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		page.Navigate(srv.URL + "/device")
		page.Fill("#user_code", "BCDF-GHJ"+string("KLMNP"[i]))
		page.ClickAndWait(`form[action="/device"] button[type="submit"]`)
		if !strings.Contains(mainText(page.HTML()), "not valid") {
			t.Fatalf("wrong code %d:\n%s", i+1, mainText(page.HTML()))
		}
		if got := page.Value("#user_code"); got != "BCDF-GHJ"+string("KLMNP"[i]) {
			t.Fatalf("the typed code was not kept: %q", got)
		}
	}
	page.Navigate(srv.URL + "/device")
	page.Fill("#user_code", da3.UserCode)
	page.ClickAndWait(`form[action="/device"] button[type="submit"]`)
	if !strings.Contains(mainText(page.HTML()), "Too many wrong codes") {
		t.Fatalf("after five wrong codes:\n%s", mainText(page.HTML()))
	}
	if e, _ := pollOnce(t, srv, "tv-cli", da3.DeviceCode); e != "authorization_pending" {
		t.Fatalf("the throttled request: %q, want still pending", e)
	}
}

// userinfoWith calls userinfo with an access token.
func userinfoWith(t *testing.T, srv *testserver.Server, access string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+access)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("userinfo with the device's token: %d", resp.StatusCode)
	}
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return m
}

// TestDeviceAuthorizationNeedsTheGrant: a client registered without the
// device code grant is refused at the device endpoint
// (unauthorized_client); the /device page needs a signed-in user.
func TestDeviceAuthorizationNeedsTheGrant(t *testing.T) {
	srv := testserver.Start(t, testserver.ServerOptions{})
	registerClient(t, srv, "web-only", true)
	resp, err := http.PostForm(srv.URL+"/oauth/device_authorization", url.Values{"client_id": {"web-only"}, "scope": {"openid"}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&body)
	if resp.StatusCode == http.StatusOK || body["error"] != "unauthorized_client" {
		t.Fatalf("device authorization for a client without the grant: %d %v", resp.StatusCode, body)
	}

	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	r, err := client.Get(srv.URL + "/device?user_code=BCDF-GHJK")
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if loc := r.Header.Get("Location"); r.StatusCode != http.StatusSeeOther && r.StatusCode != http.StatusFound ||
		!strings.HasPrefix(loc, "/login?") || !strings.Contains(loc, url.QueryEscape("/device?user_code=BCDF-GHJK")) {
		t.Fatalf("/device without a session: %d %q, want the login page returning to /device with the code", r.StatusCode, loc)
	}
}
