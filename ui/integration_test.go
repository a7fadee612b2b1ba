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
