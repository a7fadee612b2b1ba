package server_test

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/storage"
)

// federatedSignIn runs a sign-in through the upstream in a new browser
// from the downstream login page and returns the final status, Location
// and body of the callback.
func federatedSignIn(t *testing.T, env *fedEnv) (*fedBrowser, int, string, string) {
	t.Helper()
	b := env.browser(t)
	_, _, body := b.do(http.MethodGet, "/login", nil)
	callback := b.upstreamSignIn(startLink(t, body))
	status, loc, body := b.do(http.MethodGet, callback, nil)
	return b, status, loc, body
}

// TestFederationAuditMode: a new federated user is pending until approved.
func TestFederationAuditMode(t *testing.T) {
	env := startFederation(t, fedOptions{downEnv: map[string]string{"GATEHOUSE_REGISTRATION_MODE": "audit"}})
	_, status, _, body := federatedSignIn(t, env)
	if status != http.StatusOK || !strings.Contains(body, "approve") {
		t.Fatalf("new federated user in audit mode: %d\n%s", status, body)
	}
	u := env.downUser(t, env.upEmail)
	if u.State != storage.UserPendingApproval || u.EmailVerified {
		t.Fatalf("user = %+v (want pending_approval, email not verified: trust_email is off)", u)
	}
	if _, status, _, body = federatedSignIn(t, env); status != http.StatusForbidden || !strings.Contains(body, "approv") {
		t.Fatalf("pending user signing in again: %d\n%s", status, body)
	}
	u.State = storage.UserActive
	if err := env.down.Srv.Store().Users().Update(context.Background(), &u); err != nil {
		t.Fatal(err)
	}
	if _, status, loc, body := federatedSignIn(t, env); status != http.StatusSeeOther || loc != "/" {
		t.Fatalf("approved user: %d %s\n%s", status, loc, body)
	}
}

// TestFederationClosedMode: a new upstream identity is refused, a known
// one signs in.
func TestFederationClosedMode(t *testing.T) {
	env := startFederation(t, fedOptions{downEnv: map[string]string{"GATEHOUSE_REGISTRATION_MODE": "closed"}})
	if _, status, _, body := federatedSignIn(t, env); status != http.StatusForbidden || !strings.Contains(body, "cannot be created") {
		t.Fatalf("new identity in closed mode: %d\n%s", status, body)
	}
	if _, err := env.down.Srv.Store().Users().ByLogin(context.Background(), env.upEmail); err == nil {
		t.Fatal("closed mode created a user")
	}
	id := env.down.CreateUser(t, "known@example.test", testPass)
	ident := storage.Identity{UserID: id, Provider: "up", Subject: env.upUser}
	if err := env.down.Srv.Store().Identities().Create(context.Background(), &ident); err != nil {
		t.Fatal(err)
	}
	if _, status, loc, body := federatedSignIn(t, env); status != http.StatusSeeOther || loc != "/" {
		t.Fatalf("known identity in closed mode: %d %s\n%s", status, loc, body)
	}
	u, err := env.down.Srv.Store().Users().ByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	u.State = storage.UserBlocked
	if err := env.down.Srv.Store().Users().Update(context.Background(), &u); err != nil {
		t.Fatal(err)
	}
	if _, status, _, body := federatedSignIn(t, env); status != http.StatusForbidden || !strings.Contains(body, "blocked") {
		t.Fatalf("blocked user through the upstream: %d\n%s", status, body)
	}
}

var unlinkIDRe = regexp.MustCompile(`name="identity" value="([^"]+)"`)

