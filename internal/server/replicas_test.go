package server_test

import (
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/gatehouse/gatehouse/internal/testharness"
	"github.com/gatehouse/gatehouse/internal/testserver"
)

// TestTwoReplicasShareOnePostgres: two servers on one database (started
// together on an empty database) create one set of signing keys and serve
// the same JWKS; a code issued through one is redeemed on the other; a
// token revoked on one is inactive on the other at once.
func TestTwoReplicasShareOnePostgres(t *testing.T) {
	dbURL := testharness.PostgresURL(t)
	// Replicas behind one load balancer share one issuer: here A's address.
	lnA, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"GATEHOUSE_SECRET_KEY": strings.Repeat("replicas-share-this-key-", 2),
		"GATEHOUSE_ISSUER":     "http://" + lnA.Addr().String(),
	}
	var a, b *testserver.Server
	var wg sync.WaitGroup
	wg.Go(func() { a = testserver.Start(t, testserver.ServerOptions{DatabaseURL: dbURL, Env: env, Listener: lnA}) })
	wg.Go(func() { b = testserver.Start(t, testserver.ServerOptions{DatabaseURL: dbURL, Env: env}) })
	wg.Wait()
	if a == nil || b == nil {
		t.FailNow()
	}
	if ja, jb := body(t, a.URL+"/keys"), body(t, b.URL+"/keys"); ja != jb || !strings.Contains(ja, `"kid"`) {
		t.Fatalf("JWKS differ:\nA %s\nB %s", ja, jb)
	}
	if n := strings.Count(body(t, a.URL+"/keys"), `"kid"`); n != 2 {
		t.Errorf("JWKS holds %d keys, want 2 (active and next)", n)
	}

	a.CreateUser(t, "grace@example.com", testPass)
	secret := registerClient(t, a, "shared", true)
	rpA := newRelyingParty(t, a, "shared", secret)
	f := rpA.newFlow()
	code := rpA.signIn(f, "grace@example.com", testPass)
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {rpRedirect}, "code_verifier": {f.verifier}}
	status, tok, _ := tokenRequest(t, b.URL, "shared", secret, form)
	if status != http.StatusOK {
		t.Fatalf("redeeming A's code on B: %d %v", status, tok)
	}
	access, _ := tok["access_token"].(string)
	if got := introspect(t, b.URL, "shared", secret, access); got["active"] != true {
		t.Fatalf("B's token on B: %v", got)
	}
	rpA.postFormBasic("/revoke", "shared", secret, url.Values{"token": {access}})
	if got := introspect(t, b.URL, "shared", secret, access); got["active"] != false {
		t.Fatalf("revoked on A, still active on B: %v", got)
	}
}

func body(t *testing.T, raw string) string {
	t.Helper()
	resp, err := http.Get(raw)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
