package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/testharness"
)

// signedInRP is a browser signed in as login, without an application.
func signedInRP(t *testing.T, srv *regServer, login, password string) *relyingParty {
	t.Helper()
	rp := newRelyingParty(t, srv.Server, "none", "")
	status, loc, body := rp.postForm("/login", url.Values{"login": {login}, "password": {password}, "return_to": {"/account"}})
	if status != http.StatusSeeOther || loc != "/account" {
		t.Fatalf("sign-in: %d %s\n%s", status, loc, mainText(body))
	}
	return rp
}

// versionOf is the hidden profile version of the edit form.
func versionOf(t *testing.T, rp *relyingParty) string {
	t.Helper()
	status, _, body := rp.get("/account/edit")
	v := regexpFind(body, `name="version" value="([0-9]+)"`)
	if status != http.StatusOK || v == "" {
		t.Fatalf("edit page: %d\n%s", status, mainText(body))
	}
	return v
}

func profileForm(version string, fields map[string]string) url.Values {
	f := url.Values{"version": {version}, "login": {""}, "email": {"ada@example.com"}, "given_name": {""},
		"family_name": {""}, "company": {""}, "country": {""}, "locale": {""}}
	for k, v := range fields {
		f.Set(k, v)
	}
	return f
}

// TestAccountPageNeedsSignIn: /account sends an anonymous browser to sign
// in and back, then shows the profile and the registration date.
func TestAccountPageNeedsSignIn(t *testing.T) {
	srv := startRegServer(t, nil)
	srv.CreateUser(t, "ada@example.com", testPass)
	anon := newRelyingParty(t, srv.Server, "none", "")
	if status, loc, _ := anon.get("/account"); status != http.StatusSeeOther || loc != "/login?return_to=%2Faccount" {
		t.Fatalf("anonymous: %d %s", status, loc)
	}
	rp := signedInRP(t, srv, "ada@example.com", testPass)
	status, _, body := rp.get("/account")
	text := mainText(body)
	if status != http.StatusOK || !strings.Contains(text, "ada@example.com") || !regexpMatch(text, `Registered \d{4}-\d{2}-\d{2}`) {
		t.Fatalf("account page: %d\n%s", status, text)
	}
	if !strings.Contains(text, "No external sign-in methods") || !strings.Contains(body, `action="/logout"`) || !strings.Contains(body, `href="/account/password"`) {
		t.Errorf("the page lacks identities, sign out or change password:\n%s", text)
	}
}

// TestAccountEditProfile: a valid save, then each bad field explained with
// everything typed kept, and a login another account has.
func TestAccountEditProfile(t *testing.T) {
	srv := startRegServer(t, nil)
	srv.CreateUser(t, "ada@example.com", testPass)
	id := srv.CreateUser(t, "grace@example.com", testPass)
	setUsername(t, srv, id, "grace")
	rp := signedInRP(t, srv, "ada@example.com", testPass)

	form := profileForm(versionOf(t, rp), map[string]string{"login": "ada", "given_name": "Ada", "family_name": "Lovelace",
		"company": "Engines", "country": "GB"})
	if status, loc, body := rp.postForm("/account/edit", form); status != http.StatusSeeOther || loc != "/account?notice=saved" {
		t.Fatalf("save: %d %s\n%s", status, loc, mainText(body))
	}
	_, _, body := rp.get("/account?notice=saved")
	for _, want := range []string{"Your changes have been saved", "Ada Lovelace", "Engines", "United Kingdom"} {
		if !strings.Contains(mainText(body), want) {
			t.Errorf("account page lacks %q:\n%s", want, mainText(body))
		}
	}

	bad := profileForm(versionOf(t, rp), map[string]string{"login": "a b", "email": "nope", "given_name": "Ada\nBcc: x",
		"company": "Kept Company", "country": "XX", "locale": "fr"})
	status, _, body := rp.postForm("/account/edit", bad)
	if status != http.StatusUnprocessableEntity || strings.Join(fieldErrors(body), ",") != "login,email,given_name,country,locale" {
		t.Fatalf("bad input: %d %v", status, fieldErrors(body))
	}
	for _, kept := range []string{`value="a b"`, `value="nope"`, `value="Kept Company"`} {
		if !strings.Contains(body, kept) {
			t.Errorf("%s was lost", kept)
		}
	}
	status, _, body = rp.postForm("/account/edit", profileForm(versionOf(t, rp), map[string]string{"login": "Grace"}))
	if status != http.StatusUnprocessableEntity || !strings.Contains(mainText(body), "already taken") {
		t.Fatalf("taken login: %d\n%s", status, mainText(body))
	}
	stale := profileForm("1", map[string]string{"login": "ada", "company": "Stale"})
	if status, _, body = rp.postForm("/account/edit", stale); status != http.StatusConflict || !strings.Contains(mainText(body), "changed elsewhere") {
		t.Fatalf("stale form: %d\n%s", status, mainText(body))
	}
}

