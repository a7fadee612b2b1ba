package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/testharness"
	"github.com/gatehouse/gatehouse/storage"
)

// TestInviteMode: in registration mode invite, /register without an
// invitation says it is by invitation only and refuses a submission; an
// invitation's letter link registers the address at once (active,
// verified, no confirmation letter) and joins the named group; the link
// works once; a revoked invitation's link does not work.
func TestInviteMode(t *testing.T) {
	srv := startRegServer(t, map[string]string{"GATEHOUSE_REGISTRATION_MODE": "invite"})
	admin := serviceToken(t, srv.Server, "ops", true)
	staff := createGroupAPI(t, srv.URL, admin, "staff")
	rp := newRelyingParty(t, srv.Server, "", "")

	status, _, body := rp.get("/register")
	if status != http.StatusOK || !strings.Contains(mainText(body), "Registration is by invitation only") {
		t.Fatalf("GET /register in invite mode: %d %s", status, mainText(body))
	}
	status, _, body = rp.postForm("/register", shapeAForm("sneaky", "sneaky@example.com", "tidal mosaic frame"))
	if status != http.StatusForbidden || !strings.Contains(mainText(body), "by invitation only") {
		t.Fatalf("POST /register without an invitation: %d %s", status, mainText(body))
	}
	if _, err := srv.userByEmail(t, "sneaky@example.com"); err == nil {
		t.Fatal("a registration without an invitation created a user")
	}

	r := apiCall(t, srv.URL, http.MethodPost, "/invitations", admin, map[string]any{"email": "newbie@example.com", "groups": []string{"STAFF"}}).want(t, http.StatusCreated)
	apiLink, _ := r.body["link"].(string)
	if r.body["status"] != "pending" || !strings.HasPrefix(apiLink, srv.URL+"/register?invitation=") {
		t.Fatalf("invitation: %s", r.raw)
	}
	apiCall(t, srv.URL, http.MethodPost, "/invitations", admin, map[string]any{"email": "x@example.com", "groups": []string{"nope"}}).want(t, http.StatusBadRequest)
	apiCall(t, srv.URL, http.MethodPost, "/invitations", admin, map[string]any{"email": "not an address"}).want(t, http.StatusBadRequest)

	letter := srv.letter(t, "newbie@example.com", "invited")
	link := srv.link(t, letter, "/register")
	if link != apiLink {
		t.Fatalf("letter link %q, API link %q", link, apiLink)
	}
	status, _, body = rp.get(link)
	if status != http.StatusOK || !strings.Contains(mainText(body), "newbie@example.com") || !strings.Contains(body, `name="invitation"`) {
		t.Fatalf("invitation page: %d %s", status, mainText(body))
	}
	token := regexpFind(body, `name="invitation" value="([^"]+)"`)

	// A refused form keeps what was typed (not the passwords).
	form := url.Values{"invitation": {token}, "login": {"newbie"}, "given_name": {"Nina"}, "password": {"tidal mosaic frame"}, "password_confirm": {"other words here"}}
	status, _, body = rp.postForm("/register", form)
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, `value="Nina"`) || !strings.Contains(body, `id="password_confirm-error"`) || strings.Contains(body, "tidal mosaic frame") {
		t.Fatalf("refused invitation form: %d %s", status, mainText(body))
	}
	form.Set("password_confirm", "tidal mosaic frame")
	status, loc, _ := rp.postForm("/register", form)
	if status != http.StatusSeeOther || loc != "/" {
		t.Fatalf("invitation registration: %d %q", status, loc)
	}
	u, err := srv.userByEmail(t, "newbie@example.com")
	if err != nil || u.State != storage.UserActive || !u.EmailVerified || u.Username != "newbie" || u.GivenName != "Nina" {
		t.Fatalf("invited user: %+v %v", u, err)
	}
	apiCall(t, srv.URL, http.MethodGet, "/groups/"+staff+"/members/"+u.ID, admin, nil).want(t, http.StatusOK)
	// Signed in: the account page opens.
	if status, _, _ := rp.get("/account"); status != http.StatusOK {
		t.Fatalf("after registering through the invitation /account answers %d", status)
	}

	// The link works once.
	other := newRelyingParty(t, srv.Server, "", "")
	status, _, body = other.get(link)
	if status != http.StatusGone || !strings.Contains(mainText(body), "already been used") {
		t.Fatalf("second use of the link: %d %s", status, mainText(body))
	}
	form.Set("login", "second")
	if status, _, _ := other.postForm("/register", form); status != http.StatusGone {
		t.Fatalf("second registration through the link: %d", status)
	}

	// No confirmation letter: the only letter to the address is the
	// invitation.
	time.Sleep(300 * time.Millisecond)
	n := 0
	for _, m := range srv.sink.Messages() {
		if testharness.SentTo("newbie@example.com")(m) {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d letters to the invited address, want only the invitation", n)
	}

	// Revocation: the link of a revoked invitation does not work.
	r = apiCall(t, srv.URL, http.MethodPost, "/invitations", admin, map[string]any{"email": "later@example.com"}).want(t, http.StatusCreated)
	id, _ := r.body["id"].(string)
	revoked, _ := r.body["link"].(string)
	apiCall(t, srv.URL, http.MethodDelete, "/invitations/"+id, admin, nil).want(t, http.StatusNoContent)
	apiCall(t, srv.URL, http.MethodDelete, "/invitations/"+id, admin, nil).want(t, http.StatusConflict)
	if status, _, body := other.get(revoked); status != http.StatusGone || !strings.Contains(mainText(body), "not valid") {
		t.Fatalf("revoked link: %d %s", status, mainText(body))
	}
	statuses := map[string]string{}
	for _, it := range apiCall(t, srv.URL, http.MethodGet, "/invitations", admin, nil).want(t, http.StatusOK).items() {
		statuses[it["email"].(string)] = it["status"].(string)
	}
	if statuses["newbie@example.com"] != "used" || statuses["later@example.com"] != "revoked" {
		t.Fatalf("invitation statuses: %v", statuses)
	}
}

// TestInvitationSkipsApprovalInAuditMode: in audit mode an invited
// address registers straight into an active account.
func TestInvitationSkipsApprovalInAuditMode(t *testing.T) {
	srv := startRegServer(t, map[string]string{"GATEHOUSE_REGISTRATION_MODE": "audit"})
	admin := serviceToken(t, srv.Server, "ops", true)
	r := apiCall(t, srv.URL, http.MethodPost, "/invitations", admin, map[string]any{"email": "guest@example.com"}).want(t, http.StatusCreated)
	link, _ := r.body["link"].(string)
	rp := newRelyingParty(t, srv.Server, "", "")
	_, _, body := rp.get(link)
	token := regexpFind(body, `name="invitation" value="([^"]+)"`)
	status, _, _ := rp.postForm("/register", url.Values{"invitation": {token}, "password": {"tidal mosaic frame"}, "password_confirm": {"tidal mosaic frame"}})
	if status != http.StatusSeeOther {
		t.Fatalf("registration: %d", status)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	u, err := srv.Srv.Store().Users().ByLogin(ctx, "guest@example.com")
	if err != nil || u.State != storage.UserActive {
		t.Fatalf("invited user in audit mode: %+v %v", u, err)
	}
}
