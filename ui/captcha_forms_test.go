package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/gatehouse/gatehouse/internal/account"
)

// registrationTyped is a whole registration form as a person typed it.
func registrationTyped(captchaID string) url.Values {
	return url.Values{
		"login": {"ada"}, "email": {"ada@example.com"}, "password": {"correct horse battery"},
		"password_confirm": {"correct horse battery"}, "given_name": {"Ada"}, "family_name": {"Lovelace"},
		"company": {"Engines Ltd"}, "country": {"GB"}, "accept_terms": {"1"}, "locale": {"ru"},
		"captcha_id": {captchaID}, "captcha": {"half-typed"},
	}
}

// assertKept fails unless every field of typed but the captcha answer is
// in the page's registration form as typed (the checkbox checked).
func assertKept(t *testing.T, res response, typed url.Values) {
	t.Helper()
	page := formPosting(t, res, "/register")
	for name := range typed {
		n := fieldNode(t, page, name)
		switch name {
		case "captcha_id":
			continue
		case "captcha":
			if v := attr(n, "value"); v != "" {
				t.Errorf("the captcha answer was written back: %q", v)
			}
		case "accept_terms":
			if !hasAttr(n, "checked") {
				t.Error("accept_terms lost")
			}
		case "country", "locale":
			sel := first(t, n, func(o *html.Node) bool { return isTag(o, "option") && hasAttr(o, "selected") })
			if got := attr(sel, "value"); got != typed.Get(name) {
				t.Errorf("%s = %q, want %q", name, got, typed.Get(name))
			}
		default:
			if got := attr(n, "value"); got != typed.Get(name) {
				t.Errorf("%s = %q, want %q", name, got, typed.Get(name))
			}
		}
	}
}

// "New image" without JavaScript posts the form to /register?captcha=new:
// the same form comes back with everything typed, passwords included, a
// new challenge and no error; nothing is checked or registered.
func TestRegisterNewImageWithoutScriptKeepsEverything(t *testing.T) {
	e := newRegisterEnv(t, allFields(t))
	id := e.addRequest("ar-new", nil)
	res := e.do(request{target: "/register?authRequestID=" + id})
	button := byID(res.doc, "captcha-new")
	if button == nil || attr(button, "type") != "submit" || attr(button, "formaction") != "/register?authRequestID="+id+"&captcha=new" {
		t.Fatalf("New image button %v formaction %q", button != nil, attr(button, "formaction"))
	}
	old := captchaID(t, res)
	typed := registrationTyped(old)
	typed.Set("authRequestID", id)
	res = e.do(request{target: attr(button, "formaction"), form: typed})
	if res.Code != http.StatusOK {
		t.Fatalf("status %d, want 200\n%s", res.Code, res.Body)
	}
	if res.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", res.Header().Get("Cache-Control"))
	}
	assertKept(t, res, typed)
	if captchaID(t, res) == old {
		t.Error("the same challenge was shown again")
	}
	if byID(res.doc, "register-alert") != nil || byID(res.doc, "captcha-error") != nil || strings.Contains(res.Body.String(), `aria-invalid="true"`) {
		t.Error("asking for a new image shows an error")
	}
	if attr(fieldNode(t, formPosting(t, res, "/register"), "authRequestID"), "value") != id {
		t.Error("the authorization request was lost")
	}
	if len(e.reg.registered()) != 0 {
		t.Error("asking for a new image registered")
	}
}

// A wrong captcha when everything else is right keeps the passwords too;
// with another error they are cleared (and the rest kept).
func TestRegisterCaptchaOnlyErrorKeepsPasswords(t *testing.T) {
	e := newRegisterEnv(t, allFields(t))
	typed := registrationTyped(captchaID(t, e.do(request{target: "/register"})))
	res := e.do(request{target: "/register", form: typed})
	if res.Code != http.StatusUnprocessableEntity || byID(res.doc, "captcha-error") == nil {
		t.Fatalf("status %d, captcha error %v", res.Code, byID(res.doc, "captcha-error") != nil)
	}
	assertKept(t, res, typed)

	typed = registrationTyped(captchaID(t, res))
	typed.Set("email", "not an address")
	res = e.do(request{target: "/register", form: typed})
	if res.Code != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", res.Code)
	}
	page := formPosting(t, res, "/register")
	for _, name := range []string{"password", "password_confirm"} {
		if v := attr(fieldNode(t, page, name), "value"); v != "" {
			t.Errorf("%s written back beside another error: %q", name, v)
		}
	}
	if v := attr(fieldNode(t, page, "given_name"), "value"); v != "Ada" {
		t.Errorf("given_name %q", v)
	}
	if len(e.reg.registered()) != 0 {
		t.Error("registered without a captcha")
	}
}

