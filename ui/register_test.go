package ui

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/gatehouse/gatehouse/internal/account"
)

// allFields is a form with every field, in the configured order.
func allFields(t *testing.T) account.RegistrationSettings {
	return settingsOf(t, account.ModeOpen, true, "login", "email", "password", "password_confirm",
		"given_name", "family_name", "company?", "country", "accept_terms", "locale")
}

// registerForm finds the page's form that posts to action.
func formPosting(t *testing.T, res response, action string) *html.Node {
	t.Helper()
	for _, f := range findAll(res.doc, byTag("form")) {
		if attr(f, "action") == action && attr(f, "method") == "post" {
			return f
		}
	}
	t.Fatalf("no form posting to %s", action)
	return nil
}

// fieldNode is the form control named name.
func fieldNode(t *testing.T, form *html.Node, name string) *html.Node {
	t.Helper()
	for _, n := range findAll(form, func(n *html.Node) bool { return isTag(n, "input") || isTag(n, "select") }) {
		if attr(n, "name") == name {
			return n
		}
	}
	t.Fatalf("no field %q", name)
	return nil
}

// byID finds the element with id.
func byID(doc *html.Node, id string) *html.Node {
	all := findAll(doc, func(n *html.Node) bool { return n.Type == html.ElementNode && attr(n, "id") == id })
	if len(all) == 0 {
		return nil
	}
	return all[0]
}

// The form shows the configured fields in order, labelled, with help,
// the captcha and the authorization request kept.
func TestRegisterPageRendersConfiguredFields(t *testing.T) {
	e := newRegisterEnv(t, allFields(t))
	id := e.addRequest("ar-1", nil)
	res := e.do(request{target: "/register?authRequestID=" + id})
	if res.Code != http.StatusOK {
		t.Fatalf("status %d\n%s", res.Code, res.Body)
	}
	form := formPosting(t, res, "/register")
	assertLabelled(t, form)
	var names []string
	for _, n := range findAll(form, func(n *html.Node) bool { return isTag(n, "input") || isTag(n, "select") }) {
		if t := attr(n, "type"); t != "hidden" && t != "submit" { // submit: the captcha's buttons
			names = append(names, attr(n, "name"))
		}
	}
	want := "login,email,password,password_confirm,given_name,family_name,company,country,accept_terms,locale,captcha"
	if strings.Join(names, ",") != want {
		t.Fatalf("fields %v, want %s", names, want)
	}
	if v := attr(fieldNode(t, form, "authRequestID"), "value"); v != id {
		t.Errorf("authRequestID %q", v)
	}
	if !strings.Contains(textOf(res.doc), testClientName) {
		t.Error("the application's name is not shown")
	}
	if got := attr(fieldNode(t, form, "login"), "aria-describedby"); got != "login-help" || byID(res.doc, "login-help") == nil {
		t.Errorf("login help not linked: %q", got)
	}
	if got := textOf(byID(res.doc, "company").Parent); !strings.Contains(got, "(optional)") {
		t.Errorf("optional field not marked: %q", got)
	}
	if sel := fieldNode(t, form, "locale"); attr(first(t, sel, func(n *html.Node) bool {
		return isTag(n, "option") && hasAttr(n, "selected")
	}), "value") != "en" {
		t.Error("the page's language is not preselected")
	}
	terms := findAll(form, func(n *html.Node) bool { return isTag(n, "a") && attr(n, "href") == "https://example.test/terms" })
	if len(terms) != 1 {
		t.Error("no link to the user agreement")
	}
	signIn := findAll(res.doc, func(n *html.Node) bool { return isTag(n, "a") && strings.HasPrefix(attr(n, "href"), "/login?") })
	if len(signIn) != 1 || !strings.Contains(attr(signIn[0], "href"), "signin=1") {
		t.Error("no sign-in link that keeps the request and skips prompt=create")
	}
}

