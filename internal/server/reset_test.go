package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/testharness"
)

// setUsername gives user id a login.
func setUsername(t *testing.T, srv *regServer, id, login string) {
	t.Helper()
	users := srv.Srv.Store().Users()
	u, err := users.ByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	u.Username = login
	if err := users.Update(context.Background(), &u); err != nil {
		t.Fatal(err)
	}
}

// requestReset posts the reset form with a fresh captcha and returns
// status and body.
func requestReset(t *testing.T, rp *relyingParty, form url.Values) (int, string) {
	t.Helper()
	status, _, body := rp.get("/reset")
	if status != http.StatusOK {
		t.Fatalf("GET /reset: %d\n%s", status, body)
	}
	form.Set("captcha_id", captchaIDOf(t, body))
	if !form.Has("captcha") {
		form.Set("captcha", testCaptcha)
	}
	status, _, body = rp.postForm("/reset", form)
	return status, body
}

// TestResetUnknownLooksLikeKnown: an unknown address and a login that does
// not match get the same page as a real account, no letter, and take
// similar time (SECURITY 17).
func TestResetUnknownLooksLikeKnown(t *testing.T) {
	srv := startRegServer(t, map[string]string{"GATEHOUSE_RESET_STYLE": "generated"})
	id := srv.CreateUser(t, "ada@example.com", testPass)
	setUsername(t, srv, id, "ada")
	rp := newRelyingParty(t, srv.Server, "none", "")

	timed := func(form url.Values) (time.Duration, string) {
		start := time.Now()
		status, body := requestReset(t, rp, form)
		if status != http.StatusOK {
			t.Fatalf("POST /reset %v: %d\n%s", form, status, body)
		}
		return time.Since(start), mainText(body)
	}
	var known, unknown time.Duration
	var knownPage string
	const rounds = 3
	for range rounds {
		d, page := timed(url.Values{"login": {"ada"}, "email": {"ada@example.com"}})
		known, knownPage = known+d, page
		for _, form := range []url.Values{
			{"login": {"nobody"}, "email": {"nobody@example.com"}},
			{"login": {"grace"}, "email": {"ada@example.com"}},
		} {
			d, page := timed(form)
			unknown += d / 2
			if page != knownPage {
				t.Fatalf("different pages:\nknown:   %s\nunknown: %s", knownPage, page)
			}
		}
	}
	if ratio := float64(max(known, unknown)) / float64(max(1, min(known, unknown))); ratio > 10 {
		t.Errorf("known %v vs unknown %v: not the same order of magnitude", known/rounds, unknown/rounds)
	}
	srv.letter(t, "ada@example.com", "Confirm your")
	time.Sleep(500 * time.Millisecond) // let any stray letter arrive
	for _, m := range srv.sink.Messages() {
		if !testharness.SentTo("ada@example.com")(m) {
			t.Errorf("a letter went to %v", m.To)
		}
	}
	if n := len(srv.sink.Messages()); n != rounds {
		t.Errorf("%d letters; want %d (one per matching request)", n, rounds)
	}
}

