package server_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/gatehouse/gatehouse/internal/testharness"
)

// TestMFAEnrolAndSignInInBrowser: from the account page the user sets up
// an authenticator (the test reads the key off the page and computes codes
// with pquerna/otp, as an app scanning the QR code would), sees the ten
// recovery codes with copy and download, signs out, signs in to an
// application with password and code, and the application's ID token says
// amr otp.
func TestMFAEnrolAndSignInInBrowser(t *testing.T) {
	page := testharness.NewPage(t)
	srv := startRegServer(t, nil)
	srv.CreateUser(t, "ada@example.com", testPass)
	app := newBrowserApp(t, srv, "mfa-browser")

	page.Navigate(srv.URL + "/login?return_to=/account")
	signInOnPage(t, page, "ada@example.com", testPass)
	page.ClickAndWait("#account-security")
	if !strings.Contains(page.Text("#totp-status"), "Off") {
		t.Fatalf("security page: %q", page.Text("#totp-status"))
	}
	page.ClickAndWait("#totp-enrol")
	secret := strings.ReplaceAll(page.Value("#totp-secret"), " ", "")
	if len(secret) != 32 {
		t.Fatalf("key %q\n%s", secret, mainText(page.HTML()))
	}
	loaded, err := chromedp.Run(page.Ctx, chromedp.Evaluate[bool](
		`(() => { const i = document.querySelector("#totp-qr"); return i.complete && i.naturalWidth > 0 && i.src.startsWith("data:image/png;base64,"); })()`))
	if err != nil || !loaded {
		t.Fatalf("the QR code image did not load (CSP img-src data:?): %v", err)
	}
	page.Fill("#code", "000000")
	page.ClickAndWait("#totp-submit")
	if totpCode(t, secret, 0) != "000000" && !strings.Contains(page.Text("#totp-alert"), "not right") {
		t.Fatalf("a wrong code was not refused:\n%s", mainText(page.HTML()))
	}
	page.Fill("#code", totpCode(t, secret, 0))
	page.ClickAndWait("#totp-submit")
	codes := strings.Fields(page.Value("#recovery-codes"))
	if len(codes) != 10 || !page.Has(`button[data-copy="recovery-codes"]:not([hidden])`) ||
		!page.Has(`a#recovery-download[download="recovery-codes.txt"][href^="data:text/plain"]`) {
		t.Fatalf("recovery codes page: %d codes\n%s", len(codes), mainText(page.HTML()))
	}
	srv.letter(t, "ada@example.com", "Two-step verification is on")
	page.ClickAndWait("#codes-continue")
	if !strings.Contains(page.Text("#totp-status"), "On since") || !strings.Contains(page.Text("#recovery-status"), "10") {
		t.Fatalf("security page after enrolment:\n%s", mainText(page.HTML()))
	}

	page.Navigate(srv.URL + "/logout")
	page.ClickAndWait(`main form[action="/logout"] button[type="submit"]`)

	f := app.rp.newFlow()
	page.Navigate(f.url)
	signInOnPage(t, page, "ada@example.com", testPass)
	if !strings.Contains(page.CurrentURL(), "/login/mfa") || page.Has("#password") {
		t.Fatalf("no second step: %s\n%s", page.CurrentURL(), mainText(page.HTML()))
	}
	page.Fill("#code", totpCode(t, secret, 1))
	page.ClickAndWait(`form[action="/login/mfa"] button[type="submit"]`)
	claims := app.finish(t, page, f)
	if amr := amrOf(claims); !slices.Contains(amr, "otp") || claims["acr"] != "mfa" {
		t.Fatalf("amr %v, acr %v", amr, claims["acr"])
	}
}
