package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/testserver"
	"github.com/gatehouse/gatehouse/storage"
)

// adminRP signs a new administrator in with a browser-like client.
func adminRP(t *testing.T, srv *regServer) (*relyingParty, string) {
	t.Helper()
	id := createUserWith(t, srv.Server, "root@example.com", storage.UserActive, storage.RoleAdmin)
	return signedInRP(t, srv, "root@example.com", testPass), id
}

// consolePost posts form to path and fails unless the answer has status.
func consolePost(t *testing.T, rp *relyingParty, path string, form url.Values, status int) (string, string) {
	t.Helper()
	got, loc, body := rp.postForm(path, form)
	if got != status {
		t.Fatalf("POST %s: %d, want %d %s\n%s", path, got, status, loc, mainText(body))
	}
	return loc, body
}

// canSignIn reports whether login signs in with testPass.
func canSignIn(t *testing.T, srv *regServer, login string) bool {
	t.Helper()
	rp := newRelyingParty(t, srv.Server, "none", "")
	status, _, _ := rp.postForm("/login", url.Values{"login": {login}, "password": {testPass}, "return_to": {"/account"}})
	return status == http.StatusSeeOther
}

// TestAdminConsoleApproveAndReject: a plain user's session gets 403 on
// the console; the administrator approves one registration (the user can
// sign in and gets the letter) and rejects another with a reason (the
// user cannot, and the letter says why); both are audited with the
// administrator as the actor.
func TestAdminConsoleApproveAndReject(t *testing.T) {
	srv := startRegServer(t, map[string]string{"GATEHOUSE_REGISTRATION_MODE": "audit"})
	pat := createUserWith(t, srv.Server, "pat@example.com", storage.UserPendingApproval, storage.RoleUser)
	quinn := createUserWith(t, srv.Server, "quinn@example.com", storage.UserPendingApproval, storage.RoleUser)
	srv.CreateUser(t, "plain@example.com", testPass)
	plain := signedInRP(t, srv, "plain@example.com", testPass)
	if status, _, body := plain.get("/admin"); status != http.StatusForbidden || !strings.Contains(mainText(body), "403") {
		t.Fatalf("non-admin GET /admin: %d\n%s", status, mainText(body))
	}
	consolePost(t, plain, "/admin/pending", url.Values{"approve": {pat}}, http.StatusForbidden)
	if canSignIn(t, srv, "pat@example.com") {
		t.Fatal("a refused request approved pat")
	}

	rp, rootID := adminRP(t, srv)
	status, _, body := rp.get("/admin/pending")
	if status != http.StatusOK || !strings.Contains(body, "pat@example.com") || !strings.Contains(body, "quinn@example.com") {
		t.Fatalf("queue: %d\n%s", status, mainText(body))
	}
	loc, _ := consolePost(t, rp, "/admin/pending", url.Values{"approve": {pat}}, http.StatusSeeOther)
	if _, _, body = rp.get(loc); !strings.Contains(mainText(body), "Approved: 1.") {
		t.Fatalf("after approving:\n%s", mainText(body))
	}
	srv.letter(t, "pat@example.com", "is active")
	if !canSignIn(t, srv, "pat@example.com") {
		t.Fatal("the approved user cannot sign in")
	}

	_, body = consolePost(t, rp, "/admin/pending", url.Values{"reject": {quinn}}, http.StatusOK)
	if !strings.Contains(mainText(body), "Reject registration?") || canSignIn(t, srv, "quinn@example.com") {
		t.Fatalf("reject confirmation:\n%s", mainText(body))
	}
	form := url.Values{"action": {"reject"}, "user": {quinn}, "reason": {"We only serve\r\nour customers."}, "confirm": {"1"}}
	consolePost(t, rp, "/admin/pending", form, http.StatusSeeOther)
	m := srv.letter(t, "quinn@example.com", "not approved")
	if !strings.Contains(m.TextBody, "We only serve") || !strings.Contains(m.TextBody, "our customers.") {
		t.Fatalf("the letter lacks the reason:\n%s", m.TextBody)
	}
	if canSignIn(t, srv, "quinn@example.com") {
		t.Fatal("the rejected user can sign in")
	}
	consolePost(t, rp, "/admin/users/"+quinn+"/approve", url.Values{}, http.StatusConflict)

	_, _, body = rp.get("/admin/audit?user=" + quinn)
	if !strings.Contains(body, "registration.rejected") || !strings.Contains(body, rootID) {
		t.Fatalf("audit of the rejection:\n%s", mainText(body))
	}
}

