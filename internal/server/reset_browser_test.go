package server_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/testharness"
)

// temporaryPasswordRe finds the temporary password in the text letter: the
// line indented by four spaces.
var temporaryPasswordRe = regexp.MustCompile(`(?m)^    (\S{16,})\s*$`)

// requestResetOnPage fills the reset request form the browser shows.
func requestResetOnPage(t *testing.T, page *testharness.Page, login, email string) {
	t.Helper()
	if login != "" {
		page.Fill("#login", login)
	}
	page.Fill("#email", email)
	page.Fill("#captcha", testCaptcha)
	page.ClickAndWait(`form[action="/reset"] button[type="submit"]`)
	if got := page.Text("h1"); got != "Check your email" {
		t.Fatalf("after the reset request: %q\n%s", got, mainText(page.HTML()))
	}
}

// TestResetLinkStyleInBrowser: "Forgot password?" on the sign-in page, the
// letter's link, a new password twice (a mismatch explained first), then
// the new password signs in to an application.
func TestResetLinkStyleInBrowser(t *testing.T) {
	page := testharness.NewPage(t)
	srv := startRegServer(t, nil)
	srv.CreateUser(t, "ada@example.com", testPass)
	app := newBrowserApp(t, srv, "reset-link")

	page.Navigate(srv.URL + "/login")
	page.ClickAndWait(`a[href="/reset"]`)
	requestResetOnPage(t, page, "", "ada@example.com")

	link := srv.link(t, srv.letter(t, "ada@example.com", "Reset your"), "/reset/password")
	page.Navigate(link)
	if !strings.Contains(page.Text("#password-help"), "From 8 to 128 characters") {
		t.Errorf("the policy is not shown: %q", page.Text("#password-help"))
	}
	page.Fill("#password", "lunar tulip harbor")
	waitLiveCheck(t, page, "meets the rules")
	page.Fill("#password_confirm", "lunar tulip harbos")
	page.ClickAndWait(`form[action="/reset/password"] button[type="submit"]`)
	if !strings.Contains(page.Text("#password_confirm-error"), "do not match") || page.Value("#password") != "" {
		t.Fatalf("mismatch not explained, or the password written back:\n%s", mainText(page.HTML()))
	}
	page.Fill("#password", "lunar tulip harbor")
	page.Fill("#password_confirm", "lunar tulip harbor")
	page.ClickAndWait(`form[action="/reset/password"] button[type="submit"]`)
	if got := page.Text("h1"); got != "Your password has been reset" {
		t.Fatalf("after the reset: %q\n%s", got, mainText(page.HTML()))
	}
	srv.letter(t, "ada@example.com", "has been reset")

	f := app.rp.newFlow()
	page.Navigate(f.url)
	signInOnPage(t, page, "ada@example.com", "lunar tulip harbor")
	app.finish(t, page, f)
}

// TestResetGeneratedStyleInBrowser: login and email, the confirmation
// letter's button, the generated password shown once, the second letter,
// and the generated password signs in.
func TestResetGeneratedStyleInBrowser(t *testing.T) {
	page := testharness.NewPage(t)
	srv := startRegServer(t, map[string]string{"GATEHOUSE_RESET_STYLE": "generated"})
	id := srv.CreateUser(t, "grace@example.com", testPass)
	setUsername(t, srv, id, "grace")
	app := newBrowserApp(t, srv, "reset-generated")

	page.Navigate(srv.URL + "/reset")
	requestResetOnPage(t, page, "grace", "grace@example.com")
	link := srv.link(t, srv.letter(t, "grace@example.com", "Confirm your"), "/reset/confirm")
	page.Navigate(link)
	page.ClickAndWait("#confirm-reset")
	if got := page.Text("h1"); got != "Your password has been reset" {
		t.Fatalf("after confirming: %q\n%s", got, mainText(page.HTML()))
	}
	generated := page.Value("#generated-password")
	if len(generated) < 24 {
		t.Fatalf("generated password %q", generated)
	}
	if !page.Has(`button[data-copy="generated-password"]:not([hidden])`) {
		t.Error("no copy button")
	}
	srv.letter(t, "grace@example.com", "has been reset")

	page.Navigate(link)
	if got := page.Text("h1"); got != "This reset link has been used" {
		t.Fatalf("the used link: %q", got)
	}
	f := app.rp.newFlow()
	page.Navigate(f.url)
	signInOnPage(t, page, "grace", generated)
	app.finish(t, page, f)
}

// TestResetTemporaryStyleInBrowser: the temporary password from the letter
// signs in once, and the change-password page comes before the
// application gets its code.
func TestResetTemporaryStyleInBrowser(t *testing.T) {
	page := testharness.NewPage(t)
	srv := startRegServer(t, map[string]string{"GATEHOUSE_RESET_STYLE": "temporary"})
	srv.CreateUser(t, "alan@example.com", testPass)
	app := newBrowserApp(t, srv, "reset-temporary")

	page.Navigate(srv.URL + "/reset")
	requestResetOnPage(t, page, "", "alan@example.com")
	m := temporaryPasswordRe.FindStringSubmatch(srv.letter(t, "alan@example.com", "temporary").TextBody)
	if m == nil {
		t.Fatal("no temporary password in the letter")
	}
	temp := m[1]

	f := app.rp.newFlow()
	page.Navigate(f.url)
	signInOnPage(t, page, "alan@example.com", temp)
	if !strings.Contains(page.CurrentURL(), "/account/password") || !page.Has("#forced-change") {
		t.Fatalf("not forced to change the password: %s\n%s", page.CurrentURL(), mainText(page.HTML()))
	}
	if page.Has("#current_password") {
		t.Fatal("the forced change asks again for the temporary password typed seconds earlier")
	}
	page.Fill("#password", "quiet meadow lantern")
	page.Fill("#password_confirm", "quiet")
	page.ClickAndWait(`form[action="/account/password"] button[type="submit"]`)
	if !page.Has("#password_confirm-error") || !page.Has("#forced-change") {
		t.Fatalf("a mismatched confirmation was not refused:\n%s", mainText(page.HTML()))
	}
	page.Fill("#password", "quiet meadow lantern")
	page.Fill("#password_confirm", "quiet meadow lantern")
	page.ClickAndWait(`form[action="/account/password"] button[type="submit"]`)
	app.finish(t, page, f)
	srv.letter(t, "alan@example.com", "has been changed")
}