// TestResetFormErrorsKeepInput: missing and malformed fields and a wrong
// captcha are explained, and what was typed stays.
func TestResetFormErrorsKeepInput(t *testing.T) {
	srv := startRegServer(t, map[string]string{"GATEHOUSE_RESET_STYLE": "generated"})
	rp := newRelyingParty(t, srv.Server, "none", "")
	status, body := requestReset(t, rp, url.Values{"login": {""}, "email": {"not-an-address"}})
	if status != http.StatusUnprocessableEntity || strings.Join(fieldErrors(body), ",") != "login,email" {
		t.Fatalf("status %d, errors %v", status, fieldErrors(body))
	}
	if !strings.Contains(body, `value="not-an-address"`) {
		t.Error("the typed address was lost")
	}
	status, body = requestReset(t, rp, url.Values{"login": {"ada"}, "email": {"ada@example.com"}, "captcha": {"wrong"}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, `value="ada@example.com"`) || !strings.Contains(body, `value="ada"`) {
		t.Fatalf("wrong captcha: status %d\n%s", status, mainText(body))
	}
}

// TestResetPagesHeadersAndLinkStates: no-referrer and no-store; a GET
// does not use the link; a used and an unknown link get clear pages.
func TestResetPagesHeadersAndLinkStates(t *testing.T) {
	srv := startRegServer(t, nil)
	srv.CreateUser(t, "ada@example.com", testPass)
	rp := newRelyingParty(t, srv.Server, "none", "")
	for _, path := range []string{"/reset", "/reset/password?token=x", "/reset/confirm?token=x"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.Header.Get("Referrer-Policy") != "no-referrer" || resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: Referrer-Policy %q, Cache-Control %q", path, resp.Header.Get("Referrer-Policy"), resp.Header.Get("Cache-Control"))
		}
	}
	if status, body := requestReset(t, rp, url.Values{"email": {"ada@example.com"}}); status != http.StatusOK {
		t.Fatalf("request: %d\n%s", status, body)
	}
	link := srv.link(t, srv.letter(t, "ada@example.com", "Reset your"), "/reset/password")
	for range 2 {
		if status, _, body := rp.get(link); status != http.StatusOK || !strings.Contains(body, `action="/reset/password"`) {
			t.Fatalf("GET link: %d\n%s", status, mainText(body))
		}
	}
	token, _ := url.Parse(link)
	form := url.Values{"token": {token.Query().Get("token")}, "password": {"lunar tulip harbor"}, "password_confirm": {"lunar tulip harbor"}}
	if status, _, body := rp.postForm("/reset/password", form); status != http.StatusOK {
		t.Fatalf("POST: %d\n%s", status, mainText(body))
	}
	if status, _, body := rp.postForm("/reset/password", form); status != http.StatusGone || !strings.Contains(mainText(body), "has been used") {
		t.Fatalf("second POST: %d\n%s", status, mainText(body))
	}
	if status, _, body := rp.get("/reset/password?token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"); status != http.StatusBadRequest || !strings.Contains(mainText(body), "does not work") {
		t.Fatalf("unknown link: %d\n%s", status, mainText(body))
	}
}

// TestResetEndsSessionsAndRefreshTokens: after a reset, the browser
// session from before and the refresh token from before both fail.
func TestResetEndsSessionsAndRefreshTokens(t *testing.T) {
	srv := startRegServer(t, nil)
	srv.CreateUser(t, "ada@example.com", testPass)
	secret := registerClient(t, srv.Server, "reset-rp", true)
	rp := newRelyingParty(t, srv.Server, "reset-rp", secret)
	f := rp.newFlow()
	tok, err := rp.exchange(f, rp.signIn(f, "ada@example.com", testPass))
	if err != nil || tok.RefreshToken == "" {
		t.Fatalf("exchange: %v (refresh token %q)", err, tok.RefreshToken)
	}
	if loc, _, _ := rp.follow(rp.newFlow().url); loc == "" {
		t.Fatal("single sign-on did not work before the reset")
	}

	other := newRelyingParty(t, srv.Server, "reset-rp", secret)
	if status, body := requestReset(t, other, url.Values{"email": {"ada@example.com"}}); status != http.StatusOK {
		t.Fatalf("request: %d\n%s", status, body)
	}
	link := srv.link(t, srv.letter(t, "ada@example.com", "Reset your"), "/reset/password")
	token, _ := url.Parse(link)
	form := url.Values{"token": {token.Query().Get("token")}, "password": {"lunar tulip harbor"}, "password_confirm": {"lunar tulip harbor"}}
	if status, _, body := other.postForm("/reset/password", form); status != http.StatusOK {
		t.Fatalf("reset: %d\n%s", status, mainText(body))
	}

	if loc, status, _ := rp.follow(rp.newFlow().url); loc != "" || status != http.StatusOK {
		t.Fatalf("the old session still signs in: %s (%d)", loc, status)
	}
	status, resp, _ := tokenRequest(t, srv.URL, "reset-rp", secret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}})
	if status != http.StatusBadRequest || resp["error"] != "invalid_grant" {
		t.Fatalf("old refresh token: %d %v", status, resp)
	}
}

