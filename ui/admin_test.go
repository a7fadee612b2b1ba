package ui

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// adminRoute is one console route with a request that reaches it.
type adminRoute struct {
	method, target string
	form           url.Values
}

// adminRoutesUnderTest covers every route of the console.
var adminRoutesUnderTest = []adminRoute{
	{http.MethodGet, "/admin", nil},
	{http.MethodGet, "/admin/pending", nil},
	{http.MethodPost, "/admin/pending", url.Values{"approve": {"u-pending"}}},
	{http.MethodGet, "/admin/users?q=ada&state=active", nil},
	{http.MethodGet, "/admin/users/u-active", nil},
	{http.MethodPost, "/admin/users/u-active/block", url.Values{"confirm": {"1"}}},
	{http.MethodPost, "/admin/users/u-active/unlink-identity", url.Values{"identity": {"i1"}, "confirm": {"1"}}},
	{http.MethodGet, "/admin/clients", nil},
	{http.MethodGet, "/admin/clients/new", nil},
	{http.MethodPost, "/admin/clients/new", url.Values{"id": {"shop"}, "redirect_uris": {"https://shop.example/cb"}}},
	{http.MethodGet, "/admin/clients/web", nil},
	{http.MethodPost, "/admin/clients/web", url.Values{"name": {"Renamed"}}},
	{http.MethodPost, "/admin/clients/web/secret", url.Values{"confirm": {"1"}}},
	{http.MethodPost, "/admin/clients/web/delete", url.Values{"confirm": {"1"}}},
	{http.MethodGet, "/admin/settings", nil},
	{http.MethodPost, "/admin/settings", url.Values{"registration_mode": {"closed"}}},
	{http.MethodGet, "/admin/audit?type=user.login", nil},
}

func (r adminRoute) request() request {
	req := request{method: r.method, target: r.target}
	if r.method == http.MethodPost {
		req.form = r.form
		if req.form == nil {
			req.form = url.Values{}
		}
	}
	return req
}

// Anonymous browsers are sent to sign in; signed-in users without the
// admin role get the 403 page on every route, GET and POST, and change
// nothing; administrators get the pages.
func TestAdminAccessRules(t *testing.T) {
	e := newAdminEnv(t)
	for _, r := range adminRoutesUnderTest {
		t.Run(r.method+" "+r.target, func(t *testing.T) {
			res := e.do(r.request())
			loc := res.Header().Get("Location")
			if res.Code != http.StatusSeeOther || !strings.HasPrefix(loc, "/login?return_to=") {
				t.Errorf("anonymous: %d %q", res.Code, loc)
			}
			want := "/login?" + (url.Values{"return_to": {r.target}}).Encode()
			if r.method == http.MethodGet && loc != want {
				t.Errorf("anonymous GET returns to %q", loc)
			}
			req := r.request()
			req.cookies = []*http.Cookie{e.alice}
			res = e.do(req)
			if res.Code != http.StatusForbidden || byID(res.doc, "error-heading") == nil || res.Header().Get("Cache-Control") != "no-store" {
				t.Errorf("non-admin: %d\n%s", res.Code, textOf(res.doc))
			}
		})
	}
	if calls := e.admin.called(); len(calls) != 0 {
		t.Fatalf("refused requests changed something: %v", calls)
	}
	for _, r := range adminRoutesUnderTest {
		if r.method != http.MethodGet {
			continue
		}
		res := e.asRoot(r.request())
		if res.Code != http.StatusOK || res.Header().Get("Cache-Control") != "no-store" ||
			len(findAll(res.doc, func(n *html.Node) bool { return attr(n, "class") == "admin-nav" })) != 1 {
			t.Errorf("admin %s: %d %v", r.target, res.Code, res.Header())
		}
	}
}

func TestAdminDashboardAndRussian(t *testing.T) {
	e := newAdminEnv(t)
	res := e.asRoot(request{target: "/admin"})
	if res.Code != http.StatusOK || textOf(byID(res.doc, "count-pending")) != "2 waiting for approval" ||
		textOf(byID(res.doc, "count-clients")) != "1 applications" || textOf(byID(res.doc, "count-active")) != "1" {
		t.Fatalf("dashboard: %d\n%s", res.Code, textOf(res.doc))
	}
	res = e.asRoot(request{target: "/admin/users/u-pending?lang=ru"})
	if !strings.Contains(textOf(res.doc), "Ожидает одобрения") || !strings.Contains(textOf(res.doc), "Заблокировать") {
		t.Fatalf("Russian user page:\n%s", textOf(res.doc))
	}
}

