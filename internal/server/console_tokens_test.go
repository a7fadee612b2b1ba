package server_test

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/personaltoken"
	"github.com/gatehouse/gatehouse/internal/testharness"
	"github.com/gatehouse/gatehouse/internal/testserver"
	"github.com/gatehouse/gatehouse/storage"
)

// TestPersonalTokenInBrowser: in Chromium, a user creates a token with
// scope profile and reads it once; /userinfo answers it (on a second
// server sharing the database); "last used" appears on the page; after
// revoking it the second server refuses it at once (401).
func TestPersonalTokenInBrowser(t *testing.T) {
	page := testharness.NewPage(t)
	dbURL := testharness.PostgresURL(t)
	lnA, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"GATEHOUSE_SECRET_KEY": strings.Repeat("replicas-share-this-key-", 2),
		"GATEHOUSE_ISSUER":     "http://" + lnA.Addr().String(),
		"GATEHOUSE_DEV":        "true",
	}
	var a, b *testserver.Server
	var wg sync.WaitGroup
	wg.Go(func() { a = testserver.Start(t, testserver.ServerOptions{DatabaseURL: dbURL, Env: env, Listener: lnA}) })
	wg.Go(func() { b = testserver.Start(t, testserver.ServerOptions{DatabaseURL: dbURL, Env: env}) })
	wg.Wait()
	if a == nil || b == nil {
		t.FailNow()
	}
	a.CreateUser(t, "tess@example.com", testPass)

	page.Navigate(a.URL + "/account/tokens")
	signInOnPage(t, page, "tess@example.com", testPass)
	if got := page.Text("h1"); got != "Personal API tokens" {
		t.Fatalf("after sign-in: %q\n%s", got, mainText(page.HTML()))
	}
	if !page.Has(`nav.account-nav a[href="/account/tokens"][aria-current="page"]`) {
		t.Error("the account navigation does not mark API tokens")
	}
	if page.Has("#scope-gatehouse\\:admin") {
		t.Error("gatehouse:admin is offered to a user who is not an administrator")
	}
	page.Fill("#name", "backup script")
	page.Click("#scope-profile")
	page.ClickAndWait("#create-token")
	text := page.Text("#new-token")
	if err := personaltoken.Check(text); err != nil {
		t.Fatalf("the page shows %q: %v\n%s", text, err, mainText(page.HTML()))
	}
	if !page.Has("#copy-token:not([hidden])") {
		t.Error("the copy button did not appear (copy.js under the CSP)")
	}
	page.ClickAndWait("#tokens-done")
	if strings.Contains(page.HTML(), text) {
		t.Fatal("the token is shown again after it was read once")
	}
	if got := page.Text(".last-used"); got != "never" {
		t.Errorf("last used before any use: %q", got)
	}

	status, claims := bearerGet(t, b.URL+"/userinfo", text)
	if status != http.StatusOK || claims["preferred_username"] != "tess@example.com" || claims["sub"] == "" {
		t.Fatalf("/userinfo on the second server: %d %v", status, claims)
	}
	if _, has := claims["email"]; has {
		t.Errorf("a profile-only token released the email: %v", claims)
	}
	page.Navigate(a.URL + "/account/tokens")
	if got := page.Text(".last-used"); !strings.Contains(got, "UTC") || !strings.Contains(got, "127.0.0.1") {
		t.Errorf("last used after a use: %q", got)
	}

	page.ClickAndWait(`#tokens-table button[id^="revoke-"]`)
	if got := page.Text("h1"); got != "Revoke this token?" {
		t.Fatalf("no confirmation step: %q", got)
	}
	page.ClickAndWait("#confirm-action")
	if !strings.Contains(page.Text("#tokens-notice"), "revoked") {
		t.Fatalf("after revoking:\n%s", mainText(page.HTML()))
	}
	if status, body := bearerGet(t, b.URL+"/userinfo", text); status != http.StatusUnauthorized {
		t.Fatalf("a revoked token on the second server: %d %v", status, body)
	}
}

