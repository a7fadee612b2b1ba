package server_test

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/storage"
)

// TestRegistrationAuditMode: registering and confirming leave the user
// pending with both letters sent (confirmation, then awaiting approval);
// sign-in is refused until an administrator approves (as `gatehouse users
// approve` does), then the user completes an authorization-code flow.
func TestRegistrationAuditMode(t *testing.T) {
	srv := startRegServer(t, map[string]string{"GATEHOUSE_REGISTRATION_MODE": "audit"})
	secret := registerClient(t, srv.Server, "audit-app", true)
	rp := newRelyingParty(t, srv.Server, "audit-app", secret)

	status, _, body := registerHTTP(t, rp, shapeAForm("ada", "ada@example.com", testPass))
	if status != http.StatusOK || !strings.Contains(mainText(body), "Check your email") {
		t.Fatalf("register: %d\n%s", status, mainText(body))
	}
	verify := srv.letter(t, "ada@example.com", "Confirm your email address")
	link := srv.link(t, verify, "/verify")
	status, _, body = rp.get(link)
	if status != http.StatusOK || !strings.Contains(body, `action="/verify"`) {
		t.Fatalf("GET link: %d\n%s", status, mainText(body))
	}
	if u, err := srv.userByEmail(t, "ada@example.com"); err != nil || u.State != storage.UserPendingVerification {
		t.Fatalf("after the GET: %v %v", u.State, err)
	}
	token, _ := url.Parse(link)
	status, _, body = rp.postForm("/verify", url.Values{"token": {token.Query().Get("token")}, "password": {testPass}})
	if status != http.StatusOK || !strings.Contains(mainText(body), "awaiting approval") {
		t.Fatalf("confirm: %d\n%s", status, mainText(body))
	}
	awaiting := srv.letter(t, "ada@example.com", "awaiting approval")
	if !awaiting.Received.After(verify.Received) {
		t.Error("the awaiting-approval letter came before the confirmation letter")
	}

	f := rp.newFlow()
	loc, _, page := rp.follow(f.url)
	id := regexpFind(page, `name="authRequestID" value="([^"]+)"`)
	if loc != "" || id == "" {
		t.Fatalf("no login page: %s", loc)
	}
	status, _, body = rp.postForm("/login", url.Values{"login": {"ada"}, "password": {testPass}, "authRequestID": {id}})
	if status != http.StatusForbidden || !strings.Contains(body, "waiting for approval") {
		t.Fatalf("sign-in before approval: %d\n%s", status, mainText(body))
	}
	u, err := srv.userByEmail(t, "ada@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.registrar(t).Approve(t.Context(), u.ID, ""); err != nil {
		t.Fatalf("approve: %v", err)
	}
	srv.letter(t, "ada@example.com", "is active")

	f = rp.newFlow()
	tok, err := rp.exchange(f, rp.signIn(f, "ada", testPass))
	if err != nil {
		t.Fatalf("exchange after approval: %v", err)
	}
	_, claims := rp.verifyIDToken(tok, f.nonce)
	if claims["sub"] != u.ID || claims["email"] != "ada@example.com" {
		t.Fatalf("claims = %v", claims)
	}
	if _, err := srv.registrar(t).Approve(t.Context(), u.ID, ""); err == nil || !strings.Contains(err.Error(), "not pending_approval") {
		t.Fatalf("approving twice: %v", err)
	}
	if _, err := srv.registrar(t).Approve(t.Context(), "nobody", ""); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("approving an unknown user: %v", err)
	}
}