// hiddenValues lists the name=value of the hidden inputs of form.
func hiddenValues(form *html.Node) []string {
	var out []string
	for _, n := range findAll(form, byTag("input")) {
		if attr(n, "type") == "hidden" {
			out = append(out, attr(n, "name")+"="+attr(n, "value"))
		}
	}
	return out
}

// Block, end sessions and delete show a confirmation page first; only the
// confirmed POST acts, as the signed-in administrator.
func TestAdminDestructiveActionsNeedConfirmation(t *testing.T) {
	e := newAdminEnv(t)
	for _, action := range []string{"block", "end-sessions", "delete"} {
		target := "/admin/users/u-active/" + action
		res := e.asRoot(request{target: target, form: url.Values{}})
		if res.Code != http.StatusOK || byID(res.doc, "confirm-heading") == nil {
			t.Fatalf("%s without confirm: %d\n%s", action, res.Code, textOf(res.doc))
		}
		form := formPosting(t, res, target)
		if !slices.Contains(hiddenValues(form), "confirm=1") || !strings.Contains(textOf(res.doc), "ada@example.com") {
			t.Fatalf("%s: confirmation form %v", action, hiddenValues(form))
		}
		if len(e.admin.called()) != 0 {
			t.Fatalf("%s acted before confirmation: %v", action, e.admin.called())
		}
		if action == "delete" {
			continue
		}
		res = e.asRoot(request{target: target, form: url.Values{"confirm": {"1"}}})
		if res.Code != http.StatusSeeOther || !strings.HasPrefix(res.Header().Get("Location"), "/admin/users/u-active?notice=") {
			t.Fatalf("%s confirmed: %d %q", action, res.Code, res.Header().Get("Location"))
		}
		e.admin.mu.Lock()
		e.admin.calls = nil
		e.admin.mu.Unlock()
	}
	res := e.asRoot(request{target: "/admin/users/u-active/block", form: url.Values{"confirm": {"1"}}})
	if res.Code != http.StatusConflict || !strings.Contains(textOf(byID(res.doc, "admin-alert")), "current state") ||
		textOf(byID(res.doc, "user-state")) != "Blocked" {
		t.Fatalf("blocking a blocked user: %d\n%s", res.Code, textOf(res.doc))
	}
	res = e.asRoot(request{target: "/admin/users/u-active/delete", form: url.Values{"confirm": {"1"}}})
	if res.Code != http.StatusSeeOther || res.Header().Get("Location") != "/admin/users?notice=deleted" {
		t.Fatalf("delete: %d %q", res.Code, res.Header().Get("Location"))
	}
	if got := e.admin.called(); !slices.Equal(got, []string{"delete u-active user-root"}) {
		t.Fatalf("calls %v", got)
	}
	if res = e.asRoot(request{target: "/admin/users/u-active"}); res.Code != http.StatusNotFound {
		t.Fatalf("deleted user's page: %d", res.Code)
	}
	if res = e.asRoot(request{target: "/admin/users/u-pending/frobnicate", form: url.Values{}}); res.Code != http.StatusNotFound {
		t.Fatalf("unknown action: %d", res.Code)
	}
}

