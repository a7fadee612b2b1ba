package ui

import (
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
)

func TestAllowFormRedirect(t *testing.T) {
	const base = "default-src 'self'; form-action 'self'; frame-ancestors 'none'"
	tests := []struct{ name, uri, want string }{
		{"https with port", "https://app.example.com:8443/cb?x=1", "default-src 'self'; form-action 'self' https://app.example.com:8443; frame-ancestors 'none'"},
		{"loopback http", "http://127.0.0.1:9/callback", "default-src 'self'; form-action 'self' http://127.0.0.1:9; frame-ancestors 'none'"},
		{"native scheme", "com.example.app:/cb", "default-src 'self'; form-action 'self' com.example.app:; frame-ancestors 'none'"},
		{"empty", "", base},
		{"injection attempt", "https://a.example/';script-src *", base},
		{"no host", "https:///cb", base},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			c, _ := gin.CreateTestContext(w)
			c.Writer.Header().Set("Content-Security-Policy", base)
			allowFormRedirect(c, tc.uri)
			if got := w.Header().Get("Content-Security-Policy"); got != tc.want {
				t.Errorf("CSP = %q, want %q", got, tc.want)
			}
		})
	}
}
