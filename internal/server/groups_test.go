package server_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/testserver"
)

// groupsOf reads the groups claim of a claims map as strings; nil when
// the claim is absent.
func groupsOf(t testing.TB, claims map[string]any) []string {
	t.Helper()
	raw, ok := claims["groups"]
	if !ok {
		return nil
	}
	list, ok := raw.([]any)
	if !ok {
		t.Fatalf("groups claim is %T, want an array: %v", raw, raw)
	}
	out := []string{}
	for _, v := range list {
		s, _ := v.(string)
		out = append(out, s)
	}
	return out
}

// jwtClaims decodes the payload of a JWT without checking it (the
// signature is the provider's own test; here the claims matter).
func jwtClaims(t testing.TB, raw string) map[string]any {
	t.Helper()
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", raw)
	}
	data, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// createGroupAPI creates a group through the management API and returns
// its id.
func createGroupAPI(t testing.TB, base, token, name string) string {
	t.Helper()
	r := apiCall(t, base, http.MethodPost, "/groups", token, map[string]any{"name": name, "description": "the " + name}).want(t, http.StatusCreated)
	id, _ := r.body["id"].(string)
	return id
}

// TestGroupsClaimFollowsMembership: a relying party asking for the groups
// scope gets the user's group names in the ID token, userinfo, the JWT
// access token and introspection; after the membership is removed through
// the API the next refresh and userinfo drop it.
func TestGroupsClaimFollowsMembership(t *testing.T) {
	srv := testserver.Start(t, testserver.ServerOptions{})
	userID := srv.CreateUser(t, "gina@example.com", testPass)
	admin := serviceToken(t, srv, "ops", true)
	staff := createGroupAPI(t, srv.URL, admin, "staff")
	createGroupAPI(t, srv.URL, admin, "Wiki Editors")
	wikiEditors := apiCall(t, srv.URL, http.MethodGet, "/groups/wiki%20editors", admin, nil).want(t, http.StatusOK).body["id"].(string)
	apiCall(t, srv.URL, http.MethodPut, "/groups/"+staff+"/members/"+userID, admin, nil).want(t, http.StatusOK)
	apiCall(t, srv.URL, http.MethodPut, "/groups/"+wikiEditors+"/members/"+userID, admin, nil).want(t, http.StatusOK)
	apiCall(t, srv.URL, http.MethodGet, "/groups/"+staff+"/members/"+userID, admin, nil).want(t, http.StatusOK)
	if got := apiCall(t, srv.URL, http.MethodGet, "/users/"+userID+"/groups", admin, nil).want(t, http.StatusOK).items(); len(got) != 2 {
		t.Fatalf("user's groups through the API: %v", got)
	}

	scopes := []string{"openid", "profile", "email", "offline_access", "groups"}
	secret := srv.CreateClient(t, config.ClientConfig{ID: "grafana", Name: "Grafana", RedirectURIs: []string{rpRedirect},
		FirstParty: true, GrantTypes: []string{"authorization_code", "refresh_token"}, Scopes: scopes})
	rp := newRelyingParty(t, srv, "grafana", secret)
	rp.oauth.Scopes = scopes

	disco := map[string]any{}
	_ = rp.provider.Claims(&disco)
	if !slices.Contains(anyStrings(disco["scopes_supported"]), "groups") || !slices.Contains(anyStrings(disco["claims_supported"]), "groups") {
		t.Fatalf("discovery does not announce groups: %v %v", disco["scopes_supported"], disco["claims_supported"])
	}

	f := rp.newFlow()
	tok, err := rp.exchange(f, rp.signIn(f, "gina@example.com", testPass))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"staff", "Wiki Editors"}
	_, claims := rp.verifyIDToken(tok, f.nonce)
	if got := groupsOf(t, claims); !slices.Equal(got, want) {
		t.Fatalf("ID token groups %v, want %v", got, want)
	}
	if got := groupsOf(t, jwtClaims(t, tok.AccessToken)); !slices.Equal(got, want) {
		t.Fatalf("access token groups %v, want %v", got, want)
	}
	if got := groupsOf(t, introspect(t, srv.URL, "grafana", secret, tok.AccessToken)); !slices.Equal(got, want) {
		t.Fatalf("introspection groups %v, want %v", got, want)
	}
	if got := userinfoGroups(t, rp, tok); !slices.Equal(got, want) {
		t.Fatalf("userinfo groups %v, want %v", got, want)
	}

	apiCall(t, srv.URL, http.MethodDelete, "/groups/"+staff+"/members/"+userID, admin, nil).want(t, http.StatusNoContent)
	apiCall(t, srv.URL, http.MethodGet, "/groups/"+staff+"/members/"+userID, admin, nil).want(t, http.StatusNotFound)

	// The very next answers drop it: userinfo with the old token, then a
	// refresh.
	if got := userinfoGroups(t, rp, tok); !slices.Equal(got, []string{"Wiki Editors"}) {
		t.Fatalf("userinfo after removal %v, want [Wiki Editors]", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	refreshed, err := rp.oauth.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	_, claims = rp.verifyIDToken(refreshed, "")
	if got := groupsOf(t, claims); !slices.Equal(got, []string{"Wiki Editors"}) {
		t.Fatalf("refreshed ID token groups %v, want [Wiki Editors]", got)
	}
	if got := groupsOf(t, jwtClaims(t, refreshed.AccessToken)); !slices.Equal(got, []string{"Wiki Editors"}) {
		t.Fatalf("refreshed access token groups %v", got)
	}

	// Without the groups scope there is no groups claim.
	rp.oauth.Scopes = []string{"openid", "profile"}
	f = rp.newFlow()
	plain, err := rp.exchange(f, rp.codeFrom(f, mustFollowSSO(t, rp, f)))
	if err != nil {
		t.Fatal(err)
	}
	if _, claims := rp.verifyIDToken(plain, f.nonce); groupsOf(t, claims) != nil {
		t.Fatalf("groups claim without the groups scope: %v", claims)
	}
}

func anyStrings(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

func userinfoGroups(t testing.TB, rp *relyingParty, tok *oauth2.Token) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	info, err := rp.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		t.Fatalf("userinfo: %v", err)
	}
	var claims map[string]any
	if err := info.Claims(&claims); err != nil {
		t.Fatal(err)
	}
	return groupsOf(t, claims)
}

