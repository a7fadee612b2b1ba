package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/testserver"
)

// registrationCall sends a JSON body (nil: none) with a bearer token to a
// registration URL and returns the status and JSON answer.
func registrationCall(t *testing.T, method, target, token string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, target, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	if resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("%s %s: Cache-Control %q", method, target, resp.Header.Get("Cache-Control"))
	}
	return resp.StatusCode, out
}

func discoveryDoc(t *testing.T, base string) map[string]any {
	t.Helper()
	resp, err := http.Get(base + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var d map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil {
		t.Fatal(err)
	}
	return d
}

// TestDynamicClientRegistration: RFC 7591/7592. Off by default (404, no
// registration_endpoint); on, an initial access token from the API
// registers a client through the rules of clients create (privileged
// fields ignored, bad redirect URIs and grants refused), the returned
// secret works, and the registration access token reads, replaces and
// deletes the registration; a revoked initial token registers nothing.
func TestDynamicClientRegistration(t *testing.T) {
	srv := testserver.Start(t, testserver.ServerOptions{})
	admin := serviceToken(t, srv, "dcr-admin", true)
	endpoint := srv.URL + "/oauth/register"
	meta := map[string]any{"client_name": "Dyn app", "redirect_uris": []string{"https://dyn.example/cb"},
		"grant_types": []string{"authorization_code", "client_credentials"}, "scope": "openid profile orders:read",
		"admin": true, "first_party": true, "dev": true, "software_id": "ignored"}

	if _, ok := discoveryDoc(t, srv.URL)["registration_endpoint"]; ok {
		t.Fatal("registration_endpoint announced while registration is off")
	}
	if status, _ := registrationCall(t, http.MethodPost, endpoint, "", meta); status != http.StatusNotFound {
		t.Fatalf("registration while off: %d", status)
	}

	apiCall(t, srv.URL, http.MethodPatch, "/settings", admin, map[string]any{"dynamic_client_registration": true}).want(t, http.StatusOK)
	if got := discoveryDoc(t, srv.URL)["registration_endpoint"]; got != endpoint {
		t.Fatalf("registration_endpoint = %v", got)
	}
	created := apiCall(t, srv.URL, http.MethodPost, "/registration-tokens", admin, map[string]any{"name": "ci", "expires_in": "1d"}).want(t, http.StatusCreated)
	initial, _ := created.body["token"].(string)
	tokenID, _ := created.body["id"].(string)
	if !strings.HasPrefix(initial, "ghreg_") || created.body["active"] != true || created.body["expires_at"] == nil {
		t.Fatalf("created token: %v", created.body)
	}
	listed := apiCall(t, srv.URL, http.MethodGet, "/registration-tokens", admin, nil).want(t, http.StatusOK).items()
	if len(listed) != 1 || listed[0]["id"] != tokenID || listed[0]["token"] != nil || strings.Contains(created.raw, "token_hash") {
		t.Fatalf("listed: %v", listed)
	}
	apiCall(t, srv.URL, http.MethodPost, "/registration-tokens", admin, map[string]any{"expires_in": "forever"}).want(t, http.StatusBadRequest)

	for name, token := range map[string]string{"none": "", "unknown": "ghreg_nope", "admin access token": admin} {
		if status, out := registrationCall(t, http.MethodPost, endpoint, token, meta); status != http.StatusUnauthorized || out["error"] != "invalid_token" {
			t.Errorf("register with %s token: %d %v", name, status, out)
		}
	}

	// The rules of clients create apply.
	refusals := map[string]struct {
		change  func(m map[string]any)
		errCode string
	}{
		"http redirect":     {func(m map[string]any) { m["redirect_uris"] = []string{"http://evil.example/cb"} }, "invalid_redirect_uri"},
		"wildcard redirect": {func(m map[string]any) { m["redirect_uris"] = []string{"https://*.example/cb"} }, "invalid_redirect_uri"},
		"password grant":    {func(m map[string]any) { m["grant_types"] = []string{"password"} }, "invalid_client_metadata"},
		"implicit":          {func(m map[string]any) { m["response_types"] = []string{"token"} }, "invalid_client_metadata"},
		"unknown auth":      {func(m map[string]any) { m["token_endpoint_auth_method"] = "tls_client_auth" }, "invalid_client_metadata"},
	}
	for name, tc := range refusals {
		m := map[string]any{}
		for k, v := range meta {
			m[k] = v
		}
		tc.change(m)
		if status, out := registrationCall(t, http.MethodPost, endpoint, initial, m); status != http.StatusBadRequest || out["error"] != tc.errCode {
			t.Errorf("%s: %d %v, want %s", name, status, out, tc.errCode)
		}
	}

	status, reg := registrationCall(t, http.MethodPost, endpoint, initial, meta)
	clientID, _ := reg["client_id"].(string)
	secret, _ := reg["client_secret"].(string)
	rat, _ := reg["registration_access_token"].(string)
	uri, _ := reg["registration_client_uri"].(string)
	if status != http.StatusCreated || clientID == "" || secret == "" || rat == "" || uri != endpoint+"/"+clientID ||
		reg["client_name"] != "Dyn app" || reg["client_secret_expires_at"] != float64(0) || reg["token_endpoint_auth_method"] != "client_secret_basic" {
		t.Fatalf("register: %d %v", status, reg)
	}
	stored := apiCall(t, srv.URL, http.MethodGet, "/clients/"+clientID, admin, nil).want(t, http.StatusOK)
	if stored.body["admin"] != false || stored.body["first_party"] != false || stored.body["dev"] != false {
		t.Fatalf("privileged metadata was applied: %v", stored.body)
	}
	if status, tok, _ := tokenRequest(t, srv.URL, clientID, secret, url.Values{"grant_type": {"client_credentials"}, "scope": {"orders:read"}}); status != http.StatusOK || tok["access_token"] == nil {
		t.Fatalf("the registered client's secret: %d %v", status, tok)
	}
	if tokens := apiCall(t, srv.URL, http.MethodGet, "/registration-tokens", admin, nil).want(t, http.StatusOK).items(); tokens[0]["last_used_at"] == nil {
		t.Errorf("last_used_at not recorded: %v", tokens)
	}

	// RFC 7592: read, replace, delete with the registration access token.
	if status, _ := registrationCall(t, http.MethodGet, uri, initial, nil); status != http.StatusUnauthorized {
		t.Errorf("read with the initial token: %d", status)
	}
	status, got := registrationCall(t, http.MethodGet, uri, rat, nil)
	if status != http.StatusOK || got["client_id"] != clientID || got["client_secret"] != nil || got["registration_access_token"] != nil {
		t.Fatalf("read: %d %v", status, got)
	}
	update := map[string]any{"client_id": clientID, "client_name": "Renamed", "redirect_uris": []string{"https://dyn.example/cb2"},
		"grant_types": []string{"authorization_code"}, "scope": "openid"}
	bad := map[string]any{}
	for k, v := range update {
		bad[k] = v
	}
	bad["redirect_uris"] = []string{"javascript:alert(1)"}
	if status, out := registrationCall(t, http.MethodPut, uri, rat, bad); status != http.StatusBadRequest || out["error"] != "invalid_redirect_uri" {
		t.Errorf("bad update: %d %v", status, out)
	}
	status, got = registrationCall(t, http.MethodPut, uri, rat, update)
	if status != http.StatusOK || got["client_name"] != "Renamed" || got["scope"] != "openid" {
		t.Fatalf("update: %d %v", status, got)
	}
	if status, tok, _ := tokenRequest(t, srv.URL, clientID, secret, url.Values{"grant_type": {"client_credentials"}}); status == http.StatusOK {
		t.Errorf("client_credentials still allowed after the update removed it: %v", tok)
	}
	otherStatus, other := registrationCall(t, http.MethodPost, endpoint, initial, meta)
	if otherStatus != http.StatusCreated {
		t.Fatalf("second registration: %d %v", otherStatus, other)
	}
	if status, _ := registrationCall(t, http.MethodGet, uri, other["registration_access_token"].(string), nil); status != http.StatusUnauthorized {
		t.Errorf("another client's registration access token read this one: %d", status)
	}
	if status, _ := registrationCall(t, http.MethodDelete, uri, rat, nil); status != http.StatusNoContent {
		t.Fatalf("delete: %d", status)
	}
	if status, _ := registrationCall(t, http.MethodGet, uri, rat, nil); status != http.StatusUnauthorized {
		t.Errorf("read after delete: %d", status)
	}
	apiCall(t, srv.URL, http.MethodGet, "/clients/"+clientID, admin, nil).want(t, http.StatusNotFound)

	// Revoked initial tokens register nothing; turning registration off
	// closes the endpoint and removes it from discovery.
	apiCall(t, srv.URL, http.MethodDelete, "/registration-tokens/"+tokenID, admin, nil).want(t, http.StatusNoContent)
	if status, _ := registrationCall(t, http.MethodPost, endpoint, initial, meta); status != http.StatusUnauthorized {
		t.Errorf("register with a revoked token: %d", status)
	}
	apiCall(t, srv.URL, http.MethodDelete, "/registration-tokens/missing", admin, nil).want(t, http.StatusNotFound)
	apiCall(t, srv.URL, http.MethodPatch, "/settings", admin, map[string]any{"dynamic_client_registration": false}).want(t, http.StatusOK)
	if _, ok := discoveryDoc(t, srv.URL)["registration_endpoint"]; ok {
		t.Error("registration_endpoint still announced")
	}
	if status, _ := registrationCall(t, http.MethodGet, endpoint+"/"+other["client_id"].(string), other["registration_access_token"].(string), nil); status != http.StatusNotFound {
		t.Errorf("configuration endpoint while off: %d", status)
	}
}

// TestDiscoveryReflectsProtocolSwitches: discovery announces exactly what
// is on, and each announced endpoint answers (issue 18 item 9): PAR and
// token exchange always, require_pushed_authorization_requests and
// registration_endpoint following the instance settings.
func TestDiscoveryReflectsProtocolSwitches(t *testing.T) {
	srv := testserver.Start(t, testserver.ServerOptions{})
	admin := serviceToken(t, srv, "disco-admin", true)
	check := func(requirePAR, registration bool) {
		t.Helper()
		d := discoveryDoc(t, srv.URL)
		if d["pushed_authorization_request_endpoint"] != srv.URL+"/oauth/par" || d["require_pushed_authorization_requests"] != requirePAR {
			t.Errorf("PAR fields: %v %v", d["pushed_authorization_request_endpoint"], d["require_pushed_authorization_requests"])
		}
		grants, _ := d["grant_types_supported"].([]any)
		if !slices.Contains(strings.Fields(fmtAny(grants)), grantTokenExchange) {
			t.Errorf("grant types %v", grants)
		}
		reg, has := d["registration_endpoint"]
		if has != registration || (has && reg != srv.URL+"/oauth/register") {
			t.Errorf("registration_endpoint %v (want present: %v)", reg, registration)
		}
		if status, _ := pushRequest(t, srv.URL, "", "", url.Values{"client_id": {"nobody"}}); status != http.StatusUnauthorized {
			t.Errorf("PAR endpoint: %d", status)
		}
		want := http.StatusNotFound
		if registration {
			want = http.StatusUnauthorized
		}
		if status, _ := registrationCall(t, http.MethodPost, srv.URL+"/oauth/register", "", map[string]any{}); status != want {
			t.Errorf("registration endpoint: %d, want %d", status, want)
		}
	}
	check(false, false)
	apiCall(t, srv.URL, http.MethodPatch, "/settings", admin, map[string]any{"require_pushed_authorization_requests": true,
		"dynamic_client_registration": true}).want(t, http.StatusOK)
	check(true, true)
	apiCall(t, srv.URL, http.MethodPatch, "/settings", admin, map[string]any{"require_pushed_authorization_requests": false,
		"dynamic_client_registration": false}).want(t, http.StatusOK)
	check(false, false)
}

func fmtAny(v []any) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i], _ = x.(string)
	}
	return strings.Join(parts, " ")
}
