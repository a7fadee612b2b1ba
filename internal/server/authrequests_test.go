package server

import (
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/op"
	"github.com/gatehouse/gatehouse/storage"
)

// TestAuthRequestsAdapterReportsGoneRequests: the pages' port to the
// provider reports a request already completed (by another HTTP request,
// after the page had looked at it: two tabs submitting at once) or
// started by another browser as not found, which the pages answer with
// the invalid-request page instead of the error page.
func TestAuthRequestsAdapterReportsGoneRequests(t *testing.T) {
	ctx := t.Context()
	cfg := config.Defaults()
	cfg.DatabaseURL = "sqlite:" + filepath.Join(t.TempDir(), "gatehouse.db")
	cfg.Dev = true
	s, err := New(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })

	const redirect = "http://127.0.0.1:9/cb"
	if err := s.store.Clients().Create(ctx, &storage.Client{ID: "app", Public: true, Name: "App",
		RedirectURIs: []string{redirect}, GrantTypes: []string{op.GrantAuthorizationCode},
		FirstParty: true, AccessTokenFormat: storage.AccessTokenJWT}); err != nil {
		t.Fatal(err)
	}
	user := storage.User{ID: storage.NewID(), Email: "ada@example.test", EmailVerified: true,
		Username: "ada", Role: storage.RoleUser, State: storage.UserActive}
	if err := s.store.Users().Create(ctx, &user); err != nil {
		t.Fatal(err)
	}

	// A browser starts a request: the provider binds it to the browser's
	// cookie and sends it to the login page.
	q := url.Values{"client_id": {"app"}, "redirect_uri": {redirect}, "response_type": {"code"},
		"scope": {"openid"}, "state": {"st"}, "code_challenge_method": {"S256"},
		"code_challenge": {oidc.NewSHACodeChallenge(strings.Repeat("v", 43))}}
	res := httptest.NewRecorder()
	s.Handler().ServeHTTP(res, httptest.NewRequest(http.MethodGet, "/authorize?"+q.Encode(), nil))
	loc, err := url.Parse(res.Header().Get("Location"))
	if err != nil || loc.Path != "/login" || loc.Query().Get("authRequestID") == "" {
		t.Fatalf("authorize: %d, Location %q", res.Code, res.Header().Get("Location"))
	}
	id := loc.Query().Get("authRequestID")
	var binding string
	for _, c := range res.Result().Cookies() {
		if c.Name == s.pages.BrowserBindingCookieName() {
			binding = c.Value
		}
	}
	if binding == "" {
		t.Fatalf("no binding cookie in %v", res.Header().Values("Set-Cookie"))
	}
	browser := func(secret string) context.Context { // one HTTP request of that browser
		sum := sha256.Sum256([]byte(secret))
		return op.WithBrowserBinding(ctx, sum[:])
	}

	a := authRequests{p: s.provider, audit: s.store.Audit()}
	if _, err := a.Get(browser("another browser's secret"), id); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("Get from another browser: %v, want not found", err)
	}
	slow := browser(binding) // the tab whose page looked first
	if _, err := a.Get(slow, id); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	next, err := a.Complete(browser(binding), id, user.ID, "s1", now, []string{"pwd"})
	if err != nil || !strings.HasPrefix(next, redirect+"?") {
		t.Fatalf("first Complete: %q, %v", next, err)
	}
	_, err = a.Complete(slow, id, user.ID, "s2", now, []string{"pwd"})
	if !errors.Is(err, storage.ErrNotFound) || !errors.Is(err, op.ErrRequestDone) {
		t.Fatalf("Complete of a request completed meanwhile: %v, want not found (request done)", err)
	}
	if _, err := a.Get(browser(binding), id); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("Get after completion: %v, want not found", err)
	}
}
