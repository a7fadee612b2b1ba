package ui

import (
	"bytes"
	"crypto/sha256"
	"net/http"
	"testing"

	"github.com/gin-gonic/gin"
)

// bindingProbe serves /authorize behind the middleware and reports the
// hash the provider would have seen.
func bindingProbe(t *testing.T, e *signInEnv) (h http.Handler, seen *[]byte) {
	t.Helper()
	var got []byte
	r := newTestEngine(t, e.ui)
	r.GET("/authorize", e.ui.BrowserBindingMiddleware(), func(c *gin.Context) {
		got, _ = c.Request.Context().Value(bindingCtxKey{}).([]byte)
		c.Status(http.StatusFound)
	})
	return r, &got
}

func TestBrowserBindingMiddleware(t *testing.T) {
	tests := []struct {
		name     string
		secure   bool
		present  string // cookie value presented; "" for none
		wantNew  bool
		wantName string
	}{
		{"sets a cookie", false, "", true, "gatehouse_authreq"},
		{"https sets a __Host- cookie", true, "", true, "__Host-gatehouse_authreq"},
		{"reuses a valid cookie", false, newBindingSecret(), false, "gatehouse_authreq"},
		{"replaces a malformed cookie", false, "short", true, "gatehouse_authreq"},
		{"replaces a non-base64 cookie", false, "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!", true, "gatehouse_authreq"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newSignInEnv(t, func(o *Options) { o.Secure = tc.secure })
			h, seen := bindingProbe(t, e)
			req := request{target: "/authorize"}
			if tc.present != "" {
				req.cookie = &http.Cookie{Name: tc.wantName, Value: tc.present}
			}
			res := do(t, h, req)
			c := sessionCookie(res, tc.wantName)
			value := tc.present
			if tc.wantNew {
				if c == nil {
					t.Fatalf("no %s cookie: %v", tc.wantName, res.Header().Values("Set-Cookie"))
				}
				assertSessionCookieFlags(t, c, tc.secure)
				if c.MaxAge != 0 || c.Value == tc.present || !validBindingSecret(c.Value) {
					t.Errorf("cookie %+v", c)
				}
				value = c.Value
			} else if len(res.Header().Values("Set-Cookie")) != 0 {
				t.Errorf("the valid cookie was replaced: %v", res.Header().Values("Set-Cookie"))
			}
			want := sha256.Sum256([]byte(value))
			if !bytes.Equal(*seen, want[:]) {
				t.Errorf("the provider saw hash %x, want %x", *seen, want)
			}
		})
	}
}

// The hash the middleware hands the provider is the one /login accepts.
func TestBrowserBindingRoundTrip(t *testing.T) {
	e := newSignInEnv(t, nil)
	h, seen := bindingProbe(t, e)
	res := do(t, h, request{target: "/authorize"})
	cookie := sessionCookie(res, BrowserBindingCookie)
	e.binding = cookie.Value
	id := e.addRequest("ar1", func(ar *AuthRequestView) { ar.BrowserHash = *seen })
	page := e.do(request{target: "/login?authRequestID=" + id})
	if page.Code != http.StatusOK {
		t.Errorf("status %d, want the form", page.Code)
	}
}

func TestBrowserBindingMiddlewareNeedsOption(t *testing.T) {
	u := newTestUI(t, Options{})
	r := newTestEngine(t, u)
	r.GET("/authorize", u.BrowserBindingMiddleware(), func(c *gin.Context) { c.Status(http.StatusFound) })
	if res := do(t, r, request{target: "/authorize"}); res.Code != http.StatusInternalServerError {
		t.Errorf("status %d, want 500", res.Code)
	}
}
