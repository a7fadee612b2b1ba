package server_test

import (
	"github.com/chromedp/chromedp"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/testharness"
	"github.com/gatehouse/gatehouse/storage"
)

// browserApp is a relying party whose redirect URI is a real page the
// browser can load: it shows the code and state it received.
type browserApp struct {
	rp  *relyingParty
	url string
}

// newBrowserApp registers a first-party client redirecting to a local page
// and returns a relying party for it.
func newBrowserApp(t *testing.T, srv *regServer, id string) *browserApp {
	t.Helper()
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		q := r.URL.Query()
		_, _ = w.Write([]byte(`<!doctype html><title>app</title><p id="code">` + url.QueryEscape(q.Get("code")) +
			`</p><p id="state">` + url.QueryEscape(q.Get("state")) + `</p>`))
	}))
	t.Cleanup(app.Close)
	callback := app.URL + "/callback"
	secret := srv.CreateClient(t, config.ClientConfig{ID: id, Name: "App " + id, FirstParty: true,
		RedirectURIs: []string{callback}, GrantTypes: []string{"authorization_code"}})
	rp := newRelyingParty(t, srv.Server, id, secret)
	rp.oauth.RedirectURL = callback
	return &browserApp{rp: rp, url: callback}
}

// finish checks that the browser is back at the application with a code
// for flow f, redeems it and returns the ID token's claims.
func (a *browserApp) finish(t *testing.T, page *testharness.Page, f authFlow) map[string]any {
	t.Helper()
	if !strings.HasPrefix(page.CurrentURL(), a.url) {
		t.Fatalf("not back at the application: %s\n%s", page.CurrentURL(), mainText(page.HTML()))
	}
	code, _ := url.QueryUnescape(page.Text("#code"))
	state, _ := url.QueryUnescape(page.Text("#state"))
	if code == "" || state != f.state {
		t.Fatalf("code %q, state %q (want %q)", code, state, f.state)
	}
	tok, err := a.rp.exchange(f, code)
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	_, claims := a.rp.verifyIDToken(tok, f.nonce)
	return claims
}

// signInOnPage signs in on the login page the browser shows.
func signInOnPage(t *testing.T, page *testharness.Page, login, password string) {
	t.Helper()
	if !strings.Contains(page.CurrentURL(), "/login") {
		t.Fatalf("not on the login page: %s", page.CurrentURL())
	}
	page.Fill("#login", login)
	page.Fill("#password", password)
	page.ClickAndWait(`form[action="/login"] button[type="submit"]`)
}

// TestRegisterShapeAInBrowser: from an application's sign-in, create an
// account (login, email, password), confirm it from the letter with the
// password (SECURITY 12: a wrong one is refused), which signs in and
// returns to the application with a code.
func TestRegisterShapeAInBrowser(t *testing.T) {
	page := testharness.NewPage(t)
	srv := startRegServer(t, map[string]string{"GATEHOUSE_REGISTRATION_FIELDS": fieldsA})
	app := newBrowserApp(t, srv, "shape-a")
	f := app.rp.newFlow()

	page.Navigate(f.url)
	page.ClickAndWait(`a[href^="/register?authRequestID="]`)
	page.Fill("#login", "ada")
	page.Fill("#email", "ada@example.com")
	page.Fill("#password", testPass)
	page.Fill("#password_confirm", testPass)
	page.Fill("#captcha", testCaptcha)
	page.ClickAndWait(`form[action="/register"] button[type="submit"]`)
	if got := page.Text("h1"); got != "Check your email" {
		t.Fatalf("after registering: %q\n%s", got, mainText(page.HTML()))
	}

	link := srv.link(t, srv.letter(t, "ada@example.com", "Confirm your email address"), "/verify")
	page.Navigate(link)
	page.Fill("#password", "not the password")
	page.ClickAndWait("#confirm")
	if got := page.Text("h1"); got != "Confirm your email address" || !strings.Contains(page.Text("#password-error"), "not the password chosen") {
		t.Fatalf("after a wrong password: %q\n%s", got, mainText(page.HTML()))
	}
	page.Fill("#password", testPass)
	page.ClickAndWait("#confirm")
	// "Your address is confirmed" continues to the application (issue 17).
	if got := page.Text("h1"); got != "Your address is confirmed" {
		t.Fatalf("after confirming: %q\n%s", got, mainText(page.HTML()))
	}
	page.ClickAndWait("#continue")
	claims := app.finish(t, page, f)
	if claims["email"] != "ada@example.com" || claims["email_verified"] != true {
		t.Fatalf("claims = %v", claims)
	}
}

