package ui

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/storage"
)

// The queue approves the selected users together; rejecting asks for
// confirmation, keeps a refused reason as typed, and passes a good one
// (with the textarea's CR LF folded) to Reject.
func TestAdminPendingQueue(t *testing.T) {
	e := newAdminEnv(t)
	res := e.asRoot(request{target: "/admin/pending"})
	if res.Code != http.StatusOK || byID(res.doc, "select-u-pending") == nil || byID(res.doc, "reject-u-pending2") == nil {
		t.Fatalf("queue: %d\n%s", res.Code, textOf(res.doc))
	}
	if f := e.admin.filters[0]; f.State != storage.UserPendingApproval {
		t.Fatalf("queue filter %+v", f)
	}
	res = e.asRoot(request{target: "/admin/pending", form: url.Values{"action": {"approve"}}})
	if res.Code != http.StatusSeeOther || res.Header().Get("Location") != "/admin/pending?notice=none" {
		t.Fatalf("nothing selected: %d %q", res.Code, res.Header().Get("Location"))
	}
	res = e.asRoot(request{target: "/admin/pending", form: url.Values{"action": {"reject"}, "user": {"u-pending", "u-pending2"},
		"reason": {"Spam"}}})
	if res.Code != http.StatusOK || !strings.Contains(textOf(byID(res.doc, "confirm-message")), "pat@example.com, quinn@example.com") ||
		attr(byID(res.doc, "reason"), "maxlength") == "" || textOf(byID(res.doc, "reason")) != "Spam" || len(e.admin.called()) != 0 {
		t.Fatalf("reject without confirm: %d\n%s", res.Code, textOf(res.doc))
	}
	long := strings.Repeat("x", 1001)
	res = e.asRoot(request{target: "/admin/pending", form: url.Values{"action": {"reject"}, "user": {"u-pending"},
		"reason": {long}, "confirm": {"1"}}})
	if res.Code != http.StatusUnprocessableEntity || byID(res.doc, "reason-error") == nil || textOf(byID(res.doc, "reason")) != long {
		t.Fatalf("long reason: %d\n%s", res.Code, textOf(res.doc))
	}
	hidden := hiddenValues(formPosting(t, e.asRoot(request{target: "/admin/pending", form: url.Values{"reject": {"u-pending2"}}}), "/admin/pending"))
	if !slices.Contains(hidden, "user=u-pending2") || !slices.Contains(hidden, "action=reject") {
		t.Fatalf("row reject confirmation carries %v", hidden)
	}
	form := url.Values{"action": {"reject"}, "user": {"u-pending2"}, "reason": {"Line one\r\nline two"}, "confirm": {"1"}}
	res = e.asRoot(request{target: "/admin/pending", form: form})
	if res.Code != http.StatusSeeOther || res.Header().Get("Location") != "/admin/pending?n=1&notice=rejected&skipped=0" {
		t.Fatalf("reject: %d %q", res.Code, res.Header().Get("Location"))
	}
	res = e.asRoot(request{target: "/admin/pending", form: url.Values{"action": {"approve"}, "user": {"u-pending", "u-pending2"}}})
	if res.Code != http.StatusSeeOther || res.Header().Get("Location") != "/admin/pending?n=1&notice=approved&skipped=1" {
		t.Fatalf("approve: %d %q", res.Code, res.Header().Get("Location"))
	}
	res = e.asRoot(request{target: res.Header().Get("Location")})
	if textOf(byID(res.doc, "admin-notice")) != "Approved: 1." || byID(res.doc, "pending-skipped") == nil || byID(res.doc, "pending-none") == nil {
		t.Fatalf("after approving:\n%s", textOf(res.doc))
	}
	want := []string{"reject u-pending2 user-root", "reason Line one\nline two", "approve u-pending user-root"}
	if got := e.admin.called(); !slices.Equal(got, want) {
		t.Fatalf("calls %q, want %q", got, want)
	}
}

