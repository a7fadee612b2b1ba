package ui

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/storage"
)

const (
	goodToken    = "good-token"
	expiredToken = "expired-token"
	usedToken    = "used-token"
)

func newVerifyEnv(t *testing.T) *registerEnv {
	t.Helper()
	e := newRegisterEnv(t, settingsOf(t, account.ModeOpen, true, "login", "email", "password", "password_confirm"))
	e.reg.addLink(goodToken, storage.PurposeVerifyEmail, account.LinkValid)
	e.reg.addLink(expiredToken, storage.PurposeVerifyEmail, account.LinkExpired)
	e.reg.addLink(usedToken, storage.PurposeVerifyEmail, account.LinkUsed)
	return e
}

// A GET of the link shows a Confirm button and uses nothing; token pages
// send no Referer and are never stored.
func TestVerifyGetConfirmsNothing(t *testing.T) {
	e := newVerifyEnv(t)
	id := e.addRequest("ar-v", nil)
	res := e.do(request{target: "/verify?token=" + goodToken + "&authRequestID=" + id})
	if res.Code != http.StatusOK {
		t.Fatalf("status %d", res.Code)
	}
	if len(e.reg.used) != 0 {
		t.Fatal("a GET used the link")
	}
	assertTokenPageHeaders(t, res)
	form := formPosting(t, res, "/verify")
	if attr(fieldNode(t, form, "token"), "value") != goodToken || attr(fieldNode(t, form, "authRequestID"), "value") != id {
		t.Error("the form does not carry the token and the request")
	}
	if !strings.Contains(textOf(res.doc), "new@example.com") {
		t.Error("the address is not shown")
	}
}

// The POST confirms and leads to sign-in for the application's request.
func TestVerifyPostConfirms(t *testing.T) {
	e := newVerifyEnv(t)
	id := e.addRequest("ar-w", nil)
	res := e.do(request{target: "/verify", form: url.Values{"token": {goodToken}, "authRequestID": {id}}})
	if res.Code != http.StatusOK || len(e.reg.used) != 1 {
		t.Fatalf("status %d, used %v", res.Code, e.reg.used)
	}
	assertTokenPageHeaders(t, res)
	signIn := byID(res.doc, "sign-in")
	if signIn == nil || attr(signIn, "href") != "/login?authRequestID="+id+"&signin=1" {
		t.Fatalf("sign-in link %v", signIn)
	}
	res = e.do(request{target: "/verify", form: url.Values{"token": {goodToken}}})
	if res.Code != http.StatusGone || !strings.Contains(textOf(res.doc), "already been used") {
		t.Fatalf("second POST: status %d %s", res.Code, textOf(res.doc))
	}
}

// In audit mode the confirmation says to wait for approval.
func TestVerifyAwaitingApproval(t *testing.T) {
	e := newVerifyEnv(t)
	e.reg.approval = true
	res := e.do(request{target: "/verify", form: url.Values{"token": {goodToken}}})
	if res.Code != http.StatusOK || !strings.Contains(textOf(res.doc), "awaiting approval") || byID(res.doc, "sign-in") != nil {
		t.Fatalf("status %d %s", res.Code, textOf(res.doc))
	}
}

// Expired and unknown links explain what to do and offer a new link with
// a captcha; used ones send to sign in.
func TestVerifyBadLinks(t *testing.T) {
	e := newVerifyEnv(t)
	for _, tc := range []struct {
		token  string
		status int
		text   string
		resend bool
	}{
		{expiredToken, http.StatusGone, "has expired", true},
		{"garbage", http.StatusBadRequest, "is not valid", true},
		{usedToken, http.StatusGone, "already been used", false},
	} {
		for _, req := range []request{
			{target: "/verify?token=" + tc.token},
			{target: "/verify", form: url.Values{"token": {tc.token}}},
		} {
			res := e.do(req)
			if res.Code != tc.status || !strings.Contains(textOf(res.doc), tc.text) {
				t.Errorf("%s %s: status %d, text %s", tc.token, req.target, res.Code, textOf(res.doc))
				continue
			}
			assertTokenPageHeaders(t, res)
			forms := findAll(res.doc, func(n *html.Node) bool { return isTag(n, "form") && attr(n, "action") == "/verify/resend" })
			if (len(forms) == 1) != tc.resend {
				t.Errorf("%s: resend form shown = %v", tc.token, len(forms) == 1)
			}
			if tc.resend {
				captchaID(t, res)
			}
		}
	}
}

