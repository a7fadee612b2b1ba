package server_test

import (
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/storage"
)

var pendingRe = regexp.MustCompile(`name="pending" value="([^"]+)"`)

// TestFederationSignInButtonSignUpNeedsCaptchaAndFields: a new identity
// arriving through "Continue with Upstream" on the sign-in page (during an
// application's authorization request) creates no user at the callback:
// the browser is sent to a form with the captcha and the registration
// fields the instance requires that the upstream did not give (country,
// terms). A wrong captcha or a missing field shows the form again with
// what was typed and still creates nothing; the held identity works only
// in this browser and only once; once the form passes, the user exists
// with those answers and the application gets its code.
func TestFederationSignInButtonSignUpNeedsCaptchaAndFields(t *testing.T) {
	env := startFederation(t, fedOptions{trustEmail: true, downEnv: map[string]string{
		"GATEHOUSE_CAPTCHA": "builtin", "GATEHOUSE_CAPTCHA_TEST_ANSWER": testCaptcha, "GATEHOUSE_DEV": "true",
		"GATEHOUSE_REGISTRATION_FIELDS": "email,password,password_confirm,country,accept_terms",
		"GATEHOUSE_TERMS_URL":           "https://example.test/terms",
	}})
	secret := registerClient(t, env.down, "app", true, "authorization_code")
	b := env.browser(t)
	rp := b.rp("app", secret)
	f := rp.newFlow()
	_, status, body := b.until(f.url, "")
	if status != http.StatusOK {
		t.Fatalf("login page: %d\n%s", status, body)
	}
	callback := b.upstreamSignIn(startLink(t, body))

	status, loc, body := b.do(http.MethodGet, callback, nil)
	if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/federation/complete?pending=") {
		t.Fatalf("callback of a new identity: %d %s, want 303 to the completion form\n%s", status, loc, body)
	}
	noDownUser(t, env)
	status, _, page := b.do(http.MethodGet, loc, nil)
	if status != http.StatusOK {
		t.Fatalf("completion form: %d\n%s", status, page)
	}
	for _, want := range []string{`name="captcha_id"`, `name="country"`, `name="accept_terms"`, env.upEmail, "Upstream"} {
		if !strings.Contains(page, want) {
			t.Errorf("the completion form lacks %q", want)
		}
	}
	for _, unwanted := range []string{`name="password"`, `name="email"`, `name="login"`} {
		if strings.Contains(page, unwanted) {
			t.Errorf("the completion form asks for %s", unwanted)
		}
	}
	pending := pendingOf(t, page)

	// Another browser cannot use the held identity.
	other := env.browser(t)
	if status, _, body := other.do(http.MethodGet, loc, nil); status != http.StatusBadRequest {
		t.Errorf("completion form in another browser: %d\n%s", status, body)
	}
	if status, _, _ := other.do(http.MethodPost, "/federation/complete", url.Values{
		"pending": {pending}, "country": {"DE"}, "accept_terms": {"1"}, "captcha_id": {captchaIDOf(t, page)}, "captcha": {testCaptcha},
	}); status != http.StatusBadRequest {
		t.Errorf("completion POST from another browser: %d, want 400", status)
	}
	noDownUser(t, env)

	// A wrong captcha keeps what was typed and creates nothing.
	status, _, page = b.do(http.MethodPost, "/federation/complete", url.Values{
		"pending": {pending}, "country": {"DE"}, "accept_terms": {"1"}, "captcha_id": {captchaIDOf(t, page)}, "captcha": {"wrong"},
	})
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("wrong captcha: %d\n%s", status, page)
	}
	if !strings.Contains(page, `<option value="DE" selected>`) || !regexp.MustCompile(`name="accept_terms" type="checkbox" value="1" checked`).MatchString(page) {
		t.Errorf("the form after a wrong captcha lost what was typed:\n%s", mainText(page))
	}
	if !strings.Contains(page, `role="alert"`) {
		t.Error("the form after a wrong captcha says nothing")
	}
	noDownUser(t, env)

	// The right captcha without the terms: the field is named, nothing created.
	status, _, page = b.do(http.MethodPost, "/federation/complete", url.Values{
		"pending": {pending}, "country": {"DE"}, "captcha_id": {captchaIDOf(t, page)}, "captcha": {testCaptcha},
	})
	if status != http.StatusUnprocessableEntity || !slicesContain(fieldErrors(page), "accept_terms") {
		t.Fatalf("terms not accepted: %d, field errors %v\n%s", status, fieldErrors(page), mainText(page))
	}
	noDownUser(t, env)

	status, _, page = b.do(http.MethodPost, "/federation/complete", url.Values{
		"pending": {pending}, "country": {"DE"}, "accept_terms": {"1"}, "captcha_id": {captchaIDOf(t, page)}, "captcha": {testCaptcha},
	})
	m := continueRe.FindStringSubmatch(page)
	if status != http.StatusOK || m == nil {
		t.Fatalf("completed form: %d, want the continue page\n%s", status, page)
	}
	u := env.downUser(t, env.upEmail)
	if u.Country != "DE" || u.TermsAcceptedAt.IsZero() || u.State != storage.UserActive || u.PasswordHash != "" {
		t.Errorf("new user = %+v", u)
	}
	loc, status, body = b.until(htmlUnescape(m[1]), rpRedirect)
	if loc == "" {
		t.Fatalf("the application's sign-in did not finish: %d\n%s", status, body)
	}
	tok, err := rp.exchange(f, rp.codeFrom(f, loc))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	if idt, _ := rp.verifyIDToken(tok, f.nonce); idt.Subject != u.ID {
		t.Errorf("the application got subject %s, want the new user %s", idt.Subject, u.ID)
	}

	// The held identity is used up.
	if status, _, _ := b.do(http.MethodPost, "/federation/complete", url.Values{
		"pending": {pending}, "country": {"FR"}, "accept_terms": {"1"},
	}); status != http.StatusBadRequest {
		t.Errorf("completion replayed: %d, want 400", status)
	}
	if ids, err := env.down.Srv.Store().Identities().ListByUser(t.Context(), u.ID); err != nil || len(ids) != 1 {
		t.Errorf("identities = %+v, %v", ids, err)
	}
}

func pendingOf(t *testing.T, page string) string {
	t.Helper()
	m := pendingRe.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("the completion form has no pending field:\n%s", page)
	}
	return m[1]
}

// noDownUser fails when the downstream has a user with the upstream's
// address.
func noDownUser(t *testing.T, env *fedEnv) {
	t.Helper()
	if _, err := env.down.Srv.Store().Users().ByLogin(t.Context(), env.upEmail); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("a downstream user exists before the sign-up was completed: %v", err)
	}
}

func slicesContain(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
