package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/testserver"
)

// backchannelRP is a relying party's back-channel logout endpoint on
// loopback: it records the logout tokens it accepts, and answers 500 while
// down.
type backchannelRP struct {
	*httptest.Server
	down   atomic.Bool
	failed atomic.Int32
	mu     sync.Mutex
	tokens []string
}

func newBackchannelRP(t *testing.T) *backchannelRP {
	rp := &backchannelRP{}
	rp.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/backchannel" {
			http.NotFound(w, r)
			return
		}
		if rp.down.Load() {
			rp.failed.Add(1)
			http.Error(w, "down", http.StatusInternalServerError)
			return
		}
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
			http.Error(w, "bad content type", http.StatusBadRequest)
			return
		}
		rp.mu.Lock()
		rp.tokens = append(rp.tokens, r.PostFormValue("logout_token"))
		rp.mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(rp.Close)
	return rp
}

// waitToken waits for the first logout token.
func (rp *backchannelRP) waitToken(t *testing.T, within time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		rp.mu.Lock()
		n := len(rp.tokens)
		var tok string
		if n > 0 {
			tok = rp.tokens[0]
		}
		rp.mu.Unlock()
		if tok != "" {
			return tok
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no logout token within %v", within)
	return ""
}

// signInWithBackchannel registers a client with a back-channel logout URI,
// signs a user in through it and returns the relying party and the ID
// token's raw value and claims.
func signInWithBackchannel(t *testing.T, srv *testserver.Server, bc *backchannelRP, email string) (*relyingParty, string, map[string]any) {
	t.Helper()
	srv.CreateUser(t, email, testPass)
	secret := srv.CreateClient(t, config.ClientConfig{
		ID: "bcapp", Name: "Back-channel app", RedirectURIs: []string{rpRedirect},
		PostLogoutRedirectURIs: []string{rpLogout}, GrantTypes: []string{"authorization_code", "refresh_token"},
		FirstParty: true, BackchannelLogoutURI: bc.URL + "/backchannel", BackchannelLogoutSessionRequired: true,
	})
	rp := newRelyingParty(t, srv, "bcapp", secret)
	f := rp.newFlow()
	tok, err := rp.exchange(f, rp.signIn(f, email, testPass))
	if err != nil {
		t.Fatal(err)
	}
	_, claims := rp.verifyIDToken(tok, f.nonce)
	raw, _ := tok.Extra("id_token").(string)
	if sid, _ := claims["sid"].(string); sid == "" {
		t.Fatalf("the ID token has no sid: %v", claims)
	}
	return rp, raw, claims
}

// checkLogoutToken verifies token against the server's JWKS and checks its
// header and claims (Back-Channel Logout 1.0 §2.4).
func checkLogoutToken(t *testing.T, srv *testserver.Server, token string, id map[string]any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	payload, err := oidc.NewRemoteKeySet(ctx, srv.URL+"/keys").VerifySignature(ctx, token)
	if err != nil {
		t.Fatalf("the logout token does not verify against /keys: %v", err)
	}
	jws, err := jose.ParseSigned(token, []jose.SignatureAlgorithm{jose.RS256, jose.ES256, jose.EdDSA})
	if err != nil {
		t.Fatal(err)
	}
	if typ, _ := jws.Signatures[0].Header.ExtraHeaders["typ"].(string); typ != "logout+jwt" {
		t.Errorf("typ = %q, want logout+jwt", typ)
	}
	var c map[string]any
	if err := json.Unmarshal(payload, &c); err != nil {
		t.Fatal(err)
	}
	if c["iss"] != srv.URL || c["aud"] != "bcapp" || c["sid"] != id["sid"] || c["sub"] != id["sub"] {
		t.Errorf("claims %v do not match the session (sid %v, sub %v)", c, id["sid"], id["sub"])
	}
	if _, ok := c["nonce"]; ok {
		t.Error("a logout token must not carry nonce")
	}
	if jti, _ := c["jti"].(string); jti == "" {
		t.Error("no jti")
	}
	iat, _ := c["iat"].(float64)
	exp, _ := c["exp"].(float64)
	if iat == 0 || exp <= iat {
		t.Errorf("iat %v exp %v", iat, exp)
	}
	events, _ := c["events"].(map[string]any)
	if _, ok := events["http://schemas.openid.net/event/backchannel-logout"]; !ok {
		t.Errorf("events = %v", c["events"])
	}
}

// TestBackchannelLogoutOnBrowserLogout: logging out on /logout (after
// /end_session asks for confirmation) sends the client that got tokens in
// the session a logout token that verifies against JWKS with the sid.
// Discovery announces the feature.
func TestBackchannelLogoutOnBrowserLogout(t *testing.T) {
	srv := testserver.Start(t, testserver.ServerOptions{})
	bc := newBackchannelRP(t)
	rp, _, id := signInWithBackchannel(t, srv, bc, "bea@example.com")

	var disco map[string]any
	resp, err := http.Get(srv.URL + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	_ = json.NewDecoder(resp.Body).Decode(&disco)
	resp.Body.Close()
	if disco["backchannel_logout_supported"] != true || disco["backchannel_logout_session_supported"] != true {
		t.Errorf("discovery: backchannel_logout_supported %v, backchannel_logout_session_supported %v",
			disco["backchannel_logout_supported"], disco["backchannel_logout_session_supported"])
	}

	q := url.Values{"client_id": {"bcapp"}, "post_logout_redirect_uri": {rpLogout}}
	_, _, body := rp.follow("/end_session?" + q.Encode())
	m := regexpFind(body, `name="logout_request" value="([^"]*)"`)
	if status, _, _ := rp.postForm("/logout", url.Values{"logout_request": {htmlUnescape(m)}}); status != http.StatusSeeOther {
		t.Fatalf("logout: %d", status)
	}
	checkLogoutToken(t, srv, bc.waitToken(t, 5*time.Second), id)
}

// TestBackchannelLogoutRetriedUntilTheEndpointIsBack: with the relying
// party's endpoint failing, the logout token (RP-initiated logout with an
// id_token_hint, on Postgres) arrives once it answers again.
func TestBackchannelLogoutRetriedUntilTheEndpointIsBack(t *testing.T) {
	srv := testserver.Start(t, testserver.ServerOptions{Postgres: true})
	bc := newBackchannelRP(t)
	rp, raw, id := signInWithBackchannel(t, srv, bc, "rex@example.com")
	bc.down.Store(true)

	q := url.Values{"id_token_hint": {raw}, "post_logout_redirect_uri": {rpLogout}}
	if loc, _, _ := rp.follow("/end_session?" + q.Encode()); loc != rpLogout {
		t.Fatalf("end_session redirected to %q", loc)
	}
	deadline := time.Now().Add(10 * time.Second)
	for bc.failed.Load() < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("the worker tried %d times while the endpoint was down", bc.failed.Load())
		}
		time.Sleep(50 * time.Millisecond)
	}
	bc.down.Store(false)
	checkLogoutToken(t, srv, bc.waitToken(t, 15*time.Second), id)
}

