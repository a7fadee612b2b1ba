package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/testharness"
)

// TestInvitationAndAccessRulesInBrowser: in Chromium, an invited person
// opens the letter's link, chooses a password and is signed in; an
// application that admits only ops shows the no-access page, whose button
// returns to the application with error=access_denied; an application
// that admits staff (the invitation's group) gets a code.
func TestInvitationAndAccessRulesInBrowser(t *testing.T) {
	page := testharness.NewPage(t)
	srv := startRegServer(t, map[string]string{"GATEHOUSE_REGISTRATION_MODE": "invite"})
	admin := serviceToken(t, srv.Server, "ops-bot", true)
	createGroupAPI(t, srv.URL, admin, "staff")
	createGroupAPI(t, srv.URL, admin, "ops")
	apiCall(t, srv.URL, http.MethodPost, "/invitations", admin, map[string]any{"email": "ivy@example.com", "groups": []string{"staff"}}).want(t, http.StatusCreated)
	link := srv.link(t, srv.letter(t, "ivy@example.com", "invited"), "/register")

	page.Navigate(link)
	if got := page.Value("#email"); got != "ivy@example.com" {
		t.Fatalf("the invitation form's address is %q", got)
	}
	page.Fill("#given_name", "Ivy")
	page.Fill("#password", "lunar tulip harbor")
	page.Fill("#password_confirm", "lunar tulip harbor")
	page.ClickAndWait(`form[action="/register"] button[type="submit"]`)
	page.Navigate(srv.URL + "/account")
	if !strings.Contains(mainText(page.HTML()), "ivy@example.com") {
		t.Fatalf("not signed in after the invitation:\n%s", mainText(page.HTML()))
	}

	opsOnly := newBrowserApp(t, srv, "ops-tool")
	setAllowedGroups(t, srv, "ops-tool", "ops")
	f := opsOnly.rp.newFlow()
	page.Navigate(f.url)
	if !strings.Contains(mainText(page.HTML()), "Your account has no access to App ops-tool") {
		t.Fatalf("no no-access page:\n%s", mainText(page.HTML()))
	}
	page.ClickAndWait(`a.button`)
	if u := page.CurrentURL(); !strings.HasPrefix(u, opsOnly.url) || !strings.Contains(u, "error=access_denied") || !strings.Contains(u, "state=") {
		t.Fatalf("back at the application with %s, want error=access_denied", u)
	}

	staffApp := newBrowserApp(t, srv, "staff-wiki")
	setAllowedGroups(t, srv, "staff-wiki", "staff")
	f = staffApp.rp.newFlow()
	page.Navigate(f.url)
	staffApp.finish(t, page, f)
}

// setAllowedGroups changes a client's allowed groups in the database.
func setAllowedGroups(t *testing.T, srv *regServer, clientID string, groups ...string) {
	t.Helper()
	c, err := srv.Srv.Store().Clients().ByID(t.Context(), clientID)
	if err != nil {
		t.Fatal(err)
	}
	c.AllowedGroups = groups
	if err := srv.Srv.Store().Clients().Update(t.Context(), &c); err != nil {
		t.Fatal(err)
	}
}
