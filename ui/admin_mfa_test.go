package ui

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/mfa"
)

// The user page says whether two-step verification is on; turning it off
// is offered only then, and goes through the confirmation step.
func TestAdminMFAResetNeedsConfirmation(t *testing.T) {
	e := newAdminEnv(t)
	res := e.asRoot(request{target: "/admin/users/u-active"})
	if textOf(byID(res.doc, "user-mfa")) != "off" || byID(res.doc, "action-mfa-reset") != nil {
		t.Fatalf("user without MFA: %q\n%s", textOf(byID(res.doc, "user-mfa")), textOf(res.doc))
	}
	e.admin.mu.Lock()
	e.admin.mfaOn = map[string]bool{"u-active": true}
	e.admin.mu.Unlock()
	res = e.asRoot(request{target: "/admin/users/u-active"})
	if textOf(byID(res.doc, "user-mfa")) != "on" || byID(res.doc, "action-mfa-reset") == nil {
		t.Fatalf("user with MFA:\n%s", textOf(res.doc))
	}
	target := "/admin/users/u-active/mfa-reset"
	res = e.asRoot(request{target: target, form: url.Values{}})
	if res.Code != http.StatusOK || !strings.Contains(textOf(byID(res.doc, "confirm-heading")), "Turn off two-step verification") ||
		!strings.Contains(textOf(res.doc), "ada@example.com") || len(e.admin.called()) != 0 {
		t.Fatalf("without confirm: %d %v\n%s", res.Code, e.admin.called(), textOf(res.doc))
	}
	res = e.asRoot(request{target: target, form: url.Values{"confirm": {"1"}}})
	if res.Code != http.StatusSeeOther || res.Header().Get("Location") != "/admin/users/u-active?notice=mfa_reset" {
		t.Fatalf("confirmed: %d %q", res.Code, res.Header().Get("Location"))
	}
	if got := e.admin.called(); !slices.Equal(got, []string{"mfa-reset u-active user-root"}) {
		t.Fatalf("calls %v", got)
	}
	res = e.asRoot(request{target: "/admin/users/u-active?notice=mfa_reset"})
	if !strings.Contains(textOf(byID(res.doc, "admin-notice")), "Two-step verification of the user is off") ||
		textOf(byID(res.doc, "user-mfa")) != "off" {
		t.Fatalf("after the reset:\n%s", textOf(res.doc))
	}
}

// The settings form has the MFA policy; an unknown one is refused and
// explained, a known one saved.
func TestAdminSettingsMFAPolicy(t *testing.T) {
	e := newAdminEnv(t)
	res := e.asRoot(request{target: "/admin/settings"})
	sel := render(byID(res.doc, "mfa_policy"))
	for _, p := range mfa.Policies() {
		if !strings.Contains(sel, `value="`+string(p)+`"`) {
			t.Fatalf("no option %s in %s", p, sel)
		}
	}
	if !strings.Contains(sel, `value="optional" selected`) {
		t.Fatalf("optional is not the default: %s", sel)
	}
	form := url.Values{"registration_mode": {"open"}, "registration_fields": {"login, email, password, password_confirm"},
		"captcha_provider": {"builtin"}, "reset_style": {"link"}, "password_min_length": {"8"},
		"session_lifetime": {"720h"}, "session_max_lifetime": {"12h"}, "session_idle_timeout": {"2h"}, "verify_email": {"1"},
		"mfa_policy": {"sometimes"}}
	res = e.asRoot(request{target: "/admin/settings", form: form})
	if res.Code != http.StatusUnprocessableEntity || byID(res.doc, "mfa_policy-error") == nil || len(e.admin.called()) != 0 {
		t.Fatalf("unknown policy: %d %v\n%s", res.Code, e.admin.called(), textOf(res.doc))
	}
	form.Set("mfa_policy", "required_for_admins")
	res = e.asRoot(request{target: "/admin/settings", form: form})
	if res.Code != http.StatusSeeOther || e.admin.rs.MFAPolicy != mfa.PolicyRequiredForAdmins {
		t.Fatalf("policy not saved: %d %q", res.Code, e.admin.rs.MFAPolicy)
	}
}

// The client form keeps require_mfa.
func TestAdminClientRequireMFA(t *testing.T) {
	e := newAdminEnv(t)
	res := e.asRoot(request{target: "/admin/clients/web", form: url.Values{"name": {"Web"}, "redirect_uris": {"https://web.example/cb"},
		"grant_types": {"authorization_code"}, "scopes": {"openid"}, "access_token_format": {"jwt"}, "require_mfa": {"1"}}})
	if res.Code != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", res.Code, textOf(res.doc))
	}
	if !e.admin.clients["web"].RequireMFA {
		t.Fatal("require_mfa not saved")
	}
	res = e.asRoot(request{target: "/admin/clients/web"})
	if !hasAttr(byID(res.doc, "require_mfa"), "checked") {
		t.Fatal("require_mfa not shown")
	}
}
