package testharness_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/testharness"
)

// TestAccessibilityScanFindsViolations: axe-core, run through the page's
// strict CSP, reports an image without a text alternative and an unlabelled
// field, and nothing on a clean page.
func TestAccessibilityScanFindsViolations(t *testing.T) {
	const head = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Scan</title>
<link rel="stylesheet" href="/static/gatehouse.css"></head><body><main><h1>Scan</h1>`
	mux := http.NewServeMux()
	mux.HandleFunc("GET /static/gatehouse.css", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/css")
	})
	page := func(body string) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self'")
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write([]byte(head + body + `</main></body></html>`))
		}
	}
	mux.HandleFunc("GET /bad", page(`<img src="/static/gatehouse.css"><form><input name="q"></form>`))
	mux.HandleFunc("GET /good", page(`<form><label for="q">Query</label><input id="q" name="q"></form>`))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	t.Setenv(testharness.EnvAxe, "0") // only the explicit scans below
	p := testharness.NewPage(t)
	p.Navigate(srv.URL + "/bad")
	vs, err := p.Accessibility()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, v := range vs {
		ids = append(ids, v.ID)
	}
	got := strings.Join(ids, ",")
	if !strings.Contains(got, "image-alt") || !strings.Contains(got, "label") {
		t.Errorf("violations on the bad page = %v, want image-alt and label", vs)
	}
	p.Navigate(srv.URL + "/good")
	if vs, err := p.Accessibility(); err != nil || len(vs) != 0 {
		t.Errorf("violations on the good page = %v, %v", vs, err)
	}
}