// TestFederationEmailMatchThenLink: an upstream identity whose address
// has a local account does not sign into it; after a local sign-in and a
// link from the account page it does. The link is bound to the session
// that started it.
func TestFederationEmailMatchThenLink(t *testing.T) {
	env := startFederation(t, fedOptions{})
	localID := env.down.CreateUser(t, env.upEmail, testPass)
	b, status, _, body := federatedSignIn(t, env)
	if status != http.StatusConflict || !strings.Contains(body, "link") {
		t.Fatalf("email match: %d\n%s", status, body)
	}

	b.signInLocally(env.upEmail)
	_, _, page := b.do(http.MethodGet, "/account/identities", nil)
	if !strings.Contains(page, "Link Upstream") {
		t.Fatalf("identities page:\n%s", page)
	}
	status, loc, body := b.do(http.MethodPost, "/federation/up/start", url.Values{"purpose": {"link"}})
	if status != http.StatusSeeOther {
		t.Fatalf("link start: %d\n%s", status, body)
	}
	callback, _, _ := b.until(loc, env.down.URL+"/federation/up/callback")
	if status, loc, body = b.do(http.MethodGet, callback, nil); status != http.StatusSeeOther || !strings.HasPrefix(loc, "/account/identities") {
		t.Fatalf("link callback: %d %s\n%s", status, loc, body)
	}
	_, _, page = b.do(http.MethodGet, loc, nil)
	if !strings.Contains(page, "was linked") || !strings.Contains(page, "Unlink Upstream") || !strings.Contains(page, "Last used") {
		t.Fatalf("identities page after linking:\n%s", page)
	}
	if _, status, loc, _ := federatedSignIn(t, env); status != http.StatusSeeOther || loc != "/" {
		t.Fatalf("sign-in after linking: %d %s", status, loc)
	}
	if types := auditTypes(t, env, localID); !containsAll(types, "identity.linked", "user.login_federated") {
		t.Errorf("audit = %v", types)
	}

	// Unlink (the account has a password), then a link started by one
	// session and finished by another links nothing (SECURITY 48).
	m := unlinkIDRe.FindStringSubmatch(page)
	if status, _, _ := b.do(http.MethodPost, "/account/identities/unlink", url.Values{"identity": {m[1]}}); status != http.StatusSeeOther {
		t.Fatalf("unlink with a password: %d", status)
	}
	if types := auditTypes(t, env, localID); !containsAll(types, "identity.unlinked") {
		t.Errorf("audit = %v", types)
	}
	_, loc, _ = b.do(http.MethodPost, "/federation/up/start", url.Values{"purpose": {"link"}})
	callback, _, _ = b.until(loc, env.down.URL+"/federation/up/callback")
	b.do(http.MethodPost, "/logout", nil)
	env.down.CreateUser(t, "other@example.test", testPass)
	b.signInLocally("other@example.test")
	if status, _, _ := b.do(http.MethodGet, callback, nil); status != http.StatusBadRequest {
		t.Fatalf("link finished by another session: %d, want 400", status)
	}
	ids, _ := env.down.Srv.Store().Identities().ListByUser(context.Background(), localID)
	if len(ids) != 0 {
		t.Fatalf("identities after the refused link: %+v", ids)
	}
}

func containsAll(list []string, want ...string) bool {
	for _, w := range want {
		found := false
		for _, l := range list {
			found = found || l == w
		}
		if !found {
			return false
		}
	}
	return true
}

// TestFederationUnlinkLastMethod: a user created through the upstream has
// no password, so its only identity cannot be unlinked.
func TestFederationUnlinkLastMethod(t *testing.T) {
	env := startFederation(t, fedOptions{trustEmail: true})
	b, status, _, _ := federatedSignIn(t, env)
	if status != http.StatusSeeOther {
		t.Fatalf("sign-up: %d", status)
	}
	_, _, page := b.do(http.MethodGet, "/account/identities", nil)
	m := unlinkIDRe.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no unlink button:\n%s", page)
	}
	status, _, body := b.do(http.MethodPost, "/account/identities/unlink", url.Values{"identity": {m[1]}})
	if status != http.StatusConflict || !strings.Contains(body, "only way to sign in") || !strings.Contains(body, "password") {
		t.Fatalf("unlinking the last method: %d\n%s", status, body)
	}
	u := env.downUser(t, env.upEmail)
	if ids, _ := env.down.Srv.Store().Identities().ListByUser(context.Background(), u.ID); len(ids) != 1 {
		t.Fatalf("identities = %+v", ids)
	}
}