// TestRegisterShapeBInBrowser: profile first; the activation letter leads
// to setting a password; then sign in and return to the application.
func TestRegisterShapeBInBrowser(t *testing.T) {
	page := testharness.NewPage(t)
	srv := startRegServer(t, map[string]string{"GATEHOUSE_REGISTRATION_FIELDS": fieldsB})
	app := newBrowserApp(t, srv, "shape-b")
	f := app.rp.newFlow()

	page.Navigate(f.url)
	page.ClickAndWait(`a[href^="/register?authRequestID="]`)
	page.Fill("#given_name", "Grace")
	page.Fill("#family_name", "Hopper")
	page.SetValue("#country", "US")
	page.Fill("#email", "grace@example.com")
	page.Fill("#captcha", testCaptcha)
	page.ClickAndWait(`form[action="/register"] button[type="submit"]`)
	if got := page.Text("h1"); got != "Check your email" {
		t.Fatalf("after registering: %q\n%s", got, mainText(page.HTML()))
	}

	link := srv.link(t, srv.letter(t, "grace@example.com", "Activate"), "/activate")
	page.Navigate(link)
	if !strings.Contains(page.Text("#password-help"), "From 8 to 128 characters") {
		t.Errorf("the policy is not shown: %q", page.Text("#password-help"))
	}
	page.Fill("#password", testPass)
	page.Fill("#password_confirm", testPass+"!")
	page.ClickAndWait(`form[action="/activate"] button[type="submit"]`)
	if !strings.Contains(page.Text("#password_confirm-error"), "do not match") || page.Value("#password") != "" {
		t.Fatalf("mismatch not explained, or the password written back")
	}
	page.Fill("#password", testPass)
	page.Fill("#password_confirm", testPass)
	page.ClickAndWait(`form[action="/activate"] button[type="submit"]`)
	if got := page.Text("h1"); got != "Your password is set" {
		t.Fatalf("after setting the password: %q", got)
	}
	page.ClickAndWait("#sign-in")
	signInOnPage(t, page, "grace@example.com", testPass)
	claims := app.finish(t, page, f)
	if claims["given_name"] != "Grace" || claims["family_name"] != "Hopper" {
		t.Fatalf("claims = %v", claims)
	}
	if u, err := srv.userByEmail(t, "grace@example.com"); err != nil || u.Country != "US" {
		t.Fatalf("user: %+v %v", u, err)
	}
}

// TestRegisterShapeCInBrowser: prompt=create opens registration; with no
// email confirmation the new user is signed in at once and the
// application gets its code.
func TestRegisterShapeCInBrowser(t *testing.T) {
	page := testharness.NewPage(t)
	srv := startRegServer(t, map[string]string{
		"GATEHOUSE_REGISTRATION_FIELDS":       fieldsC,
		"GATEHOUSE_REGISTRATION_VERIFY_EMAIL": "false",
		"GATEHOUSE_TERMS_URL":                 "https://example.test/terms",
	})
	app := newBrowserApp(t, srv, "shape-c")
	f := app.rp.newFlow(oauth2.SetAuthURLParam("prompt", "create"))

	page.Navigate(f.url)
	if !strings.HasPrefix(page.CurrentURL(), srv.URL+"/register?authRequestID=") {
		t.Fatalf("prompt=create did not open registration: %s", page.CurrentURL())
	}
	page.Fill("#email", "lin@example.com")
	page.Fill("#password", testPass)
	page.Fill("#password_confirm", testPass)
	page.SetValue("#country", "FR")
	page.Click("#accept_terms")
	page.SetValue("#locale", "ru")
	page.Fill("#captcha", testCaptcha)
	page.ClickAndWait(`form[action="/register"] button[type="submit"]`)
	claims := app.finish(t, page, f)
	if claims["email"] != "lin@example.com" {
		t.Fatalf("claims = %v", claims)
	}
	u, err := srv.userByEmail(t, "lin@example.com")
	if err != nil || u.State != storage.UserActive || u.Locale != "ru" || u.TermsAcceptedAt.IsZero() {
		t.Fatalf("user: %+v %v", u, err)
	}
}

