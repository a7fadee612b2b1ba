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
	goodPassword = "chosen at registration"
	noPassToken  = "no-password-token"
	expiredToken = "expired-token"
	usedToken    = "used-token"
)

func newVerifyEnv(t *testing.T) *registerEnv {
	t.Helper()
	e := newRegisterEnv(t, settingsOf(t, account.ModeOpen, true, "login", "email", "password", "password_confirm"))
	e.reg.addLinkWithPassword(goodToken, goodPassword)
	e.accounts.addUser("new", goodPassword, nil) // user-new, whom the link confirms
	e.reg.addLink(noPassToken, storage.PurposeVerifyEmail, account.LinkValid)
	e.reg.addLink(expiredToken, storage.PurposeVerifyEmail, account.LinkExpired)
	e.reg.addLink(usedToken, storage.PurposeVerifyEmail, account.LinkUsed)
	return e
}

// A GET of the link shows a Confirm button with the password field (shape
// A) and uses nothing; token pages send no Referer and are never stored.
// Someone who did not register is told that nothing happens and how to
// register themselves.
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
	assertLabelled(t, form)
	assertInput(t, form, "password", "password", "current-password")
	if got := textOf(byID(res.doc, "password-help")); got != "Enter the password you chose when registering." {
		t.Errorf("password help %q", got)
	}
	if !strings.Contains(textOf(res.doc), "new@example.com") {
		t.Error("the address is not shown")
	}
	notYou := byID(res.doc, "not-you")
	if notYou == nil || !strings.Contains(textOf(notYou), "I did not create this account") ||
		!strings.Contains(textOf(notYou), "Nothing happens unless") || !strings.Contains(textOf(notYou), "replaces the earlier details and password") {
		t.Fatalf("no explanation for someone who did not register: %v", notYou)
	}
	if got := attr(byID(res.doc, "register-instead"), "href"); got != "/register?authRequestID="+id {
		t.Errorf("register link %q", got)
	}
	ru := e.do(request{target: "/verify?lang=ru&token=" + goodToken})
	if !strings.Contains(textOf(ru.doc), "Я не создавал(а) эту учётную запись") {
		t.Error("the explanation is not translated")
	}
}

// SECURITY 12: a shape-A link confirms only with the registrant's
// password. Missing or wrong, the page says so, keeps the link and never
// writes the password back; right, the user is signed in and goes on to
// the application.
func TestVerifyPostNeedsPassword(t *testing.T) {
	e := newVerifyEnv(t)
	id := e.addRequest("ar-w", func(ar *AuthRequestView) { ar.FirstParty = true })
	for _, pw := range []string{"", "wrong password"} {
		res := e.do(request{target: "/verify", form: url.Values{"token": {goodToken}, "authRequestID": {id}, "password": {pw}}})
		if res.Code != http.StatusUnprocessableEntity || len(e.reg.used) != 0 {
			t.Fatalf("password %q: status %d, used %v", pw, res.Code, e.reg.used)
		}
		assertTokenPageHeaders(t, res)
		if got := textOf(byID(res.doc, "password-error")); !strings.Contains(got, "not the password chosen at registration") {
			t.Errorf("password %q: error %q", pw, got)
		}
		form := formPosting(t, res, "/verify")
		in := fieldNode(t, form, "password")
		if attr(in, "value") != "" || attr(in, "aria-invalid") != "true" || attr(in, "aria-describedby") != "password-help password-error" {
			t.Errorf("password %q: field %v", pw, in.Attr)
		}
		if attr(fieldNode(t, form, "token"), "value") != goodToken || attr(fieldNode(t, form, "authRequestID"), "value") != id {
			t.Error("the form lost the token or the request")
		}
		if !strings.HasPrefix(textOf(first(t, res.doc, byTag("title"))), "Error") {
			t.Errorf("title %q does not announce the error", textOf(first(t, res.doc, byTag("title"))))
		}
		if sessionCookie(res, testSessionName) != nil {
			t.Fatal("a wrong password started a session")
		}
	}
	res := e.do(request{target: "/verify", form: url.Values{"token": {goodToken}, "authRequestID": {id}, "password": {goodPassword}}})
	if res.Code != http.StatusSeeOther || res.Header().Get("Location") != "/verify/confirmed?authRequestID="+id || len(e.reg.used) != 1 {
		t.Fatalf("status %d Location %q used %v", res.Code, res.Header().Get("Location"), e.reg.used)
	}
	session := sessionCookie(res, testSessionName)
	if session == nil || session.Value == "" || !session.HttpOnly {
		t.Fatal("no session cookie")
	}
	// "Your address is confirmed" continues to the application.
	page := e.do(request{target: res.Header().Get("Location"), cookie: session})
	if page.doc == nil {
		t.Fatalf("confirmation page: status %d Location %q", page.Code, page.Header().Get("Location"))
	}
	if page.Code != http.StatusOK || textOf(first(t, page.doc, byTag("h1"))) != "Your address is confirmed" {
		t.Fatalf("confirmation page: status %d, h1 %q", page.Code, textOf(first(t, page.doc, byTag("h1"))))
	}
	cont := byID(page.doc, "continue")
	if cont == nil || attr(cont, "href") != "/verify/continue?authRequestID="+id || textOf(cont) != "Continue to "+testClientName {
		t.Fatalf("continue link %v", cont)
	}
	if _, ok := e.requests.completion(id); ok {
		t.Fatal("the request was completed before the user chose to continue")
	}
	res = e.do(request{target: attr(cont, "href"), cookie: session})
	if res.Code != http.StatusSeeOther || res.Header().Get("Location") != "/authorize/callback?id="+id {
		t.Fatalf("continue: status %d Location %q", res.Code, res.Header().Get("Location"))
	}
	if got, ok := e.requests.completion(id); !ok || got.userID != "user-new" {
		t.Fatalf("completion = %+v, %v", got, ok)
	}
	res = e.do(request{target: "/verify", form: url.Values{"token": {goodToken}, "password": {goodPassword}}})
	if res.Code != http.StatusGone || !strings.Contains(textOf(res.doc), "already been used") {
		t.Fatalf("second POST: status %d %s", res.Code, textOf(res.doc))
	}
}