// TestAllowedGroups: a client that admits only the staff group gives a
// member a code; a non-member sees the no-access page, the client gets
// access_denied, and the refusal is in the audit log.
func TestAllowedGroups(t *testing.T) {
	srv := testserver.Start(t, testserver.ServerOptions{})
	member := srv.CreateUser(t, "member@example.com", testPass)
	outsider := srv.CreateUser(t, "outsider@example.com", testPass)
	admin := serviceToken(t, srv, "ops", true)
	staff := createGroupAPI(t, srv.URL, admin, "staff")
	apiCall(t, srv.URL, http.MethodPut, "/groups/"+staff+"/members/"+member, admin, nil).want(t, http.StatusOK)

	secret := srv.CreateClient(t, config.ClientConfig{ID: "wiki", Name: "Team Wiki", RedirectURIs: []string{rpRedirect},
		FirstParty: true, GrantTypes: []string{"authorization_code", "refresh_token"}, AllowedGroups: []string{"staff"}})
	got := apiCall(t, srv.URL, http.MethodGet, "/clients/wiki", admin, nil).want(t, http.StatusOK).body
	if !slices.Equal(anyStrings(got["allowed_groups"]), []string{"staff"}) {
		t.Fatalf("clients API shows allowed_groups %v", got["allowed_groups"])
	}

	rp := newRelyingParty(t, srv, "wiki", secret)
	f := rp.newFlow()
	if _, err := rp.exchange(f, rp.signIn(f, "member@example.com", testPass)); err != nil {
		t.Fatalf("member's code exchange: %v", err)
	}

	other := newRelyingParty(t, srv, "wiki", secret)
	f = other.newFlow()
	_, status, body := other.follow(f.url)
	m := authRequestIDRe.FindStringSubmatch(body)
	if status != http.StatusOK || m == nil {
		t.Fatalf("login page: %d", status)
	}
	status, loc, body := other.postForm("/login", url.Values{"login": {"outsider@example.com"}, "password": {testPass}, "authRequestID": {m[1]}})
	if status == http.StatusSeeOther {
		loc, status, body = other.follow(loc)
	}
	if loc != "" || status != http.StatusForbidden {
		t.Fatalf("non-member: redirect %q status %d, want the no-access page (403)", loc, status)
	}
	if !strings.Contains(mainText(body), "Your account has no access to Team Wiki") {
		t.Fatalf("no-access page does not explain:\n%s", mainText(body))
	}
	back := htmlUnescape(regexpFind(body, `<a class="button" href="([^"]+)"`))
	u, err := url.Parse(back)
	if err != nil || !strings.HasPrefix(back, rpRedirect) || u.Query().Get("error") != "access_denied" || u.Query().Get("state") != f.state {
		t.Fatalf("the page's way back to the application is %q, want error=access_denied with the state", back)
	}
	if u.Query().Get("code") != "" {
		t.Fatal("a non-member got a code")
	}
	events := apiCall(t, srv.URL, http.MethodGet, "/audit-events?type=access.denied", admin, nil).want(t, http.StatusOK).items()
	if len(events) != 1 || events[0]["user_id"] != outsider {
		t.Fatalf("audit of the refusal: %v", events)
	}

	// Once in the group, the same account gets in (no cache in the way
	// beyond the client cache, which did not change).
	apiCall(t, srv.URL, http.MethodPut, "/groups/staff/members/"+outsider, admin, nil).want(t, http.StatusOK)
	f = other.newFlow()
	if _, err := other.exchange(f, other.codeFrom(f, mustFollowSSO(t, other, f))); err != nil {
		t.Fatalf("after joining staff: %v", err)
	}
}

