package ui

import (
	"net/http"
	"path"
	"strings"
	"testing"
)

func TestStaticFiles(t *testing.T) {
	u := newTestUI(t, Options{})
	h := newTestEngine(t, u)
	cssURL, err := u.assets.url("gatehouse.css")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		target    string
		method    string
		wantCode  int
		wantType  string
		wantCache string
	}{
		{"stylesheet as the pages link it", cssURL, "", 200, "text/css; charset=utf-8", "public, max-age=31536000, immutable"},
		{"stylesheet without version", "/static/gatehouse.css", "", 200, "text/css; charset=utf-8", "public, max-age=86400"},
		{"stylesheet with a stale version", "/static/gatehouse.css?v=0123456789ab", "", 200, "text/css; charset=utf-8", "public, max-age=86400"},
		{"favicon", "/static/favicon.svg", "", 200, "image/svg+xml", "public, max-age=86400"},
		{"HEAD", cssURL, http.MethodHead, 200, "text/css; charset=utf-8", "public, max-age=31536000, immutable"},
		{"unknown file", "/static/nope.css", "", 404, "text/html; charset=utf-8", "no-store"},
		{"folder", "/static/", "", 404, "text/html; charset=utf-8", "no-store"},
		{"escape attempt", "/static/../templates.go", "", 404, "text/html; charset=utf-8", "no-store"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := do(t, h, request{method: tc.method, target: tc.target})
			if res.Code != tc.wantCode {
				t.Fatalf("status %d, want %d", res.Code, tc.wantCode)
			}
			if got := res.Header().Get("Content-Type"); got != tc.wantType {
				t.Errorf("Content-Type %q, want %q", got, tc.wantType)
			}
			if got := res.Header().Get("Cache-Control"); got != tc.wantCache {
				t.Errorf("Cache-Control %q, want %q", got, tc.wantCache)
			}
		})
	}
}

// TestStaticContentTypes: a static file's type comes from a fixed table by
// extension, whatever the host's MIME database says, and is sniffed for an
// extension the table does not know. Every file Gatehouse ships has a
// known extension.
func TestStaticContentTypes(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	tests := []struct {
		name string
		body []byte
		want string
	}{
		{"gatehouse.css", nil, "text/css; charset=utf-8"},
		{"passkeys.js", nil, "text/javascript; charset=utf-8"},
		{"favicon.svg", nil, "image/svg+xml"},
		{"brand/LOGO.PNG", nil, "image/png"},
		{"fonts/inter.woff2", nil, "font/woff2"},
		{"favicon.ico", nil, "image/x-icon"},
		{"image.unknown", png, "image/png"},
		{"notes", []byte("plain words"), "text/plain; charset=utf-8"},
	}
	for _, tc := range tests {
		if got := staticContentType(tc.name, tc.body); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
	u := newTestUI(t, Options{})
	if len(u.assets) == 0 {
		t.Fatal("no static files")
	}
	for name := range u.assets {
		if _, ok := staticTypes[strings.ToLower(path.Ext(name))]; !ok {
			t.Errorf("shipped static file %s has an extension the table does not know", name)
		}
	}
	h := newTestEngine(t, u)
	if got := do(t, h, request{target: "/static/passkeys.js"}).Header().Get("Content-Type"); got != "text/javascript; charset=utf-8" {
		t.Errorf("passkeys.js served as %q", got)
	}
}

func TestStaticStylesheetContent(t *testing.T) {
	h := newTestEngine(t, newTestUI(t, Options{}))
	res := do(t, h, request{target: "/static/gatehouse.css"})
	body := res.Body.String()
	for _, want := range []string{"prefers-color-scheme: dark", ":focus-visible", "system-ui"} {
		if !strings.Contains(body, want) {
			t.Errorf("stylesheet lacks %q", want)
		}
	}
	if res.Header().Get("Vary") != "" {
		t.Errorf("static file varies by %q; it must stay cacheable", res.Header().Get("Vary"))
	}
}

func TestStaticConditionalRequest(t *testing.T) {
	h := newTestEngine(t, newTestUI(t, Options{}))
	etag := do(t, h, request{target: "/static/gatehouse.css"}).Header().Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	res := do(t, h, request{target: "/static/gatehouse.css", header: map[string]string{"If-None-Match": etag}})
	if res.Code != http.StatusNotModified {
		t.Errorf("status %d with a matching ETag, want 304", res.Code)
	}
}

// The page links the same versions the static handler serves as immutable.
func TestPagesLinkVersionedAssets(t *testing.T) {
	u := newTestUI(t, Options{})
	h := newTestEngine(t, u)
	res := do(t, h, request{target: "/"})
	want, _ := u.assets.url("gatehouse.css")
	if !strings.Contains(res.Body.String(), `href="`+want+`"`) {
		t.Errorf("landing page does not link %s", want)
	}
	css := do(t, h, request{target: want})
	if css.Header().Get("Cache-Control") != cacheVersioned {
		t.Errorf("the linked stylesheet is not cached as immutable")
	}
}
