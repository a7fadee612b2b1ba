package server_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/testharness"
	"github.com/gatehouse/gatehouse/storage"
)

// phoneWidth is the narrow screen the pages must fit (issue 17).
const phoneWidth = 390

// onPhone emulates a 390 px wide phone screen.
func onPhone(page *testharness.Page) {
	page.Do(chromedp.EmulateViewport(phoneWidth, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile))
}

// assertFitsPhone fails when the page scrolls sideways at 390 px, and saves
// a screenshot named name in GATEHOUSE_TEST_SCREENSHOTS (else a temporary
// directory).
func assertFitsPhone(t *testing.T, page *testharness.Page, name string) {
	t.Helper()
	fits, err := chromedp.Run(page.Ctx, chromedp.Evaluate[bool](
		`window.innerWidth === 390 && document.scrollingElement.scrollWidth <= document.scrollingElement.clientWidth`))
	if err != nil {
		t.Fatalf("%s: measure: %v", name, err)
	}
	if !fits {
		width, _ := chromedp.Run(page.Ctx, chromedp.Evaluate[int](`document.scrollingElement.scrollWidth`))
		t.Errorf("%s scrolls sideways at 390 px: scrollWidth %d", name, width)
	}
	shot, err := chromedp.Run(page.Ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("%s: screenshot: %v", name, err)
	}
	dir := os.Getenv("GATEHOUSE_TEST_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.WriteFile(filepath.Join(dir, "390-"+name+".png"), shot, 0o644); err != nil {
		t.Fatalf("%s: save screenshot: %v", name, err)
	}
}