// TestPersonalTokenIntrospection: a resource server introspects a live, a
// revoked, an expired and an altered token: active, inactive, inactive,
// inactive, the last with the database unreachable (the checksum refuses
// it without a query), while a well-formed token then fails for want of
// the database.
func TestPersonalTokenIntrospection(t *testing.T) {
	dbURL := testharness.PostgresURL(t)
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := testharness.NewTCPProxy(t, u.Host)
	u.Host = proxy.Addr()
	srv := testserver.Start(t, testserver.ServerOptions{DatabaseURL: u.String(), Env: map[string]string{"GATEHOUSE_DEV": "true"}})
	t.Cleanup(proxy.Restore) // the server shuts down cleanly
	userID := srv.CreateUser(t, "rita@example.com", testPass)
	secret := srv.CreateClient(t, config.ClientConfig{ID: "resource-server", GrantTypes: []string{"client_credentials"}, Scopes: []string{"orders:read"}})

	rp := browserOn(t, srv, "rita@example.com")
	live := createToken(t, rp, "live", "30", "openid", "email")
	revoked := createToken(t, rp, "doomed", "7", "profile")
	if status, loc := confirmPost(t, rp, "/account/tokens/"+tokenIDOf(t, rp, "doomed")+"/revoke"); status != http.StatusSeeOther || !strings.Contains(loc, "revoked") {
		t.Fatalf("revoke: %d %s", status, loc)
	}
	expired, hash := personaltoken.Generate()
	past := time.Now().Add(-48 * time.Hour)
	old := storage.PersonalToken{UserID: userID, Name: "old", TokenHash: hash, Scopes: []string{"profile"}, CreatedAt: past, ExpiresAt: past.Add(24 * time.Hour)}
	if err := srv.Srv.Store().PersonalTokens().Create(context.Background(), &old); err != nil {
		t.Fatal(err)
	}

	got := introspect(t, srv.URL, "resource-server", secret, live)
	if got["active"] != true || got["sub"] != userID || got["scope"] != "openid email" || got["token_type"] != "personal" ||
		got["username"] != "rita@example.com" || got["exp"] == nil || got["iat"] == nil {
		t.Fatalf("live token: %v", got)
	}
	for name, tok := range map[string]string{"revoked": revoked, "expired": expired} {
		if got := introspect(t, srv.URL, "resource-server", secret, tok); got["active"] != false || len(got) != 1 {
			t.Errorf("%s token: %v", name, got)
		}
	}
	if got := introspect(t, srv.URL, "resource-server", "wrong-secret", live); got["active"] == true {
		t.Errorf("introspection with a wrong client secret: %v", got)
	}

	proxy.Cut() // from now on every query fails
	altered := live[:25] + string(otherChar(live[25])) + live[26:]
	if got := introspect(t, srv.URL, "resource-server", secret, altered); got["active"] != false {
		t.Fatalf("altered token with the database away: %v", got)
	}
	unknown, _ := personaltoken.Generate()
	if got := introspect(t, srv.URL, "resource-server", secret, unknown); got["active"] == false {
		t.Fatalf("a well-formed token was answered without the database: %v", got)
	}
	proxy.Restore()
}

func otherChar(c byte) byte {
	if c == 'x' {
		return 'y'
	}
	return 'x'
}

