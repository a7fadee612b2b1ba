package ui

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/httpbase"
)

// The pages under the server's real middleware: request ids, panic
// recovery and security headers all meet the UI the way the server wires
// them.
func TestUnderServerMiddleware(t *testing.T) {
	u := newTestUI(t, Options{})
	logger, logs := logBuffer()
	r := gin.New()
	r.Use(
		httpbase.RequestID(),
		httpbase.Recovery(logger, u.RenderError),
		httpbase.SecurityHeaders(true),
		u.Locale(),
	)
	u.Register(r)
	r.NoRoute(u.NotFound())
	r.GET("/panic", func(*gin.Context) { panic("boom: secret detail") })

	res := do(t, r, request{target: "/panic", header: map[string]string{
		"Accept-Language":        "ru",
		httpbase.RequestIDHeader: "req-from-proxy-123",
	}})
	if res.Code != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", res.Code)
	}
	if got := textOf(first(t, res.doc, byTag("h1"))); got != "Что-то пошло не так" {
		t.Errorf("h1 %q, want the Russian 500 title", got)
	}
	body := res.Body.String()
	if !strings.Contains(body, "req-from-proxy-123") {
		t.Error("the page does not show the request id")
	}
	if strings.Contains(body, "secret detail") {
		t.Error("the panic value leaked into the page")
	}
	if !strings.Contains(logs.String(), "secret detail") {
		t.Error("the panic was not logged")
	}
	if res.Header().Get("Content-Security-Policy") != httpbase.ContentSecurityPolicy {
		t.Error("the page lost the CSP header")
	}

	landing := do(t, r, request{target: "/?lang=ru"})
	if landing.Code != http.StatusOK || landing.Header().Get("Content-Security-Policy") == "" {
		t.Errorf("landing: status %d, CSP %q", landing.Code, landing.Header().Get("Content-Security-Policy"))
	}
}

// The sign-in pages under the server's middleware: they cannot be framed,
// and a cross-site POST never reaches the credential check (SECURITY 8, 30).
func TestSignInUnderServerMiddleware(t *testing.T) {
	e := newSignInEnv(t, nil)
	r := gin.New()
	r.Use(httpbase.RequestID(), httpbase.SecurityHeaders(true), httpbase.CrossOrigin(e.ui.RenderError), e.ui.Locale())
	e.ui.Register(r)
	e.h = r

	page := e.do(request{target: "/login"})
	if csp := page.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("CSP %q lacks frame-ancestors 'none'", csp)
	}
	if got := page.Header().Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", got)
	}

	cross := e.do(request{target: "/login", form: loginValues("alice", testPassword),
		header: map[string]string{"Sec-Fetch-Site": "cross-site"}})
	if cross.Code != http.StatusForbidden || e.accounts.authCalls != 0 {
		t.Errorf("cross-site POST: status %d, %d credential checks; want 403 and none", cross.Code, e.accounts.authCalls)
	}
	same := e.do(request{target: "/login", form: loginValues("alice", testPassword),
		header: map[string]string{"Sec-Fetch-Site": "same-origin"}})
	assertSeeOther(t, same, "/")
}
