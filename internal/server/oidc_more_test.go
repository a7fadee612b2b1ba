package server_test

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/testserver"
)

// TestSigningAlgorithms: the relying party verifies ID tokens signed with
// each selectable algorithm.
func TestSigningAlgorithms(t *testing.T) {
	for _, alg := range []string{"RS256", "ES256", "EdDSA"} {
		t.Run(alg, func(t *testing.T) {
			srv := testserver.Start(t, testserver.ServerOptions{Env: map[string]string{"GATEHOUSE_SIGNING_ALGORITHM": alg}})
			srv.CreateUser(t, "ivan@example.com", testPass)
			secret := registerClient(t, srv, "algo", true)
			rp := newRelyingParty(t, srv, "algo", secret)
			f := rp.newFlow()
			tok, err := rp.exchange(f, rp.signIn(f, "ivan@example.com", testPass))
			if err != nil {
				t.Fatal(err)
			}
			rp.verifyIDToken(tok, f.nonce)
			resp, err := http.Get(srv.URL + "/keys")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "max-age=") {
				t.Errorf("/keys Cache-Control = %q", cc)
			}
		})
	}
}

// TestLogoutWithoutHintAsksForConfirmation: /end_session without an
// id_token_hint shows the confirmation page; confirming ends the session
// and returns to the registered post-logout URI with the state.
func TestLogoutWithoutHintAsksForConfirmation(t *testing.T) {
	srv := testserver.Start(t, testserver.ServerOptions{})
	srv.CreateUser(t, "judy@example.com", testPass)
	secret := registerClient(t, srv, "leaver", true)
	rp := newRelyingParty(t, srv, "leaver", secret)
	f := rp.newFlow()
	rp.signIn(f, "judy@example.com", testPass)

	q := url.Values{"client_id": {"leaver"}, "post_logout_redirect_uri": {rpLogout}, "state": {"st"}}
	loc, status, body := rp.follow("/end_session?" + q.Encode())
	if loc != "" || status != http.StatusOK || !strings.Contains(body, `action="/logout"`) {
		t.Fatalf("expected the confirmation page, got %d %q", status, loc)
	}
	// Still signed in until the user confirms.
	f2 := rp.newFlow()
	mustFollowSSO(t, rp, f2)

	m := regexpFind(body, `name="logout_request" value="([^"]*)"`)
	status, loc, _ = rp.postForm("/logout", url.Values{"logout_request": {htmlUnescape(m)}})
	if status != http.StatusSeeOther || loc != rpLogout+"?state=st" {
		t.Fatalf("confirm: %d %q", status, loc)
	}
	if loc, status, _ := rp.follow(rp.newFlow().url); loc != "" || status != http.StatusOK {
		t.Fatalf("the session survived the logout: %q %d", loc, status)
	}

	// A post-logout URI that is not registered is never redirected to.
	rp2 := newRelyingParty(t, srv, "leaver", secret)
	bad := url.Values{"client_id": {"leaver"}, "post_logout_redirect_uri": {"https://evil.example/"}, "state": {"x"}}
	loc, _, _ = rp2.follow("/end_session?" + bad.Encode())
	if strings.Contains(loc, "evil.example") {
		t.Fatalf("redirected to an unregistered URI: %q", loc)
	}
}

// TestStaticClientsFromConfigFile: clients declared in the YAML file are
// created at start and usable.
func TestStaticClientsFromConfigFile(t *testing.T) {
	dir := t.TempDir()
	secret := strings.Repeat("s3cret-", 6)
	file := filepath.Join(dir, "gatehouse.yaml")
	yaml := "clients:\n  - id: yamlapp\n    name: YAML App\n    secret: " + secret + "\n" +
		"    redirect_uris: [\"" + rpRedirect + "\"]\n    grant_types: [authorization_code, client_credentials]\n    first_party: true\n"
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := testserver.Start(t, testserver.ServerOptions{Env: map[string]string{"GATEHOUSE_CONFIG": file}})
	status, body, _ := tokenRequest(t, srv.URL, "yamlapp", secret, url.Values{"grant_type": {"client_credentials"}})
	if status != http.StatusOK {
		t.Fatalf("client from the configuration file: %d %v", status, body)
	}
}

// TestAuthRequestBoundToItsBrowser: an authorization request started in
// one browser cannot be finished in another (the victim of a forwarded
// link signs nothing in for the attacker).
func TestAuthRequestBoundToItsBrowser(t *testing.T) {
	srv := testserver.Start(t, testserver.ServerOptions{})
	srv.CreateUser(t, "mallory-victim@example.com", testPass)
	secret := registerClient(t, srv, "bound", true)
	attacker := newRelyingParty(t, srv, "bound", secret)
	f := attacker.newFlow()
	_, _, body := attacker.follow(f.url)
	id := regexpFind(body, `name="authRequestID" value="([^"]+)"`)
	if id == "" {
		t.Fatal("no login form")
	}
	victim := newRelyingParty(t, srv, "bound", secret)
	status, _, _ := victim.get("/login?authRequestID=" + url.QueryEscape(id))
	if status != http.StatusBadRequest {
		t.Errorf("another browser opened the request: %d", status)
	}
	status, loc, _ := victim.postForm("/login", url.Values{"login": {"mallory-victim@example.com"}, "password": {testPass}, "authRequestID": {id}})
	if status == http.StatusSeeOther && strings.Contains(loc, "/authorize/callback") {
		t.Fatalf("another browser completed the request: %d %s", status, loc)
	}
	// Even with the victim's session, the attacker's browser gets no code.
	if loc, _, _ := attacker.follow("/authorize/callback?id=" + url.QueryEscape(id)); strings.Contains(loc, "code=") {
		t.Fatalf("a code was issued for an unfinished request: %s", loc)
	}
}

// TestJWKSMaxAgeZeroMeansNoCache: GATEHOUSE_JWKS_MAX_AGE=0 is honoured as
// no-cache on /keys and discovery, not silently turned into 5 minutes.
func TestJWKSMaxAgeZeroMeansNoCache(t *testing.T) {
	for _, tc := range []struct{ value, want string }{{"0", "no-cache"}, {"90s", "public, max-age=90"}} {
		t.Run(tc.value, func(t *testing.T) {
			srv := testserver.Start(t, testserver.ServerOptions{Env: map[string]string{"GATEHOUSE_JWKS_MAX_AGE": tc.value}})
			for _, path := range []string{"/keys", "/.well-known/openid-configuration"} {
				resp, err := http.Get(srv.URL + path)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if cc := resp.Header.Get("Cache-Control"); resp.StatusCode != http.StatusOK || cc != tc.want {
					t.Errorf("%s: %d, Cache-Control %q, want %q", path, resp.StatusCode, cc, tc.want)
				}
			}
		})
	}
}