// TestPersonalTokenLimits: a personal token opens no account page (nor
// the password change, nor token creation); gatehouse:admin is never
// issued to a user who is not an administrator; an administrator's token
// with gatehouse:admin opens the management API (which lists and revokes
// users' tokens, audited) but may not create clients; blocking the user
// revokes their tokens.
func TestPersonalTokenLimits(t *testing.T) {
	srv := startRegServer(t, nil)
	userID := srv.CreateUser(t, "uma@example.com", testPass)
	adminID := createUserWith(t, srv.Server, "root@example.com", storage.UserActive, storage.RoleAdmin)
	rp := browserOn(t, srv.Server, "uma@example.com")
	tok := createToken(t, rp, "script", "90", "openid", "profile", "email")

	for _, path := range []string{"/account", "/account/tokens", "/account/password", "/account/edit", "/account/export"} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("GET %s with a personal token: %d, want 401", path, resp.StatusCode)
		}
	}
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/account/tokens", strings.NewReader(url.Values{
		"name": {"minted"}, "scopes": {"profile"}, "expires_days": {"7"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("minting a token with a personal token: %d", resp.StatusCode)
	}

	// gatehouse:admin for a non-administrator: refused, nothing issued,
	// and what was typed is kept.
	status, _, body := rp.postForm("/account/tokens", url.Values{"name": {"sneaky"}, "scopes": {"gatehouse:admin"}, "expires_days": {"7"}})
	if status != http.StatusUnprocessableEntity || tokenTextRe.MatchString(body) || !strings.Contains(body, `value="sneaky"`) ||
		!strings.Contains(mainText(body), "not offered to your account") {
		t.Fatalf("gatehouse:admin for a user: %d\n%s", status, mainText(body))
	}
	status, _, body = rp.postForm("/account/tokens", url.Values{"name": {""}, "expires_days": {"5"}})
	text := mainText(body)
	if status != http.StatusUnprocessableEntity || !strings.Contains(text, "Give the token a name") ||
		!strings.Contains(text, "Choose at least one scope") || !strings.Contains(text, "Choose one of the offered lifetimes") {
		t.Fatalf("empty form: %d\n%s", status, text)
	}
	if r := apiCall(t, srv.URL, http.MethodGet, "/users", tok, nil); r.status != http.StatusForbidden {
		t.Errorf("a user's personal token at the management API: %d", r.status)
	}
	appSecret := registerClient(t, srv.Server, "some-app", true)
	status, out, _ := tokenRequest(t, srv.URL, "some-app", appSecret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok}})
	if status == http.StatusOK || out["access_token"] != nil {
		t.Errorf("a personal token minted tokens at the token endpoint: %d %v", status, out)
	}

	admin := browserOn(t, srv.Server, "root@example.com")
	plainAdminTok := createToken(t, admin, "profile only", "7", "profile")
	if r := apiCall(t, srv.URL, http.MethodGet, "/users", plainAdminTok, nil); r.status != http.StatusForbidden {
		t.Errorf("an administrator's token without gatehouse:admin at the management API: %d", r.status)
	}
	adminTok := createToken(t, admin, "automation", "30", "gatehouse:admin")
	r := apiCall(t, srv.URL, http.MethodGet, "/users/"+userID+"/tokens", adminTok, nil).want(t, http.StatusOK)
	items := r.items()
	if len(items) != 1 || items[0]["name"] != "script" || strings.Contains(r.raw, tok) || strings.Contains(r.raw, "hash") {
		t.Fatalf("the user's tokens: %s", r.raw)
	}
	if r := apiCall(t, srv.URL, http.MethodPost, "/clients", adminTok, map[string]any{"id": "minted", "redirect_uris": []string{rpRedirect}}); r.status != http.StatusForbidden {
		t.Errorf("creating a client with a personal token: %d %s", r.status, r.raw)
	}
	tokenID, _ := items[0]["id"].(string)
	apiCall(t, srv.URL, http.MethodDelete, "/users/"+userID+"/tokens/"+tokenID, adminTok, nil).want(t, http.StatusNoContent)
	if status, _ := bearerGet(t, srv.URL+"/userinfo", tok); status != http.StatusUnauthorized {
		t.Errorf("a token revoked by an administrator: %d", status)
	}
	assertAuditIP(t, srv.Server, "admin.user.token_revoked", adminID)
	apiCall(t, srv.URL, http.MethodDelete, "/users/"+userID+"/tokens/"+tokenID+"x", adminTok, nil).want(t, http.StatusNotFound)

	// The console's user page lists the administrator's own token.
	if _, _, body := admin.get("/admin/users/" + adminID); !strings.Contains(body, "automation") {
		t.Errorf("the user page lacks the tokens:\n%s", mainText(body))
	}

	// Blocking revokes the user's tokens at once.
	second := createToken(t, rp, "second", "7", "profile")
	if status, _ := bearerGet(t, srv.URL+"/userinfo", second); status != http.StatusOK {
		t.Fatalf("second token: %d", status)
	}
	// The console revokes one after a confirmation step.
	_, _, page := admin.get("/admin/users/" + userID)
	secondID := regexpFind(page, `name="token" value="([^"]+)"`)
	_, body = consolePost(t, admin, "/admin/users/"+userID+"/revoke-token", url.Values{"token": {secondID}}, http.StatusOK)
	if !strings.Contains(body, `name="token" value="`+secondID+`"`) || !strings.Contains(mainText(body), "uma@example.com") {
		t.Fatalf("no confirmation step:\n%s", mainText(body))
	}
	if status, _ := bearerGet(t, srv.URL+"/userinfo", second); status != http.StatusOK {
		t.Fatal("revoked before the confirmation")
	}
	loc, _ := consolePost(t, admin, "/admin/users/"+userID+"/revoke-token", url.Values{"token": {secondID}, "confirm": {"1"}}, http.StatusSeeOther)
	if !strings.Contains(loc, "token_revoked") {
		t.Errorf("after revoking in the console: %s", loc)
	}
	if status, _ := bearerGet(t, srv.URL+"/userinfo", second); status != http.StatusUnauthorized {
		t.Errorf("a token revoked in the console: %d", status)
	}

	third := createToken(t, rp, "third", "7", "profile")
	apiCall(t, srv.URL, http.MethodPost, "/users/"+userID+"/block", adminTok, nil).want(t, http.StatusOK)
	if status, _ := bearerGet(t, srv.URL+"/userinfo", third); status != http.StatusUnauthorized {
		t.Errorf("a blocked user's token: %d", status)
	}
	apiCall(t, srv.URL, http.MethodPost, "/users/"+userID+"/unblock", adminTok, nil).want(t, http.StatusOK)
	if status, _ := bearerGet(t, srv.URL+"/userinfo", third); status != http.StatusUnauthorized {
		t.Errorf("unblocking brought a revoked token back: %d", status)
	}
	srv.letter(t, "uma@example.com", "personal API token was created")
}