// A refused client comes back as typed with the refused field explained;
// a new confidential client's secret is shown once, never stored by the
// browser, and a rotation needs confirmation and shows the new one once.
func TestAdminClientForms(t *testing.T) {
	e := newAdminEnv(t)
	bad := url.Values{"id": {"shop"}, "name": {"Shop"}, "redirect_uris": {"https://shop.example/cb\r\nhttp://evil.example/cb"},
		"scopes": {"openid orders"}, "grant_types": {"authorization_code", "refresh_token"}, "first_party": {"1"}}
	res := e.asRoot(request{target: "/admin/clients/new", form: bad})
	if res.Code != http.StatusUnprocessableEntity || !strings.Contains(textOf(byID(res.doc, "redirect_uris-error")), "http://evil.example/cb") {
		t.Fatalf("bad client: %d\n%s", res.Code, textOf(res.doc))
	}
	if attr(byID(res.doc, "id"), "value") != "shop" || attr(byID(res.doc, "name"), "value") != "Shop" ||
		textOf(byID(res.doc, "redirect_uris")) != "https://shop.example/cb http://evil.example/cb" ||
		attr(byID(res.doc, "scopes"), "value") != "openid orders" || !hasAttr(byID(res.doc, "first_party"), "checked") ||
		!hasAttr(byID(res.doc, "grant-refresh_token"), "checked") || hasAttr(byID(res.doc, "grant-client_credentials"), "checked") {
		t.Fatalf("the typed values were lost:\n%s", render(res.doc))
	}
	bad.Set("redirect_uris", "https://shop.example/cb")
	res = e.asRoot(request{target: "/admin/clients/new", form: bad})
	secret := attr(byID(res.doc, "client-secret"), "value")
	if res.Code != http.StatusOK || !strings.HasPrefix(secret, "secret-01-") || res.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("created: %d %q\n%s", res.Code, secret, textOf(res.doc))
	}
	if res = e.asRoot(request{target: "/admin/clients/new", form: bad}); res.Code != http.StatusUnprocessableEntity ||
		!strings.Contains(textOf(byID(res.doc, "id-error")), "already exists") {
		t.Fatalf("duplicate id: %d\n%s", res.Code, textOf(res.doc))
	}
	res = e.asRoot(request{target: "/admin/clients/shop"})
	if res.Code != http.StatusOK || strings.Contains(res.Body.String(), secret) || byID(res.doc, "rotate-secret") == nil {
		t.Fatalf("client page: %d (shows the secret: %v)", res.Code, strings.Contains(res.Body.String(), secret))
	}
	res = e.asRoot(request{target: "/admin/clients/shop/secret", form: url.Values{}})
	if res.Code != http.StatusOK || byID(res.doc, "confirm-heading") == nil || byID(res.doc, "client-secret") != nil {
		t.Fatalf("rotate without confirm: %d\n%s", res.Code, textOf(res.doc))
	}
	res = e.asRoot(request{target: "/admin/clients/shop/secret", form: url.Values{"confirm": {"1"}}})
	rotated := attr(byID(res.doc, "client-secret"), "value")
	if res.Code != http.StatusOK || !strings.HasPrefix(rotated, "secret-02-") || res.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("rotated: %d %q", res.Code, rotated)
	}
	if res = e.asRoot(request{target: "/admin/clients/shop"}); strings.Contains(res.Body.String(), rotated) {
		t.Fatal("the rotated secret is shown again")
	}
	want := []string{"create-client shop user-root", "rotate shop user-root"}
	if got := e.admin.called(); !slices.Equal(got, want) {
		t.Fatalf("calls %v", got)
	}
}

// Editing keeps what the form does not show and the typed values on a
// refusal; deleting needs confirmation.
func TestAdminClientEditAndDelete(t *testing.T) {
	e := newAdminEnv(t)
	form := url.Values{"name": {"Web app"}, "redirect_uris": {"https://web.example/cb"}, "scopes": {`openid "bad"`},
		"grant_types": {"authorization_code"}, "access_token_format": {"opaque"}, "id": {"hijack"}}
	res := e.asRoot(request{target: "/admin/clients/web", form: form})
	if res.Code != http.StatusUnprocessableEntity || byID(res.doc, "scopes-error") == nil ||
		attr(byID(res.doc, "scopes"), "value") != `openid "bad"` || attr(byID(res.doc, "name"), "value") != "Web app" {
		t.Fatalf("refused edit: %d\n%s", res.Code, textOf(res.doc))
	}
	form.Set("scopes", "openid profile")
	res = e.asRoot(request{target: "/admin/clients/web", form: form})
	if res.Code != http.StatusSeeOther || res.Header().Get("Location") != "/admin/clients/web?notice=saved" {
		t.Fatalf("edit: %d %q", res.Code, res.Header().Get("Location"))
	}
	cl, _ := e.admin.Client(t.Context(), "web")
	if cl.Name != "Web app" || cl.SecretHash != "hash" || cl.AccessTokenFormat != "opaque" || len(cl.Scopes) != 2 {
		t.Fatalf("saved client %+v", cl)
	}
	if _, err := e.admin.Client(t.Context(), "hijack"); err == nil {
		t.Fatal("the id of an existing client changed")
	}
	res = e.asRoot(request{target: "/admin/clients/web/delete", form: url.Values{}})
	if res.Code != http.StatusOK || byID(res.doc, "confirm-heading") == nil {
		t.Fatalf("delete without confirm: %d", res.Code)
	}
	res = e.asRoot(request{target: "/admin/clients/web/delete", form: url.Values{"confirm": {"1"}}})
	if res.Code != http.StatusSeeOther || res.Header().Get("Location") != "/admin/clients?notice=deleted" {
		t.Fatalf("delete: %d %q", res.Code, res.Header().Get("Location"))
	}
	if res = e.asRoot(request{target: "/admin/clients/web"}); res.Code != http.StatusNotFound {
		t.Fatalf("deleted client: %d", res.Code)
	}
}