// TestBackchannelLogoutWhenAdminEndsSessions: the management API reads and
// changes the back-channel fields (refusing a bad URL), and both ending a
// user's sessions and blocking them send logout tokens.
func TestBackchannelLogoutWhenAdminEndsSessions(t *testing.T) {
	srv := testserver.Start(t, testserver.ServerOptions{})
	bc := newBackchannelRP(t)
	_, _, id := signInWithBackchannel(t, srv, bc, "ada@example.com")
	admin := serviceToken(t, srv, "bc-admin", true)

	got := apiCall(t, srv.URL, http.MethodGet, "/clients/bcapp", admin, nil).want(t, http.StatusOK).body
	if got["backchannel_logout_uri"] != bc.URL+"/backchannel" || got["backchannel_logout_session_required"] != true {
		t.Errorf("client as the API shows it: %v", got)
	}
	bad := apiCall(t, srv.URL, http.MethodPatch, "/clients/bcapp", admin, map[string]any{"backchannel_logout_uri": "http://rp.example/bc"})
	bad.want(t, http.StatusBadRequest)
	if !strings.Contains(bad.raw, "backchannel_logout_uri") {
		t.Errorf("the refusal does not name the field: %s", bad.raw)
	}
	apiCall(t, srv.URL, http.MethodPatch, "/clients/bcapp", admin,
		map[string]any{"backchannel_logout_session_required": false}).want(t, http.StatusOK)
	got = apiCall(t, srv.URL, http.MethodGet, "/clients/bcapp", admin, nil).want(t, http.StatusOK).body
	if got["backchannel_logout_uri"] != bc.URL+"/backchannel" || got["backchannel_logout_session_required"] != false {
		t.Errorf("PATCH changed more than it was sent: %v", got)
	}

	sub, _ := id["sub"].(string)
	apiCall(t, srv.URL, http.MethodDelete, "/users/"+sub+"/sessions", admin, nil).want(t, http.StatusNoContent)
	checkLogoutToken(t, srv, bc.waitToken(t, 5*time.Second), id)
}

