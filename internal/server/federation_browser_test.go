package server_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/testharness"
)

// TestFederationInBrowser: headless Chromium signs up at the downstream
// through the upstream Gatehouse from an application's authorization
// request and lands back at the application with a code; the next
// authorization in the same browser completes at once with the same user.
func TestFederationInBrowser(t *testing.T) {
	page := testharness.NewPage(t)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		code := r.URL.Query().Get("code")
		_, _ = w.Write([]byte(`<!doctype html><title>app</title><p id="code">` + url.QueryEscape(code) + `</p>`))
	}))
	t.Cleanup(app.Close)

	env := startFederation(t, fedOptions{trustEmail: true})
	env.down.CreateClient(t, config.ClientConfig{
		ID: "browserapp", Name: "Browser App", FirstParty: true,
		RedirectURIs: []string{app.URL + "/callback"}, GrantTypes: []string{"authorization_code"},
	})
	authURL := env.down.URL + "/authorize?" + authorizeQuery("browserapp", app.URL+"/callback").Encode()

	page.Navigate(authURL)
	if !strings.HasPrefix(page.CurrentURL(), env.down.URL+"/login") {
		t.Fatalf("expected the downstream login page, at %s", page.CurrentURL())
	}
	if got := page.Text("a.federation-button"); !strings.Contains(got, "Continue with Upstream") {
		t.Fatalf("provider button = %q", got)
	}
	page.ClickAndWait("a.federation-button")
	if !strings.HasPrefix(page.CurrentURL(), env.up.Config.Issuer+"/login") {
		t.Fatalf("expected the upstream login page, at %s", page.CurrentURL())
	}
	page.Fill("#login", env.upEmail)
	page.Fill("#password", testPass)
	page.ClickAndWait(`button[type="submit"]`)
	page.WaitVisible("#code") // the continue page's Refresh goes on to the application
	if !strings.HasPrefix(page.CurrentURL(), app.URL+"/callback") || page.Text("#code") == "" {
		t.Fatalf("not back at the application with a code: %s\n%s", page.CurrentURL(), page.HTML())
	}
	u := env.downUser(t, env.upEmail)
	if !u.EmailVerified || u.GivenName != "Test" {
		t.Errorf("new user = %+v", u)
	}

	page.Navigate(authURL)
	if !strings.HasPrefix(page.CurrentURL(), app.URL+"/callback") || page.Text("#code") == "" {
		t.Fatalf("the second authorization did not complete silently: %s", page.CurrentURL())
	}
}