// Bad input: 422, a message per field tied to it, everything typed kept
// but the passwords and the captcha answer; nothing registered.
func TestRegisterBadInputKeepsValues(t *testing.T) {
	e := newRegisterEnv(t, allFields(t))
	res := e.do(request{target: "/register"})
	form := url.Values{
		"login": {"a b"}, "email": {"ada at example"}, "password": {"secret1"}, "password_confirm": {"secret2"},
		"given_name": {"Ada"}, "family_name": {"Love\nlace"}, "company": {"Engines Ltd"}, "country": {"XX"},
		"locale": {"ru"}, "captcha_id": {captchaID(t, res)}, "captcha": {"wrong answer"},
	}
	res = e.do(request{target: "/register", form: form})
	if res.Code != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422", res.Code)
	}
	if len(e.reg.registered()) != 0 {
		t.Fatal("bad input reached Register")
	}
	if !strings.HasPrefix(textOf(first(t, res.doc, byTag("title"))), "Error:") || byID(res.doc, "register-alert") == nil {
		t.Error("the title or the alert does not say there are errors")
	}
	page := formPosting(t, res, "/register")
	for _, name := range []string{"login", "email", "password", "password_confirm", "family_name", "country", "accept_terms", "captcha"} {
		n := fieldNode(t, page, name)
		errID := name + "-error"
		if attr(n, "aria-invalid") != "true" || !strings.Contains(attr(n, "aria-describedby"), errID) || byID(res.doc, errID) == nil {
			t.Errorf("%s: aria-invalid=%q describedby=%q, error element %v", name, attr(n, "aria-invalid"),
				attr(n, "aria-describedby"), byID(res.doc, errID) != nil)
		}
	}
	for name, want := range map[string]string{"login": "a b", "email": "ada at example", "given_name": "Ada",
		"family_name": "Love\nlace", "company": "Engines Ltd", "password": "", "password_confirm": "", "captcha": ""} {
		if got := attr(fieldNode(t, page, name), "value"); got != want {
			t.Errorf("%s value %q, want %q", name, got, want)
		}
	}
	if byID(res.doc, "password_confirm-error") != nil && !strings.Contains(textOf(byID(res.doc, "password_confirm-error")), "do not match") {
		t.Error("the mismatch message is not specific")
	}
	if sel := fieldNode(t, page, "locale"); attr(first(t, sel, func(n *html.Node) bool {
		return isTag(n, "option") && hasAttr(n, "selected")
	}), "value") != "ru" {
		t.Error("the chosen language was not kept")
	}
}

// A wrong captcha with good fields registers nothing and keeps the input;
// a fresh challenge replaces the spent one.
func TestRegisterCaptchaRefused(t *testing.T) {
	rs := settingsOf(t, account.ModeOpen, true, "login", "email", "password", "password_confirm")
	e := newRegisterEnv(t, rs)
	good := url.Values{"login": {"ada"}, "email": {"ada@example.com"}, "password": {"long enough"}, "password_confirm": {"long enough"}}
	first := e.do(request{target: "/register"})
	id := captchaID(t, first)
	for _, tc := range []struct{ name, id, answer string }{
		{"missing", "", ""},
		{"wrong case", id, strings.ToLower(testCaptchaAnswer)},
		{"reused", id, testCaptchaAnswer},
	} {
		form := cloneValues(good)
		form.Set("captcha_id", tc.id)
		form.Set("captcha", tc.answer)
		res := e.do(request{target: "/register", form: form})
		if res.Code != http.StatusUnprocessableEntity || byID(res.doc, "captcha-error") == nil {
			t.Errorf("%s: status %d, captcha error shown %v", tc.name, res.Code, byID(res.doc, "captcha-error") != nil)
		}
		if got := attr(fieldNode(t, formPosting(t, res, "/register"), "login"), "value"); got != "ada" {
			t.Errorf("%s: login not kept: %q", tc.name, got)
		}
		if captchaID(t, res) == id {
			t.Errorf("%s: the spent challenge was shown again", tc.name)
		}
	}
	if len(e.reg.registered()) != 0 {
		t.Fatal("a registration passed without a valid captcha")
	}
	e.cap.failWith = errors.New("database down")
	form := cloneValues(good)
	form.Set("captcha_id", captchaID(t, first))
	if res := e.do(request{target: "/register", form: form}); res.Code != http.StatusInternalServerError {
		t.Errorf("a failing captcha service: status %d, want 500", res.Code)
	}
}

// A good form registers with the page's language, the client address and
// the authorization request, then says to check the mail.
func TestRegisterCheckMail(t *testing.T) {
	rs := settingsOf(t, account.ModeOpen, true, "login", "email", "password", "password_confirm")
	e := newRegisterEnv(t, rs)
	id := e.addRequest("ar-2", nil)
	res := e.do(request{target: "/register?lang=ru&authRequestID=" + id})
	form := url.Values{"login": {"ada"}, "email": {" ada@example.com "}, "password": {"long enough"},
		"password_confirm": {"long enough"}, "authRequestID": {id},
		"captcha_id": {captchaID(t, res)}, "captcha": {testCaptchaAnswer}}
	res = e.do(request{target: "/register?lang=ru", form: form})
	if res.Code != http.StatusOK {
		t.Fatalf("status %d\n%s", res.Code, res.Body)
	}
	if !strings.Contains(textOf(res.doc), "ada@example.com") || !strings.Contains(textOf(res.doc), "Проверьте почту") {
		t.Errorf("done page: %s", textOf(first(t, res.doc, byTag("main"))))
	}
	rc := e.reg.contexts[0]
	if rc.Locale != "ru" || rc.AuthRequestID != id || rc.IP == "" {
		t.Errorf("register context = %+v", rc)
	}
}

