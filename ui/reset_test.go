package ui

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/gatehouse/gatehouse/internal/account"
)

// fakePasswords answers the reset pages from a table of links and records
// what reached it.
type fakePasswords struct {
	mu        sync.Mutex
	links     map[string]account.LinkState // by token
	requests  []account.ResetRequest
	completed []string
	err       error // CompleteResetWithPassword and ChangePassword fail with it when set
}

func (f *fakePasswords) RequestReset(_ context.Context, in account.ResetRequest, _ string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := account.CheckEmail(strings.TrimSpace(in.Email)); err != nil {
		return &account.RegistrationError{Fields: []*account.FieldError{err.(*account.FieldError)}}
	}
	f.requests = append(f.requests, in)
	return nil
}

func (f *fakePasswords) PeekReset(_ context.Context, _, token string) (account.LinkInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	state, ok := f.links[token]
	if !ok {
		return account.LinkInfo{State: account.LinkUnknown}, nil
	}
	return account.LinkInfo{State: state, Email: "ada@example.com"}, nil
}

func (f *fakePasswords) use(token string) error {
	switch f.links[token] {
	case account.LinkValid:
		f.links[token] = account.LinkUsed
		f.completed = append(f.completed, token)
		return nil
	case account.LinkUsed:
		return account.ErrLinkUsed
	case account.LinkExpired:
		return account.ErrLinkExpired
	}
	return account.ErrLinkUnknown
}

func (f *fakePasswords) CompleteResetWithPassword(_ context.Context, token, password, confirm, _ string) (account.ResetResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return account.ResetResult{}, f.err
	}
	return account.ResetResult{UserID: "u1"}, f.use(token)
}

func (f *fakePasswords) CompleteResetWithGenerated(_ context.Context, token, _ string) (account.ResetResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return account.ResetResult{UserID: "u1", Password: "Generated7Secret9Value"}, f.use(token)
}

