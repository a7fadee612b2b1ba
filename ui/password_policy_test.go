package ui

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/storage"
)

// Each policy rule refuses with its own message, next to the password
// field, and the rules are shown beside it.
func TestRegisterPasswordPolicyMessages(t *testing.T) {
	rs := settingsOf(t, account.ModeOpen, true, "login", "email", "password", "password_confirm")
	rs.Password = account.PasswordPolicy{MinLength: 10, Require: []string{account.ClassDigit}}
	rs.InstanceName = "Acme Portal"
	e := newRegisterEnv(t, rs)
	page := e.do(request{target: "/register"})
	help := textOf(byID(page.doc, "password-help"))
	for _, want := range []string{"From 10 to 128 characters", "It must contain a digit", "Very common passwords"} {
		if !strings.Contains(help, want) {
			t.Errorf("hint %q lacks %q", help, want)
		}
	}
	for _, tc := range []struct{ password, want string }{
		{"short1", "at least 10 characters"},
		{strings.Repeat("x1", 65), "at most 128 characters"},
		{"no digits at all", "must contain a digit"},
		{"password123", "one of the most common"},
		{"grace1 forever", "must not contain your login"},
		{"hopper1 forever", "must not contain your login"},
		{"my acme portal 1", "must not contain your login"},
	} {
		res := e.do(request{target: "/register"})
		form := url.Values{"login": {"grace"}, "email": {"hopper@example.com"}, "password": {tc.password},
			"password_confirm": {tc.password}, "captcha_id": {captchaID(t, res)}, "captcha": {testCaptchaAnswer}}
		res = e.do(request{target: "/register", form: form})
		if res.Code != http.StatusUnprocessableEntity {
			t.Fatalf("%q: status %d, want 422", tc.password, res.Code)
		}
		if got := textOf(byID(res.doc, "password-error")); !strings.Contains(got, tc.want) {
			t.Errorf("%q: message %q, want it to say %q", tc.password, got, tc.want)
		}
	}
	if len(e.reg.registered()) != 0 {
		t.Fatal("a refused password reached Register")
	}
}

// The set-password page shows the policy and explains a refusal.
func TestActivatePasswordPolicy(t *testing.T) {
	e := newVerifyEnv(t)
	e.reg.settings.Password = account.PasswordPolicy{Require: []string{account.ClassUpper}}
	e.reg.addLink("act", storage.PurposeActivate, account.LinkValid)
	res := e.do(request{target: "/activate?token=act"})
	if help := textOf(byID(res.doc, "password-help")); !strings.Contains(help, "an uppercase letter") {
		t.Errorf("hint %q does not name the required class", help)
	}
	bad := e.do(request{target: "/activate", form: url.Values{"token": {"act"}, "password": {"all lowercase"}, "password_confirm": {"all lowercase"}}})
	if got := textOf(byID(bad.doc, "password-error")); bad.Code != http.StatusUnprocessableEntity || !strings.Contains(got, "must contain an uppercase letter") {
		t.Fatalf("status %d, message %q", bad.Code, got)
	}
}
