package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestFederationSignUpNeedsCaptcha: the registration page links to the
// provider sign-up page, which shows the captcha first and the provider
// buttons only once it is solved; each button's grant works once and only
// in this browser; the password form keeps its captcha.
func TestFederationSignUpNeedsCaptcha(t *testing.T) {
	env := startFederation(t, fedOptions{trustEmail: true, downEnv: map[string]string{
		"GATEHOUSE_CAPTCHA": "builtin", "GATEHOUSE_CAPTCHA_TEST_ANSWER": testCaptcha, "GATEHOUSE_DEV": "true",
	}})
	b := env.browser(t)
	_, _, reg := b.do(http.MethodGet, "/register", nil)
	if !strings.Contains(reg, `href="/federation/signup"`) || !strings.Contains(reg, `name="captcha_id"`) {
		t.Fatalf("registration page:\n%s", reg)
	}
	_, _, page := b.do(http.MethodGet, "/federation/signup", nil)
	if strings.Contains(page, "/federation/up/start") {
		t.Fatal("provider buttons shown before the captcha is solved")
	}
	status, _, page := b.do(http.MethodPost, "/federation/signup", url.Values{"captcha_id": {captchaIDOf(t, page)}, "captcha": {"wrong"}})
	if status != http.StatusUnprocessableEntity || strings.Contains(page, "/federation/up/start") {
		t.Fatalf("wrong captcha: %d\n%s", status, page)
	}
	status, _, page = b.do(http.MethodPost, "/federation/signup", url.Values{"captcha_id": {captchaIDOf(t, page)}, "captcha": {testCaptcha}})
	if status != http.StatusOK {
		t.Fatalf("solved captcha: %d\n%s", status, page)
	}
	start := startLink(t, page)
	if !strings.Contains(start, "purpose=signup") || !strings.Contains(start, "grant=") {
		t.Fatalf("start link %s", start)
	}

	// Another browser cannot use this grant, and it is then spent.
	if status, loc, _ := env.browser(t).do(http.MethodGet, start, nil); status != http.StatusSeeOther || loc != "/federation/signup" {
		t.Fatalf("grant used by another browser: %d %s", status, loc)
	}
	// Without a grant the sign-up start goes back to the captcha.
	if status, loc, _ := b.do(http.MethodGet, "/federation/up/start?purpose=signup", nil); status != http.StatusSeeOther || loc != "/federation/signup" {
		t.Fatalf("sign-up start without a grant: %d %s", status, loc)
	}

	_, _, page = b.do(http.MethodGet, "/federation/signup", nil)
	_, _, page = b.do(http.MethodPost, "/federation/signup", url.Values{"captcha_id": {captchaIDOf(t, page)}, "captcha": {testCaptcha}})
	start = startLink(t, page)
	callback := b.upstreamSignIn(start)
	if status, loc, body := b.do(http.MethodGet, callback, nil); status != http.StatusSeeOther || loc != "/" {
		t.Fatalf("sign-up callback: %d %s\n%s", status, loc, body)
	}
	env.downUser(t, env.upEmail)
	if status, loc, _ := b.do(http.MethodGet, start, nil); status != http.StatusSeeOther || loc != "/federation/signup" {
		t.Fatalf("grant reused: %d %s", status, loc)
	}
}