// TestChangePasswordNeedsCurrent: /account/password refuses a wrong or
// missing current password, keeps nothing secret in the form, and on
// success keeps this session while other sessions end.
func TestChangePasswordNeedsCurrent(t *testing.T) {
	srv := startRegServer(t, nil)
	srv.CreateUser(t, "ada@example.com", testPass)
	if status, loc, _ := newRelyingParty(t, srv.Server, "none", "").get("/account/password"); status != http.StatusSeeOther || !strings.HasPrefix(loc, "/login?return_to=") {
		t.Fatalf("anonymous: %d %s", status, loc)
	}
	signedIn := func() *relyingParty {
		rp := newRelyingParty(t, srv.Server, "none", "")
		status, loc, body := rp.postForm("/login", url.Values{"login": {"ada@example.com"}, "password": {testPass}, "return_to": {"/account/password"}})
		if status != http.StatusSeeOther || loc != "/account/password" {
			t.Fatalf("sign-in: %d %s\n%s", status, loc, mainText(body))
		}
		return rp
	}
	here, elsewhere := signedIn(), signedIn()
	change := func(current, next, confirm string) (int, string) {
		status, _, body := here.postForm("/account/password", url.Values{"current_password": {current}, "password": {next}, "password_confirm": {confirm}})
		return status, body
	}
	status, body := change("wrong password", "lunar tulip harbor", "lunar tulip harbor")
	if status != http.StatusUnprocessableEntity || strings.Join(fieldErrors(body), ",") != "current_password" {
		t.Fatalf("wrong current: %d %v", status, fieldErrors(body))
	}
	if strings.Contains(body, "wrong password") || strings.Contains(body, "lunar tulip harbor") {
		t.Error("a password was written back into the page")
	}
	if status, body = change("", "lunar tulip harbor", "lunar tulip harbor"); status != http.StatusUnprocessableEntity || !strings.Contains(strings.Join(fieldErrors(body), ","), "current_password") {
		t.Fatalf("missing current: %d %v", status, fieldErrors(body))
	}
	if status, body = change(testPass, "short", "short"); status != http.StatusUnprocessableEntity || strings.Join(fieldErrors(body), ",") != "password" {
		t.Fatalf("short new password: %d %v", status, fieldErrors(body))
	}
	if status, body = change(testPass, "lunar tulip harbor", "lunar tulip harbor"); status != http.StatusOK || !strings.Contains(mainText(body), "Password changed") {
		t.Fatalf("change: %d\n%s", status, mainText(body))
	}
	if status, _, _ := here.get("/account/password"); status != http.StatusOK {
		t.Errorf("this session ended: %d", status)
	}
	if status, loc, _ := elsewhere.get("/account/password"); status != http.StatusSeeOther || !strings.HasPrefix(loc, "/login") {
		t.Errorf("the other session survived: %d %s", status, loc)
	}
	srv.letter(t, "ada@example.com", "has been changed")
}

// TestTemporaryPasswordUsedTwice: a used temporary password gets a clear
// message on the sign-in page.
func TestTemporaryPasswordUsedTwice(t *testing.T) {
	srv := startRegServer(t, map[string]string{"GATEHOUSE_RESET_STYLE": "temporary"})
	srv.CreateUser(t, "alan@example.com", testPass)
	rp := newRelyingParty(t, srv.Server, "none", "")
	if status, body := requestReset(t, rp, url.Values{"email": {"alan@example.com"}}); status != http.StatusOK {
		t.Fatalf("request: %d\n%s", status, body)
	}
	m := temporaryPasswordRe.FindStringSubmatch(srv.letter(t, "alan@example.com", "temporary").TextBody)
	if m == nil {
		t.Fatal("no temporary password in the letter")
	}
	form := url.Values{"login": {"alan@example.com"}, "password": {m[1]}}
	if status, loc, _ := rp.postForm("/login", form); status != http.StatusSeeOther || loc != "/account/password" {
		t.Fatalf("first use: %d %s", status, loc)
	}
	status, _, body := newRelyingParty(t, srv.Server, "none", "").postForm("/login", form)
	if status != http.StatusUnprocessableEntity || !strings.Contains(mainText(body), "already been used") {
		t.Fatalf("second use: %d\n%s", status, mainText(body))
	}
	if status, _, _ := newRelyingParty(t, srv.Server, "none", "").postForm("/login", url.Values{"login": {"alan@example.com"}, "password": {testPass}}); status != http.StatusUnprocessableEntity {
		t.Fatalf("the old password still works after the temporary one was used: %d", status)
	}
}
