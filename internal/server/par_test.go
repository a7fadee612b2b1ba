package server_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/testserver"
	"github.com/gatehouse/gatehouse/storage"
)

// pushRequest POSTs form to /oauth/par, with Basic credentials when
// secret is not "", and returns the status and JSON answer.
func pushRequest(t *testing.T, base, clientID, secret string, form url.Values) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+"/oauth/par", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if secret != "" {
		req.SetBasicAuth(url.QueryEscape(clientID), url.QueryEscape(secret))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	if resp.StatusCode == http.StatusCreated && resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("PAR response Cache-Control %q", resp.Header.Get("Cache-Control"))
	}
	return resp.StatusCode, out
}

// pushedFlow pushes the parameters of f (built by the relying party as for
// a front-channel request) and returns f pointing at /authorize with
// client_id and the request_uri alone.
func pushedFlow(t *testing.T, rp *relyingParty, f authFlow, form func(url.Values) url.Values) authFlow {
	t.Helper()
	u, err := url.Parse(f.url)
	if err != nil {
		t.Fatal(err)
	}
	params := u.Query()
	if form != nil {
		params = form(params)
	}
	status, out := pushRequest(t, rp.srv.URL, rp.oauth.ClientID, rp.oauth.ClientSecret, params)
	uri, _ := out["request_uri"].(string)
	if status != http.StatusCreated || !strings.HasPrefix(uri, "urn:ietf:params:oauth:request_uri:") || out["expires_in"] != float64(60) {
		t.Fatalf("push: %d %v", status, out)
	}
	f.url = rp.srv.URL + "/authorize?" + url.Values{"client_id": {rp.oauth.ClientID}, "request_uri": {uri}}.Encode()
	return f
}

// TestPushedAuthorizationRequests: RFC 9126. A client with require_par is
// refused at /authorize without a pushed request and gets through to
// tokens (go-oidc verifying the ID token) with one; the request_uri works
// once, only for its client, and not after it expired; discovery lists the
// endpoint.
func TestPushedAuthorizationRequests(t *testing.T) {
	srv := testserver.Start(t, testserver.ServerOptions{})
	srv.CreateUser(t, "par@example.com", testPass)
	secret := srv.CreateClient(t, config.ClientConfig{ID: "parapp", Name: "PAR app", RedirectURIs: []string{rpRedirect},
		GrantTypes: []string{"authorization_code", "refresh_token"}, FirstParty: true, RequirePAR: true})
	rp := newRelyingParty(t, srv, "parapp", secret)

	var disco map[string]any
	if err := rp.provider.Claims(&disco); err != nil {
		t.Fatal(err)
	}
	if disco["pushed_authorization_request_endpoint"] != srv.URL+"/oauth/par" || disco["require_pushed_authorization_requests"] != false {
		t.Fatalf("discovery: %v %v", disco["pushed_authorization_request_endpoint"], disco["require_pushed_authorization_requests"])
	}

	// Without PAR: refused, back to the registered redirect URI.
	plain := rp.newFlow()
	loc, status, body := rp.follow(plain.url)
	if p := responseParams(t, loc); loc == "" || p.Get("error") != "invalid_request" || p.Get("code") != "" || p.Get("state") != plain.state {
		t.Fatalf("front-channel request of a require_par client: %q %d\n%s", loc, status, body)
	}

	// With PAR: through to tokens.
	f := pushedFlow(t, rp, rp.newFlow(), nil)
	code := rp.signIn(f, "par@example.com", testPass)
	tok, err := rp.exchange(f, code)
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	if _, claims := rp.verifyIDToken(tok, f.nonce); claims["sub"] == "" {
		t.Fatalf("id token claims %v", claims)
	}

	// The request_uri was used: refused, with no redirect.
	if loc, status, _ := rp.follow(f.url); loc != "" || status != http.StatusBadRequest {
		t.Fatalf("reused request_uri: %q %d", loc, status)
	}

	// Another client's request_uri is refused and stays usable by its own.
	registerClient(t, srv, "otherapp", true)
	mine := pushedFlow(t, rp, rp.newFlow(), nil)
	stolen := strings.Replace(mine.url, "client_id=parapp", "client_id=otherapp", 1)
	if loc, status, _ := rp.follow(stolen); loc != "" || status != http.StatusBadRequest {
		t.Fatalf("another client's request_uri: %q %d", loc, status)
	}
	if loc := mustFollowSSO(t, rp, mine); rp.codeFrom(mine, loc) == "" {
		t.Fatal("no code after the refused theft")
	}

	// Expired: a pushed request whose 60 s are over is refused.
	random := "expired-" + random(t)
	h := sha256.Sum256([]byte(random))
	past := time.Now().Add(-time.Second)
	if err := srv.Srv.Store().PushedRequests().Create(context.Background(), &storage.PushedRequest{IDHash: h[:], ClientID: "parapp",
		Params: "response_type=code", CreatedAt: past.Add(-time.Minute), ExpiresAt: past}); err != nil {
		t.Fatal(err)
	}
	expired := srv.URL + "/authorize?client_id=parapp&request_uri=" + url.QueryEscape("urn:ietf:params:oauth:request_uri:"+random)
	if loc, status, _ := rp.follow(expired); loc != "" || status != http.StatusBadRequest {
		t.Fatalf("expired request_uri: %q %d", loc, status)
	}
	if !strings.Contains(srv.Logs(), "invalid_request_uri") {
		t.Error("the refusals are not logged as invalid_request_uri")
	}

	// A request_uri that is not ours is never fetched.
	foreign := srv.URL + "/authorize?client_id=parapp&request_uri=" + url.QueryEscape("https://attacker.example/req")
	if loc, status, _ := rp.follow(foreign); loc != "" || status != http.StatusBadRequest {
		t.Fatalf("foreign request_uri: %q %d", loc, status)
	}
}

