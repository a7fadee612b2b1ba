package server_test

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/gatehouse/gatehouse/internal/testharness"
	"github.com/gatehouse/gatehouse/storage"
)

// TestAdminConsoleOnPhone (issue 17 item 4): on a 390 px wide screen the
// console's tables are stacked cards: no console page scrolls sideways
// (document.scrollingElement.scrollWidth <= clientWidth), a pending
// user's Approve and Reject buttons are inside the screen, and each cell
// carries its column's name. A screenshot of every page is taken.
func TestAdminConsoleOnPhone(t *testing.T) {
	page := testharness.NewPage(t)
	srv := startRegServer(t, map[string]string{"GATEHOUSE_REGISTRATION_MODE": "audit"})
	rp, _ := adminRP(t, srv)
	long := "a.rather.long.address.for.a.narrow.screen@subdomain.example.com"
	pending := createUserWith(t, srv.Server, long, storage.UserPendingApproval, storage.RoleUser)
	createUserWith(t, srv.Server, "second.pending.person@example.com", storage.UserPendingApproval, storage.RoleUser)
	registerClient(t, srv.Server, "a-client-with-a-long-identifier-for-phones", true)
	consolePost(t, rp, "/admin/groups", url.Values{"name": {"Operations-and-on-call-engineers"}, "description": {"people who answer the pager at night"}}, http.StatusSeeOther)

	page.Do(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	page.Navigate(srv.URL + "/admin")
	signInOnPage(t, page, "root@example.com", testPass)
	shots := t.TempDir()
	for _, path := range []string{"/admin/users", "/admin/pending", "/admin/clients", "/admin/audit", "/admin/groups",
		"/admin/users/" + pending, "/admin/users/" + pending + "/edit", "/admin/clients/a-client-with-a-long-identifier-for-phones", "/admin/settings", "/admin/audit?lang=ru"} {
		if status := page.Navigate(srv.URL + path); status != http.StatusOK {
			t.Fatalf("%s: %d", path, status)
		}
		wide, err := chromedp.Run(page.Ctx, chromedp.Evaluate[bool](
			`window.innerWidth != 390 || document.scrollingElement.scrollWidth > document.scrollingElement.clientWidth`))
		if err != nil {
			t.Fatal(err)
		}
		if wide {
			t.Errorf("%s scrolls sideways on a 390 px screen", path)
		}
		png, err := chromedp.Run(page.Ctx, chromedp.CaptureScreenshot())
		if err != nil || len(png) == 0 {
			t.Fatalf("%s: screenshot: %v", path, err)
		}
		name := strings.NewReplacer("/", "_", "?", "_", "=", "_").Replace(path) + ".png"
		if err := os.WriteFile(filepath.Join(shots, name), png, 0o600); err != nil {
			t.Fatal(err)
		}
	}

	page.Navigate(srv.URL + "/admin/pending?lang=en")
	for _, id := range []string{"#approve-" + pending, "#reject-" + pending} {
		inside, err := chromedp.Run(page.Ctx, chromedp.Evaluate[bool](`(function () {
			var r = document.querySelector(`+jsQuote(id)+`).getBoundingClientRect();
			return r.width > 0 && r.left >= 0 && r.right <= window.innerWidth;
		})()`))
		if err != nil || !inside {
			t.Errorf("%s is not within the 390 px viewport (%v)", id, err)
		}
	}
	stacked, err := chromedp.Run(page.Ctx, chromedp.Evaluate[bool](
		`getComputedStyle(document.querySelector('#pending-table tr')).display == 'block' && getComputedStyle(document.querySelector('#pending-table thead')).position == 'absolute'`))
	if err != nil || !stacked {
		t.Errorf("the pending table is not a stack of cards at 390 px (%v)", err)
	}
	label, err := chromedp.Run(page.Ctx, chromedp.Evaluate[string](
		`getComputedStyle(document.querySelector('#pending-table td[data-label]'), '::before').content`))
	if err != nil || !strings.Contains(label, "Name") {
		t.Errorf("a card's cell does not show its column's name: %q (%v)", label, err)
	}
	page.ClickAndWait("#approve-" + pending)
	if u := storedUser(t, srv.Server, pending); u.State != storage.UserActive {
		t.Errorf("approving on a phone: the user is %s", u.State)
	}
}

// jsQuote is s as a JavaScript string literal.
func jsQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
