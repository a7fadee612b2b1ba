package testharness_test

import (
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/gatehouse/gatehouse/internal/testharness"
)

// formServer serves a form; a POST without a name re-renders it with an
// error and the typed values (422), a good one greets (200).
func formServer(t *testing.T) *httptest.Server {
	t.Helper()
	form := func(w http.ResponseWriter, status int, errMsg, name string) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(status)
		fmt.Fprintf(w, `<!doctype html><html><head><title>Form</title></head><body>
<p id="error">%s</p>
<form method="post" action="/submit">
  <input id="name" name="name" value="%s">
  <select id="color" name="color"><option>red</option><option>green</option></select>
  <button id="go" type="submit">Send</button>
</form></body></html>`, html.EscapeString(errMsg), html.EscapeString(name))
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { form(w, 200, "", "") })
	mux.HandleFunc("POST /submit", func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimSpace(r.PostFormValue("name"))
		if len(name) < 3 {
			form(w, http.StatusUnprocessableEntity, "Name is too short.", r.PostFormValue("name"))
			return
		}
		fmt.Fprintf(w, `<!doctype html><title>Done</title><p id="result">Hello, %s (%s)</p>`,
			html.EscapeString(name), html.EscapeString(r.PostFormValue("color")))
	})
	srv := httptest.NewServer(mux) // 127.0.0.1
	t.Cleanup(srv.Close)
	return srv
}

func TestPageDrivesAForm(t *testing.T) {
	srv := formServer(t)
	p := testharness.NewPage(t)

	if status := p.Navigate(srv.URL + "/"); status != 200 {
		t.Fatalf("GET / = %d", status)
	}
	if got := p.Title(); got != "Form" {
		t.Errorf("Title() = %q", got)
	}

	// Bad input: a clear message, and the typed value is still there.
	p.Fill("#name", "Al")
	if status := p.ClickAndWait("#go"); status != http.StatusUnprocessableEntity {
		t.Errorf("short name: status %d, want 422", status)
	}
	if got := p.Text("#error"); got != "Name is too short." {
		t.Errorf("error text = %q", got)
	}
	if got := p.Value("#name"); got != "Al" {
		t.Errorf("name after the error = %q, want Al", got)
	}

	p.Fill("#name", "Ada Lovelace") // replaces, not appends
	p.SetValue("#color", "green")
	if status := p.ClickAndWait("#go"); status != 200 {
		t.Fatalf("submit: status %d", status)
	}
	if got := p.Text("#result"); got != "Hello, Ada Lovelace (green)" {
		t.Errorf("result = %q", got)
	}
	if u := p.CurrentURL(); u != srv.URL+"/submit" {
		t.Errorf("CurrentURL() = %q", u)
	}
	if !p.Has("#result") || p.Has("#name") {
		t.Errorf("Has: #result %v, #name %v", p.Has("#result"), p.Has("#name"))
	}
	if !strings.Contains(p.HTML(), `id="result"`) {
		t.Errorf("HTML() lacks the result")
	}
}

func TestBrowserContextWithChromedp(t *testing.T) {
	srv := formServer(t)
	ctx := testharness.Browser(t)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/"),
		chromedp.SendKeys(chromedp.CSS("#name"), "Grace"),
		chromedp.Submit(chromedp.CSS("#name")),
		chromedp.WaitVisible(chromedp.CSS("#result")),
	); err != nil {
		t.Fatalf("chromedp: %v", err)
	}
	got, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#result")))
	if err != nil || got != "Hello, Grace (red)" {
		t.Fatalf("result = %q, %v", got, err)
	}
}

// failedTB reports the test as failed and collects its cleanups, so that the
// failure screenshot can be checked without failing this test.
type failedTB struct {
	testing.TB
	cleanups []func()
}

func (f *failedTB) Failed() bool      { return true }
func (f *failedTB) Cleanup(fn func()) { f.cleanups = append(f.cleanups, fn) }
func (f *failedTB) Name() string      { return f.TB.Name() + "/pretend failure" }

func TestPageScreenshotOnFailure(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(testharness.EnvArtifacts, dir)
	srv := formServer(t)
	ft := &failedTB{TB: t}
	p := testharness.NewPage(ft)
	p.Navigate(srv.URL + "/")
	for i := len(ft.cleanups) - 1; i >= 0; i-- {
		ft.cleanups[i]()
	}
	base := filepath.Join(dir, "TestPageScreenshotOnFailure_pretend_failure")
	png, err := os.ReadFile(base + ".png")
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	if !strings.HasPrefix(string(png), "\x89PNG") || len(png) < 1000 {
		t.Errorf("screenshot is not a PNG (%d bytes)", len(png))
	}
	if b, err := os.ReadFile(base + ".html"); err != nil || !strings.Contains(string(b), `id="name"`) {
		t.Errorf("page HTML: %v", err)
	}
}
