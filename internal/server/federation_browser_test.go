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
	page.ClickAndWait(`main button[type="submit"]`)
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

// TestFederationSignUpCompletionInBrowser: headless Chromium signs in
// through "Continue with Upstream" as a new identity on an instance with a
// captcha, a country and terms: after the upstream's form it lands on the
// completion form (not a new account); a wrong captcha keeps the country
// and the ticked terms; the right one creates the account and the browser
// goes on to the application with a code.
func TestFederationSignUpCompletionInBrowser(t *testing.T) {
	page := testharness.NewPage(t)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(`<!doctype html><title>app</title><p id="code">` + url.QueryEscape(r.URL.Query().Get("code")) + `</p>`))
	}))
	t.Cleanup(app.Close)
	env := startFederation(t, fedOptions{trustEmail: true, downEnv: map[string]string{
		"GATEHOUSE_CAPTCHA": "builtin", "GATEHOUSE_CAPTCHA_TEST_ANSWER": testCaptcha, "GATEHOUSE_DEV": "true",
		"GATEHOUSE_REGISTRATION_FIELDS": "email,password,password_confirm,country,accept_terms",
		"GATEHOUSE_TERMS_URL":           "https://example.test/terms",
	}})
	env.down.CreateClient(t, config.ClientConfig{
		ID: "browserapp", Name: "Browser App", FirstParty: true,
		RedirectURIs: []string{app.URL + "/callback"}, GrantTypes: []string{"authorization_code"},
	})

	page.Navigate(env.down.URL + "/authorize?" + authorizeQuery("browserapp", app.URL+"/callback").Encode())
	page.ClickAndWait("a.federation-button")
	page.Fill("#login", env.upEmail)
	page.Fill("#password", testPass)
	page.ClickAndWait(`main button[type="submit"]`)
	page.WaitVisible("#captcha")
	if !strings.HasPrefix(page.CurrentURL(), env.down.URL+"/federation/complete?") {
		t.Fatalf("expected the completion form, at %s", page.CurrentURL())
	}
	noDownUser(t, env)

	page.SetValue("#country", "DE")
	page.Click("#accept_terms")
	page.Fill("#captcha", "wrong")
	if status := page.ClickAndWait(`main button[type="submit"]`); status != http.StatusUnprocessableEntity {
		t.Fatalf("wrong captcha: status %d", status)
	}
	if page.Value("#country") != "DE" || !page.Has("#accept_terms:checked") {
		t.Fatalf("the form lost what was typed:\n%s", page.HTML())
	}
	noDownUser(t, env)

	page.Fill("#captcha", testCaptcha)
	page.ClickAndWait(`main button[type="submit"]`)
	page.WaitVisible("#code") // the continue page's Refresh goes on to the application
	if !strings.HasPrefix(page.CurrentURL(), app.URL+"/callback") || page.Text("#code") == "" {
		t.Fatalf("not back at the application with a code: %s\n%s", page.CurrentURL(), page.HTML())
	}
	if u := env.downUser(t, env.upEmail); u.Country != "DE" || u.TermsAcceptedAt.IsZero() {
		t.Errorf("new user = %+v", u)
	}
}
