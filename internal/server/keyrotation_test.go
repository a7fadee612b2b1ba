package server_test

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"testing"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/instancekey"
	"github.com/gatehouse/gatehouse/internal/server"
	"github.com/gatehouse/gatehouse/internal/testharness"
	"github.com/gatehouse/gatehouse/internal/testserver"
	"github.com/gatehouse/gatehouse/storage"
)

// replicaPair is two replicas on one database behind one issuer (A's
// address), restartable with another instance key on the same addresses.
type replicaPair struct {
	t          *testing.T
	dbURL      string
	addrA      string
	addrB      string
	a, b       *testserver.Server
	secretKeys string
}

func (p *replicaPair) start(secretKeys string) {
	p.t.Helper()
	p.secretKeys = secretKeys
	env := map[string]string{"GATEHOUSE_SECRET_KEY": secretKeys, "GATEHOUSE_ISSUER": "http://" + p.addrA}
	listen := func(addr string) net.Listener {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			p.t.Fatalf("listen again on %s: %v", addr, err)
		}
		return ln
	}
	p.a = testserver.Start(p.t, testserver.ServerOptions{DatabaseURL: p.dbURL, Env: env, Listener: listen(p.addrA)})
	p.b = testserver.Start(p.t, testserver.ServerOptions{DatabaseURL: p.dbURL, Env: env, Listener: listen(p.addrB)})
}

