package op

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/gatehouse/gatehouse/storage"
)

// statelessEnv has service client "svc" (JWT access tokens, client
// credentials, an admin client) and a second one, "other".
func statelessEnv(t *testing.T) (e *testEnv, secret, otherSecret string) {
	e = newTestEnv(t)
	c, secret := confidential(t, "svc")
	c.GrantTypes, c.RedirectURIs, c.PostLogoutRedirectURIs = []string{GrantClientCredentials}, []string{}, []string{}
	c.Scopes, c.AccessTokenFormat, c.Admin = []string{"orders:read", ScopeAdmin}, storage.AccessTokenJWT, true
	e.addClient(c)
	o, otherSecret := confidential(t, "other")
	o.GrantTypes, o.RedirectURIs, o.PostLogoutRedirectURIs = []string{GrantClientCredentials}, []string{}, []string{}
	e.addClient(o)
	return e, secret, otherSecret
}

func (e *testEnv) clientToken(secret, scope string) string {
	e.t.Helper()
	status, body := e.tokenResponse(url.Values{"grant_type": {"client_credentials"}, "scope": {scope}}, "svc:"+secret)
	if status != http.StatusOK || str(body, "access_token") == "" {
		e.t.Fatalf("client credentials: %d %v", status, body)
	}
	return str(body, "access_token")
}

func (e *testEnv) storedAccessTokens() int {
	e.f.mu.Lock()
	defer e.f.mu.Unlock()
	return len(e.f.access)
}