// TestAdminConsoleSettings: bad input comes back as typed; closing
// registration through the console takes effect on /register.
func TestAdminConsoleSettings(t *testing.T) {
	srv := startRegServer(t, nil)
	rp, rootID := adminRP(t, srv)
	form := url.Values{"registration_mode": {"closed"}, "registration_fields": {"login, email, password, password_confirm"},
		"verify_email": {"1"}, "terms_url": {""}, "captcha_provider": {"builtin"}, "reset_style": {"link"}, "reset_identify": {""},
		"password_min_length": {"200"}, "session_lifetime": {"720h"}, "session_max_lifetime": {"12h"}, "session_idle_timeout": {"45m"},
		"signin_captcha_after": {"3"}}
	_, body := consolePost(t, rp, "/admin/settings", form, http.StatusUnprocessableEntity)
	if strings.Join(fieldErrors(body), ",") != "password_min_length" || !strings.Contains(body, `value="200"`) {
		t.Fatalf("bad settings: %v\n%s", fieldErrors(body), mainText(body))
	}
	if status, _, body := rp.get("/register"); status != http.StatusOK || strings.Contains(mainText(body), "disabled") {
		t.Fatal("refused settings were applied")
	}
	form.Set("password_min_length", "10")
	loc, _ := consolePost(t, rp, "/admin/settings", form, http.StatusSeeOther)
	if _, _, body = rp.get(loc); !strings.Contains(mainText(body), "The settings were saved") || !strings.Contains(body, `value="45 minutes"`) {
		t.Fatalf("after saving:\n%s", mainText(body))
	}
	anon := newRelyingParty(t, srv.Server, "none", "")
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, _, body := anon.get("/register")
		if strings.Contains(mainText(body), "disabled") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("registration is still open:\n%s", mainText(body))
		}
		time.Sleep(200 * time.Millisecond)
	}
	_, _, body = rp.get("/admin/audit?type=admin.settings.update")
	if !strings.Contains(body, rootID) || !strings.Contains(body, "registration.mode=&#34;closed&#34;") {
		t.Fatalf("audit of the change:\n%s", mainText(body))
	}
}

