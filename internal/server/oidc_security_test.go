package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"golang.org/x/oauth2"

	"github.com/gatehouse/gatehouse/internal/testserver"
)

func onBothDatabases(t *testing.T, test func(t *testing.T, opts testserver.ServerOptions)) {
	t.Run("sqlite", func(t *testing.T) { test(t, testserver.ServerOptions{}) })
	t.Run("postgres", func(t *testing.T) { test(t, testserver.ServerOptions{Postgres: true}) })
}

// TestParallelCodeRedemption: of 20 parallel exchanges of one code exactly
// one succeeds (SECURITY 39).
func TestParallelCodeRedemption(t *testing.T) {
	onBothDatabases(t, func(t *testing.T, opts testserver.ServerOptions) {
		srv := testserver.Start(t, opts)
		srv.CreateUser(t, "dave@example.com", testPass)
		secret := registerClient(t, srv, "racer", true)
		rp := newRelyingParty(t, srv, "racer", secret)
		f := rp.newFlow()
		code := rp.signIn(f, "dave@example.com", testPass)
		form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {rpRedirect}, "code_verifier": {f.verifier}}
		var won atomic.Value
		wins := parallel(20, func() bool {
			status, body, _ := tokenRequest(t, srv.URL, "racer", secret, form)
			if status == http.StatusOK {
				won.Store(body)
			}
			return status == http.StatusOK
		})
		if wins != 1 {
			t.Fatalf("%d of 20 parallel redemptions succeeded, want exactly 1", wins)
		}
		status, body, _ := tokenRequest(t, srv.URL, "racer", secret, form)
		if status != http.StatusBadRequest || body["error"] != "invalid_grant" {
			t.Errorf("later reuse: %d %v", status, body)
		}
		// The reuses revoked what the winner got, whichever order they
		// ran in.
		issued := won.Load().(map[string]any)
		refresh, _ := issued["refresh_token"].(string)
		if refresh == "" {
			t.Fatalf("the winner got no refresh token: %v", issued)
		}
		status, body, _ = tokenRequest(t, srv.URL, "racer", secret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}})
		if status != http.StatusBadRequest || body["error"] != "invalid_grant" {
			t.Errorf("the winner's refresh token after the code was reused: %d %v", status, body)
		}
		access, _ := issued["access_token"].(string)
		if got := introspect(t, srv.URL, "racer", secret, access); got["active"] != false {
			t.Errorf("the winner's access token after the code was reused: %v", got)
		}
	})
}

// TestParallelRefresh: of 20 parallel refreshes of one token exactly one
// succeeds (SECURITY 41).
func TestParallelRefresh(t *testing.T) {
	onBothDatabases(t, func(t *testing.T, opts testserver.ServerOptions) {
		srv := testserver.Start(t, opts)
		srv.CreateUser(t, "erin@example.com", testPass)
		secret := registerClient(t, srv, "refresher", true)
		rp := newRelyingParty(t, srv, "refresher", secret)
		f := rp.newFlow()
		tok, err := rp.exchange(f, rp.signIn(f, "erin@example.com", testPass))
		if err != nil {
			t.Fatal(err)
		}
		form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}}
		wins := parallel(20, func() bool {
			status, _, _ := tokenRequest(t, srv.URL, "refresher", secret, form)
			return status == http.StatusOK
		})
		if wins != 1 {
			t.Fatalf("%d of 20 parallel refreshes succeeded, want exactly 1", wins)
		}
	})
}

