package ui

import (
	"net/http"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/i18n"
	"github.com/gatehouse/gatehouse/templates"
)

const testLayout = `{{define "layout"}}<!DOCTYPE html><html lang="{{.Lang}}"><title>{{template "title" .}}</title>` +
	`<main>{{template "content" .}}</main></html>{{end}}`

func pageFS(files map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for name, body := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(body)}
	}
	return fsys
}

func TestNewRejectsBrokenPages(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"no layout", map[string]string{"a.html": `{{define "title"}}A{{end}}{{define "content"}}A{{end}}`}, "layout"},
		{"no pages", map[string]string{"_layout.html": testLayout}, "no pages"},
		{"page without content", map[string]string{"_layout.html": testLayout, "a.html": `{{define "title"}}A{{end}}`}, `"content"`},
		{"page without title", map[string]string{"_layout.html": testLayout, "a.html": `{{define "content"}}A{{end}}`}, `"title"`},
		{"syntax error", map[string]string{"_layout.html": testLayout, "a.html": `{{define "content"}}{{if}}{{end}}`}, "a.html"},
		{"unknown function", map[string]string{"_layout.html": testLayout, "a.html": `{{define "title"}}{{nope}}{{end}}`}, "nope"},
		{
			"ambiguous html context",
			map[string]string{"_layout.html": testLayout, "a.html": `{{define "title"}}A{{end}}` +
				`{{define "content"}}<a {{if .Dev}}href="{{else}}title="{{end}}x">y</a>{{end}}`},
			"a.html",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := newUI(Options{}, sources{pages: pageFS(tc.files), static: templates.Static()})
			if err == nil {
				t.Fatal("newUI succeeded, want an error")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
		})
	}
}

func TestNewRejectsIncompleteCatalogs(t *testing.T) {
	b, err := i18n.Load(fstest.MapFS{"en.json": {Data: []byte(`{"lang.name": "English"}`)}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(Options{Bundle: b}); err == nil || !strings.Contains(err.Error(), "error.") {
		t.Errorf("New with a catalog lacking error messages: %v, want an error naming the key", err)
	}
}

// A page that fails while rendering is replaced by the 500 page, whole;
// the failure is logged with the request id.
func TestRenderFailureGivesErrorPage(t *testing.T) {
	pages := fstest.MapFS{}
	for _, name := range []string{"_layout.html", "_branding.html", "_header.html", "error.html"} {
		data, err := templates.FS.ReadFile("pages/" + name)
		if err != nil {
			t.Fatal(err)
		}
		pages[name] = &fstest.MapFile{Data: data}
	}
	pages["broken.html"] = &fstest.MapFile{Data: []byte(`{{define "title"}}B{{end}}` +
		`{{define "content"}}<p>partial output</p>{{.Data.Missing}}{{end}}`)}
	logger, logs := logBuffer()
	u, err := newUI(Options{Logger: logger}, sources{pages: pages, static: templates.Static()})
	if err != nil {
		t.Fatal(err)
	}
	h := newTestEngine(t, u)
	h.GET("/broken", func(c *gin.Context) { u.Render(c, http.StatusOK, "broken", struct{}{}) })
	h.GET("/unknown", func(c *gin.Context) { u.Render(c, http.StatusOK, "no-such-page", nil) })
	for _, target := range []string{"/broken", "/unknown"} {
		res := do(t, h, request{target: target})
		if res.Code != http.StatusInternalServerError {
			t.Errorf("%s: status %d, want 500", target, res.Code)
		}
		if strings.Contains(res.Body.String(), "partial output") {
			t.Errorf("%s: partial output of the failed page was sent", target)
		}
	}
	if !strings.Contains(logs.String(), "render page") || !strings.Contains(logs.String(), testRequestID) {
		t.Errorf("failure not logged with the request id: %s", logs)
	}
}

// When even the error page cannot render, a plain-text status is sent.
func TestErrorPageFailureFallsBackToText(t *testing.T) {
	pages := pageFS(map[string]string{
		"_layout.html": testLayout,
		"error.html":   `{{define "title"}}E{{end}}{{define "content"}}{{.Data.Nope}}{{end}}`,
	})
	u, err := newUI(Options{}, sources{pages: pages, static: templates.Static()})
	if err != nil {
		t.Fatal(err)
	}
	res := do(t, newTestEngine(t, u), request{target: "/missing"})
	if res.Code != http.StatusInternalServerError || !strings.HasPrefix(res.Header().Get("Content-Type"), "text/plain") {
		t.Errorf("status %d, Content-Type %q; want a plain 500", res.Code, res.Header().Get("Content-Type"))
	}
}