// TestAdminConsoleClients: a client created in the console gets tokens
// with the secret shown once; a bad redirect URI is explained with the
// form kept; an edit is saved; a rotation makes the old secret fail and
// is audited (by the adapter the API shares) with the administrator.
func TestAdminConsoleClients(t *testing.T) {
	srv := startRegServer(t, nil)
	rp, rootID := adminRP(t, srv)
	form := url.Values{"id": {"shop"}, "name": {"Shop"}, "redirect_uris": {"http://evil.example/cb"},
		"grant_types": {"client_credentials"}, "scopes": {"orders:read"}, "access_token_format": {"jwt"}}
	_, body := consolePost(t, rp, "/admin/clients/new", form, http.StatusUnprocessableEntity)
	if !strings.Contains(body, `id="redirect_uris-error"`) || !strings.Contains(body, "http://evil.example/cb</textarea>") {
		t.Fatalf("bad redirect URI:\n%s", mainText(body))
	}
	form.Set("redirect_uris", "")
	_, body = consolePost(t, rp, "/admin/clients/new", form, http.StatusOK)
	secret := regexpFind(body, `id="client-secret" type="text" value="([^"]+)"`)
	cc := url.Values{"grant_type": {"client_credentials"}, "scope": {"orders:read"}}
	if status, _, _ := tokenRequest(t, srv.URL, "shop", secret, cc); secret == "" || status != http.StatusOK {
		t.Fatalf("the new client's secret %q: %d", secret, status)
	}
	if _, _, body = rp.get("/admin/clients/shop"); strings.Contains(body, secret) {
		t.Fatal("the client page shows the secret again")
	}
	edit := url.Values{"name": {"Shop & Co"}, "grant_types": {"client_credentials"}, "scopes": {"orders:read orders:write"},
		"access_token_format": {"opaque"}}
	consolePost(t, rp, "/admin/clients/shop", edit, http.StatusSeeOther)
	cl, err := srv.Srv.Store().Clients().ByID(context.Background(), "shop")
	if err != nil || cl.Name != "Shop & Co" || len(cl.Scopes) != 2 || cl.AccessTokenFormat != "opaque" {
		t.Fatalf("edited client %+v %v", cl, err)
	}
	consolePost(t, rp, "/admin/clients/shop/secret", url.Values{}, http.StatusOK)
	if status, _, _ := tokenRequest(t, srv.URL, "shop", secret, cc); status != http.StatusOK {
		t.Fatal("the secret changed before confirmation")
	}
	_, body = consolePost(t, rp, "/admin/clients/shop/secret", url.Values{"confirm": {"1"}}, http.StatusOK)
	rotated := regexpFind(body, `id="client-secret" type="text" value="([^"]+)"`)
	if status, _, _ := tokenRequest(t, srv.URL, "shop", secret, cc); status == http.StatusOK {
		t.Error("the old secret still works")
	}
	if status, _, _ := tokenRequest(t, srv.URL, "shop", rotated, cc); status != http.StatusOK {
		t.Errorf("the rotated secret fails: %d", status)
	}
	for _, typ := range []string{"admin.client.create", "admin.client.update", "admin.client.secret_rotated"} {
		if _, _, body = rp.get("/admin/audit?type=" + typ); !strings.Contains(body, rootID) || !strings.Contains(body, "client_id=shop") {
			t.Errorf("no %s event by the administrator:\n%s", typ, mainText(body))
		}
	}
	assertAuditIP(t, srv.Server, "admin.client.create", rootID)
	consolePost(t, rp, "/admin/clients/shop/delete", url.Values{"confirm": {"1"}}, http.StatusSeeOther)
	if status, _, _ := tokenRequest(t, srv.URL, "shop", rotated, cc); status == http.StatusOK {
		t.Error("a deleted client still gets tokens")
	}
}

// TestAdminConsoleSelfAction: an administrator cannot block or delete
// their own account (nobody might be left to undo it); the rule lives in
// internal/account, so the API refuses it too (409). The account stays.
func TestAdminConsoleSelfAction(t *testing.T) {
	srv := startRegServer(t, nil)
	rp, rootID := adminRP(t, srv)
	for _, action := range []string{"block", "delete"} {
		_, body := consolePost(t, rp, "/admin/users/"+rootID+"/"+action, url.Values{"confirm": {"1"}}, http.StatusConflict)
		if !strings.Contains(mainText(body), "You cannot block or delete your own account") {
			t.Errorf("%s of oneself: no explanation\n%s", action, mainText(body))
		}
	}
	u, err := srv.Srv.Store().Users().ByID(t.Context(), rootID)
	if err != nil || u.State != storage.UserActive {
		t.Fatalf("the administrator after refused self-actions: %+v, %v", u, err)
	}
	if status, _, _ := rp.get("/admin"); status != http.StatusOK {
		t.Fatalf("the administrator's session ended: %d", status)
	}
}

