package server_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/testserver"
	"github.com/gatehouse/gatehouse/storage"
)

// Client-credentials JWT access tokens are not stored (op/stateless.go):
// on each database, issuing one writes no row, introspection and the
// management API answer for it, revocation writes a tombstone (twice is
// fine), and deleting the client ends its tokens at once.
func TestStatelessClientTokensSQLite(t *testing.T) {
	testStatelessClientTokens(t, testserver.Start(t, testserver.ServerOptions{}))
}

func TestStatelessClientTokensPostgres(t *testing.T) {
	testStatelessClientTokens(t, testserver.Start(t, testserver.ServerOptions{Postgres: true}))
}

func testStatelessClientTokens(t *testing.T, srv *testserver.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	tokens := srv.Srv.Store().Tokens()
	secret := srv.CreateClient(t, config.ClientConfig{ID: "shop", GrantTypes: []string{"client_credentials"}, Scopes: []string{"orders:read"}})
	issue := func() (token, jti string) {
		t.Helper()
		status, body, _ := tokenRequest(t, srv.URL, "shop", secret, url.Values{"grant_type": {"client_credentials"}, "scope": {"orders:read"}})
		token, _ = body["access_token"].(string)
		if status != http.StatusOK || token == "" {
			t.Fatalf("client credentials: %d %v", status, body)
		}
		jti, _ = jwtClaims(t, token)["jti"].(string)
		return token, jti
	}

	at, jti := issue()
	if !strings.HasPrefix(jti, "cc.") {
		t.Fatalf("jti %q: want a stateless id", jti)
	}
	if _, err := tokens.AccessByID(ctx, jti); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("a row was stored for a client-credentials JWT: %v", err)
	}
	if got := introspect(t, srv.URL, "shop", secret, at); got["active"] != true || got["client_id"] != "shop" || got["scope"] != "orders:read" || got["jti"] != jti {
		t.Fatalf("introspection: %v", got)
	}

	revoke := func(token string) {
		t.Helper()
		if resp, body := clientPost(t, srv.URL+"/revoke", "shop", secret, url.Values{"token": {token}}); resp.StatusCode != http.StatusOK {
			t.Fatalf("revoke: %d %s", resp.StatusCode, body)
		}
	}
	revoke(at)
	tomb, err := tokens.AccessByID(ctx, jti)
	if err != nil || tomb.RevokedAt.IsZero() || tomb.ClientID != "shop" {
		t.Fatalf("tombstone: %+v, %v", tomb, err)
	}
	if got := introspect(t, srv.URL, "shop", secret, at); got["active"] != false {
		t.Fatalf("introspection after revocation: %v", got)
	}
	revoke(at) // the tombstone exists: still 200

	// An admin client's stateless token opens the management API until
	// the client is deleted.
	bot := serviceToken(t, srv, "stateless-bot", true)
	if jti, _ := jwtClaims(t, bot)["jti"].(string); !strings.HasPrefix(jti, "cc.") {
		t.Fatal("the admin client's token is not stateless")
	}
	apiCall(t, srv.URL, http.MethodGet, "/users", bot, nil).want(t, http.StatusOK)
	if err := srv.Srv.Store().Clients().Delete(ctx, "stateless-bot"); err != nil {
		t.Fatal(err)
	}
	apiCall(t, srv.URL, http.MethodGet, "/users", bot, nil).want(t, http.StatusUnauthorized)
}

// TestVerifiedTokenMetrics: /metrics counts the bearer JWTs a replica
// verified by their signature and those it took from its verified-token
// cache; a cached token that is revoked is inactive at once.
func TestVerifiedTokenMetrics(t *testing.T) {
	srv := testserver.Start(t, testserver.ServerOptions{})
	secret := srv.CreateClient(t, config.ClientConfig{ID: "shop", GrantTypes: []string{"client_credentials"}, Scopes: []string{"orders:read"}})
	status, body, _ := tokenRequest(t, srv.URL, "shop", secret, url.Values{"grant_type": {"client_credentials"}, "scope": {"orders:read"}})
	at, _ := body["access_token"].(string)
	if status != http.StatusOK || at == "" {
		t.Fatalf("client credentials: %d %v", status, body)
	}
	const (
		cached    = `gatehouse_jwt_verifications_total{how="cached"}`
		signature = `gatehouse_jwt_verifications_total{how="signature"}`
		entries   = `gatehouse_verified_token_cache_entries`
	)
	before := scrape(t, srv.URL)
	for range 3 {
		if got := introspect(t, srv.URL, "shop", secret, at); got["active"] != true {
			t.Fatalf("introspection: %v", got)
		}
	}
	after := scrape(t, srv.URL)
	if d := after[signature] - before[signature]; d != 1 {
		t.Errorf("signature checks +%v over three introspections of one token, want +1", d)
	}
	if d := after[cached] - before[cached]; d != 2 {
		t.Errorf("cached verifications +%v, want +2", d)
	}
	if after[entries] < 1 {
		t.Errorf("cache entries %v, want the token remembered", after[entries])
	}

	if resp, body := clientPost(t, srv.URL+"/revoke", "shop", secret, url.Values{"token": {at}}); resp.StatusCode != http.StatusOK {
		t.Fatalf("revoke: %d %s", resp.StatusCode, body)
	}
	if got := introspect(t, srv.URL, "shop", secret, at); got["active"] != false {
		t.Fatalf("introspection after revocation, the token still cached: %v", got)
	}
	if final := scrape(t, srv.URL); final[signature] != after[signature] || final[cached] <= after[cached] {
		t.Errorf("after revocation: signature %v (was %v), cached %v (was %v); the revoked token should come from the cache and be refused by its state",
			final[signature], after[signature], final[cached], after[cached])
	}
}