// TestAccountEmailChange: the new address gets a link, the old one a
// notice; the old address works until the link is used; a GET does not use
// it; the POST does, once.
func TestAccountEmailChange(t *testing.T) {
	srv := startRegServer(t, nil)
	srv.CreateUser(t, "ada@example.com", testPass)
	rp := signedInRP(t, srv, "ada@example.com", testPass)
	form := profileForm(versionOf(t, rp), map[string]string{"email": "ada@new.example.com"})
	if status, loc, _ := rp.postForm("/account/edit", form); status != http.StatusSeeOther || loc != "/account?notice=email_sent" {
		t.Fatalf("save: %d %s", status, loc)
	}
	link := srv.link(t, srv.letter(t, "ada@new.example.com", "Confirm your new"), "/account/email")
	notice := srv.letter(t, "ada@example.com", "being changed")
	if !strings.Contains(notice.TextBody, "a***@new.example.com") {
		t.Errorf("the notice does not name the masked new address:\n%s", notice.TextBody)
	}
	if _, err := srv.userByEmail(t, "ada@example.com"); err != nil {
		t.Fatalf("the old address stopped working before confirmation: %v", err)
	}
	for range 2 {
		if status, _, body := rp.get(link); status != http.StatusOK || !strings.Contains(body, `id="confirm-email"`) {
			t.Fatalf("GET link: %d\n%s", status, mainText(body))
		}
	}
	u, _ := url.Parse(link)
	post := url.Values{"token": {u.Query().Get("token")}}
	if status, _, body := rp.postForm("/account/email", post); status != http.StatusOK || !strings.Contains(mainText(body), "ada@new.example.com") {
		t.Fatalf("confirm: %d\n%s", status, mainText(body))
	}
	if status, _, body := rp.postForm("/account/email", post); status != http.StatusGone || !strings.Contains(mainText(body), "has been used") {
		t.Fatalf("second confirm: %d\n%s", status, mainText(body))
	}
	if _, err := srv.userByEmail(t, "ada@new.example.com"); err != nil {
		t.Fatalf("new address: %v", err)
	}
}

// TestAccountLanguage: choosing Russian on the account page switches the
// pages and the letters to Russian.
func TestAccountLanguage(t *testing.T) {
	srv := startRegServer(t, nil)
	srv.CreateUser(t, "ada@example.com", testPass)
	rp := signedInRP(t, srv, "ada@example.com", testPass)
	if status, _, _ := rp.postForm("/account/edit", profileForm(versionOf(t, rp), map[string]string{"locale": "ru"})); status != http.StatusSeeOther {
		t.Fatalf("save: %d", status)
	}
	_, _, body := rp.get("/account")
	if !strings.Contains(body, `<html lang="ru"`) || !strings.Contains(mainText(body), "Ваша учётная запись") {
		t.Fatalf("the page is not in Russian:\n%s", mainText(body))
	}
	form := url.Values{"current_password": {testPass}, "password": {"lunar tulip harbor"}, "password_confirm": {"lunar tulip harbor"}}
	if status, _, body := rp.postForm("/account/password", form); status != http.StatusOK {
		t.Fatalf("change password: %d\n%s", status, mainText(body))
	}
	srv.letter(t, "ada@example.com", "изменён")
}

// TestAccountBackToApplication: after signing in to an application, the
// account page links back to it (the origin of its registered redirect
// URI).
func TestAccountBackToApplication(t *testing.T) {
	srv := startRegServer(t, nil)
	srv.CreateUser(t, "ada@example.com", testPass)
	secret := registerClient(t, srv.Server, "back-rp", true)
	rp := newRelyingParty(t, srv.Server, "back-rp", secret)
	f := rp.newFlow()
	rp.signIn(f, "ada@example.com", testPass)
	_, _, body := rp.get("/account")
	if !strings.Contains(body, `id="back-to-app" href="http://127.0.0.1:9/"`) || !strings.Contains(mainText(body), "Back to App back-rp") {
		t.Fatalf("no link back to the application:\n%s", mainText(body))
	}
}

// TestAccountEditInBrowser: sign in, open the account page, edit and save.
func TestAccountEditInBrowser(t *testing.T) {
	page := testharness.NewPage(t)
	srv := startRegServer(t, nil)
	srv.CreateUser(t, "ada@example.com", testPass)
	page.Navigate(srv.URL + "/account")
	signInOnPage(t, page, "ada@example.com", testPass)
	if got := page.Text("h1"); got != "Your account" {
		t.Fatalf("after sign-in: %q\n%s", got, mainText(page.HTML()))
	}
	page.ClickAndWait("#edit-profile")
	page.Fill("#given_name", "Ada")
	page.Fill("#family_name", "Lovelace")
	page.SetValue("#country", "GB")
	page.ClickAndWait(`form[action="/account/edit"] button[type="submit"]`)
	if !strings.Contains(page.Text("#account-notice"), "saved") || page.Text("#account-name") != "Ada Lovelace" {
		t.Fatalf("after saving:\n%s", mainText(page.HTML()))
	}
}

func regexpMatch(s, pattern string) bool { return regexpFind(s, "("+pattern+")") != "" }