func parallel(n int, fn func() bool) int {
	var wins atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range n {
		wg.Go(func() {
			<-start
			if fn() {
				wins.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	return int(wins.Load())
}

// TestRedirectURIVariantsRefused: every variant of the registered redirect
// URI gets an error page and no redirect (SECURITY 32).
func TestRedirectURIVariantsRefused(t *testing.T) {
	srv := testserver.Start(t, testserver.ServerOptions{})
	srv.CreateClient(t, clientWithRedirect("strict", "https://app.example.com/cb"))
	variants := map[string]string{
		"trailing slash":   "https://app.example.com/cb/",
		"case change":      "https://APP.example.com/CB",
		"extra query":      "https://app.example.com/cb?x=1",
		"encoded slash":    "https://app.example.com%2Fcb",
		"path traversal":   "https://app.example.com/cb/..;/evil",
		"userinfo":         "https://app.example.com@evil.example/cb",
		"other port":       "https://app.example.com:8443/cb",
		"fragment":         "https://app.example.com/cb#x",
		"http downgrade":   "http://app.example.com/cb",
		"other host":       "https://evil.example/cb",
		"prefix extension": "https://app.example.com/cb2",
	}
	for name, uri := range variants {
		t.Run(name, func(t *testing.T) {
			q := authorizeQuery("strict", uri)
			status, loc, _ := plainGet(t, srv.URL+"/authorize?"+q.Encode())
			if loc != "" || status < 400 {
				t.Errorf("status %d, Location %q: want an error page and no redirect", status, loc)
			}
		})
	}
}

// TestAuthorizeRefusals: implicit response types, missing or plain PKCE
// and request_uri are refused for every client (SECURITY 34, 36, 38).
func TestAuthorizeRefusals(t *testing.T) {
	srv := testserver.Start(t, testserver.ServerOptions{})
	srv.CreateClient(t, clientWithRedirect("app", rpRedirect))
	tests := []struct {
		name  string
		edit  func(url.Values)
		error string
	}{
		{"response_type token", func(q url.Values) { q.Set("response_type", "token") }, "error=unauthorized_client"},
		{"response_type id_token token", func(q url.Values) { q.Set("response_type", "id_token token") }, "error=unauthorized_client"},
		{"no code_challenge", func(q url.Values) { q.Del("code_challenge"); q.Del("code_challenge_method") }, "invalid_request"},
		{"plain PKCE", func(q url.Values) { q.Set("code_challenge_method", "plain") }, "invalid_request"},
		{"request_uri", func(q url.Values) { q.Set("request_uri", "https://evil.example/req") }, "request_uri_not_supported"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := authorizeQuery("app", rpRedirect)
			tc.edit(q)
			status, loc, body := plainGet(t, srv.URL+"/authorize?"+q.Encode())
			if !strings.Contains(loc+body, tc.error) {
				t.Errorf("status %d Location %q body %q: want %s", status, loc, body, tc.error)
			}
			if strings.Contains(loc, "code=") || strings.Contains(loc, "access_token") {
				t.Error("a code or token was issued")
			}
		})
	}
}

// TestPKCEVerifierChecked: a code issued with a challenge and redeemed
// without or with a wrong verifier fails with invalid_grant (SECURITY 35);
// so does a redemption by another client (SECURITY 40).
func TestPKCEVerifierChecked(t *testing.T) {
	srv := testserver.Start(t, testserver.ServerOptions{})
	srv.CreateUser(t, "frank@example.com", testPass)
	secret := registerClient(t, srv, "pkce", true)
	otherSecret := registerClient(t, srv, "other", true)
	rp := newRelyingParty(t, srv, "pkce", secret)
	tests := []struct {
		name           string
		client, secret string
		verifier       func(authFlow) string
	}{
		{"missing verifier", "pkce", secret, func(authFlow) string { return "" }},
		{"wrong verifier", "pkce", secret, func(authFlow) string { return oauth2.GenerateVerifier() }},
		{"other client", "other", otherSecret, func(f authFlow) string { return f.verifier }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := rp.newFlow()
			code := rp.codeFrom(f, signInOrSSO(t, rp, f))
			form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {rpRedirect}}
			if v := tc.verifier(f); v != "" {
				form.Set("code_verifier", v)
			}
			status, body, _ := tokenRequest(t, srv.URL, tc.client, tc.secret, form)
			if status != http.StatusBadRequest || body["error"] != "invalid_grant" {
				t.Errorf("got %d %v, want invalid_grant", status, body)
			}
		})
	}
}

// signInOrSSO returns the client redirect of f, signing in when the
// browser has no session yet.
func signInOrSSO(t *testing.T, rp *relyingParty, f authFlow) string {
	t.Helper()
	loc, _, body := rp.follow(f.url)
	if loc != "" {
		return loc
	}
	m := authRequestIDRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no login form")
	}
	_, loc, _ = rp.postForm("/login", url.Values{"login": {"frank@example.com"}, "password": {testPass}, "authRequestID": {m[1]}})
	return loc
}

func authorizeQuery(clientID, redirect string) url.Values {
	return url.Values{
		"client_id": {clientID}, "redirect_uri": {redirect}, "response_type": {"code"},
		"scope": {"openid"}, "state": {"s"}, "nonce": {"n"},
		"code_challenge":        {oauth2.S256ChallengeFromVerifier(oauth2.GenerateVerifier())},
		"code_challenge_method": {"S256"},
	}
}

func plainGet(t *testing.T, raw string) (int, string, string) {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(raw)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	buf := new(strings.Builder)
	_, _ = strings.NewReader("").WriteTo(buf)
	b := make([]byte, 4096)
	n, _ := resp.Body.Read(b)
	return resp.StatusCode, resp.Header.Get("Location"), string(b[:n])
}