// TestRegisterBadInputInBrowser: every wrong field gets its own message,
// tied to the field; what was typed stays, except the passwords and the
// captcha answer.
func TestRegisterBadInputInBrowser(t *testing.T) {
	page := testharness.NewPage(t)
	srv := startRegServer(t, map[string]string{
		"GATEHOUSE_REGISTRATION_FIELDS": "login,email,password,password_confirm,given_name,family_name,company?,country,accept_terms,locale",
		"GATEHOUSE_TERMS_URL":           "https://example.test/terms",
	})
	srv.CreateUser(t, "taken@example.com", testPass)

	page.Navigate(srv.URL + "/register")
	page.Fill("#login", "no spaces allowed")
	page.Fill("#email", "not-an-address")
	page.Fill("#password", "short")
	page.Fill("#password_confirm", "other")
	page.Fill("#given_name", "Ada")
	page.Fill("#company", "Analytical Engines")
	page.SetValue("#country", "GB")
	page.Fill("#captcha", "wrong")
	page.ClickAndWait(`form[action="/register"] button[type="submit"]`)

	if !strings.HasPrefix(page.Title(), "Error:") {
		t.Errorf("title %q does not announce the errors", page.Title())
	}
	want := map[string]string{
		"login":            "Use only Latin letters",
		"email":            "name@example.com",
		"password":         "at least 8 characters",
		"password_confirm": "do not match",
		"family_name":      "Fill in this field",
		"accept_terms":     "Accept the user agreement",
		"captcha":          "did not match",
	}
	for field, text := range want {
		if got := page.Text("#" + field + "-error"); !strings.Contains(got, text) {
			t.Errorf("%s: message %q, want %q", field, got, text)
		}
		if !page.Has("#" + field + `[aria-invalid="true"][aria-describedby~="` + field + `-error"]`) {
			t.Errorf("%s is not marked invalid with its message", field)
		}
	}
	for field, value := range map[string]string{
		"login": "no spaces allowed", "email": "not-an-address", "given_name": "Ada",
		"company": "Analytical Engines", "country": "GB", "password": "", "password_confirm": "", "captcha": "",
	} {
		if got := page.Value("#" + field); got != value {
			t.Errorf("%s = %q after the error, want %q", field, got, value)
		}
	}
	if _, err := srv.userByEmail(t, "not-an-address"); err == nil {
		t.Fatal("bad input created a user")
	}
}

// TestLivePasswordCheckInBrowser: while a password is typed, the live
// check says what the server will refuse (a common password, one with
// the login) and "meets the rules" only for one it accepts (issue 12).
func TestLivePasswordCheckInBrowser(t *testing.T) {
	page := testharness.NewPage(t)
	srv := startRegServer(t, nil)
	page.Navigate(srv.URL + "/register")
	page.Fill("#login", "grace")
	waitLive := func(password, want string) {
		t.Helper()
		page.Fill("#password", password)
		waitLiveCheck(t, page, want)
	}
	waitLive("qwerty123", "common")
	waitLive("grace-harbor-lamp", "login")
	waitLive("quiet meadow lantern", "meets")
}

// waitLiveCheck waits until the live password check shows want (it asks
// the server, so its verdict comes a moment after the typing).
func waitLiveCheck(t *testing.T, page *testharness.Page, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, err := chromedp.Run(page.Ctx, chromedp.Evaluate[string](`(function(){var e=document.getElementById("password-live");return e&&!e.hidden?e.textContent:""})()`))
		if err != nil {
			t.Fatalf("read the live check: %v", err)
		}
		if strings.Contains(got, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the live password check says %q, want %q", got, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
