package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/storage"
)

// TestAdminConsoleGroupsAndInvitations: the administrator creates a group
// (a bad name keeps what was typed and says why), adds a member by email
// (seen on the user's page), removes them after a confirmation step,
// invites an address into the group (the letter goes out), revokes
// another invitation after a confirmation step, and sets a client's
// allowed groups through the client form.
func TestAdminConsoleGroupsAndInvitations(t *testing.T) {
	srv := startRegServer(t, nil)
	rp, _ := adminRP(t, srv)
	dana := createUserWith(t, srv.Server, "dana@example.com", storage.UserActive, storage.RoleUser)

	_, body := consolePost(t, rp, "/admin/groups", url.Values{"name": {"a,b"}, "description": {"kept text"}}, http.StatusUnprocessableEntity)
	if !strings.Contains(body, `value="kept text"`) || !strings.Contains(mainText(body), "no commas") {
		t.Fatalf("bad group name: %s", mainText(body))
	}
	loc, _ := consolePost(t, rp, "/admin/groups", url.Values{"name": {"Ops"}, "description": {"on call"}}, http.StatusSeeOther)
	groupPath := strings.TrimSuffix(loc, "?notice=created")
	consolePost(t, rp, "/admin/groups", url.Values{"name": {"ops"}}, http.StatusUnprocessableEntity)

	_, body = consolePost(t, rp, groupPath+"/add", url.Values{"login": {"nobody@example.com"}}, http.StatusUnprocessableEntity)
	if !strings.Contains(mainText(body), "No user has this email") || !strings.Contains(body, `value="nobody@example.com"`) {
		t.Fatalf("unknown user: %s", mainText(body))
	}
	consolePost(t, rp, groupPath+"/add", url.Values{"login": {"DANA@example.com"}}, http.StatusSeeOther)
	if _, _, body := rp.get(groupPath); !strings.Contains(body, "dana@example.com") {
		t.Fatalf("group page lacks the member: %s", mainText(body))
	}
	if _, _, body := rp.get("/admin/users/" + dana); !strings.Contains(body, `id="user-groups"`) || !strings.Contains(body, ">Ops</a>") {
		t.Fatalf("user page lacks the group: %s", mainText(body))
	}
	_, body = consolePost(t, rp, groupPath+"/remove", url.Values{"user_id": {dana}}, http.StatusOK)
	if !strings.Contains(mainText(body), "Remove the member?") {
		t.Fatalf("no confirmation step: %s", mainText(body))
	}
	consolePost(t, rp, groupPath+"/remove", url.Values{"user_id": {dana}, "confirm": {"1"}}, http.StatusSeeOther)
	if _, _, body := rp.get("/admin/users/" + dana); !strings.Contains(body, `id="user-groups-none"`) {
		t.Fatalf("removal not seen on the user page: %s", mainText(body))
	}

	_, body = consolePost(t, rp, "/admin/invitations", url.Values{"email": {"guest@example.com"}, "groups": {"ops, nope"}}, http.StatusUnprocessableEntity)
	if !strings.Contains(mainText(body), "must already exist") || !strings.Contains(body, `value="ops, nope"`) {
		t.Fatalf("unknown group in an invitation: %s", mainText(body))
	}
	consolePost(t, rp, "/admin/invitations", url.Values{"email": {"guest@example.com"}, "groups": {"ops"}}, http.StatusSeeOther)
	srv.letter(t, "guest@example.com", "invited")
	consolePost(t, rp, "/admin/invitations", url.Values{"email": {"other@example.com"}}, http.StatusSeeOther)
	_, _, body = rp.get("/admin/invitations")
	id := regexpFind(body, `action="/admin/invitations/([^/"]+)/revoke"`)
	consolePost(t, rp, "/admin/invitations/"+id+"/revoke", nil, http.StatusOK)
	consolePost(t, rp, "/admin/invitations/"+id+"/revoke", url.Values{"confirm": {"1"}}, http.StatusSeeOther)
	if _, _, body := rp.get("/admin/invitations"); !strings.Contains(mainText(body), "Revoked") || !strings.Contains(mainText(body), "Waiting") {
		t.Fatalf("invitation list: %s", mainText(body))
	}

	registerClient(t, srv.Server, "wiki", true)
	_, body = consolePost(t, rp, "/admin/clients/wiki", url.Values{"name": {"Wiki"}, "redirect_uris": {rpRedirect},
		"grant_types": {"authorization_code", "refresh_token"}, "scopes": {"openid profile"}, "access_token_format": {"jwt"},
		"allowed_groups": {"ops, bad,"}}, http.StatusSeeOther)
	c, err := srv.Srv.Store().Clients().ByID(t.Context(), "wiki")
	if err != nil || len(c.AllowedGroups) != 2 || c.AllowedGroups[0] != "ops" {
		t.Fatalf("allowed groups from the client form: %v %v %s", c.AllowedGroups, err, mainText(body))
	}
	if _, _, body := rp.get("/admin/clients/wiki"); !strings.Contains(body, `value="ops, bad"`) {
		t.Fatalf("client form does not show allowed groups")
	}

	consolePost(t, rp, groupPath+"/delete", url.Values{"confirm": {"1"}}, http.StatusSeeOther)
	if _, _, body := rp.get("/admin/groups"); !strings.Contains(body, `id="groups-none"`) {
		t.Fatalf("group not deleted: %s", mainText(body))
	}
}