// assertAuditIP checks that the events of type by actor name the loopback
// address the test's requests came from.
func assertAuditIP(t *testing.T, srv *testserver.Server, typ, actor string) {
	t.Helper()
	page, err := srv.Srv.Store().Audit().List(t.Context(), storage.AuditFilter{Type: typ, ActorID: actor})
	if err != nil || len(page.Items) == 0 {
		t.Fatalf("%s events by %s: %+v, %v", typ, actor, page.Items, err)
	}
	for _, e := range page.Items {
		if e.IP != "127.0.0.1" {
			t.Errorf("%s event by %s records IP %q, want 127.0.0.1", typ, actor, e.IP)
		}
	}
}

// TestAdminConsoleResendVerification: for a user whose address is not
// confirmed yet, the user's page offers a new confirmation link, which
// arrives by mail; for other users the action is refused (409).
func TestAdminConsoleResendVerification(t *testing.T) {
	srv := startRegServer(t, nil)
	waiting := createUserWith(t, srv.Server, "wren@example.com", storage.UserPendingVerification, storage.RoleUser)
	rp, rootID := adminRP(t, srv)
	status, _, body := rp.get("/admin/users/" + waiting)
	if status != http.StatusOK || !strings.Contains(body, `id="action-resend-verification"`) {
		t.Fatalf("user page: %d, no resend button\n%s", status, mainText(body))
	}
	loc, _ := consolePost(t, rp, "/admin/users/"+waiting+"/resend-verification", nil, http.StatusSeeOther)
	if !strings.Contains(loc, "notice=verification_sent") {
		t.Errorf("after resending: %q", loc)
	}
	srv.link(t, srv.letter(t, "wren@example.com", "Confirm your email address"), "/verify")
	assertAuditIP(t, srv.Server, "admin.user.resend_verification", rootID)
	active := createUserWith(t, srv.Server, "ash@example.com", storage.UserActive, storage.RoleUser)
	consolePost(t, rp, "/admin/users/"+active+"/resend-verification", nil, http.StatusConflict)
}

// TestAdminConsoleUnlinkIdentity: the administrator unlinks a user's
// linked identity from the user's page, after the confirmation step; the
// change is audited with the administrator and the request's address.
func TestAdminConsoleUnlinkIdentity(t *testing.T) {
	srv := startRegServer(t, nil)
	userID := createUserWith(t, srv.Server, "ivy@example.com", storage.UserActive, storage.RoleUser)
	ident := storage.Identity{UserID: userID, Provider: "github", Subject: "4242", Email: "ivy@example.com"}
	if err := srv.Srv.Store().Identities().Create(t.Context(), &ident); err != nil {
		t.Fatal(err)
	}
	rp, rootID := adminRP(t, srv)
	if status, _, body := rp.get("/admin/users/" + userID); status != http.StatusOK || !strings.Contains(body, `id="unlink-`+ident.ID+`"`) {
		t.Fatalf("user page: %d, no unlink button\n%s", status, mainText(body))
	}
	target := "/admin/users/" + userID + "/unlink-identity"
	_, body := consolePost(t, rp, target, url.Values{"identity": {ident.ID}}, http.StatusOK)
	if !strings.Contains(body, `name="identity" value="`+ident.ID+`"`) {
		t.Fatalf("the confirmation page lost the identity:\n%s", body)
	}
	if list, _ := srv.Srv.Store().Identities().ListByUser(t.Context(), userID); len(list) != 1 {
		t.Fatalf("unlinked before confirmation: %+v", list)
	}
	consolePost(t, rp, target, url.Values{"identity": {ident.ID}, "confirm": {"1"}}, http.StatusSeeOther)
	if list, _ := srv.Srv.Store().Identities().ListByUser(t.Context(), userID); len(list) != 0 {
		t.Fatalf("identities after the unlink: %+v", list)
	}
	assertAuditIP(t, srv.Server, "admin.user.identity_unlinked", rootID)
}
