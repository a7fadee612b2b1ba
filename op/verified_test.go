package op

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

// TestVerifiedAccessTokens: a JWT access token verified once is remembered
// by its exact string, and everything that can change is still checked on
// every request: revocation at once, expiry, a withdrawn key, a tampered
// signature.
func TestVerifiedAccessTokens(t *testing.T) {
	e := newTestEnv(t)
	c, secret := confidential(t, "app")
	c.AccessTokenFormat = storage.AccessTokenJWT
	e.addClient(c)
	u := e.addUser(storage.UserActive)
	body := e.tokens(u, "app:"+secret)
	at := str(body, "access_token")
	ctx := context.Background()

	if n := e.p.verified.len(); n != 0 {
		t.Fatalf("%d tokens remembered before any was presented", n)
	}
	for i := range 2 {
		if status, info := e.userinfo(at); status != http.StatusOK || info["sub"] != u.ID {
			t.Fatalf("userinfo #%d: %d %v", i, status, info)
		}
	}
	if n := e.p.verified.len(); n != 1 {
		t.Fatalf("%d tokens remembered after two calls with one, want 1", n)
	}
	hit, ok := e.p.verified.lookup(at, e.clock.Now(), e.p.keyPublished(ctx))
	if !ok || hit.subject != u.ID || hit.keyID == "" {
		t.Fatalf("lookup = %+v, %v; want the token's subject and key", hit, ok)
	}
	if got := e.introspect(at, "app", secret); got["active"] != true || got["sub"] != u.ID {
		t.Fatalf("introspection of a remembered token: %v", got)
	}

	// Another string with the same claims and a broken signature is not
	// the remembered token.
	// (A character well inside the signature: the last one carries
	// padding bits.)
	i := len(at) - 10
	tampered := at[:i] + map[bool]string{true: "A", false: "B"}[at[i] != 'A'] + at[i+1:]
	if status, _ := e.userinfo(tampered); status != http.StatusUnauthorized {
		t.Fatalf("userinfo with a tampered signature: %d, want 401", status)
	}
	if got := e.introspect(tampered, "app", secret); got["active"] != false {
		t.Fatalf("introspection of a tampered token: %v", got)
	}

	// Revocation is read from the store every time.
	if code := e.revoke(url.Values{"token": {at}, "token_type_hint": {"access_token"}}, "app:"+secret); code != http.StatusOK {
		t.Fatalf("revoke: %d", code)
	}
	if got := e.introspect(at, "app", secret); got["active"] != false {
		t.Fatalf("remembered token after revocation: %v", got)
	}
	if status, _ := e.userinfo(at); status == http.StatusOK {
		t.Fatal("userinfo answered for a revoked, remembered token")
	}

	// Expiry: the remembered entry ends with the token.
	at2 := str(e.tokens(u, "app:"+secret), "access_token")
	if status, _ := e.userinfo(at2); status != http.StatusOK {
		t.Fatalf("userinfo: %d", status)
	}
	e.clock.Advance(DefaultAccessTokenLifetime + time.Second)
	if _, ok := e.p.verified.lookup(at2, e.clock.Now(), e.p.keyPublished(ctx)); ok {
		t.Fatal("an expired token is still remembered as verified")
	}
	if got := e.introspect(at2, "app", secret); got["active"] != false {
		t.Fatalf("expired token: %v", got)
	}
}

// TestVerifiedAccessTokenKeyWithdrawn: once its signing key is no longer
// published, a remembered token is verified again, and fails.
func TestVerifiedAccessTokenKeyWithdrawn(t *testing.T) {
	e := newTestEnv(t)
	c, secret := confidential(t, "app")
	c.AccessTokenFormat = storage.AccessTokenJWT
	e.addClient(c)
	at := str(e.tokens(e.addUser(storage.UserActive), "app:"+secret), "access_token")
	if status, _ := e.userinfo(at); status != http.StatusOK {
		t.Fatalf("userinfo: %d", status)
	}
	kid := jwtKeyID(at)
	e.f.mu.Lock()
	if _, ok := e.f.keys[kid]; !ok {
		e.f.mu.Unlock()
		t.Fatalf("token's kid %q is not a stored key", kid)
	}
	delete(e.f.keys, kid)
	e.f.mu.Unlock()
	e.p.st.keys.invalidate()
	if e.p.keyPublished(context.Background())(kid) {
		t.Fatal("a deleted key is still published")
	}
	if status, _ := e.userinfo(at); status == http.StatusOK {
		t.Fatal("userinfo answered for a token whose key was withdrawn")
	}
	if got := e.introspect(at, "app", secret); got["active"] != false {
		t.Fatalf("introspection of a token whose key was withdrawn: %v", got)
	}
}

func TestVerifiedTokensCache(t *testing.T) {
	now := time.Now()
	all := func(string) bool { return true }
	token := func(i int) string { return jwtHeader("k1") + ".payload" + strconv.Itoa(i) + ".sig" }
	var v verifiedTokens

	v.remember("no-dots", verifiedToken{presented: presented{id: "t", subject: "s"}, expires: now.Add(time.Hour)}, now)
	v.remember(jwtHeader("")+".p.s", verifiedToken{presented: presented{id: "t", subject: "s"}, expires: now.Add(time.Hour)}, now)
	v.remember(token(0), verifiedToken{presented: presented{id: "t", subject: "s"}}, now)
	if v.len() != 0 {
		t.Fatalf("remembered %d tokens without a key id or an expiry", v.len())
	}

	v.remember(token(1), verifiedToken{presented: presented{id: "t1", subject: "s"}, expires: now.Add(time.Hour)}, now)
	if got, ok := v.lookup(token(1), now, all); !ok || got.id != "t1" || got.keyID != "k1" {
		t.Fatalf("lookup = %+v, %v", got, ok)
	}
	if _, ok := v.lookup(token(1), now, func(kid string) bool { return kid != "k1" }); ok {
		t.Fatal("hit although the key is not published")
	}
	if _, ok := v.lookup(token(1), now.Add(time.Hour), all); ok {
		t.Fatal("hit at the expiry")
	}
	if _, ok := v.lookup(token(2), now, all); ok {
		t.Fatal("hit for a token never remembered")
	}

	// Bounded: expired entries go first, then a quarter of the rest.
	for i := range verifiedCacheSize - 1 {
		v.remember(token(100+i), verifiedToken{presented: presented{id: "old", subject: "s"}, expires: now.Add(time.Minute)}, now)
	}
	if v.len() != verifiedCacheSize {
		t.Fatalf("len = %d, want %d", v.len(), verifiedCacheSize)
	}
	later := now.Add(2 * time.Minute)
	v.remember(token(2), verifiedToken{presented: presented{id: "t2", subject: "s"}, expires: later.Add(time.Hour)}, later)
	if v.len() != 2 {
		t.Fatalf("len = %d after expired entries were dropped, want 2", v.len())
	}
	for i := range 2 * verifiedCacheSize {
		v.remember(token(100000+i), verifiedToken{presented: presented{id: "x", subject: "s"}, expires: later.Add(time.Hour)}, later)
		if v.len() > verifiedCacheSize {
			t.Fatalf("len = %d, over the bound %d", v.len(), verifiedCacheSize)
		}
	}
}

func jwtHeader(kid string) string {
	if kid == "" {
		return "eyJhbGciOiJFUzI1NiJ9" // {"alg":"ES256"}
	}
	return base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"ES256","kid":"` + kid + `"}`))
}