// Shape C: signed in at once with a new session, and the application's
// request completed.
func TestRegisterActiveSignsIn(t *testing.T) {
	rs := settingsOf(t, account.ModeOpen, false, "email", "password", "password_confirm")
	e := newRegisterEnv(t, rs)
	e.cap.enabled = false
	e.reg.outcome = account.RegistrationOutcome{Kind: account.OutcomeActive, UserID: "user-alice"}
	id := e.addRequest("ar-3", func(ar *AuthRequestView) { ar.FirstParty = true })
	form := url.Values{"email": {"alice@example.com"}, "password": {"long enough"}, "password_confirm": {"long enough"}, "authRequestID": {id}}
	res := e.do(request{target: "/register", form: form})
	if res.Code != http.StatusSeeOther || res.Header().Get("Location") != "/authorize/callback?id="+id {
		t.Fatalf("status %d Location %q", res.Code, res.Header().Get("Location"))
	}
	if c := sessionCookie(res, testSessionName); c == nil || c.Value == "" {
		t.Fatal("no session cookie")
	}
	if got, ok := e.requests.completion(id); !ok || got.userID != "user-alice" {
		t.Fatalf("completion = %+v, %v", got, ok)
	}
	res = e.do(request{target: "/register", form: url.Values{"email": {"bob@example.com"}, "password": {"long enough"}, "password_confirm": {"long enough"}}})
	if res.Code != http.StatusSeeOther || res.Header().Get("Location") != "/" {
		t.Fatalf("without a request: status %d Location %q", res.Code, res.Header().Get("Location"))
	}
}

// A closed instance says so and refuses a crafted POST without creating
// anything.
func TestRegisterClosed(t *testing.T) {
	rs := settingsOf(t, account.ModeClosed, true, "email", "password")
	e := newRegisterEnv(t, rs)
	res := e.do(request{target: "/register"})
	if res.Code != http.StatusOK || !strings.Contains(textOf(res.doc), "Registration is disabled on this instance") {
		t.Fatalf("GET: status %d %s", res.Code, textOf(res.doc))
	}
	if len(findAll(res.doc, byTag("form"))) != 0 {
		t.Error("a closed instance shows a form")
	}
	res = e.do(request{target: "/register", form: url.Values{"email": {"x@example.com"}, "password": {"long enough"}}})
	if res.Code != http.StatusForbidden || len(e.reg.registered()) != 0 {
		t.Fatalf("POST: status %d, registered %d", res.Code, len(e.reg.registered()))
	}
}

// prompt=create opens registration; the login page links to it with the
// request, and "Sign in instead" shows the form.
func TestPromptCreate(t *testing.T) {
	e := newRegisterEnv(t, allFields(t))
	id := e.addRequest("ar-4", func(ar *AuthRequestView) { ar.Prompt = []string{"create"} })
	res := e.do(request{target: "/login?authRequestID=" + id})
	if res.Code != http.StatusSeeOther || res.Header().Get("Location") != "/register?authRequestID="+id {
		t.Fatalf("prompt=create: status %d Location %q", res.Code, res.Header().Get("Location"))
	}
	res = e.do(request{target: "/login?signin=1&authRequestID=" + id})
	if res.Code != http.StatusOK {
		t.Fatalf("signin=1: status %d", res.Code)
	}
	links := findAll(res.doc, func(n *html.Node) bool { return isTag(n, "a") && attr(n, "href") == "/register?authRequestID="+id })
	if len(links) != 1 {
		t.Error("the login page does not link to registration with the request")
	}
}

// An unbound or unknown authorization request is dropped, not fatal.
func TestRegisterDropsForeignRequest(t *testing.T) {
	e := newRegisterEnv(t, allFields(t))
	id := e.addRequest("ar-5", func(ar *AuthRequestView) { ar.BrowserHash = bindingHash(newBindingSecret()) })
	for _, target := range []string{"/register?authRequestID=" + id, "/register?authRequestID=nope"} {
		res := e.do(request{target: target})
		if res.Code != http.StatusOK || len(findAll(res.doc, func(n *html.Node) bool { return attr(n, "name") == "authRequestID" })) != 0 {
			t.Errorf("%s: status %d, request kept", target, res.Code)
		}
	}
}

func TestAddCSPSources(t *testing.T) {
	policy := "default-src 'self'; script-src 'self'; style-src 'self'"
	got := addCSPSources(policy, "script-src", []string{"https://js.hcaptcha.com", "bad; x", ""})
	got = addCSPSources(got, "frame-src", []string{"https://newassets.hcaptcha.com"})
	want := "default-src 'self'; script-src 'self' https://js.hcaptcha.com; style-src 'self'; frame-src 'self' https://newassets.hcaptcha.com"
	if got != want {
		t.Fatalf("policy\n%s\nwant\n%s", got, want)
	}
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}