// TestBackchannelLogoutWhenBlocked: blocking a user ends their sessions and
// sends the logout token.
func TestBackchannelLogoutWhenBlocked(t *testing.T) {
	srv := testserver.Start(t, testserver.ServerOptions{})
	bc := newBackchannelRP(t)
	_, _, id := signInWithBackchannel(t, srv, bc, "blk@example.com")
	admin := serviceToken(t, srv, "bc-admin", true)
	sub, _ := id["sub"].(string)
	apiCall(t, srv.URL, http.MethodPost, "/users/"+sub+"/block", admin, nil).want(t, http.StatusOK)
	checkLogoutToken(t, srv, bc.waitToken(t, 5*time.Second), id)
}

// TestBackchannelConsoleForm: the console's client form refuses a bad
// back-channel logout URL with a message and keeps what was typed; a good
// one is stored with the session flag.
func TestBackchannelConsoleForm(t *testing.T) {
	srv := startRegServer(t, nil)
	rp, _ := adminRP(t, srv)
	form := url.Values{"id": {"bcform"}, "name": {"BC"}, "redirect_uris": {"https://app.example.com/cb"},
		"grant_types": {"authorization_code"}, "scopes": {"openid"}, "access_token_format": {"jwt"},
		"backchannel_logout_uri": {"http://app.example.com/bc"}, "backchannel_logout_session_required": {"1"}}
	_, body := consolePost(t, rp, "/admin/clients/new", form, http.StatusUnprocessableEntity)
	if !strings.Contains(body, `id="backchannel_logout_uri-error"`) || !strings.Contains(body, `value="http://app.example.com/bc"`) ||
		!strings.Contains(body, "Not a valid back-channel logout URL") {
		t.Fatalf("bad back-channel URL:\n%s", mainText(body))
	}
	form.Set("backchannel_logout_uri", "https://app.example.com/bc")
	consolePost(t, rp, "/admin/clients/new", form, http.StatusOK)
	cl, err := srv.Srv.Store().Clients().ByID(context.Background(), "bcform")
	if err != nil || cl.BackchannelLogoutURI != "https://app.example.com/bc" || !cl.BackchannelLogoutSessionRequired {
		t.Fatalf("stored client %+v %v", cl, err)
	}
	if _, _, body = rp.get("/admin/clients/bcform"); !strings.Contains(body, `value="https://app.example.com/bc"`) {
		t.Fatal("the edit form does not show the back-channel URL")
	}
}
