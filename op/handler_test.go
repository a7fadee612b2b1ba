package op

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/gatehouse/gatehouse/storage"
)

func TestDiscovery(t *testing.T) {
	e := newTestEnv(t)
	w := e.do(http.MethodGet, PathDiscovery, nil, "", nil)
	if w.Code != http.StatusOK || w.Header().Get("Cache-Control") != "public, max-age=300" {
		t.Fatalf("discovery %d %v", w.Code, w.Header())
	}
	var d map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &d); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"issuer":                          testIssuer,
		"authorization_endpoint":          testIssuer + PathAuthorize,
		"token_endpoint":                  testIssuer + PathToken,
		"jwks_uri":                        testIssuer + PathKeys,
		"end_session_endpoint":            testIssuer + PathEndSession,
		"request_uri_parameter_supported": false,
		"request_parameter_supported":     nil, // omitted when false
	}
	for k, v := range want {
		if d[k] != v {
			t.Errorf("%s = %v, want %v", k, d[k], v)
		}
	}
	lists := map[string][]any{
		"response_types_supported":              {"code"},
		"grant_types_supported":                 {"authorization_code", "refresh_token", "client_credentials", "urn:ietf:params:oauth:grant-type:token-exchange"},
		"code_challenge_methods_supported":      {"S256"},
		"id_token_signing_alg_values_supported": {"ES256", "RS256"}, // RS256 stays offered
		"scopes_supported":                      {"openid", "profile", "email", "offline_access", "groups"},
		"prompt_values_supported":               {"none", "login", "consent", "select_account", "create"},
	}
	for k, v := range lists {
		if got, _ := d[k].([]any); !slices.Equal(got, v) {
			t.Errorf("%s = %v, want %v", k, d[k], v)
		}
	}
	if _, ok := d["device_authorization_endpoint"]; ok {
		t.Error("device endpoint announced")
	}
	if w := e.do(http.MethodPost, PathDiscovery, nil, "", nil); w.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST discovery: %d", w.Code)
	}
}

func TestCacheHeaders(t *testing.T) {
	e := newTestEnv(t)
	e.addClient(storage.Client{Public: true})
	if w := e.do(http.MethodGet, PathKeys, nil, "", nil); w.Header().Get("Cache-Control") != "public, max-age=300" || w.Header().Get("Pragma") != "" {
		t.Errorf("/keys headers %v", w.Header())
	}
	for _, path := range []string{PathAuthorize, PathEndSession, PathUserinfo} {
		w := e.do(http.MethodGet, path, nil, "", nil)
		if w.Header().Get("Cache-Control") != "no-store" || w.Header().Get("Pragma") != "no-cache" {
			t.Errorf("%s headers %v", path, w.Header())
		}
	}
	for _, path := range []string{PathToken, PathIntrospect, PathRevoke} {
		w := e.do(http.MethodPost, path, nil, "", nil)
		if w.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("%s headers %v", path, w.Header())
		}
	}
}

func TestCORS(t *testing.T) {
	e := newTestEnv(t)
	origin := http.Header{"Origin": {"https://spa.example"}}
	for _, path := range []string{PathKeys, PathDiscovery} {
		w := e.do(http.MethodGet, path, nil, "", origin)
		if w.Header().Get("Access-Control-Allow-Origin") == "" || w.Header().Get("Access-Control-Allow-Credentials") != "" {
			t.Errorf("%s CORS headers %v", path, w.Header())
		}
	}
	pre := http.Header{"Origin": {"https://spa.example"}, "Access-Control-Request-Method": {"POST"}, "Access-Control-Request-Headers": {"content-type"}}
	if w := e.do(http.MethodOptions, PathToken, nil, "", pre); w.Header().Get("Access-Control-Allow-Origin") == "" || w.Header().Get("Access-Control-Allow-Credentials") != "" {
		t.Errorf("token preflight %d %v", w.Code, w.Header())
	}
	for _, path := range []string{PathAuthorize, PathEndSession, PathIntrospect, PathCallback} {
		if w := e.do(http.MethodOptions, path, nil, "", pre); w.Header().Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("%s allows cross-origin calls: %v", path, w.Header())
		}
	}
}

func TestPathsAndUnknownRoutes(t *testing.T) {
	e := newTestEnv(t)
	got := e.p.Paths()
	for _, p := range []string{PathDiscovery, PathKeys, PathAuthorize, PathCallback, PathToken, PathIntrospect, PathUserinfo, PathRevoke, PathEndSession} {
		if !slices.Contains(got, p) {
			t.Errorf("Paths lacks %s", p)
		}
	}
	for _, p := range []string{"/healthz", "/ready", "/device_authorization", "/login"} {
		if w := e.do(http.MethodGet, p, nil, "", nil); w.Code != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", p, w.Code)
		}
	}
}