// evalBool evaluates a JavaScript expression on the page.
func evalBool(t *testing.T, page *testharness.Page, expr string) bool {
	t.Helper()
	v, err := chromedp.Run(page.Ctx, chromedp.Evaluate[bool](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// TestNavigationOnPhone walks the pages issue 17 touches on a 390 px
// screen: none scrolls sideways (landing signed out and in, sign-in,
// consent, account, admin dashboard, error page); the header's menu holds
// Account and Sign out for a user and Administration for an administrator;
// the language switch is in the header; "Show password" flips the field
// and aria-pressed; "Switch account" on the consent page signs out and
// returns to the same request's sign-in; the landing page lists the
// application with its home_url.
func TestNavigationOnPhone(t *testing.T) {
	// A long walk: more than the default bound on a busy machine.
	page := testharness.NewPageTimeout(t, 4*time.Minute)
	srv := startRegServer(t, nil)
	srv.CreateUser(t, "pia@example.com", testPass)
	srv.CreateUser(t, "other@example.com", testPass)
	createUserWith(t, srv.Server, "root@example.com", storage.UserActive, storage.RoleAdmin)

	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(`<!doctype html><title>notes</title><h1>Notes</h1>`))
	}))
	t.Cleanup(app.Close)
	secret := srv.CreateClient(t, config.ClientConfig{ID: "notes", Name: "Acme Notes", HomeURL: app.URL + "/home",
		RedirectURIs: []string{app.URL + "/callback"}, GrantTypes: []string{"authorization_code"}})
	rp := newRelyingParty(t, srv.Server, "notes", secret)
	rp.oauth.RedirectURL = app.URL + "/callback"
	onPhone(page)

	// Signed out: the landing page and the header's "Sign in".
	page.Navigate(srv.URL + "/")
	assertFitsPhone(t, page, "landing-signed-out")
	if !page.Has(`header a#header-sign-in[href="/login"]`) || page.Has("#user-menu") {
		t.Errorf("signed-out header: %q", page.Text("header"))
	}
	// The language switch is reachable from the header.
	page.Click(".lang-menu summary")
	page.ClickAndWait(`header a[hreflang="ru"]`)
	if !strings.Contains(page.Text("main"), "Войти") {
		t.Errorf("Russian from the header: %q", page.Text("main"))
	}
	page.Click(".lang-menu summary")
	page.ClickAndWait(`header a[hreflang="en"]`)

	// Sign in from the application: "Show password" on the sign-in form.
	f := rp.newFlow()
	page.Navigate(f.url)
	assertFitsPhone(t, page, "login")
	page.Fill("#login", "other@example.com")
	page.Fill("#password", testPass)
	if !page.Has(`#password + button.password-toggle[aria-pressed="false"][aria-controls="password"]`) {
		t.Fatalf("no Show password button after the field:\n%s", page.HTML())
	}
	page.Click("#password + .password-toggle")
	if !evalBool(t, page, `document.getElementById("password").type === "text" && document.querySelector("#password + .password-toggle").getAttribute("aria-pressed") === "true"`) {
		t.Error("Show password did not show the password")
	}
	page.Click("#password + .password-toggle")
	if !evalBool(t, page, `document.getElementById("password").type === "password" && document.querySelector("#password + .password-toggle").getAttribute("aria-pressed") === "false"`) {
		t.Error("pressing again did not hide the password")
	}
	if page.Value("#password") != testPass || !page.Has(`#password[name="password"][autocomplete="current-password"]`) {
		t.Error("the toggle changed the field")
	}
	page.ClickAndWait(`form[action="/login"] button[type="submit"]`)

	// Consent as the wrong person: switch account.
	if h := page.Text("h1"); !strings.Contains(h, "Acme Notes") {
		t.Fatalf("not on the consent page: %q\n%s", h, mainText(page.HTML()))
	}
	assertFitsPhone(t, page, "consent")
	page.ClickAndWait("#switch-account-button")
	if !strings.Contains(page.CurrentURL(), "/login?authRequestID=") || !page.Has("#login") {
		t.Fatalf("switch account: at %s\n%s", page.CurrentURL(), mainText(page.HTML()))
	}
	signInOnPage(t, page, "pia@example.com", testPass)
	if h := page.Text("h1"); !strings.Contains(h, "Acme Notes") {
		t.Fatalf("not on the consent page after switching: %q", h)
	}
	if !strings.Contains(page.Text("main"), "pia@example.com") {
		t.Errorf("consent does not name the new account: %q", page.Text("main"))
	}
	page.ClickAndWait(`button[value="allow"]`)
	if !strings.HasPrefix(page.CurrentURL(), app.URL+"/callback") {
		t.Fatalf("not back at the application: %s", page.CurrentURL())
	}

	// Signed in: the landing page lists the application, the header menu.
	page.Navigate(srv.URL + "/")
	if !page.Has(`#app-list a[href="`+app.URL+`/home"]`) || !strings.Contains(page.Text("#app-list"), "Acme Notes") {
		t.Errorf("landing application list: %q", page.Text("main"))
	}
	assertFitsPhone(t, page, "landing-signed-in")
	page.Click("#user-menu summary")
	page.WaitVisible("#menu-account")
	assertFitsPhone(t, page, "landing-menu-open")
	if page.Has("#menu-admin") || !page.Has("#menu-sign-out") {
		t.Errorf("a user's menu: %q", page.Text("#user-menu"))
	}
	page.ClickAndWait("#menu-account")
	assertFitsPhone(t, page, "account")
	page.Navigate(srv.URL + "/account/password")
	assertFitsPhone(t, page, "account-password")
	page.Navigate(srv.URL + "/no-such-page")
	assertFitsPhone(t, page, "error")
	if !page.Has("#user-menu") {
		t.Error("the error page's header does not show the user")
	}
	page.Click("#user-menu summary")
	page.WaitVisible("#menu-sign-out")
	page.ClickAndWait("#menu-sign-out")
	if !page.Has("#header-sign-in") || page.Has("#user-menu") {
		t.Errorf("after signing out from the header: %q", page.Text("header"))
	}

	// An administrator's menu and dashboard.
	page.Navigate(srv.URL + "/admin")
	signInOnPage(t, page, "root@example.com", testPass)
	assertFitsPhone(t, page, "admin-dashboard")
	page.Click("#user-menu summary")
	page.WaitVisible("#menu-admin")
	if !page.Has(`#menu-admin[href="/admin"]`) || !page.Has(`#menu-account[href="/account"]`) {
		t.Errorf("an administrator's menu: %q", page.Text("#user-menu"))
	}
}