// In audit mode the page says an administrator reviews new accounts, in
// the page's language; in open mode it does not.
func TestRegisterAuditModeSaysAnAdministratorReviews(t *testing.T) {
	for _, tc := range []struct {
		mode account.RegistrationMode
		lang string
		want string
	}{
		{account.ModeAudit, "en", "An administrator reviews every new account"},
		{account.ModeAudit, "ru", "Каждую новую учётную запись проверяет администратор"},
		{account.ModeOpen, "en", ""},
	} {
		e := newRegisterEnv(t, settingsOf(t, tc.mode, true, "login", "email", "password"))
		res := e.do(request{target: "/register?lang=" + tc.lang})
		note := byID(res.doc, "register-audit")
		switch {
		case tc.want == "" && note != nil:
			t.Errorf("%s: the review notice is shown", tc.mode)
		case tc.want != "" && (note == nil || !strings.Contains(textOf(note), tc.want)):
			t.Errorf("%s %s: notice %v", tc.mode, tc.lang, note != nil)
		}
	}
}

// The reset request and the resend form keep what was typed on "New
// image" without JavaScript, with no error.
func TestOtherFormsNewImageWithoutScript(t *testing.T) {
	e := newRegisterEnv(t, allFields(t))
	for _, tc := range []struct {
		page, field string
	}{
		{"/verify/resend", "email"},
	} {
		res := e.do(request{target: tc.page})
		button := byID(res.doc, "captcha-new")
		if button == nil {
			t.Fatalf("%s: no New image button", tc.page)
		}
		old := captchaID(t, res)
		res = e.do(request{target: attr(button, "formaction"), form: url.Values{tc.field: {"ada@example.com"}, "captcha_id": {old}}})
		if res.Code != http.StatusOK || captchaID(t, res) == old || byID(res.doc, "captcha-error") != nil {
			t.Errorf("%s: status %d, captcha error %v", tc.page, res.Code, byID(res.doc, "captcha-error") != nil)
		}
		if v := attr(fieldNode(t, first(t, res.doc, byTag("form")), tc.field), "value"); v != "ada@example.com" {
			t.Errorf("%s: %s = %q", tc.page, tc.field, v)
		}
	}
}

// endpointCaptcha adds the script and audio endpoints to fakeCaptcha.
type endpointCaptcha struct {
	*fakeCaptcha
	err       error // returned by both when set
	gotLang   string
	challenge int
}

func (f *endpointCaptcha) NewChallenge(context.Context, string) (any, error) {
	if f.err != nil {
		return nil, f.err
	}
	f.challenge++
	return map[string]string{"id": fmt.Sprintf("new-%d", f.challenge), "image": "data:image/png;base64,AAAA"}, nil
}

func (f *endpointCaptcha) Audio(_ context.Context, id, lang, _ string) ([]byte, error) {
	if f.err != nil {
		return nil, f.err
	}
	f.gotLang = lang
	return []byte("RIFF....WAVE" + id), nil
}

func TestCaptchaEndpoints(t *testing.T) {
	capt := &endpointCaptcha{fakeCaptcha: newFakeCaptcha()}
	reg := newFakeRegistration(allFields(t))
	e := newSignInEnv(t, func(o *Options) { o.Registration, o.Captcha = reg, capt })

	res := e.do(request{target: "/captcha/new"})
	var body map[string]string
	if res.Code != http.StatusOK || json.Unmarshal(res.Body.Bytes(), &body) != nil || body["id"] != "new-1" {
		t.Fatalf("new: status %d body %s", res.Code, res.Body)
	}
	if res.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("new: Cache-Control %q", res.Header().Get("Cache-Control"))
	}
	for _, tc := range []struct{ target, accept, want string }{
		{"/captcha/audio?id=x", "ru-RU,ru;q=0.9", "ru"},
		{"/captcha/audio?id=x&lang=en", "ru", "en"},
		{"/captcha/audio?id=x&lang=xx", "en", "en"},
	} {
		res = e.do(request{target: tc.target, header: map[string]string{"Accept-Language": tc.accept}})
		if res.Code != http.StatusOK || res.Header().Get("Content-Type") != "audio/wav" || capt.gotLang != tc.want ||
			res.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("%s: status %d type %q lang %q", tc.target, res.Code, res.Header().Get("Content-Type"), capt.gotLang)
		}
	}
	capt.err = ErrCaptchaLimited
	for _, path := range []string{"/captcha/new", "/captcha/audio?id=x"} {
		res = e.do(request{target: path})
		if res.Code != http.StatusTooManyRequests || res.Header().Get("Retry-After") == "" || !strings.Contains(res.Body.String(), "Wait a minute") {
			t.Errorf("%s limited: status %d Retry-After %q %s", path, res.Code, res.Header().Get("Retry-After"), res.Body)
		}
	}
	capt.err = fmt.Errorf("wrapped: %w", ErrCaptchaNotFound)
	if res = e.do(request{target: "/captcha/audio?id=x"}); res.Code != http.StatusNotFound {
		t.Errorf("not found: status %d", res.Code)
	}
	capt.err = nil
	capt.enabled = false // captcha.provider none
	if res = e.do(request{target: "/captcha/new"}); res.Code != http.StatusNotFound {
		t.Errorf("turned off: status %d", res.Code)
	}

	plain := newRegisterEnv(t, allFields(t)) // a captcha without endpoints (a vendor)
	if res = plain.do(request{target: "/captcha/new"}); res.Code != http.StatusNotFound {
		t.Errorf("no endpoints: status %d", res.Code)
	}
}