func (f *fakePasswords) ChangePassword(context.Context, string, string, account.PasswordChange, string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

type resetEnv struct {
	*registerEnv
	pw *fakePasswords
}

func newResetEnv(t *testing.T, style account.ResetStyle) *resetEnv {
	t.Helper()
	rs := settingsOf(t, account.ModeOpen, true, "email", "password")
	rs.Reset = account.ResetSettings{Style: style}
	pw := &fakePasswords{links: map[string]account.LinkState{
		"valid": account.LinkValid, "used": account.LinkUsed, "expired": account.LinkExpired,
	}}
	reg, capt := newFakeRegistration(rs), newFakeCaptcha()
	env := newSignInEnv(t, func(o *Options) { o.Registration, o.Captcha, o.Passwords = reg, capt, pw })
	return &resetEnv{registerEnv: &registerEnv{signInEnv: env, reg: reg, cap: capt}, pw: pw}
}

func TestResetRequestPage(t *testing.T) {
	e := newResetEnv(t, account.ResetGenerated)
	res := e.do(request{target: "/reset"})
	if res.Code != http.StatusOK || res.Header().Get("Cache-Control") != "no-store" || res.Header().Get("Referrer-Policy") != "no-referrer" {
		t.Fatalf("status %d, headers %v", res.Code, res.Header())
	}
	form := formPosting(t, res, "/reset")
	fieldNode(t, form, "login")
	fieldNode(t, form, "email")

	bad := url.Values{"login": {"ada"}, "email": {"ada@example.com"}, "captcha_id": {captchaID(t, res)}, "captcha": {"wrong"}}
	res = e.do(request{target: "/reset", form: bad})
	if res.Code != http.StatusUnprocessableEntity || attr(byID(res.doc, "email"), "value") != "ada@example.com" || attr(byID(res.doc, "login"), "value") != "ada" {
		t.Fatalf("wrong captcha: status %d\n%s", res.Code, textOf(res.doc))
	}
	malformed := url.Values{"login": {"ada"}, "email": {"not an address"}, "captcha_id": {captchaID(t, res)}, "captcha": {testCaptchaAnswer}}
	res = e.do(request{target: "/reset", form: malformed})
	if res.Code != http.StatusUnprocessableEntity || byID(res.doc, "email-error") == nil || attr(byID(res.doc, "email"), "value") != "not an address" {
		t.Fatalf("malformed address: status %d\n%s", res.Code, textOf(res.doc))
	}
	good := url.Values{"login": {"ada"}, "email": {"ada@example.com"}, "captcha_id": {captchaID(t, res)}, "captcha": {testCaptchaAnswer}}
	res = e.do(request{target: "/reset", form: good})
	if res.Code != http.StatusOK || !strings.Contains(textOf(res.doc), "Check your email") {
		t.Fatalf("good request: status %d\n%s", res.Code, textOf(res.doc))
	}
	if len(e.pw.requests) != 1 || e.pw.requests[0].Login != "ada" {
		t.Fatalf("requests %+v", e.pw.requests)
	}
}

func TestResetLinkPages(t *testing.T) {
	e := newResetEnv(t, account.ResetLink)
	for token, want := range map[string]int{"expired": http.StatusGone, "used": http.StatusGone, "nope": http.StatusBadRequest, "valid": http.StatusOK} {
		res := e.do(request{target: "/reset/password?token=" + token})
		if res.Code != want || res.Header().Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("%s: status %d, want %d", token, res.Code, want)
		}
		if want != http.StatusOK && byID(res.doc, "reset-problem-heading") == nil {
			t.Errorf("%s: no explanation", token)
		}
	}
	e.pw.err = &account.RegistrationError{Fields: []*account.FieldError{{Field: account.FieldPassword, Reason: account.ErrTooCommon}}}
	res := e.do(request{target: "/reset/password", form: url.Values{"token": {"valid"}, "password": {"password123"}, "password_confirm": {"password123"}}})
	if res.Code != http.StatusUnprocessableEntity || byID(res.doc, "password-error") == nil || strings.Contains(res.Body.String(), "password123") {
		t.Fatalf("refused password: status %d\n%s", res.Code, textOf(res.doc))
	}
	e.pw.err = nil
	res = e.do(request{target: "/reset/password", form: url.Values{"token": {"valid"}, "password": {"lunar tulip harbor"}, "password_confirm": {"lunar tulip harbor"}}})
	if res.Code != http.StatusOK || !strings.Contains(textOf(res.doc), "Your password has been reset") {
		t.Fatalf("reset: status %d\n%s", res.Code, textOf(res.doc))
	}
	res = e.do(request{target: "/reset/password", form: url.Values{"token": {"valid"}, "password": {"lunar tulip harbor"}, "password_confirm": {"lunar tulip harbor"}}})
	if res.Code != http.StatusGone {
		t.Fatalf("second use: status %d", res.Code)
	}
}

func TestResetGeneratedPages(t *testing.T) {
	e := newResetEnv(t, account.ResetGenerated)
	res := e.do(request{target: "/reset/confirm?token=valid"})
	if res.Code != http.StatusOK || byID(res.doc, "confirm-reset") == nil || len(e.pw.completed) != 0 {
		t.Fatalf("GET: status %d, used %v", res.Code, e.pw.completed)
	}
	res = e.do(request{target: "/reset/confirm", form: url.Values{"token": {"valid"}}})
	if res.Code != http.StatusOK || attr(byID(res.doc, "generated-password"), "value") != "Generated7Secret9Value" || res.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("POST: status %d\n%s", res.Code, textOf(res.doc))
	}
	if res = e.do(request{target: "/reset/confirm", form: url.Values{"token": {"expired"}}}); res.Code != http.StatusGone {
		t.Fatalf("expired: status %d", res.Code)
	}
}

func TestChangePasswordNeedsSession(t *testing.T) {
	e := newResetEnv(t, account.ResetLink)
	res := e.do(request{target: "/account/password"})
	if res.Code != http.StatusSeeOther || !strings.HasPrefix(res.Header().Get("Location"), "/login?return_to=") {
		t.Fatalf("anonymous: %d %q", res.Code, res.Header().Get("Location"))
	}
	res = e.do(request{target: "/account/password", form: url.Values{"current_password": {"x"}}})
	if res.Code != http.StatusSeeOther {
		t.Fatalf("anonymous POST: %d", res.Code)
	}
}
