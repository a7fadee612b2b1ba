package ui

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/gatehouse/gatehouse/internal/account"
)

func (f *fakeAdmin) ProtocolSettings(context.Context) (account.ProtocolSettings, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.ps, nil
}

func (f *fakeAdmin) SaveProtocolSettingsByAdmin(_ context.Context, ps account.ProtocolSettings, actor string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ps = ps
	f.record("protocol", actor)
	return nil
}

// The settings form shows and saves the OAuth protocol switches (issue
// 18: require PAR for every client, dynamic client registration); a form
// without the protocol_settings marker leaves them as they are.
func TestAdminSettingsProtocolSwitches(t *testing.T) {
	e := newAdminEnv(t)
	res := e.asRoot(request{target: "/admin/settings"})
	if byID(res.doc, "require_pushed_authorization_requests") == nil || hasAttr(byID(res.doc, "require_pushed_authorization_requests"), "checked") ||
		byID(res.doc, "dynamic_client_registration") == nil {
		t.Fatalf("settings page:\n%s", render(res.doc))
	}
	form := url.Values{"registration_mode": {"open"}, "registration_fields": {"login, email, password, password_confirm"},
		"captcha_provider": {"builtin"}, "reset_style": {"link"}, "password_min_length": {"8"},
		"session_lifetime": {"720h"}, "session_max_lifetime": {"12h"}, "session_idle_timeout": {"2h"}, "signin_captcha_after": {"3"},
		"verify_email": {"1"}, "protocol_settings": {"1"}, "require_pushed_authorization_requests": {"1"}}
	res = e.asRoot(request{target: "/admin/settings", form: form})
	if res.Code != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", res.Code, textOf(res.doc))
	}
	if !e.admin.ps.RequirePAR || e.admin.ps.DynamicRegistration || !slices.Contains(e.admin.called(), "protocol user-root") {
		t.Fatalf("saved %+v, calls %v", e.admin.ps, e.admin.called())
	}
	res = e.asRoot(request{target: "/admin/settings"})
	if !hasAttr(byID(res.doc, "require_pushed_authorization_requests"), "checked") || hasAttr(byID(res.doc, "dynamic_client_registration"), "checked") {
		t.Fatalf("the saved switches are not shown:\n%s", render(res.doc))
	}
	form.Del("protocol_settings")
	form.Del("require_pushed_authorization_requests")
	if res = e.asRoot(request{target: "/admin/settings", form: form}); res.Code != http.StatusSeeOther || !e.admin.ps.RequirePAR {
		t.Fatalf("a form without the marker changed the switches: %d %+v", res.Code, e.admin.ps)
	}
	form.Set("password_min_length", "x")
	form.Set("protocol_settings", "1")
	form.Set("dynamic_client_registration", "1")
	res = e.asRoot(request{target: "/admin/settings", form: form})
	if res.Code != http.StatusUnprocessableEntity || !hasAttr(byID(res.doc, "dynamic_client_registration"), "checked") ||
		hasAttr(byID(res.doc, "require_pushed_authorization_requests"), "checked") || e.admin.ps.DynamicRegistration {
		t.Fatalf("a refused form lost the typed switches or saved them: %d %+v\n%s", res.Code, e.admin.ps, render(res.doc))
	}
}

// The client form keeps and saves require_pushed_authorization_requests
// and token_exchange_delegation.
func TestAdminClientFormProtocol2(t *testing.T) {
	e := newAdminEnv(t)
	form := url.Values{"id": {"par-app"}, "name": {"PAR"}, "redirect_uris": {"https://par.example/cb"},
		"grant_types": {"authorization_code"}, "require_pushed_authorization_requests": {"1"}, "token_exchange_delegation": {"1"}}
	res := e.asRoot(request{target: "/admin/clients/new", form: form})
	if res.Code != http.StatusOK {
		t.Fatalf("create: %d\n%s", res.Code, textOf(res.doc))
	}
	c := e.admin.clients["par-app"]
	if !c.RequirePushedAuthorizationRequests || !c.TokenExchangeDelegation {
		t.Fatalf("saved %+v", c)
	}
	res = e.asRoot(request{target: "/admin/clients/par-app"})
	if !hasAttr(byID(res.doc, "require_pushed_authorization_requests"), "checked") || !hasAttr(byID(res.doc, "token_exchange_delegation"), "checked") {
		t.Fatalf("client page:\n%s", render(res.doc))
	}
	form.Set("redirect_uris", "http://evil.example/cb")
	res = e.asRoot(request{target: "/admin/clients/par-app", form: form})
	if res.Code != http.StatusUnprocessableEntity || !hasAttr(byID(res.doc, "require_pushed_authorization_requests"), "checked") ||
		!hasAttr(byID(res.doc, "token_exchange_delegation"), "checked") {
		t.Fatalf("a refused edit lost the checkboxes: %d\n%s", res.Code, render(res.doc))
	}
}