// Without a request (or with one from another browser) the signed-in user
// lands on "Your address is confirmed", which continues to the start page
// (the account page when the pages have one: TestVerifyConfirmedToAccount)
// and whose header names the new user.
func TestVerifyPostSignsIn(t *testing.T) {
	e := newVerifyEnv(t)
	res := e.do(request{target: "/verify", form: url.Values{"token": {goodToken}, "authRequestID": {"unknown"}, "password": {goodPassword}}})
	if res.Code != http.StatusSeeOther || res.Header().Get("Location") != "/verify/confirmed" {
		t.Fatalf("status %d Location %q", res.Code, res.Header().Get("Location"))
	}
	c := sessionCookie(res, testSessionName)
	if c == nil || c.Value == "" {
		t.Fatal("no session cookie")
	}
	page := e.do(request{target: "/verify/confirmed", cookie: c})
	if page.Code != http.StatusOK || textOf(first(t, page.doc, byTag("h1"))) != "Your address is confirmed" {
		t.Fatalf("status %d h1 %q", page.Code, textOf(first(t, page.doc, byTag("h1"))))
	}
	if cont := byID(page.doc, "continue"); cont == nil || attr(cont, "href") != "/" {
		t.Fatalf("continue link %v", cont)
	}
	if byID(page.doc, "user-menu") == nil {
		t.Error("the header does not show the signed-in user")
	}
	// Signed out (another browser), the page asks to sign in.
	if res := e.do(request{target: "/verify/confirmed"}); res.Code != http.StatusSeeOther || res.Header().Get("Location") != "/login" {
		t.Fatalf("signed out: status %d Location %q", res.Code, res.Header().Get("Location"))
	}
}

// Too many wrong passwords: the page says to wait, with Retry-After.
func TestVerifyThrottled(t *testing.T) {
	e := newVerifyEnv(t)
	e.reg.throttled = true
	res := e.do(request{target: "/verify", form: url.Values{"token": {goodToken}, "password": {goodPassword}}})
	if res.Code != http.StatusTooManyRequests || res.Header().Get("Retry-After") != "60" || len(e.reg.used) != 0 {
		t.Fatalf("status %d Retry-After %q used %v", res.Code, res.Header().Get("Retry-After"), e.reg.used)
	}
	if !strings.Contains(textOf(byID(res.doc, "verify-alert")), "Too many") {
		t.Errorf("alert %q", textOf(byID(res.doc, "verify-alert")))
	}
	formPosting(t, res, "/verify")
}

// A link of a user without a password (never sent today) confirms with
// the button alone and leads to sign-in, as before.
func TestVerifyPostWithoutPassword(t *testing.T) {
	e := newVerifyEnv(t)
	id := e.addRequest("ar-x", nil)
	page := e.do(request{target: "/verify?token=" + noPassToken})
	if findAll(formPosting(t, page, "/verify"), func(n *html.Node) bool { return isTag(n, "input") && attr(n, "name") == "password" }) != nil {
		t.Fatal("a password is asked for a user who has none")
	}
	res := e.do(request{target: "/verify", form: url.Values{"token": {noPassToken}, "authRequestID": {id}}})
	if res.Code != http.StatusOK || len(e.reg.used) != 1 || sessionCookie(res, testSessionName) != nil {
		t.Fatalf("status %d, used %v", res.Code, e.reg.used)
	}
	signIn := byID(res.doc, "sign-in")
	if signIn == nil || attr(signIn, "href") != "/login?authRequestID="+id+"&signin=1" {
		t.Fatalf("sign-in link %v", signIn)
	}
}

// In audit mode the confirmation says to wait for approval, and nobody is
// signed in.
func TestVerifyAwaitingApproval(t *testing.T) {
	e := newVerifyEnv(t)
	e.reg.approval = true
	res := e.do(request{target: "/verify", form: url.Values{"token": {goodToken}, "password": {goodPassword}}})
	if res.Code != http.StatusOK || !strings.Contains(textOf(res.doc), "awaiting approval") || byID(res.doc, "sign-in") != nil {
		t.Fatalf("status %d %s", res.Code, textOf(res.doc))
	}
	if sessionCookie(res, testSessionName) != nil {
		t.Fatal("a pending user got a session")
	}
}

// The sign-in page offers registration unless it is closed.
func TestLoginPageHidesClosedRegistration(t *testing.T) {
	e := newVerifyEnv(t)
	links := func() int {
		res := e.do(request{target: "/login"})
		return len(findAll(res.doc, func(n *html.Node) bool { return isTag(n, "a") && attr(n, "href") == "/register" }))
	}
	if n := links(); n != 1 {
		t.Fatalf("open: %d links to /register, want 1", n)
	}
	e.reg.mu.Lock()
	e.reg.settings.Mode = account.ModeClosed
	e.reg.mu.Unlock()
	if n := links(); n != 0 {
		t.Fatalf("closed: %d links to /register, want 0", n)
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