// The "send a new link" form: bad address and captcha are explained with
// the address kept; a good one gets the same answer for every address.
func TestResend(t *testing.T) {
	e := newVerifyEnv(t)
	res := e.do(request{target: "/verify/resend"})
	if res.Code != http.StatusOK {
		t.Fatalf("status %d", res.Code)
	}
	bad := e.do(request{target: "/verify/resend", form: url.Values{"email": {"not an address"},
		"captcha_id": {captchaID(t, res)}, "captcha": {testCaptchaAnswer}}})
	if bad.Code != http.StatusUnprocessableEntity || byID(bad.doc, "email-error") == nil {
		t.Fatalf("bad address: status %d", bad.Code)
	}
	if got := attr(fieldNode(t, formPosting(t, bad, "/verify/resend"), "email"), "value"); got != "not an address" {
		t.Errorf("address not kept: %q", got)
	}
	wrong := e.do(request{target: "/verify/resend", form: url.Values{"email": {"ada@example.com"},
		"captcha_id": {captchaID(t, bad)}, "captcha": {"nope"}}})
	if wrong.Code != http.StatusUnprocessableEntity || byID(wrong.doc, "captcha-error") == nil || len(e.reg.resent) != 0 {
		t.Fatalf("wrong captcha: status %d, resent %v", wrong.Code, e.reg.resent)
	}
	var bodies []string
	for _, addr := range []string{"ada@example.com", "nobody@example.com"} {
		page := e.do(request{target: "/verify/resend"})
		ok := e.do(request{target: "/verify/resend", form: url.Values{"email": {addr},
			"captcha_id": {captchaID(t, page)}, "captcha": {testCaptchaAnswer}}})
		if ok.Code != http.StatusOK {
			t.Fatalf("%s: status %d", addr, ok.Code)
		}
		bodies = append(bodies, ok.Body.String())
	}
	if bodies[0] != bodies[1] {
		t.Error("the answer depends on the address")
	}
}

// Shape B: the activate link shows the set-password form (a GET uses
// nothing); bad passwords are explained and never written back.
func TestActivate(t *testing.T) {
	e := newVerifyEnv(t)
	e.reg.addLink("act", storage.PurposeActivate, account.LinkValid)
	res := e.do(request{target: "/activate?token=act"})
	if res.Code != http.StatusOK || len(e.reg.used) != 0 {
		t.Fatalf("GET: status %d, used %v", res.Code, e.reg.used)
	}
	assertTokenPageHeaders(t, res)
	form := formPosting(t, res, "/activate")
	assertLabelled(t, form)
	if !strings.Contains(textOf(byID(res.doc, "password-help")), "From 8 to 128 characters") {
		t.Error("the policy is not shown")
	}
	bad := e.do(request{target: "/activate", form: url.Values{"token": {"act"}, "email": {"new@example.com"},
		"password": {"long enough"}, "password_confirm": {"long enougH"}}})
	if bad.Code != http.StatusUnprocessableEntity || byID(bad.doc, "password_confirm-error") == nil {
		t.Fatalf("mismatch: status %d", bad.Code)
	}
	page := formPosting(t, bad, "/activate")
	for _, name := range []string{"password", "password_confirm"} {
		if attr(fieldNode(t, page, name), "value") != "" {
			t.Errorf("%s written back", name)
		}
	}
	if attr(fieldNode(t, page, "password_confirm"), "aria-invalid") != "true" {
		t.Error("the wrong field is not marked")
	}
	ok := e.do(request{target: "/activate", form: url.Values{"token": {"act"}, "password": {"long enough"}, "password_confirm": {"long enough"}}})
	if ok.Code != http.StatusOK || e.reg.password != "long enough" || byID(ok.doc, "sign-in") == nil {
		t.Fatalf("set: status %d", ok.Code)
	}
	if res := e.do(request{target: "/activate?token=" + goodToken}); res.Code != http.StatusBadRequest {
		t.Errorf("a verify_email token on /activate: status %d", res.Code)
	}
}

func assertTokenPageHeaders(t *testing.T, res response) {
	t.Helper()
	if got := res.Header().Get("Referrer-Policy"); got != "no-referrer" {
		t.Errorf("Referrer-Policy %q", got)
	}
	if got := res.Header().Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control %q", got)
	}
}
