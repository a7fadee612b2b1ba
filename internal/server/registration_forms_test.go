package server_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/testharness"
)

// TestRegistrationResend: a link that does not work offers a new one; the
// "send a new link" form explains bad input and keeps the address; a new
// link voids the older one.
func TestRegistrationResend(t *testing.T) {
	srv := startRegServer(t, nil)
	rp := newRelyingParty(t, srv.Server, "unused", "")
	registerHTTP(t, rp, shapeAForm("ada", "ada@example.com", testPass))
	old := srv.link(t, srv.letter(t, "ada@example.com", "Confirm"), "/verify")
	srv.sink.Reset()

	status, _, body := rp.get("/verify?token=" + strings.Repeat("A", 43))
	if status != http.StatusBadRequest || !strings.Contains(body, `action="/verify/resend"`) {
		t.Fatalf("unknown link: %d %s", status, mainText(body))
	}
	id := captchaIDOf(t, body)
	status, _, body = rp.postForm("/verify/resend", url.Values{"email": {"ada at example"}, "captcha_id": {id}, "captcha": {testCaptcha}})
	if status != http.StatusUnprocessableEntity || !slices.Contains(fieldErrors(body), "email") || !strings.Contains(body, `value="ada at example"`) {
		t.Fatalf("bad address: %d %v", status, fieldErrors(body))
	}
	status, _, body = rp.postForm("/verify/resend", url.Values{"email": {"ada@example.com"}, "captcha_id": {id}, "captcha": {testCaptcha}})
	if status != http.StatusUnprocessableEntity || !slices.Contains(fieldErrors(body), "captcha") || !strings.Contains(body, `value="ada@example.com"`) {
		t.Fatalf("reused captcha: %d %v", status, fieldErrors(body))
	}
	var answers []string
	for _, addr := range []string{"ada@example.com", "nobody@example.com"} {
		_, _, form := rp.get("/verify/resend")
		status, _, body = rp.postForm("/verify/resend", url.Values{"email": {addr}, "captcha_id": {captchaIDOf(t, form)}, "captcha": {testCaptcha}})
		if status != http.StatusOK {
			t.Fatalf("resend to %s: %d %v", addr, status, fieldErrors(body))
		}
		answers = append(answers, mainText(body))
	}
	if answers[0] != answers[1] {
		t.Errorf("the answer depends on the address:\n%s\n%s", answers[0], answers[1])
	}
	fresh := srv.link(t, srv.letter(t, "ada@example.com", "Confirm"), "/verify")
	if status, _, _ := rp.get(old); status != http.StatusBadRequest {
		t.Errorf("the older link still works: %d", status)
	}
	u, _ := url.Parse(fresh)
	status, loc, body := rp.postForm("/verify", url.Values{"token": {u.Query().Get("token")}, "password": {testPass}})
	if status != http.StatusSeeOther || loc != "/verify/confirmed" {
		t.Fatalf("new link: %d %q %s", status, loc, mainText(body))
	}
	if slices.ContainsFunc(srv.sink.Messages(), testharness.SentTo("nobody@example.com")) {
		t.Error("a letter went to an address without an account")
	}
}

// TestRegistrationLoginTaken: a taken login (in any case) is named on the
// form, everything else kept.
func TestRegistrationLoginTaken(t *testing.T) {
	srv := startRegServer(t, nil)
	rp := newRelyingParty(t, srv.Server, "unused", "")
	registerHTTP(t, rp, shapeAForm("ada", "ada@example.com", testPass))
	status, _, body := registerHTTP(t, rp, shapeAForm("ADA", "other@example.com", testPass))
	if status != http.StatusUnprocessableEntity || !slices.Equal(fieldErrors(body), []string{"login"}) ||
		!strings.Contains(mainText(body), "already taken") {
		t.Fatalf("status %d errors %v", status, fieldErrors(body))
	}
	if !strings.Contains(body, `value="other@example.com"`) || !strings.Contains(body, `value="ADA"`) {
		t.Error("typed values were lost")
	}
	if strings.Contains(body, testPass) {
		t.Error("the password was written back")
	}
}