// Bad settings come back as typed with each refused field explained, and
// nothing is saved; good ones are saved as the administrator.
func TestAdminSettingsForm(t *testing.T) {
	e := newAdminEnv(t)
	res := e.asRoot(request{target: "/admin/settings"})
	if attr(byID(res.doc, "password_min_length"), "value") != "8" || attr(byID(res.doc, "session_idle_timeout"), "value") != "2 hours" {
		t.Fatalf("settings page:\n%s", render(res.doc))
	}
	bad := url.Values{"registration_mode": {"audit"}, "registration_fields": {"login, password"}, "terms_url": {"ftp://terms"},
		"captcha_provider": {"none"}, "reset_style": {"generated"}, "reset_identify": {""}, "password_min_length": {"seven"},
		"password_require": {"digit"}, "session_lifetime": {"720h"}, "session_max_lifetime": {"12h"}, "session_idle_timeout": {"1m"},
		"signin_captcha_after": {"-1"}}
	res = e.asRoot(request{target: "/admin/settings", form: bad})
	if res.Code != http.StatusUnprocessableEntity {
		t.Fatalf("bad settings: %d", res.Code)
	}
	for _, f := range []string{"registration_fields", "terms_url", "password_min_length", "session_idle_timeout", "signin_captcha_after"} {
		if byID(res.doc, f+"-error") == nil || (f != "registration_fields" && attr(byID(res.doc, f), "aria-invalid") != "true") {
			t.Errorf("%s is not explained", f)
		}
	}
	for _, f := range []string{"registration_mode", "captcha_provider", "session_lifetime"} {
		if byID(res.doc, f+"-error") != nil {
			t.Errorf("%s is wrongly refused", f)
		}
	}
	if !hasAttr(byID(res.doc, "field-on-login"), "checked") || !hasAttr(byID(res.doc, "field-on-password"), "checked") ||
		hasAttr(byID(res.doc, "field-on-email"), "checked") || attr(byID(res.doc, "terms_url"), "value") != "ftp://terms" ||
		attr(byID(res.doc, "password_min_length"), "value") != "seven" || !hasAttr(byID(res.doc, "require-digit"), "checked") ||
		!strings.Contains(render(byID(res.doc, "registration_mode")), `value="audit" selected`) {
		t.Fatalf("the typed values were lost:\n%s", render(res.doc))
	}
	if len(e.admin.called()) != 0 {
		t.Fatalf("bad settings were saved: %v", e.admin.called())
	}
	good := bad
	good.Set("registration_fields", "email, password, company?")
	good.Set("terms_url", "")
	good.Set("password_min_length", "12")
	good.Set("session_idle_timeout", "30m")
	good.Set("signin_captcha_after", "5")
	res = e.asRoot(request{target: "/admin/settings", form: good})
	if res.Code != http.StatusSeeOther || res.Header().Get("Location") != "/admin/settings?notice=saved" {
		t.Fatalf("good settings: %d %q\n%s", res.Code, res.Header().Get("Location"), textOf(res.doc))
	}
	rs, l := e.admin.rs, e.admin.l
	if rs.Mode != account.ModeAudit || rs.CaptchaProvider != "none" || rs.Password.MinLength != 12 || rs.SignInCaptchaAfter != 5 || rs.Reset.Style != account.ResetGenerated ||
		!slices.Equal(rs.FieldNames(), []string{"email", "password", "company?"}) || l.Idle != 30*time.Minute || rs.VerifyEmail {
		t.Fatalf("saved %+v %+v", rs, l)
	}
	if got := e.admin.called(); !slices.Equal(got, []string{"settings user-root", "sessions user-root"}) {
		t.Fatalf("calls %v", got)
	}
}

// A malformed since is explained with the filters kept; good filters
// reach the audit log.
func TestAdminAuditFilters(t *testing.T) {
	e := newAdminEnv(t)
	res := e.asRoot(request{target: "/admin/audit?user=u-active&type=admin.user.block&since=yesterday"})
	if res.Code != http.StatusUnprocessableEntity || byID(res.doc, "since-error") == nil ||
		attr(byID(res.doc, "since"), "value") != "yesterday" || !strings.Contains(render(byID(res.doc, "type")), `value="admin.user.block" selected`) {
		t.Fatalf("bad since: %d\n%s", res.Code, textOf(res.doc))
	}
	e.admin.nextPage = "C2"
	res = e.asRoot(request{target: "/admin/audit?user=u-active&type=admin.user.block&since=2030-04-30"})
	if res.Code != http.StatusOK || !strings.Contains(textOf(byID(res.doc, "audit-table")), "from=active; to=blocked") {
		t.Fatalf("audit: %d\n%s", res.Code, textOf(res.doc))
	}
	f := e.admin.audits[len(e.admin.audits)-1]
	if f.UserID != "u-active" || f.Type != "admin.user.block" || !f.Since.Equal(time.Date(2030, 4, 30, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("filter %+v", f)
	}
	if next := attr(byID(res.doc, "next-page"), "href"); !strings.Contains(next, "cursor=C2") || !strings.Contains(next, "since=2030-04-30") {
		t.Fatalf("next page %q", next)
	}
}