// The user page offers the actions of the user's state; unblock and
// reset act at once.
func TestAdminUserPage(t *testing.T) {
	e := newAdminEnv(t)
	res := e.asRoot(request{target: "/admin/users/u-active"})
	for _, id := range []string{"action-block", "action-reset", "action-end-sessions", "action-delete", "sessions-table", "events-table"} {
		if byID(res.doc, id) == nil {
			t.Errorf("no #%s", id)
		}
	}
	if byID(res.doc, "action-approve") != nil || byID(res.doc, "action-unblock") != nil {
		t.Error("an active user offers approve or unblock")
	}
	res = e.asRoot(request{target: "/admin/users/u-active/reset", form: url.Values{}})
	if res.Code != http.StatusSeeOther || res.Header().Get("Location") != "/admin/users/u-active?notice=reset" {
		t.Fatalf("reset: %d %q", res.Code, res.Header().Get("Location"))
	}
	res = e.asRoot(request{target: "/admin/users/u-active?notice=reset"})
	if !strings.Contains(textOf(byID(res.doc, "admin-notice")), "password reset letter") {
		t.Fatalf("notice: %s", textOf(res.doc))
	}
	res = e.asRoot(request{target: "/admin/users/u-active/unblock", form: url.Values{}})
	if res.Code != http.StatusConflict {
		t.Fatalf("unblocking an active user: %d", res.Code)
	}
	if got := e.admin.called(); !slices.Equal(got, []string{"reset u-active user-root"}) {
		t.Fatalf("calls %v", got)
	}
}

// The list passes the search and the state filter on, and its next-page
// link keeps them.
func TestAdminUsersList(t *testing.T) {
	e := newAdminEnv(t)
	e.admin.nextPage = "CURSOR1"
	res := e.asRoot(request{target: "/admin/users?q=ada&state=active"})
	if res.Code != http.StatusOK || len(findAll(byID(res.doc, "users-table"), byTag("tr"))) != 2 {
		t.Fatalf("list: %d\n%s", res.Code, textOf(res.doc))
	}
	if attr(byID(res.doc, "q"), "value") != "ada" {
		t.Error("the search was not kept")
	}
	next := attr(byID(res.doc, "next-page"), "href")
	if next != "/admin/users?cursor=CURSOR1&q=ada&state=active" {
		t.Errorf("next page %q", next)
	}
	e.asRoot(request{target: next})
	e.admin.mu.Lock()
	got := e.admin.filters[len(e.admin.filters)-1]
	e.admin.mu.Unlock()
	if got.Cursor != "CURSOR1" || got.Query != "ada" || got.State != "active" || got.Limit != adminPageSize {
		t.Fatalf("filter %+v", got)
	}
	res = e.asRoot(request{target: "/admin/users?state=bogus"})
	if res.Code != http.StatusOK || e.admin.filters[len(e.admin.filters)-1].State != "" {
		t.Fatalf("a bogus state filtered: %d", res.Code)
	}
}

// Unlinking an identity from the user's page: each identity row has its
// own button; the confirmation page keeps which identity; only the
// confirmed POST unlinks it, and an identity that is not the user's is 404.
func TestAdminUnlinkIdentity(t *testing.T) {
	e := newAdminEnv(t)
	res := e.asRoot(request{target: "/admin/users/u-active"})
	if byID(res.doc, "unlink-i1") == nil || byID(res.doc, "action-unlink-identity") != nil {
		t.Fatalf("identity row button missing, or the action offered for the whole user\n%s", textOf(res.doc))
	}
	target := "/admin/users/u-active/unlink-identity"
	res = e.asRoot(request{target: target, form: url.Values{"identity": {"i1"}}})
	if res.Code != http.StatusOK || byID(res.doc, "confirm-heading") == nil {
		t.Fatalf("unlink without confirm: %d\n%s", res.Code, textOf(res.doc))
	}
	if got := hiddenValues(formPosting(t, res, target)); !slices.Contains(got, "identity=i1") || !slices.Contains(got, "confirm=1") {
		t.Fatalf("confirmation form %v", got)
	}
	if len(e.admin.called()) != 0 {
		t.Fatalf("unlinked before confirmation: %v", e.admin.called())
	}
	res = e.asRoot(request{target: target, form: url.Values{"identity": {"i1"}, "confirm": {"1"}}})
	if res.Code != http.StatusSeeOther || res.Header().Get("Location") != "/admin/users/u-active?notice=identity_unlinked" {
		t.Fatalf("confirmed unlink: %d %q", res.Code, res.Header().Get("Location"))
	}
	if got := e.admin.called(); !slices.Equal(got, []string{"unlink-identity u-active i1 user-root"}) {
		t.Fatalf("calls %v", got)
	}
	res = e.asRoot(request{target: target, form: url.Values{"identity": {"other"}, "confirm": {"1"}}})
	if res.Code != http.StatusNotFound {
		t.Fatalf("unlinking an identity that is not the user's: %d", res.Code)
	}
}