// TestPushedAuthorizationRequestAuth: the PAR endpoint authenticates
// clients as the token endpoint does (client_secret_basic,
// client_secret_post, private_key_jwt, a public client by client_id) and
// checks the pushed parameters.
func TestPushedAuthorizationRequestAuth(t *testing.T) {
	srv := testserver.Start(t, testserver.ServerOptions{})
	secret := registerClient(t, srv, "pushy", true)
	key := newClientKey(t)
	srv.CreateClient(t, config.ClientConfig{ID: "keyedpar", RedirectURIs: []string{rpRedirect},
		TokenEndpointAuthMethod: "private_key_jwt", JWKS: key.jwks})
	srv.CreateClient(t, config.ClientConfig{ID: "spa", Public: true, RedirectURIs: []string{rpRedirect}})
	params := func(clientID string) url.Values {
		return url.Values{"client_id": {clientID}, "response_type": {"code"}, "redirect_uri": {rpRedirect}, "scope": {"openid"},
			"state": {"s"}, "code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}, "code_challenge_method": {"S256"}}
	}
	tests := []struct {
		name       string
		id, secret string
		form       url.Values
		status     int
		errCode    string
	}{
		{"client_secret_basic", "pushy", secret, params("pushy"), http.StatusCreated, ""},
		{"client_secret_post", "", "", withValues(params("pushy"), "client_secret", secret), http.StatusCreated, ""},
		{"private_key_jwt", "", "", withAssertion(params("keyedpar"), key.assertion(t, "keyedpar", srv.URL+"/oauth/par")), http.StatusCreated, ""},
		{"public client", "", "", params("spa"), http.StatusCreated, ""},
		{"wrong secret", "pushy", "wrong-" + secret, params("pushy"), http.StatusUnauthorized, "invalid_client"},
		{"confidential without credentials", "", "", params("pushy"), http.StatusUnauthorized, "invalid_client"},
		{"client_id differs from the credentials", "pushy", secret, params("spa"), http.StatusUnauthorized, "invalid_client"},
		{"private_key_jwt client with a foreign key", "", "", withAssertion(params("keyedpar"), newClientKey(t).assertion(t, "keyedpar", srv.URL)), http.StatusUnauthorized, "invalid_client"},
		{"unregistered redirect_uri", "pushy", secret, withValues(params("pushy"), "redirect_uri", "https://evil.example/cb"), http.StatusBadRequest, "invalid_request"},
		{"no code_challenge", "pushy", secret, withValues(params("pushy"), "code_challenge", ""), http.StatusBadRequest, "invalid_request"},
		{"request_uri inside", "pushy", secret, withValues(params("pushy"), "request_uri", "urn:ietf:params:oauth:request_uri:x"), http.StatusBadRequest, "invalid_request"},
		{"implicit flow", "pushy", secret, withValues(params("pushy"), "response_type", "token"), http.StatusBadRequest, "unsupported_response_type"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, out := pushRequest(t, srv.URL, tc.id, tc.secret, tc.form)
			if status != tc.status || (tc.errCode != "" && out["error"] != tc.errCode) {
				t.Fatalf("status %d %v, want %d %s", status, out, tc.status, tc.errCode)
			}
		})
	}
	if status, _ := pushRequest(t, srv.URL, "pushy", secret, nil); status != http.StatusBadRequest {
		t.Errorf("an empty push: %d", status)
	}
	resp, err := http.Get(srv.URL + "/oauth/par")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /oauth/par: %d", resp.StatusCode)
	}
}