// TestFederationSilentUpstream: an upstream that accepts connections and
// never answers fails its own sign-in within its timeout, while password
// sign-in keeps working meanwhile.
func TestFederationSilentUpstream(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c) // held open, never answered
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	extra := `    - id: silent
      name: Silent
      type: oidc
      issuer: http://` + ln.Addr().String() + `
      client_id: x
      client_secret: y
      allow_private_addresses: true
      timeout: 6s
`
	env := startFederation(t, fedOptions{extraYAML: extra})
	env.down.CreateUser(t, "local@example.test", testPass)
	b := env.browser(t)

	type result struct {
		status  int
		body    string
		elapsed time.Duration
	}
	done := make(chan result, 1)
	go func() {
		start := time.Now()
		status, _, body := env.browser(t).do(http.MethodGet, "/federation/silent/start", nil)
		done <- result{status, body, time.Since(start)}
	}()
	time.Sleep(200 * time.Millisecond)
	pwStart := time.Now()
	b.signInLocally("local@example.test")
	// The password sign-in finished while the upstream request still
	// hangs: it did not wait for the upstream (no timing bound, which a
	// loaded machine would break).
	select {
	case r := <-done:
		t.Fatalf("the upstream request ended (%v) before the password sign-in did (%v)", r.elapsed, time.Since(pwStart))
	default:
	}
	r := <-done
	if r.status != http.StatusBadGateway || !strings.Contains(r.body, "not answering") {
		t.Fatalf("silent upstream: %d\n%s", r.status, r.body)
	}
	if r.elapsed < 5*time.Second || r.elapsed > 20*time.Second {
		t.Fatalf("silent upstream failed after %v, want at its 6s timeout", r.elapsed)
	}
}

// TestFederationTrustedEmail: with trust_email and verified addresses on
// both sides the identity is linked to the local account (SECURITY 47);
// an unconfirmed local account with that address is taken over and its
// password stops working (SECURITY 12).
func TestFederationTrustedEmail(t *testing.T) {
	env := startFederation(t, fedOptions{trustEmail: true})
	localID := env.down.CreateUser(t, env.upEmail, testPass)
	if _, status, loc, body := federatedSignIn(t, env); status != http.StatusSeeOther || loc != "/" {
		t.Fatalf("verified address, trusted provider: %d %s\n%s", status, loc, body)
	}
	ids, _ := env.down.Srv.Store().Identities().ListByUser(context.Background(), localID)
	if len(ids) != 1 || ids[0].Subject != env.upUser {
		t.Fatalf("identities of the local account: %+v", ids)
	}

	env2 := startFederation(t, fedOptions{trustEmail: true})
	attacker := env2.browser(t)
	form := url.Values{"login": {"squatter"}, "email": {env2.upEmail}, "password": {"attacker password 123"},
		"password_confirm": {"attacker password 123"}}
	if status, _, body := attacker.do(http.MethodPost, "/register", form); status != http.StatusOK {
		t.Fatalf("attacker registration: %d\n%s", status, body)
	}
	if u := env2.downUser(t, env2.upEmail); u.State != storage.UserPendingVerification {
		t.Fatalf("attacker's account = %+v", u)
	}
	if _, status, loc, body := federatedSignIn(t, env2); status != http.StatusSeeOther || loc != "/" {
		t.Fatalf("owner through the upstream: %d %s\n%s", status, loc, body)
	}
	u := env2.downUser(t, env2.upEmail)
	if u.State != storage.UserActive || u.PasswordHash != "" || !u.EmailVerified {
		t.Fatalf("taken-over account = %+v", u)
	}
	status, _, _ := attacker.do(http.MethodPost, "/login", url.Values{"login": {"squatter"}, "password": {"attacker password 123"}})
	if status == http.StatusSeeOther {
		t.Fatal("the squatter's password still works")
	}
}
