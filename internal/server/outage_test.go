package server_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/testharness"
	"github.com/gatehouse/gatehouse/internal/testserver"
	"github.com/gatehouse/gatehouse/storage"
)

// TestDatabaseOutageAnswers cuts PostgreSQL (through the harness's TCP
// proxy) while a person registers and a relying party redeems a valid code
// and uses its tokens: the page answers 503 "temporarily unavailable" with
// Retry-After and creates nothing; the token, introspection, userinfo and
// revocation endpoints answer 503 temporarily_unavailable (never
// invalid_grant or "inactive"); once the database is back the same code
// redeems and the same registration goes through, once.
func TestDatabaseOutageAnswers(t *testing.T) {
	dbURL, proxy := testharness.PostgresViaProxy(t)
	srv := testserver.Start(t, testserver.ServerOptions{
		DatabaseURL: dbURL,
		Env: map[string]string{
			"GATEHOUSE_DEV":                 "true",
			"GATEHOUSE_CAPTCHA_TEST_ANSWER": testCaptcha,
			"GATEHOUSE_READINESS_TIMEOUT":   "1s",
		},
	})
	secret := registerClient(t, srv, "outage-app", true)
	srv.CreateUser(t, "alice@example.test", testPass)
	rp := newRelyingParty(t, srv, "outage-app", secret)

	// Tokens to use during the outage, and a fresh code kept for it.
	f0 := rp.newFlow()
	tok0, err := rp.exchange(f0, rp.signIn(f0, "alice@example.test", testPass))
	if err != nil {
		t.Fatalf("exchange before the outage: %v", err)
	}
	f := rp.newFlow()
	code := rp.codeFrom(f, f.url) // signed in already: straight to the client
	status, _, regPage := rp.get("/register?lang=en")
	if status != http.StatusOK {
		t.Fatalf("GET /register: %d", status)
	}
	regForm := shapeAForm("bob", "bob@example.test", testPass)
	regForm.Set("captcha_id", captchaIDOf(t, regPage))
	regForm.Set("captcha", testCaptcha)

	adminToken := serviceToken(t, srv, "outage-admin", true)
	apiCall(t, srv.URL, http.MethodGet, "/users", adminToken, nil).want(t, http.StatusOK)

	proxy.Cut()

	t.Run("management API", func(t *testing.T) {
		r := apiCall(t, srv.URL, http.MethodGet, "/users", adminToken, nil)
		if r.status != http.StatusServiceUnavailable || r.body["type"] != "urn:gatehouse:problem:unavailable" || r.header.Get("Retry-After") == "" {
			t.Fatalf("GET /api/v1/users during the outage: %d %s (Retry-After %q), want 503 unavailable",
				r.status, r.raw, r.header.Get("Retry-After"))
		}
	})

	t.Run("registration page", func(t *testing.T) {
		resp, body := postPage(t, rp, "/register?lang=en", regForm)
		if resp.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("POST /register during the outage: %d, want 503\n%s", resp.StatusCode, body)
		}
		if resp.Header.Get("Retry-After") == "" {
			t.Error("the 503 page has no Retry-After")
		}
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("Content-Type = %q", ct)
		}
		for _, want := range []string{`<html lang="en"`, "temporarily unavailable", "Request ID"} {
			if !strings.Contains(body, want) {
				t.Errorf("the 503 page lacks %q:\n%s", want, mainText(body))
			}
		}
		if strings.Contains(body, "Something went wrong") {
			t.Error("the outage page says \"Something went wrong\"")
		}
	})

	t.Run("sign-in page", func(t *testing.T) {
		other := newRelyingParty(t, srv, "outage-app", secret) // no session: the password is checked
		resp, body := postPage(t, other, "/login?lang=en", url.Values{"login": {"alice@example.test"}, "password": {testPass}})
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
			t.Fatalf("POST /login during the outage: %d (Retry-After %q), want the 503 page\n%s",
				resp.StatusCode, resp.Header.Get("Retry-After"), mainText(body))
		}
	})

	t.Run("authorization endpoint", func(t *testing.T) {
		// A client not in the cache: its lookup meets the outage.
		resp, body := browserGet(t, srv.URL+"/authorize?"+authorizeQuery("not-cached", rpRedirect).Encode(), "en")
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
			t.Fatalf("/authorize during the outage: %d (Retry-After %q), want the 503 page\n%s",
				resp.StatusCode, resp.Header.Get("Retry-After"), body)
		}
		if !strings.Contains(body, "temporarily unavailable") || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Errorf("/authorize during the outage is not the 503 page:\n%s", body)
		}
	})

	t.Run("authorization endpoint, known client", func(t *testing.T) {
		// The client is cached: the request reaches the database only to be
		// stored, and the client is told to try again.
		f := rp.newFlow()
		status, loc, body := rp.get(f.url)
		if status != http.StatusFound && status != http.StatusSeeOther {
			t.Fatalf("/authorize during the outage: %d\n%s", status, body)
		}
		u, err := url.Parse(loc)
		if err != nil || !strings.HasPrefix(loc, rpRedirect) || u.Query().Get("error") != "temporarily_unavailable" || u.Query().Get("state") != f.state {
			t.Errorf("/authorize during the outage redirected to %s, want the client with error=temporarily_unavailable and the state", loc)
		}
	})

	tokenForm := url.Values{
		"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {rpRedirect}, "code_verifier": {f.verifier},
	}
	refreshForm := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok0.RefreshToken}}
	endpoints := []struct {
		name string
		do   func() (*http.Response, string)
	}{
		{"token (code)", func() (*http.Response, string) {
			return clientPost(t, srv.URL+"/oauth/token", "outage-app", secret, tokenForm)
		}},
		{"token (refresh)", func() (*http.Response, string) {
			return clientPost(t, srv.URL+"/oauth/token", "outage-app", secret, refreshForm)
		}},
		{"introspection", func() (*http.Response, string) {
			return clientPost(t, srv.URL+"/oauth/introspect", "outage-app", secret, url.Values{"token": {tok0.AccessToken}})
		}},
		{"revocation", func() (*http.Response, string) {
			return clientPost(t, srv.URL+"/revoke", "outage-app", secret, url.Values{"token": {tok0.RefreshToken}})
		}},
		{"userinfo", func() (*http.Response, string) {
			return outageBearerGet(t, srv.URL+"/userinfo", tok0.AccessToken)
		}},
	}
	for _, e := range endpoints {
		t.Run(e.name, func(t *testing.T) {
			resp, body := e.do()
			var answer struct {
				Error string `json:"error"`
			}
			_ = json.Unmarshal([]byte(body), &answer)
			if resp.StatusCode < 500 || (answer.Error != "temporarily_unavailable" && answer.Error != "server_error") {
				t.Fatalf("%s during the outage: %d %s, want 503 temporarily_unavailable", e.name, resp.StatusCode, body)
			}
			if resp.StatusCode == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") == "" {
				t.Errorf("%s: 503 without Retry-After", e.name)
			}
		})
	}

	proxy.Restore()
	waitStatus(t, srv.URL+"/readyz", http.StatusOK, 20*time.Second)

	if _, err := srv.Srv.Store().Users().ByLogin(t.Context(), "bob@example.test"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("the registration refused during the outage left a user behind: %v", err)
	}
	tok, err := rp.exchange(f, code)
	if err != nil {
		t.Fatalf("the code kept during the outage does not redeem once the database is back: %v", err)
	}
	rp.verifyIDToken(tok, f.nonce)
	if got := introspect(t, srv.URL, "outage-app", secret, tok0.AccessToken); got["active"] != true {
		t.Errorf("the access token used during the outage is no longer active: %v", got)
	}
	status, _, body := registerHTTP(t, rp, shapeAForm("bob", "bob@example.test", testPass))
	if status != http.StatusOK {
		t.Fatalf("registration after the outage: %d\n%s", status, mainText(body))
	}
	if _, err := srv.Srv.Store().Users().ByLogin(t.Context(), "bob@example.test"); err != nil {
		t.Errorf("registration after the outage created no user: %v", err)
	}
}

// postPage posts a form with the relying party's browser (its cookies) and
// returns the response and body.
func postPage(t *testing.T, rp *relyingParty, path string, form url.Values) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, rp.absolute(path), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", rp.srv.URL)
	return send(t, rp.browser, req)
}

// clientPost posts form to an endpoint with basic client authentication.
func clientPost(t *testing.T, endpoint, clientID, secret string, form url.Values) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(clientID), url.QueryEscape(secret))
	return send(t, &http.Client{Timeout: 30 * time.Second}, req)
}

// bearerGet gets endpoint with a bearer access token.
func outageBearerGet(t *testing.T, endpoint, token string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, endpoint, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	return send(t, &http.Client{Timeout: 30 * time.Second}, req)
}

func send(t *testing.T, client *http.Client, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}
