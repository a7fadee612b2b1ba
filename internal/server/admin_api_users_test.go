package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/gatehouse/gatehouse/storage"
)

// TestAdminAPIApproveAndReject: an approved user can sign in and got the
// letter; a rejected one cannot and got the letter with the reason.
func TestAdminAPIApproveAndReject(t *testing.T) {
	srv := startRegServer(t, map[string]string{"GATEHOUSE_REGISTRATION_MODE": "audit"})
	admin := serviceToken(t, srv.Server, "ops-bot", true)
	ann := createUserWith(t, srv.Server, "ann@example.com", storage.UserPendingApproval, storage.RoleUser)
	bob := createUserWith(t, srv.Server, "bob@example.com", storage.UserPendingApproval, storage.RoleUser)

	r := apiCall(t, srv.URL, http.MethodPost, "/users/"+ann+"/approve", admin, nil).want(t, http.StatusOK)
	if r.body["state"] != "active" {
		t.Fatalf("approved user: %s", r.raw)
	}
	srv.letter(t, "ann@example.com", "is active")
	if _, _, err := userAccessToken(t, srv.Server, "app-ann", "ann@example.com"); err != nil {
		t.Fatalf("approved user cannot sign in: %v", err)
	}
	// Approving twice makes no sense.
	r = apiCall(t, srv.URL, http.MethodPost, "/users/"+ann+"/approve", admin, nil).want(t, http.StatusConflict)
	if r.body["type"] != "urn:gatehouse:problem:state-conflict" || !strings.Contains(r.raw, "active") {
		t.Errorf("second approval: %s", r.raw)
	}

	reason := "We only accept staff of Example Corp."
	r = apiCall(t, srv.URL, http.MethodPost, "/users/"+bob+"/reject", admin, map[string]any{"reason": reason}).want(t, http.StatusOK)
	if r.body["state"] != "rejected" {
		t.Fatalf("rejected user: %s", r.raw)
	}
	m := srv.letter(t, "bob@example.com", "not approved")
	if !strings.Contains(m.TextBody, reason) {
		t.Errorf("rejection letter lacks the reason:\n%s", m.TextBody)
	}
	if code := tryCode(t, srv.Server, "app-bob", "bob@example.com"); code != "" {
		t.Error("a rejected user got a code")
	}

	// The audit log names the service client as the actor.
	r = apiCall(t, srv.URL, http.MethodGet, "/audit-events?user="+bob+"&type=registration.rejected", admin, nil).want(t, http.StatusOK)
	if ev := r.items(); len(ev) != 1 || ev[0]["actor_id"] != "client:ops-bot" {
		t.Errorf("audit of the rejection: %s", r.raw)
	}
}

// TestAdminAPIBlockEndsSessionsAtOnce: blocking ends the browser session
// and the refresh token at once; unblocking a pending user is 409.
func TestAdminAPIBlockEndsSessionsAtOnce(t *testing.T) {
	srv := startRegServer(t, nil)
	admin := serviceToken(t, srv.Server, "ops-bot", true)
	carol := createUserWith(t, srv.Server, "carol@example.com", storage.UserActive, storage.RoleUser)

	secret := registerClient(t, srv.Server, "webapp", true)
	rp := newRelyingParty(t, srv.Server, "webapp", secret)
	f := rp.newFlow()
	tok, err := rp.exchange(f, rp.signIn(f, "carol@example.com", testPass))
	if err != nil || tok.RefreshToken == "" {
		t.Fatalf("sign in: %v (refresh %q)", err, tok.RefreshToken)
	}
	r := apiCall(t, srv.URL, http.MethodGet, "/users/"+carol+"/sessions", admin, nil).want(t, http.StatusOK)
	if len(r.items()) != 1 {
		t.Fatalf("sessions before the block: %s", r.raw)
	}

	r = apiCall(t, srv.URL, http.MethodPost, "/users/"+carol+"/block", admin, nil).want(t, http.StatusOK)
	if r.body["state"] != "blocked" {
		t.Fatalf("block: %s", r.raw)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := rp.oauth.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); err == nil {
		t.Error("the refresh token still works after the block")
	}
	if got := introspect(t, srv.URL, "webapp", secret, tok.AccessToken); got["active"] != false {
		t.Errorf("the access token is still active after the block: %v", got)
	}
	// The browser session is gone: a new authorization shows the login form.
	if loc, _, body := rp.follow(rp.newFlow().url); loc != "" || !authRequestIDRe.MatchString(body) {
		t.Errorf("the browser session survived the block (redirect %q)", loc)
	}
	r = apiCall(t, srv.URL, http.MethodGet, "/users/"+carol+"/sessions", admin, nil).want(t, http.StatusOK)
	if len(r.items()) != 0 {
		t.Errorf("sessions after the block: %s", r.raw)
	}
	apiCall(t, srv.URL, http.MethodPost, "/users/"+carol+"/block", admin, nil).want(t, http.StatusConflict)
	apiCall(t, srv.URL, http.MethodPost, "/users/"+carol+"/unblock", admin, nil).want(t, http.StatusOK)

	pending := createUserWith(t, srv.Server, "dave@example.com", storage.UserPendingApproval, storage.RoleUser)
	r = apiCall(t, srv.URL, http.MethodPost, "/users/"+pending+"/unblock", admin, nil).want(t, http.StatusConflict)
	if r.header.Get("Content-Type") != "application/problem+json" || !strings.Contains(r.raw, "pending_approval") {
		t.Errorf("unblock of a pending user: %s %s", r.header.Get("Content-Type"), r.raw)
	}
	if u := storedUser(t, srv.Server, pending); u.State != storage.UserPendingApproval {
		t.Errorf("the pending user is now %s", u.State)
	}
}
