package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/testharness"
	"github.com/gatehouse/gatehouse/storage"
)

// TestAdminBlockInBrowser: an administrator finds a user in the console
// and blocks them, through the confirmation step; at once the user's
// existing browser session, refresh token and access token stop working.
func TestAdminBlockInBrowser(t *testing.T) {
	page := testharness.NewPage(t)
	srv := startRegServer(t, nil)
	victim := srv.CreateUser(t, "victim@example.com", testPass)
	createUserWith(t, srv.Server, "root@example.com", storage.UserActive, storage.RoleAdmin)

	secret := registerClient(t, srv.Server, "victim-app", true)
	app := newRelyingParty(t, srv.Server, "victim-app", secret)
	f := app.newFlow()
	tok, err := app.exchange(f, app.signIn(f, "victim@example.com", testPass))
	if err != nil || tok.RefreshToken == "" {
		t.Fatalf("the victim's tokens: %v", err)
	}
	if status, _, _ := app.get("/account"); status != http.StatusOK {
		t.Fatalf("the victim's session does not work before the block: %d", status)
	}

	page.Navigate(srv.URL + "/admin")
	signInOnPage(t, page, "root@example.com", testPass)
	if got := page.Text("h1"); got != "Administration" {
		t.Fatalf("after sign-in: %q\n%s", got, mainText(page.HTML()))
	}
	page.ClickAndWait("#count-users")
	page.Fill("#q", "victim")
	page.ClickAndWait("#filter-users")
	page.ClickAndWait(`#users-table a[href="/admin/users/` + victim + `"]`)
	if got := page.Text("#user-state"); got != "Active" {
		t.Fatalf("the user page says %q\n%s", got, mainText(page.HTML()))
	}
	page.ClickAndWait("#action-block")
	if got := page.Text("h1"); got != "Block this user?" || !strings.Contains(page.Text("#confirm-message"), "victim@example.com") {
		t.Fatalf("no confirmation step: %q\n%s", got, mainText(page.HTML()))
	}
	if u := storedUser(t, srv.Server, victim); u.State != storage.UserActive {
		t.Fatalf("blocked before confirmation: %s", u.State)
	}
	page.ClickAndWait("#confirm-action")
	if got := page.Text("#user-state"); got != "Blocked" || !strings.Contains(page.Text("#admin-notice"), "blocked") {
		t.Fatalf("after confirming: %q\n%s", got, mainText(page.HTML()))
	}

	if status, loc, _ := app.get("/account"); status != http.StatusSeeOther || !strings.HasPrefix(loc, "/login") {
		t.Errorf("the blocked user's session still works: %d %s", status, loc)
	}
	status, body, _ := tokenRequest(t, srv.URL, "victim-app", secret,
		url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}})
	if status == http.StatusOK || body["error"] != "invalid_grant" {
		t.Errorf("the blocked user's refresh token: %d %v", status, body)
	}
	if info := introspect(t, srv.URL, "victim-app", secret, tok.AccessToken); info["active"] != false {
		t.Errorf("the blocked user's access token is still active: %v", info)
	}
}
