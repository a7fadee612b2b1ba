package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/testserver"
	"github.com/gatehouse/gatehouse/storage"
)

// TestAdminAPIAuthentication: only tokens of this Gatehouse with the
// gatehouse:admin scope of an admin client or admin user are let in.
func TestAdminAPIAuthentication(t *testing.T) {
	srv := testserver.Start(t, testserver.ServerOptions{})
	pending := createUserWith(t, srv, "waiting@example.com", storage.UserPendingApproval, storage.RoleUser)
	createUserWith(t, srv, "active@example.com", storage.UserActive, storage.RoleUser)

	r := apiCall(t, srv.URL, http.MethodGet, "/users", "", nil).want(t, http.StatusUnauthorized)
	if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
		t.Errorf("401 without WWW-Authenticate Bearer: %v", r.header)
	}
	apiCall(t, srv.URL, http.MethodGet, "/users", "not-a-token", nil).want(t, http.StatusUnauthorized)
	apiCall(t, srv.URL, http.MethodGet, "/users", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln", nil).want(t, http.StatusUnauthorized)

	normal := serviceToken(t, srv, "orders", false)
	apiCall(t, srv.URL, http.MethodGet, "/users", normal, nil).want(t, http.StatusForbidden)

	admin := serviceToken(t, srv, "ops-bot", true)
	r = apiCall(t, srv.URL, http.MethodGet, "/users?state=pending_approval", admin, nil).want(t, http.StatusOK)
	items := r.items()
	if len(items) != 1 || items[0]["id"] != pending || items[0]["state"] != "pending_approval" {
		t.Fatalf("pending users: %s", r.raw)
	}
	if strings.Contains(r.raw, "password_hash") || strings.Contains(r.raw, "$argon2") {
		t.Fatalf("the list shows a password hash: %s", r.raw)
	}

	// An administrator user through the authorization code flow.
	createUserWith(t, srv, "root@example.com", storage.UserActive, storage.RoleAdmin)
	userTok, _, err := userAccessToken(t, srv, "console", "root@example.com", "gatehouse:admin")
	if err != nil {
		t.Fatalf("admin user's code exchange: %v", err)
	}
	apiCall(t, srv.URL, http.MethodGet, "/users", userTok, nil).want(t, http.StatusOK)

	// A user who is not an administrator cannot get the scope: the
	// client gets invalid_scope with its state, not a code (nor a 500);
	// without the scope their token gets 403.
	if loc := loginRedirect(t, srv, "console2", "active@example.com", "gatehouse:admin"); !strings.HasPrefix(loc, rpRedirect) ||
		regexpFind(loc, `error=([^&]+)`) != "invalid_scope" || regexpFind(loc, `state=([^&]+)`) == "" || strings.Contains(loc, "code=") {
		t.Errorf("a non-admin user asking for gatehouse:admin: redirect %q, want the client's redirect URI with error=invalid_scope and the state", loc)
	}
	plain, _, err := userAccessToken(t, srv, "console3", "active@example.com")
	if err != nil {
		t.Fatal(err)
	}
	apiCall(t, srv.URL, http.MethodGet, "/users", plain, nil).want(t, http.StatusForbidden)
}

// tryCode runs the login of an authorization request for scopes and
// returns the code, or "" when the provider refused.
func tryCode(t *testing.T, srv *testserver.Server, clientID, email string, scopes ...string) string {
	t.Helper()
	return regexpFind(loginRedirect(t, srv, clientID, email, scopes...), `code=([^&]+)`)
}

// loginRedirect runs the login of an authorization request for scopes and
// returns where the provider finally sends the browser ("" when it does
// not redirect).
func loginRedirect(t *testing.T, srv *testserver.Server, clientID, email string, scopes ...string) string {
	t.Helper()
	secret := srv.CreateClient(t, config.ClientConfig{ID: clientID, RedirectURIs: []string{rpRedirect}, FirstParty: true,
		GrantTypes: []string{"authorization_code"}, Scopes: append([]string{"openid"}, scopes...)})
	rp := newRelyingParty(t, srv, clientID, secret)
	rp.oauth.Scopes = append([]string{"openid"}, scopes...)
	f := rp.newFlow()
	loc, _, body := rp.follow(f.url)
	if loc != "" {
		return loc
	}
	m := authRequestIDRe.FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	status, loc, _ := rp.postForm("/login", url.Values{"login": {email}, "password": {testPass}, "authRequestID": {m[1]}})
	if status != http.StatusSeeOther {
		return ""
	}
	if !strings.HasPrefix(loc, rpRedirect) {
		loc, _, _ = rp.follow(loc)
	}
	return loc
}

// TestAdminAPIOpaqueAndRevokedTokens: opaque admin tokens work; a revoked
// token gets 401 at once.
func TestAdminAPIOpaqueAndRevokedTokens(t *testing.T) {
	srv := testserver.Start(t, testserver.ServerOptions{})
	secret := srv.CreateClient(t, config.ClientConfig{ID: "opaque-bot", GrantTypes: []string{"client_credentials"}, Admin: true,
		AccessTokenFormat: "opaque"})
	status, tok, _ := tokenRequest(t, srv.URL, "opaque-bot", secret, url.Values{"grant_type": {"client_credentials"}, "scope": {"gatehouse:admin"}})
	if status != http.StatusOK {
		t.Fatalf("client credentials: %d %v", status, tok)
	}
	access, _ := tok["access_token"].(string)
	if strings.Count(access, ".") == 2 {
		t.Fatalf("expected an opaque token, got a JWT")
	}
	apiCall(t, srv.URL, http.MethodGet, "/settings", access, nil).want(t, http.StatusOK)
	rp := newRelyingParty(t, srv, "opaque-bot", secret)
	if status, _, body := rp.postFormBasic("/revoke", "opaque-bot", secret, url.Values{"token": {access}}); status != http.StatusOK {
		t.Fatalf("revoke: %d %s", status, body)
	}
	apiCall(t, srv.URL, http.MethodGet, "/settings", access, nil).want(t, http.StatusUnauthorized)
}