func withValues(form url.Values, key, value string) url.Values {
	out := url.Values{}
	for k, v := range form {
		out[k] = v
	}
	out.Set(key, value)
	return out
}

// TestPushedAuthorizationRequiredForAll: the instance setting (API) makes
// every client push; discovery says so; the client field is set and read
// back by the API under both names.
func TestPushedAuthorizationRequiredForAll(t *testing.T) {
	srv := testserver.Start(t, testserver.ServerOptions{})
	srv.CreateUser(t, "all@example.com", testPass)
	admin := serviceToken(t, srv, "par-admin", true)
	secret := registerClient(t, srv, "everyapp", true)
	rp := newRelyingParty(t, srv, "everyapp", secret)
	if rp.signIn(rp.newFlow(), "all@example.com", testPass) == "" {
		t.Fatal("no code before the setting")
	}

	r := apiCall(t, srv.URL, http.MethodPatch, "/settings", admin, map[string]any{"require_pushed_authorization_requests": true}).want(t, http.StatusOK)
	if r.body["require_pushed_authorization_requests"] != true || r.body["dynamic_client_registration"] != false {
		t.Fatalf("settings: %v", r.body)
	}
	f := rp.newFlow()
	if loc, _, _ := rp.follow(f.url); responseParams(t, loc).Get("error") != "invalid_request" {
		t.Fatalf("front-channel request under the instance setting: %q", loc)
	}
	if c := rp.codeFrom(f, mustFollowSSO(t, rp, pushedFlow(t, rp, f, nil))); c == "" {
		t.Fatal("no code with PAR")
	}
	var disco map[string]any
	resp, err := http.Get(srv.URL + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	_ = json.NewDecoder(resp.Body).Decode(&disco)
	resp.Body.Close()
	if disco["require_pushed_authorization_requests"] != true {
		t.Fatalf("discovery after the setting: %v", disco["require_pushed_authorization_requests"])
	}

	created := apiCall(t, srv.URL, http.MethodPost, "/clients", admin, map[string]any{"id": "alias", "redirect_uris": []string{rpRedirect},
		"require_par": true}).want(t, http.StatusCreated)
	if created.body["require_pushed_authorization_requests"] != true {
		t.Fatalf("require_par not applied: %v", created.body)
	}
	patched := apiCall(t, srv.URL, http.MethodPatch, "/clients/alias", admin, map[string]any{"require_pushed_authorization_requests": false}).want(t, http.StatusOK)
	if patched.body["require_pushed_authorization_requests"] != false {
		t.Fatalf("patch: %v", patched.body)
	}
	got := apiCall(t, srv.URL, http.MethodGet, "/clients/alias", admin, nil).want(t, http.StatusOK)
	if got.body["require_pushed_authorization_requests"] != false || got.body["token_exchange_delegation"] != false {
		t.Fatalf("read back: %v", got.body)
	}
}
