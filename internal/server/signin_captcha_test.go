package server_test

import (
	"net/http"
	"net/url"
	"testing"
)

// TestSignInCaptchaAfterFailures: after a few failed sign-ins the form asks
// for a captcha too; without a correct answer even the right password does
// not sign in; with one it does.
func TestSignInCaptchaAfterFailures(t *testing.T) {
	srv := startRegServer(t, nil)
	srv.CreateUser(t, "kim@example.com", testPass)
	rp := newRelyingParty(t, srv.Server, "none", "")
	for range 3 {
		status, _, body := rp.postForm("/login", url.Values{"login": {"kim@example.com"}, "password": {"wrong password!"}})
		if status != http.StatusUnprocessableEntity {
			t.Fatalf("wrong password: %d\n%s", status, body)
		}
	}
	status, _, page := rp.get("/login")
	if status != http.StatusOK {
		t.Fatalf("login page: %d", status)
	}
	captchaIDOf(t, page) // the address has failed: the empty form asks for a captcha too
	form := url.Values{"login": {"kim@example.com"}, "password": {testPass}}
	status, _, body := rp.postForm("/login", form)
	if status != http.StatusUnprocessableEntity || regexpFind(body, `name="captcha_id" value="([^"]+)"`) == "" {
		t.Fatalf("without a captcha answer: %d (want 422 and a captcha on the form)", status)
	}
	form.Set("captcha_id", regexpFind(body, `name="captcha_id" value="([^"]+)"`))
	form.Set("captcha", "wrong1")
	if status, _, _ := rp.postForm("/login", form); status != http.StatusUnprocessableEntity {
		t.Fatalf("wrong captcha: %d", status)
	}
	_, _, page = rp.get("/login")
	form.Set("captcha_id", captchaIDOf(t, page))
	form.Set("captcha", testCaptcha)
	if status, loc, body := rp.postForm("/login", form); status != http.StatusSeeOther {
		t.Fatalf("right password and captcha: %d %q\n%s", status, loc, body)
	}
}