func (p *replicaPair) restart(secretKeys string) {
	p.t.Helper()
	p.a.Stop()
	p.b.Stop()
	p.start(secretKeys)
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestInstanceKeyRotationOnTwoReplicas rotates the instance key of two live
// replicas on one PostgreSQL: after a restart with GATEHOUSE_SECRET_KEY=
// new,old nobody is signed out (the browser session, the refresh token and
// the opaque access token issued under the old key work on both replicas),
// the signing keys still sign, and a TOTP user still signs in; `keys
// reencrypt` (server.Reencrypt) seals the signing keys and the TOTP secret
// under the new key, and a second run changes nothing; after a restart with
// the new key alone, everything issued since the rotation still works.
func TestInstanceKeyRotationOnTwoReplicas(t *testing.T) {
	oldKey, newKey := random(t)+random(t), random(t)+random(t)
	p := &replicaPair{t: t, dbURL: testharness.PostgresURL(t), addrA: freeAddr(t), addrB: freeAddr(t)}
	p.start(oldKey)

	secret := p.a.CreateClient(t, config.ClientConfig{
		ID: "rotating", Name: "Rotating", RedirectURIs: []string{rpRedirect}, FirstParty: true,
		GrantTypes: []string{"authorization_code", "refresh_token"}, AccessTokenFormat: storage.AccessTokenOpaque,
	})
	p.a.CreateUser(t, "ann@example.test", testPass)
	totpUser := p.a.CreateUser(t, "tom@example.test", testPass)
	totpSecret, _ := enrolTOTP(t, p.a, totpUser)

	rp := newRelyingParty(t, p.a, "rotating", secret)
	f := rp.newFlow()
	tok, err := rp.exchange(f, rp.signIn(f, "ann@example.test", testPass))
	if err != nil {
		t.Fatal(err)
	}
	jwksBefore := body(t, p.a.URL+"/keys")
	refresh := tok.RefreshToken

	p.restart(newKey + "," + oldKey)
	t.Run("new,old keeps everyone signed in", func(t *testing.T) {
		for _, srv := range []*testserver.Server{p.a, p.b} {
			if status, loc, _ := rp.get(srv.URL + "/account"); status != http.StatusOK {
				t.Errorf("%s: the browser session made under the old key: %d %s, want the account page", srv.URL, status, loc)
			}
			if got := introspect(t, srv.URL, "rotating", secret, tok.AccessToken); got["active"] != true {
				t.Errorf("%s: the opaque access token issued under the old key: %v", srv.URL, got)
			}
		}
		if status, _ := bearerGet(t, p.b.URL+"/userinfo", tok.AccessToken); status != http.StatusOK {
			t.Errorf("userinfo with the old access token: %d", status)
		}
		refresh = refreshOn(t, p.b, secret, refresh)
		if got := body(t, p.b.URL+"/keys"); got != jwksBefore {
			t.Errorf("JWKS changed with the instance key:\nbefore %s\nafter  %s", jwksBefore, got)
		}
		f := rp.newFlow()
		tok2, err := rp.exchange(f, rp.codeFrom(f, f.url)) // the session signs the new request in at once
		if err != nil {
			t.Fatalf("a new code for the old session: %v", err)
		}
		rp.verifyIDToken(tok2, f.nonce)
		totpSignIn(t, p, p.a, secret, "tom@example.test", totpSecret, 0)
	})

	key, err := instancekey.FromSecret(p.secretKeys)
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	report, err := server.Reencrypt(t.Context(), p.a.Config, key, p.a.Srv.Store(), logger)
	t.Logf("reencrypt: %+v", report)
	if err != nil || report.SigningKeys.Reencrypted != 2 || report.SigningKeys.Current != 0 ||
		report.TOTPSecrets.Reencrypted != 1 || report.TOTPSecrets.Current != 0 {
		t.Fatalf("reencrypt: %+v %v, want 2 signing keys and 1 TOTP secret re-encrypted", report, err)
	}
	again, err := server.Reencrypt(t.Context(), p.a.Config, key, p.a.Srv.Store(), logger)
	if err != nil || again.SigningKeys.Reencrypted != 0 || again.SigningKeys.Current != 2 ||
		again.TOTPSecrets.Reencrypted != 0 || again.TOTPSecrets.Current != 1 {
		t.Fatalf("second reencrypt: %+v %v, want nothing to do", again, err)
	}

	p.restart(newKey)
	t.Run("the new key alone after reencrypt", func(t *testing.T) {
		for _, srv := range []*testserver.Server{p.a, p.b} {
			if status, loc, _ := rp.get(srv.URL + "/account"); status != http.StatusOK {
				t.Errorf("%s: the browser session: %d %s, want the account page", srv.URL, status, loc)
			}
		}
		refreshOn(t, p.a, secret, refresh)
		if got := body(t, p.a.URL+"/keys"); got != jwksBefore {
			t.Errorf("JWKS changed after reencrypt:\nbefore %s\nafter  %s", jwksBefore, got)
		}
		f := rp.newFlow()
		tok3, err := rp.exchange(f, rp.codeFrom(f, f.url))
		if err != nil {
			t.Fatalf("a new code with the new key alone: %v", err)
		}
		rp.verifyIDToken(tok3, f.nonce)
		if got := introspect(t, p.b.URL, "rotating", secret, tok3.AccessToken); got["active"] != true {
			t.Errorf("a new opaque access token on the other replica: %v", got)
		}
		totpSignIn(t, p, p.b, secret, "tom@example.test", totpSecret, 1)
	})
}

// refreshOn redeems a refresh token at srv and returns the next one; the
// new access token must be active there.
func refreshOn(t *testing.T, srv *testserver.Server, secret, refresh string) string {
	t.Helper()
	status, out, _ := tokenRequest(t, srv.URL, "rotating", secret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}})
	next, _ := out["refresh_token"].(string)
	access, _ := out["access_token"].(string)
	if status != http.StatusOK || next == "" {
		t.Fatalf("refresh at %s: %d %v", srv.URL, status, out)
	}
	if got := introspect(t, srv.URL, "rotating", secret, access); got["active"] != true {
		t.Errorf("refreshed access token at %s: %v", srv.URL, got)
	}
	return next
}

// totpSignIn signs a TOTP user in with a fresh browser: password, then the
// code of the step offset steps from now, then the code is redeemed.
// The pages are those of srv (either replica).
func totpSignIn(t *testing.T, p *replicaPair, srv *testserver.Server, secret, login, totpSecret string, offset int) {
	t.Helper()
	rp := newRelyingParty(t, p.a, "rotating", secret) // discovery at the issuer
	rp.srv = srv                                      // the pages at srv
	f := rp.newFlow()
	loc := passwordStep(t, rp, f, login, testPass)
	wantSecondStep(t, rp, loc)
	status, loc, page := codeStep(t, rp, loc, totpCode(t, totpSecret, offset))
	if status != http.StatusSeeOther {
		t.Fatalf("TOTP code at %s: %d\n%s", srv.URL, status, mainText(page))
	}
	tok, err := rp.exchange(f, rp.codeFrom(f, loc))
	if err != nil {
		t.Fatalf("TOTP sign-in's code: %v", err)
	}
	_, claims := rp.verifyIDToken(tok, f.nonce)
	wantMFAClaims(t, claims, "pwd")
}
