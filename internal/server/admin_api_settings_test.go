package server_test

import (
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/testharness"
	"github.com/gatehouse/gatehouse/internal/testserver"
	"github.com/gatehouse/gatehouse/storage"
)

// TestAdminAPISettingsReachEveryReplica: closing registration through the
// API on one replica closes /register on both within seconds.
func TestAdminAPISettingsReachEveryReplica(t *testing.T) {
	dbURL := testharness.PostgresURL(t)
	lnA, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"GATEHOUSE_SECRET_KEY":        strings.Repeat("replicas-share-this-key-", 2),
		"GATEHOUSE_ISSUER":            "http://" + lnA.Addr().String(),
		"GATEHOUSE_DEV":               "true",
		"GATEHOUSE_REGISTRATION_MODE": "open",
	}
	var a, b *testserver.Server
	var wg sync.WaitGroup
	wg.Go(func() { a = testserver.Start(t, testserver.ServerOptions{DatabaseURL: dbURL, Env: env, Listener: lnA}) })
	wg.Go(func() { b = testserver.Start(t, testserver.ServerOptions{DatabaseURL: dbURL, Env: env}) })
	wg.Wait()
	if a == nil || b == nil {
		t.FailNow()
	}
	const closed = "Registration is disabled"
	if strings.Contains(body(t, b.URL+"/register"), closed) {
		t.Fatal("registration is closed before the change")
	}
	admin := serviceToken(t, a, "ops-bot", true)
	r := apiCall(t, a.URL, http.MethodGet, "/settings", admin, nil).want(t, http.StatusOK)
	if r.body["registration_mode"] != "open" {
		t.Fatalf("settings: %s", r.raw)
	}
	r = apiCall(t, a.URL, http.MethodPatch, "/settings", admin, map[string]any{"registration_mode": "closed"}).want(t, http.StatusOK)
	if r.body["registration_mode"] != "closed" {
		t.Fatalf("patched settings: %s", r.raw)
	}
	start := time.Now()
	for _, srv := range []*testserver.Server{a, b} {
		for !strings.Contains(body(t, srv.URL+"/register"), closed) {
			if time.Since(start) > 8*time.Second {
				t.Fatalf("%s/register still open %s after the change", srv.URL, time.Since(start))
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	// Bad values are refused with the reason, and nothing changes.
	r = apiCall(t, b.URL, http.MethodPatch, "/settings", admin, map[string]any{"registration_mode": "lottery"}).want(t, http.StatusBadRequest)
	if !strings.Contains(r.raw, "lottery") {
		t.Errorf("bad mode: %s", r.raw)
	}
	r = apiCall(t, b.URL, http.MethodGet, "/audit-events?type=admin.settings.update", admin, nil).want(t, http.StatusOK)
	if ev := r.items(); len(ev) != 1 || ev[0]["actor_id"] != "client:ops-bot" {
		t.Errorf("settings audit: %s", r.raw)
	}
}

// TestAdminAPISessionLifetimes: session lifetimes are instance settings;
// a changed idle timeout applies to the next session without restart.
func TestAdminAPISessionLifetimes(t *testing.T) {
	srv := testserver.Start(t, testserver.ServerOptions{})
	bot := serviceToken(t, srv, "ops-bot", true)
	r := apiCall(t, srv.URL, http.MethodGet, "/settings", bot, nil).want(t, http.StatusOK)
	if r.body["session_idle_timeout"] != srv.Config.SessionIdleTimeout.String() {
		t.Fatalf("seeded idle timeout: %s (config %s)", r.raw, srv.Config.SessionIdleTimeout)
	}
	r = apiCall(t, srv.URL, http.MethodPatch, "/settings", bot, map[string]any{"session_idle_timeout": "soon"}).want(t, http.StatusBadRequest)
	if !strings.Contains(r.raw, `"field":"session_idle_timeout"`) {
		t.Errorf("bad duration: %s", r.raw)
	}
	r = apiCall(t, srv.URL, http.MethodPatch, "/settings", bot, map[string]any{"session_idle_timeout": "17m"}).want(t, http.StatusOK)
	if r.body["session_idle_timeout"] != "17m0s" {
		t.Fatalf("patched: %s", r.raw)
	}
	id := createUserWith(t, srv, "sam@example.com", storage.UserActive, storage.RoleUser)
	if _, _, err := userAccessToken(t, srv, "webapp", "sam@example.com"); err != nil {
		t.Fatal(err)
	}
	list, err := srv.Srv.Store().Sessions().ListByUser(t.Context(), id, time.Now())
	if err != nil || len(list) != 1 {
		t.Fatalf("sessions: %v %v", list, err)
	}
	if list[0].IdleTimeout != 17*time.Minute {
		t.Errorf("new session's idle timeout %s, want 17m", list[0].IdleTimeout)
	}

	// A "remember me" cookie lives as long as session.lifetime says.
	apiCall(t, srv.URL, http.MethodPatch, "/settings", bot, map[string]any{"session_lifetime": "5h"}).want(t, http.StatusOK)
	form := url.Values{"login": {"sam@example.com"}, "password": {testPass}, "remember_me": {"1"}}
	client := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.PostForm(srv.URL+"/login", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var maxAge int
	for _, c := range resp.Cookies() {
		if strings.HasSuffix(c.Name, "gatehouse_session") {
			maxAge = c.MaxAge
		}
	}
	if want := int((5 * time.Hour).Seconds()); resp.StatusCode != http.StatusSeeOther || maxAge > want || maxAge < want-60 {
		t.Errorf("remember-me sign-in: status %d, cookie Max-Age %d, want about %d", resp.StatusCode, maxAge, want)
	}
}
