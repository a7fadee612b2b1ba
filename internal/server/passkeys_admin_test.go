package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/testharness"
	"github.com/gatehouse/gatehouse/storage"
)

// TestAdminPasskeys: the management API lists and removes a user's
// passkeys (audited, with a letter; the last way to sign in of a user
// without a password stays), and the console's user page lists them and
// removes one after the confirmation step.
func TestAdminPasskeys(t *testing.T) {
	srv := startPasskeyServer(t, "", nil)
	userID := srv.CreateUser(t, "ada@example.com", testPass)
	user := newRelyingParty(t, srv.Server, "none", "")
	signInForAccount(t, user, "ada@example.com", testPass)
	registerPasskeyHTTP(t, user, testharness.NewSoftAuthenticator(), srv.URL, srv.URL, "Laptop")
	registerPasskeyHTTP(t, user, testharness.NewSoftAuthenticator(), srv.URL, srv.URL, "Phone")

	admin := serviceToken(t, srv.Server, "ops-bot", true)
	items := apiCall(t, srv.URL, http.MethodGet, "/users/"+userID+"/passkeys", admin, nil).want(t, http.StatusOK).items()
	if len(items) != 2 || items[0]["name"] != "Laptop" || items[0]["id"] == "" || items[0]["created_at"] == nil {
		t.Fatalf("passkeys: %v", items)
	}
	for _, it := range items {
		if _, leaked := it["credential"]; leaked {
			t.Fatalf("key material in the API: %v", it)
		}
	}
	apiCall(t, srv.URL, http.MethodGet, "/users/nobody/passkeys", admin, nil).want(t, http.StatusNotFound)
	apiCall(t, srv.URL, http.MethodDelete, "/users/"+userID+"/passkeys/"+items[0]["id"].(string), admin, nil).want(t, http.StatusNoContent)
	apiCall(t, srv.URL, http.MethodDelete, "/users/"+userID+"/passkeys/"+items[0]["id"].(string), admin, nil).want(t, http.StatusNotFound)
	srv.letter(t, "ada@example.com", "A passkey was removed")
	events, err := srv.Srv.Store().Audit().List(context.Background(), storage.AuditFilter{UserID: userID, Type: "user.passkey_removed"})
	if err != nil || len(events.Items) != 1 || events.Items[0].ActorID == "" || events.Items[0].ActorID == userID {
		t.Fatalf("audit of the removal: %+v %v", events.Items, err)
	}

	// Without a password, the last passkey stays.
	u, err := srv.Srv.Store().Users().ByID(context.Background(), userID)
	if err != nil {
		t.Fatal(err)
	}
	hash := u.PasswordHash
	u.PasswordHash = ""
	if err := srv.Srv.Store().Users().Update(context.Background(), &u); err != nil {
		t.Fatal(err)
	}
	last := items[1]["id"].(string)
	r := apiCall(t, srv.URL, http.MethodDelete, "/users/"+userID+"/passkeys/"+last, admin, nil).want(t, http.StatusConflict)
	if !strings.Contains(r.raw, "last way to sign in") {
		t.Fatalf("last passkey: %s", r.raw)
	}

	// The console lists it and refuses the same; with a password back it removes it.
	rp, _ := adminRP(t, srv)
	status, _, body := rp.get("/admin/users/" + userID)
	if status != http.StatusOK || !strings.Contains(body, `id="remove-passkey-`+last+`"`) || !strings.Contains(body, "Phone") {
		t.Fatalf("user page: %d\n%s", status, mainText(body))
	}
	target := "/admin/users/" + userID + "/remove-passkey"
	_, body = consolePost(t, rp, target, url.Values{"passkey": {last}}, http.StatusOK)
	if !strings.Contains(body, `name="passkey" value="`+last+`"`) {
		t.Fatalf("the confirmation page lost the passkey:\n%s", body)
	}
	consolePost(t, rp, target, url.Values{"passkey": {last}, "confirm": {"1"}}, http.StatusConflict)
	u.PasswordHash = hash
	if err := srv.Srv.Store().Users().Update(context.Background(), &u); err != nil {
		t.Fatal(err)
	}
	loc, _ := consolePost(t, rp, target, url.Values{"passkey": {last}, "confirm": {"1"}}, http.StatusSeeOther)
	if !strings.Contains(loc, "passkey_removed") {
		t.Fatalf("after removal: %s", loc)
	}
	if _, _, body := rp.get("/admin/users/" + userID); !strings.Contains(body, `id="user-passkeys-none"`) {
		t.Fatalf("user page after removal:\n%s", mainText(body))
	}
}
