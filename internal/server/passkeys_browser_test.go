package server_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/testharness"
)

// TestPasskeyAddAndSignInInBrowser: in Chromium with a virtual
// authenticator (CTAP2, internal transport, resident keys, user
// verification) the user adds a passkey from the security page, signs
// out, and signs in to an application with "Sign in with a passkey"
// without typing a login; the application's ID token says amr hwk, user
// and mfa, acr mfa. Then the same through the login field's autofill
// (conditional mediation).
func TestPasskeyAddAndSignInInBrowser(t *testing.T) {
	page := testharness.NewPage(t)
	srv := startPasskeyServer(t, "", nil)
	srv.CreateUser(t, "ada@example.com", testPass)
	app := newBrowserApp(t, srv, "passkey-browser")
	addVirtualAuthenticator(t, page)

	page.Navigate(srv.URL + "/login?return_to=/account/security")
	if got := page.Value("#login"); got != "" {
		t.Fatalf("login prefilled: %q", got)
	}
	signInOnPage(t, page, "ada@example.com", testPass)
	if !strings.Contains(page.Text("#passkeys-status"), "no passkeys") {
		t.Fatalf("security page before:\n%s", mainText(page.HTML()))
	}
	addPasskeyOnPage(t, page, "Laptop")
	if !strings.Contains(page.Text("#security-notice"), "added") {
		t.Fatalf("no notice:\n%s", mainText(page.HTML()))
	}
	srv.letter(t, "ada@example.com", "A passkey was added")

	page.Navigate(srv.URL + "/logout")
	page.ClickAndWait(`main form[action="/logout"] button[type="submit"]`)

	restore := withoutConditionalUI(t, page)
	f := app.rp.newFlow()
	page.Navigate(f.url)
	if !strings.Contains(page.CurrentURL(), "/login") {
		t.Fatalf("not at sign-in: %s", page.CurrentURL())
	}
	if !page.Has(`#login[autocomplete="username webauthn"]`) {
		t.Fatal("the login field does not offer passkeys in autofill")
	}
	page.WaitVisible("#passkey-signin-button")
	page.ClickAndWait("#passkey-signin-button")
	claims := app.finish(t, page, f)
	amr := amrOf(claims)
	for _, m := range []string{"hwk", "user", "mfa"} {
		if !slices.Contains(amr, m) {
			t.Fatalf("amr %v lacks %q", amr, m)
		}
	}
	if claims["acr"] != "mfa" {
		t.Fatalf("acr %v", claims["acr"])
	}

	// Where the browser offers passkeys in the login field's autofill
	// (conditional mediation), choosing it signs in: the virtual
	// authenticator answers such a request at once.
	restore()
	page.Navigate(srv.URL + "/logout")
	page.ClickAndWait(`main form[action="/logout"] button[type="submit"]`)
	f2 := app.rp.newFlow()
	page.Navigate(f2.url)
	page.WaitVisible("#state")
	if amr := amrOf(app.finish(t, page, f2)); !slices.Contains(amr, "mfa") {
		t.Fatalf("autofill sign-in amr %v", amr)
	}
}
