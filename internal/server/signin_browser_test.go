package server_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/testharness"
	"github.com/gatehouse/gatehouse/internal/testserver"
)

// TestSignInInBrowser: headless Chromium signs in through the login page
// and lands back at the client with a code; a second authorization in the
// same browser completes without the login page; prompt=login shows it
// again.
func TestSignInInBrowser(t *testing.T) {
	page := testharness.NewPage(t)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		code := r.URL.Query().Get("code")
		_, _ = w.Write([]byte(`<!doctype html><title>app</title><p id="code">` + url.QueryEscape(code) + `</p>`))
	}))
	t.Cleanup(app.Close)

	srv := testserver.Start(t, testserver.ServerOptions{})
	srv.CreateUser(t, "heidi@example.com", testPass)
	srv.CreateClient(t, config.ClientConfig{
		ID: "browserapp", Name: "Browser App", FirstParty: true,
		RedirectURIs: []string{app.URL + "/callback"}, GrantTypes: []string{"authorization_code"},
	})
	authURL := func(extra url.Values) string {
		q := authorizeQuery("browserapp", app.URL+"/callback")
		for k, v := range extra {
			q[k] = v
		}
		return srv.URL + "/authorize?" + q.Encode()
	}

	page.Navigate(authURL(nil))
	if !strings.HasPrefix(page.CurrentURL(), srv.URL+"/login") {
		t.Fatalf("expected the login page, at %s", page.CurrentURL())
	}
	page.Fill("#login", "heidi@example.com")
	page.Fill("#password", "wrong password")
	page.ClickAndWait(`main button[type="submit"]`)
	if alert := page.Text("#login-alert"); !strings.Contains(alert, "Incorrect") {
		t.Errorf("wrong password alert = %q", alert)
	}
	if got := page.Value("#login"); got != "heidi@example.com" {
		t.Errorf("the login field lost what was typed: %q", got)
	}
	if got := page.Value("#password"); got != "" {
		t.Error("the password was written back into the page")
	}
	page.Fill("#password", testPass)
	page.ClickAndWait(`main button[type="submit"]`)
	if !strings.HasPrefix(page.CurrentURL(), app.URL+"/callback") || page.Text("#code") == "" {
		t.Fatalf("not back at the client with a code: %s", page.CurrentURL())
	}

	page.Navigate(authURL(nil))
	if !strings.HasPrefix(page.CurrentURL(), app.URL+"/callback") || page.Text("#code") == "" {
		t.Fatalf("the second authorization did not complete silently: %s", page.CurrentURL())
	}

	page.Navigate(authURL(url.Values{"prompt": {"login"}}))
	if !strings.HasPrefix(page.CurrentURL(), srv.URL+"/login") {
		t.Fatalf("prompt=login must show the login page, at %s", page.CurrentURL())
	}
	page.Fill("#login", "heidi@example.com")
	page.Fill("#password", testPass)
	page.ClickAndWait(`main button[type="submit"]`)
	if !strings.HasPrefix(page.CurrentURL(), app.URL+"/callback") {
		t.Fatalf("after prompt=login sign-in: %s", page.CurrentURL())
	}
}