// jwtClaims decodes a JWT's payload without verifying it.
func jwtClaims(t *testing.T, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", token)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestStatelessClientToken: a client-credentials JWT access token writes
// no row, and introspection, the management API's bearer check and
// userinfo answer for it as for a stored one.
func TestStatelessClientToken(t *testing.T) {
	e, secret, otherSecret := statelessEnv(t)
	before := e.storedAccessTokens()
	at := e.clientToken(secret, "orders:read "+ScopeAdmin)
	if n := e.storedAccessTokens(); n != before {
		t.Fatalf("issuing a client-credentials JWT stored %d rows", n-before)
	}
	claims := jwtClaims(t, at)
	jti, _ := claims["jti"].(string)
	exp, ok := statelessExpiry(jti)
	if !ok || claims["exp"] != float64(exp.Unix()) || claims["sub"] != "svc" || claims["client_id"] != "svc" {
		t.Fatalf("claims %v: want a stateless jti carrying exp", claims)
	}

	got := e.introspect(at, "svc", secret)
	if got["active"] != true || got["sub"] != "svc" || got["client_id"] != "svc" || got["jti"] != jti ||
		got["scope"] != "orders:read "+ScopeAdmin || got["exp"] != float64(exp.Unix()) || got["iss"] != testIssuer {
		t.Fatalf("introspection %v", got)
	}
	if got := e.introspect(at, "other", otherSecret); got["active"] != false || len(got) != 1 {
		t.Fatalf("another client introspected the token: %v", got)
	}
	if status, _ := e.userinfo(at); status != http.StatusForbidden {
		t.Fatalf("userinfo for a client token: %d, want 403", status)
	}
	info, err := e.p.VerifyAccessToken(context.Background(), at)
	if err != nil || info.ClientID != "svc" || info.UserID != "" || !info.Admin || !info.HasScope(ScopeAdmin) || info.TokenID != jti {
		t.Fatalf("VerifyAccessToken = %+v, %v", info, err)
	}

	// A user token whose jti looks stateless is refused (it would have to
	// be the client's own).
	uc := &oidc.AccessTokenClaims{TokenClaims: oidc.TokenClaims{JWTID: jti, Subject: "some-user", ClientID: "svc"}}
	if rec, ok := statelessRecord(uc); ok || rec != nil {
		t.Fatal("a stateless jti on a user's token was accepted")
	}
	if rec, ok := statelessRecord(&oidc.AccessTokenClaims{TokenClaims: oidc.TokenClaims{JWTID: storage.NewID(), Subject: "u"}}); !ok || rec != nil {
		t.Fatal("a stored token's claims were taken for a stateless one")
	}
}

// TestStatelessClientTokenRevocation: revoking writes a tombstone that ends
// the token at once everywhere; only the client itself can revoke it, and
// a made-up id writes nothing.
func TestStatelessClientTokenRevocation(t *testing.T) {
	e, secret, otherSecret := statelessEnv(t)
	at := e.clientToken(secret, "orders:read")
	jti := jwtClaims(t, at)["jti"].(string)
	exp, _ := statelessExpiry(jti)

	if code := e.revoke(url.Values{"token": {at}}, "other:"+otherSecret); code == http.StatusOK {
		t.Fatal("another client revoked the token")
	}
	if got := e.introspect(at, "svc", secret); got["active"] != true {
		t.Fatalf("after another client's attempt: %v", got)
	}
	if code := e.revoke(url.Values{"token": {"cc.9999999999.made-up"}}, "svc:"+secret); code != http.StatusOK {
		t.Fatalf("revoking a made-up id: %d, want 200", code)
	}
	if n := e.storedAccessTokens(); n != 0 {
		t.Fatalf("a made-up id wrote %d rows", n)
	}

	if code := e.revoke(url.Values{"token": {at}, "token_type_hint": {"access_token"}}, "svc:"+secret); code != http.StatusOK {
		t.Fatalf("revoke: %d", code)
	}
	tomb, err := e.f.Tokens().AccessByID(context.Background(), jti)
	if err != nil || tomb.RevokedAt.IsZero() || tomb.ClientID != "svc" || tomb.ExpiresAt.Before(exp) {
		t.Fatalf("tombstone = %+v, %v; want revoked, kept until at least %s", tomb, err, exp)
	}
	if got := e.introspect(at, "svc", secret); got["active"] != false {
		t.Fatalf("after revocation: %v", got)
	}
	if _, err := e.p.VerifyAccessToken(context.Background(), at); !errors.Is(err, ErrBadAccessToken) {
		t.Fatalf("VerifyAccessToken after revocation: %v", err)
	}
	if code := e.revoke(url.Values{"token": {at}}, "svc:"+secret); code != http.StatusOK {
		t.Fatalf("revoking twice: %d", code)
	}
	// Without the hint too (zop tries it as a refresh token first).
	at2 := e.clientToken(secret, "orders:read")
	if code := e.revoke(url.Values{"token": {at2}}, "svc:"+secret); code != http.StatusOK {
		t.Fatalf("revoke without hint: %d", code)
	}
	if got := e.introspect(at2, "svc", secret); got["active"] != false {
		t.Fatalf("after revocation without hint: %v", got)
	}
}

// TestStatelessClientTokenEnds: expiry and deleting the client end it.
func TestStatelessClientTokenEnds(t *testing.T) {
	e, secret, _ := statelessEnv(t)
	at := e.clientToken(secret, "orders:read")
	e.clock.Advance(DefaultAccessTokenLifetime + time.Second)
	if got := e.introspect(at, "svc", secret); got["active"] != false {
		t.Fatalf("expired token: %v", got)
	}
	if _, err := e.p.VerifyAccessToken(context.Background(), at); !errors.Is(err, ErrBadAccessToken) {
		t.Fatalf("VerifyAccessToken of an expired token: %v", err)
	}

	at = e.clientToken(secret, "orders:read")
	if _, err := e.p.VerifyAccessToken(context.Background(), at); err != nil {
		t.Fatal(err)
	}
	e.f.mu.Lock()
	delete(e.f.clients, "svc")
	e.f.mu.Unlock()
	// The client cache still has it; the token check reads past it.
	if _, err := e.p.VerifyAccessToken(context.Background(), at); !errors.Is(err, ErrBadAccessToken) {
		t.Fatalf("VerifyAccessToken after the client was deleted: %v", err)
	}
}

func TestStatelessExpiry(t *testing.T) {
	exp := time.Unix(1765432100, 0)
	id := newStatelessID(exp)
	if got, ok := statelessExpiry(id); !ok || !got.Equal(exp) {
		t.Fatalf("statelessExpiry(%q) = %v, %v", id, got, ok)
	}
	for _, bad := range []string{"", storage.NewID(), "cc.", "cc.123", "cc.123.", "cc.x.abc", "cc.-5.abc", "cc.0.abc", "cd.123.abc"} {
		if _, ok := statelessExpiry(bad); ok {
			t.Errorf("statelessExpiry(%q) accepted", bad)
		}
	}
}
