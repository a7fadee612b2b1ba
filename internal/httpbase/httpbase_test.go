package httpbase

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

func init() { gin.SetMode(gin.TestMode) }

func errorPage(c *gin.Context, status int) {
	c.String(status, "generic error %d", status)
}

func newEngine(logs *bytes.Buffer, https bool) *gin.Engine {
	logger := slog.New(slog.NewTextHandler(logs, nil))
	r := gin.New()
	r.Use(RequestID(), AccessLog(logger), Recovery(logger, errorPage), SecurityHeaders(https),
		CrossOrigin(errorPage, "/oauth/token"))
	r.GET("/ok", func(c *gin.Context) { c.String(http.StatusOK, c.GetString(RequestIDKey)) })
	r.GET("/panic", func(c *gin.Context) { panic("database password is hunter2") })
	r.POST("/form", func(c *gin.Context) { c.String(http.StatusOK, "changed") })
	r.POST("/oauth/token", func(c *gin.Context) { c.String(http.StatusOK, "token") })
	return r
}

func serve(r http.Handler, req *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	r.ServeHTTP(w, req)
	return w
}

func TestRequestID(t *testing.T) {
	r := newEngine(&bytes.Buffer{}, false)
	w := serve(r, httptest.NewRequest(http.MethodGet, "/ok", nil))
	id := w.Header().Get(RequestIDHeader)
	if len(id) < 8 || w.Body.String() != id {
		t.Errorf("request id %q, body %q", id, w.Body.String())
	}
	req := httptest.NewRequest(http.MethodGet, "/ok", nil)
	req.Header.Set(RequestIDHeader, "proxy-id-12345")
	if got := serve(r, req).Header().Get(RequestIDHeader); got != "proxy-id-12345" {
		t.Errorf("a well-formed incoming id should be kept, got %q", got)
	}
	req.Header.Set(RequestIDHeader, "bad id\nwith newline")
	if got := serve(r, req).Header().Get(RequestIDHeader); strings.Contains(got, " ") {
		t.Errorf("a malformed incoming id must be replaced, got %q", got)
	}
}

func TestRecoveryLogsCauseAndShowsGenericPage(t *testing.T) {
	var logs bytes.Buffer
	w := serve(newEngine(&logs, false), httptest.NewRequest(http.MethodGet, "/panic", nil))
	if w.Code != http.StatusInternalServerError || w.Body.String() != "generic error 500" {
		t.Errorf("got %d %q", w.Code, w.Body.String())
	}
	if strings.Contains(w.Body.String(), "hunter2") {
		t.Error("the panic value reached the client")
	}
	if !strings.Contains(logs.String(), "hunter2") || !strings.Contains(logs.String(), "stack=") {
		t.Errorf("the cause and stack should be logged: %s", logs.String())
	}
	if !strings.Contains(logs.String(), "status=500") {
		t.Errorf("the access log should record 500: %s", logs.String())
	}
}

func TestAccessLogOmitsQuery(t *testing.T) {
	var logs bytes.Buffer
	serve(newEngine(&logs, false), httptest.NewRequest(http.MethodGet, "/ok?token=secret-token-value", nil))
	if strings.Contains(logs.String(), "secret-token-value") {
		t.Errorf("a query string reached the log: %s", logs.String())
	}
	if !strings.Contains(logs.String(), "route=/ok") {
		t.Errorf("route missing: %s", logs.String())
	}
}

func TestSecurityHeaders(t *testing.T) {
	w := serve(newEngine(&bytes.Buffer{}, true), httptest.NewRequest(http.MethodGet, "/ok", nil))
	csp := w.Header().Get("Content-Security-Policy")
	for _, want := range []string{"frame-ancestors 'none'", "script-src 'self'", "object-src 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") {
		t.Error("CSP allows inline code")
	}
	if w.Header().Get("X-Content-Type-Options") != "nosniff" || w.Header().Get("Referrer-Policy") == "" {
		t.Errorf("headers: %v", w.Header())
	}
	if w.Header().Get("Strict-Transport-Security") == "" {
		t.Error("https responses need HSTS")
	}
	plain := serve(newEngine(&bytes.Buffer{}, false), httptest.NewRequest(http.MethodGet, "/ok", nil))
	if plain.Header().Get("Strict-Transport-Security") != "" {
		t.Error("no HSTS over http")
	}
}

func TestCrossOriginProtection(t *testing.T) {
	r := newEngine(&bytes.Buffer{}, false)
	tests := []struct {
		name    string
		path    string
		headers map[string]string
		want    int
	}{
		{"cross-site form post", "/form", map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"foreign origin", "/form", map[string]string{"Origin": "https://evil.example"}, http.StatusForbidden},
		{"same origin", "/form", map[string]string{"Sec-Fetch-Site": "same-origin"}, http.StatusOK},
		{"non-browser client", "/form", nil, http.StatusOK},
		{"bypassed token endpoint", "/oauth/token", map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "http://id.example"+tc.path, nil)
			for k, v := range tc.headers {
				req.Header.Set(k, v)
			}
			if w := serve(r, req); w.Code != tc.want {
				t.Errorf("status %d, want %d (%s)", w.Code, tc.want, w.Body.String())
			}
		})
	}
}
