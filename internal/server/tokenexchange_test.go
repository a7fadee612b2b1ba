package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/testserver"
)

const grantTokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange"
const tokenTypeAccess = "urn:ietf:params:oauth:token-type:access_token"

// userTokenFor signs the user in through client id's relying party and
// returns its access token.
func userTokenFor(t *testing.T, srv *testserver.Server, id, secret, login string) string {
	t.Helper()
	rp := newRelyingParty(t, srv, id, secret)
	rp.oauth.Scopes = []string{"openid", "profile", "email"}
	f := rp.newFlow()
	tok, err := rp.exchange(f, rp.signIn(f, login, testPass))
	if err != nil {
		t.Fatalf("code exchange for %s: %v", id, err)
	}
	return tok.AccessToken
}

// verifiedClaims verifies raw against the server's JWKS and returns its claims.
func verifiedClaims(t *testing.T, srv *testserver.Server, raw string) map[string]any {
	t.Helper()
	payload, err := oidc.NewRemoteKeySet(context.Background(), srv.URL+"/keys").VerifySignature(context.Background(), raw)
	if err != nil {
		t.Fatalf("verify %q: %v", raw, err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	return claims
}

func exchangeForm(subject string, kv ...string) url.Values {
	f := url.Values{"grant_type": {grantTokenExchange}, "subject_token": {subject}, "subject_token_type": {tokenTypeAccess}}
	for i := 0; i+1 < len(kv); i += 2 {
		f.Add(kv[i], kv[i+1])
	}
	return f
}

// TestTokenExchange: RFC 8693. A client allowed the grant exchanges a
// user's access token for a narrower one (same subject, fewer scopes;
// introspection agrees); a broader scope or audience, another client's
// token (impersonation), a revoked token and a client without the grant
// are refused; act appears only for a client configured for delegation;
// discovery lists the grant.
func TestTokenExchange(t *testing.T) {
	srv := testserver.Start(t, testserver.ServerOptions{})
	srv.CreateUser(t, "te@example.com", testPass)
	base := config.ClientConfig{RedirectURIs: []string{rpRedirect}, FirstParty: true, Scopes: []string{"openid", "profile", "email"},
		GrantTypes: []string{"authorization_code", "client_credentials", grantTokenExchange}}
	with := func(id string, delegation bool) config.ClientConfig {
		cc := base
		cc.ID, cc.TokenExchangeDelegation = id, delegation
		return cc
	}
	teSecret := srv.CreateClient(t, with("te", false))
	otherSecret := srv.CreateClient(t, with("te-other", false))
	delSecret := srv.CreateClient(t, with("te-delegate", true))
	plain := base
	plain.ID, plain.GrantTypes = "te-nogrant", []string{"authorization_code"}
	plainSecret := srv.CreateClient(t, plain)

	subject := userTokenFor(t, srv, "te", teSecret, "te@example.com")
	orig := verifiedClaims(t, srv, subject)

	// Narrower scope: same subject, fewer scopes, no act.
	status, out, hdr := tokenRequest(t, srv.URL, "te", teSecret, exchangeForm(subject, "scope", "openid profile"))
	narrow, _ := out["access_token"].(string)
	if status != http.StatusOK || narrow == "" || out["issued_token_type"] != tokenTypeAccess || out["refresh_token"] != nil ||
		hdr.Get("Cache-Control") != "no-store" {
		t.Fatalf("exchange: %d %v", status, out)
	}
	if typ := jwtHeader(t, narrow)["typ"]; typ != "at+jwt" {
		t.Errorf("exchanged token typ %v, want at+jwt", typ)
	}
	claims := verifiedClaims(t, srv, narrow)
	if claims["sub"] != orig["sub"] || claims["scope"] != "openid profile" || claims["act"] != nil || claims["client_id"] != "te" {
		t.Fatalf("exchanged token claims %v (subject token %v)", claims, orig)
	}
	if info := introspect(t, srv.URL, "te", teSecret, narrow); info["active"] != true || info["scope"] != "openid profile" || info["sub"] != orig["sub"] {
		t.Fatalf("introspection of the exchanged token: %v", info)
	}
	// Same audience named explicitly is fine.
	if status, out, _ := tokenRequest(t, srv.URL, "te", teSecret, exchangeForm(subject, "audience", "te")); status != http.StatusOK {
		t.Fatalf("exchange with the same audience: %d %v", status, out)
	}

	refusals := []struct {
		name           string
		client, secret string
		form           url.Values
		status         int
		errCode        string
	}{
		{"broader scope", "te", teSecret, exchangeForm(subject, "scope", "openid groups"), http.StatusBadRequest, "invalid_scope"},
		{"broader audience", "te", teSecret, exchangeForm(subject, "audience", "other-api"), http.StatusBadRequest, "invalid_target"},
		{"broader resource", "te", teSecret, exchangeForm(subject, "resource", "https://api.example/"), http.StatusBadRequest, "invalid_target"},
		{"impersonation: another client's token", "te-other", otherSecret, exchangeForm(subject), 0, "access_denied"},
		{"grant not allowed for the client", "te-nogrant", plainSecret, exchangeForm(subject), 0, "unauthorized_client"},
		{"not a token of this server", "te", teSecret, exchangeForm("not-a-token"), http.StatusBadRequest, "invalid_grant"},
		{"refresh token requested", "te", teSecret, exchangeForm(subject, "requested_token_type", "urn:ietf:params:oauth:token-type:refresh_token"), http.StatusBadRequest, "invalid_request"},
		{"wrong secret", "te", "wrong-" + teSecret, exchangeForm(subject), http.StatusUnauthorized, "invalid_client"},
	}
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			status, out, _ := tokenRequest(t, srv.URL, tc.client, tc.secret, tc.form)
			if out["error"] != tc.errCode || (tc.status != 0 && status != tc.status) || out["access_token"] != nil {
				t.Fatalf("%d %v, want %s", status, out, tc.errCode)
			}
		})
	}

	// Delegation: refused for a client without token_exchange_delegation,
	// act {"sub": actor} for one with it.
	actorOf := func(id, secret string) string {
		status, out, _ := tokenRequest(t, srv.URL, id, secret, url.Values{"grant_type": {"client_credentials"}})
		tok, _ := out["access_token"].(string)
		if status != http.StatusOK || tok == "" {
			t.Fatalf("client credentials for %s: %d %v", id, status, out)
		}
		return tok
	}
	status, out, _ = tokenRequest(t, srv.URL, "te", teSecret,
		exchangeForm(subject, "actor_token", actorOf("te", teSecret), "actor_token_type", tokenTypeAccess))
	if status != http.StatusBadRequest || out["error"] != "invalid_request" {
		t.Fatalf("delegation without the client setting: %d %v", status, out)
	}
	delSubject := userTokenFor(t, srv, "te-delegate", delSecret, "te@example.com")
	status, out, _ = tokenRequest(t, srv.URL, "te-delegate", delSecret,
		exchangeForm(delSubject, "actor_token", actorOf("te-delegate", delSecret), "actor_token_type", tokenTypeAccess))
	delegated, _ := out["access_token"].(string)
	if status != http.StatusOK || delegated == "" {
		t.Fatalf("delegation: %d %v", status, out)
	}
	act, _ := verifiedClaims(t, srv, delegated)["act"].(map[string]any)
	if act["sub"] != "te-delegate" {
		t.Fatalf("act claim %v", act)
	}
	status, out, _ = tokenRequest(t, srv.URL, "te-delegate", delSecret, exchangeForm(delSubject))
	if plainTok, _ := out["access_token"].(string); status != http.StatusOK || verifiedClaims(t, srv, plainTok)["act"] != nil {
		t.Fatalf("exchange without actor_token by a delegating client: %d %v", status, out)
	}
	// A client's actor token of another client is refused.
	status, out, _ = tokenRequest(t, srv.URL, "te-delegate", delSecret,
		exchangeForm(delSubject, "actor_token", actorOf("te", teSecret), "actor_token_type", tokenTypeAccess))
	if status != http.StatusBadRequest || out["error"] != "invalid_request" {
		t.Fatalf("another client's actor token: %d %v", status, out)
	}

	// A revoked subject token is refused.
	rvStatus, _ := postClientForm(t, srv.URL, "/revoke", url.Values{"token": {subject}, "client_id": {"te"}, "client_secret": {teSecret}})
	if rvStatus != http.StatusOK {
		t.Fatalf("revoke: %d", rvStatus)
	}
	if status, out, _ := tokenRequest(t, srv.URL, "te", teSecret, exchangeForm(subject)); status != http.StatusBadRequest || out["error"] != "invalid_grant" {
		t.Fatalf("revoked subject token: %d %v", status, out)
	}

	var disco struct {
		Grants []string `json:"grant_types_supported"`
	}
	resp, err := http.Get(srv.URL + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	_ = json.NewDecoder(resp.Body).Decode(&disco)
	resp.Body.Close()
	if !slices.Contains(disco.Grants, grantTokenExchange) {
		t.Fatalf("discovery grant types %v", disco.Grants)
	}
}
