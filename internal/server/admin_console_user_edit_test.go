package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/storage"
)

// TestAdminConsoleEditUser: the administrator edits a user's profile,
// email (marked unconfirmed) and role; a bad email and an unknown
// country come back as typed and explained, an address another user has
// is refused, an administrator cannot change their own role, and the
// change is audited with the changed fields.
func TestAdminConsoleEditUser(t *testing.T) {
	srv := startRegServer(t, nil)
	rp, rootID := adminRP(t, srv)
	id := createUserWith(t, srv.Server, "erin@example.com", storage.UserActive, storage.RoleUser)
	createUserWith(t, srv.Server, "taken@example.com", storage.UserActive, storage.RoleUser)

	status, _, body := rp.get("/admin/users/" + id + "/edit")
	if status != http.StatusOK || !strings.Contains(body, `value="erin@example.com"`) || !strings.Contains(body, `id="email_verified"`) {
		t.Fatalf("edit form: %d\n%s", status, mainText(body))
	}
	form := url.Values{"login": {"erin"}, "email": {"not an address"}, "given_name": {"Erin"}, "family_name": {"Example"},
		"company": {"ACME"}, "country": {"ZZ"}, "locale": {"ru"}, "role": {"admin"}}
	_, body = consolePost(t, rp, "/admin/users/"+id+"/edit", form, http.StatusUnprocessableEntity)
	if !strings.Contains(body, `value="not an address"`) || !strings.Contains(body, `value="Erin"`) ||
		!strings.Contains(mainText(body), "Choose a country from the list.") {
		t.Fatalf("bad input:\n%s", mainText(body))
	}
	form.Set("country", "DE")
	_, body = consolePost(t, rp, "/admin/users/"+id+"/edit", form, http.StatusUnprocessableEntity)
	if !strings.Contains(body, `id="email-error"`) || !strings.Contains(body, `value="not an address"`) {
		t.Fatalf("bad email:\n%s", mainText(body))
	}
	form.Set("email", "taken@example.com")
	_, body = consolePost(t, rp, "/admin/users/"+id+"/edit", form, http.StatusConflict)
	if !strings.Contains(mainText(body), "Another user has this email address") {
		t.Fatalf("taken email:\n%s", mainText(body))
	}
	if u := storedUser(t, srv.Server, id); u.Email != "erin@example.com" || u.Role != storage.RoleUser {
		t.Fatalf("refused edits were saved: %+v", u)
	}
	form.Set("email", "erin.new@example.com")
	loc, _ := consolePost(t, rp, "/admin/users/"+id+"/edit", form, http.StatusSeeOther)
	_, _, body = rp.get(loc)
	if !strings.Contains(mainText(body), "The user's details were saved.") || !strings.Contains(mainText(body), "Germany") {
		t.Fatalf("after saving:\n%s", mainText(body))
	}
	u := storedUser(t, srv.Server, id)
	if u.Email != "erin.new@example.com" || u.EmailVerified || u.Role != storage.RoleAdmin || u.Country != "DE" || u.Locale != "ru" ||
		u.Username != "erin" || u.Company != "ACME" {
		t.Fatalf("saved %+v", u)
	}
	_, _, body = rp.get("/admin/audit?type=admin.user.update&user=" + id)
	if !strings.Contains(body, "User changed by an administrator") || !strings.Contains(body, "email_verified") || !strings.Contains(body, rootID) {
		t.Fatalf("audit:\n%s", mainText(body))
	}

	self := url.Values{"login": {""}, "email": {"root@example.com"}, "role": {"user"}}
	_, body = consolePost(t, rp, "/admin/users/"+rootID+"/edit", self, http.StatusUnprocessableEntity)
	if !strings.Contains(mainText(body), "You cannot change your own role") {
		t.Fatalf("own role:\n%s", mainText(body))
	}
}