// TestGroupsAPI: creating, renaming, listing and deleting groups; bad
// input gets problem details naming the field, a taken name 409, an
// unknown field 400, an unknown group or user 404; changes are audited
// with the actor.
func TestGroupsAPI(t *testing.T) {
	srv := testserver.Start(t, testserver.ServerOptions{})
	admin := serviceToken(t, srv, "ops", true)
	userID := srv.CreateUser(t, "lee@example.com", testPass)

	r := apiCall(t, srv.URL, http.MethodPost, "/groups", admin, map[string]any{"name": "a,b"}).want(t, http.StatusBadRequest)
	if !strings.Contains(r.raw, `"field":"name"`) {
		t.Fatalf("bad name: %s", r.raw)
	}
	apiCall(t, srv.URL, http.MethodPost, "/groups", admin, map[string]any{"name": "x", "owner": "me"}).want(t, http.StatusBadRequest)
	id := createGroupAPI(t, srv.URL, admin, "Devs")
	apiCall(t, srv.URL, http.MethodPost, "/groups", admin, map[string]any{"name": "DEVS"}).want(t, http.StatusConflict)
	r = apiCall(t, srv.URL, http.MethodPatch, "/groups/"+id, admin, map[string]any{"name": "Developers"}).want(t, http.StatusOK)
	if r.body["name"] != "Developers" || r.body["description"] != "the Devs" {
		t.Fatalf("PATCH changed more than the name: %s", r.raw)
	}
	createGroupAPI(t, srv.URL, admin, "Admins")
	items := apiCall(t, srv.URL, http.MethodGet, "/groups?limit=1", admin, nil).want(t, http.StatusOK)
	if got := items.items(); len(got) != 1 || got[0]["name"] != "Admins" || items.body["next_cursor"] == "" {
		t.Fatalf("first page: %s", items.raw)
	}
	apiCall(t, srv.URL, http.MethodPut, "/groups/nope/members/"+userID, admin, nil).want(t, http.StatusNotFound)
	apiCall(t, srv.URL, http.MethodPut, "/groups/"+id+"/members/nobody", admin, nil).want(t, http.StatusNotFound)
	r = apiCall(t, srv.URL, http.MethodPut, "/groups/"+id+"/members/"+userID, admin, nil).want(t, http.StatusOK)
	if r.body["added"] != true {
		t.Fatalf("first PUT: %s", r.raw)
	}
	if r = apiCall(t, srv.URL, http.MethodPut, "/groups/"+id+"/members/"+userID, admin, nil).want(t, http.StatusOK); r.body["added"] != false {
		t.Fatalf("second PUT: %s", r.raw)
	}
	if got := apiCall(t, srv.URL, http.MethodGet, "/groups/"+id+"/members", admin, nil).want(t, http.StatusOK).items(); len(got) != 1 || got[0]["id"] != userID {
		t.Fatalf("members: %v", got)
	}
	apiCall(t, srv.URL, http.MethodDelete, "/groups/"+id, admin, nil).want(t, http.StatusNoContent)
	apiCall(t, srv.URL, http.MethodGet, "/groups/"+id, admin, nil).want(t, http.StatusNotFound)
	if got := apiCall(t, srv.URL, http.MethodGet, "/users/"+userID+"/groups", admin, nil).want(t, http.StatusOK).items(); len(got) != 0 {
		t.Fatalf("memberships outlived the group: %v", got)
	}
	events := apiCall(t, srv.URL, http.MethodGet, "/audit-events?type=admin.group.member_added", admin, nil).want(t, http.StatusOK).items()
	if len(events) != 1 || events[0]["actor_id"] != "client:ops" || events[0]["user_id"] != userID {
		t.Fatalf("membership audit: %v", events)
	}
}
