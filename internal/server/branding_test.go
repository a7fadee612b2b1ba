package server_test

import (
	"context"
	"image/color"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/branding"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/server"
	"github.com/gatehouse/gatehouse/internal/testserver"
	"github.com/gatehouse/gatehouse/templates"
)

// A custom logo, colour and display name set through the API appear on
// the sign-in page (title, header, logo, theme stylesheet) and in the
// confirmation letter (name, absolute logo URL, colour); the files are
// served by hash with immutable caching.
func TestBrandingOnSignInPageAndLetter(t *testing.T) {
	srv := startRegServer(t, nil)
	got := brandServer(t, srv.Server, "Acme Identity", "#0F766E")
	logo, _ := got["logo_url"].(string)
	if got["name"] != "Acme Identity" || got["primary_color"] != "#0f766e" || !strings.HasPrefix(logo, "/branding/logo-") || !strings.HasSuffix(logo, ".png") {
		t.Fatalf("branding answer %v", got)
	}

	rp := newRelyingParty(t, srv.Server, "none", "")
	status, _, body := rp.get("/login")
	if status != http.StatusOK {
		t.Fatalf("GET /login: %d", status)
	}
	for _, want := range []string{"· Acme Identity</title>", `<img class="brand-logo" src="` + logo + `"`, "<span>Acme Identity</span>",
		`<link rel="stylesheet" href="/branding/theme-`} {
		if !strings.Contains(body, want) {
			t.Errorf("sign-in page lacks %q", want)
		}
	}
	if strings.Contains(body, "style=") {
		t.Error("the sign-in page has an inline style")
	}
	theme := between(body, `<link rel="stylesheet" href="/branding/theme-`, `"`)
	status, h, css := fetch(t, srv.URL+"/branding/theme-"+theme)
	if status != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), "text/css") || !strings.Contains(string(css), "--primary: #0f766e;") {
		t.Fatalf("theme: %d %s\n%s", status, h.Get("Content-Type"), css)
	}
	status, h, img := fetch(t, srv.URL+logo)
	if status != http.StatusOK || h.Get("Content-Type") != "image/png" || h.Get("X-Content-Type-Options") != "nosniff" ||
		h.Get("Cache-Control") != "public, max-age=31536000, immutable" || len(img) == 0 {
		t.Fatalf("logo: %d %v", status, h)
	}

	// Registration sends the confirmation letter with the same branding.
	status, _, body = registerHTTP(t, rp, shapeAForm("brandy", "brandy@example.com", testPass))
	if status >= 400 {
		t.Fatalf("register: %d\n%s", status, mainText(body))
	}
	m := srv.letter(t, "brandy@example.com", "Acme Identity")
	for _, want := range []string{`<img src="` + srv.URL + logo + `"`, "Acme Identity", "background-color:#0f766e"} {
		if !strings.Contains(m.HTMLBody, want) {
			t.Errorf("confirmation letter lacks %q:\n%s", want, m.HTMLBody)
		}
	}
	if !strings.Contains(m.TextBody, "Acme Identity") {
		t.Errorf("text part lacks the name:\n%s", m.TextBody)
	}
}

// between returns the text after start up to end.
func between(s, start, end string) string {
	i := strings.Index(s, start)
	if i < 0 {
		return ""
	}
	rest := s[i+len(start):]
	j := strings.Index(rest, end)
	if j < 0 {
		return ""
	}
	return rest[:j]
}

// The API refuses unsafe or unfit files and colours with a clear problem,
// and a new file gets a new URL while the old one stops being served.
func TestBrandingAPIRefusesAndRehashes(t *testing.T) {
	srv := startRegServer(t, nil)
	token := serviceToken(t, srv.Server, "branding-admin", true)
	script := []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>`)
	r := apiUpload(t, srv.URL, http.MethodPut, "/settings/branding/logo", token, "image/svg+xml", script).want(t, http.StatusBadRequest)
	if !strings.Contains(r.raw, "script") {
		t.Errorf("the refusal does not name the script: %s", r.raw)
	}
	big := append(brandPNG(t, 2, 2, color.Black), make([]byte, 300<<10)...)
	r = apiUpload(t, srv.URL, http.MethodPut, "/settings/branding/logo", token, "image/png", big).want(t, http.StatusRequestEntityTooLarge)
	if !strings.Contains(r.raw, "256 KiB") {
		t.Errorf("the refusal does not name the limit: %s", r.raw)
	}
	apiUpload(t, srv.URL, http.MethodPut, "/settings/branding/logo", token, "image/gif", []byte("GIF89a")).want(t, http.StatusUnsupportedMediaType)
	apiUpload(t, srv.URL, http.MethodPut, "/settings/branding/logo", token, "image/webp", brandPNG(t, 2, 2, color.Black)).want(t, http.StatusBadRequest)
	r = apiCall(t, srv.URL, http.MethodPatch, "/settings/branding", token, map[string]any{"primary_color": "#ffff00"}).want(t, http.StatusBadRequest)
	if !strings.Contains(r.raw, "4.5:1") || !strings.Contains(r.raw, "primary_color") {
		t.Errorf("the contrast refusal is unclear: %s", r.raw)
	}
	apiUpload(t, srv.URL, http.MethodPut, "/settings/branding/css", token, "text/css", []byte(`@import url(https://evil.example/x.css);`)).want(t, http.StatusBadRequest)

	svg := []byte(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 4"><rect width="4" height="4" fill="#0f766e"/></svg>`)
	first := apiUpload(t, srv.URL, http.MethodPut, "/settings/branding/logo", token, "image/svg+xml", svg).want(t, http.StatusOK).body["logo_url"].(string)
	status, h, _ := fetch(t, srv.URL+first)
	if status != http.StatusOK || h.Get("Content-Type") != "image/svg+xml" ||
		h.Get("Content-Security-Policy") != "default-src 'none'; style-src 'unsafe-inline'" || h.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("SVG logo: %d %v", status, h)
	}
	svg2 := []byte(strings.Replace(string(svg), "#0f766e", "#1d4ed8", 1))
	second := apiUpload(t, srv.URL, http.MethodPut, "/settings/branding/logo", token, "image/svg+xml", svg2).want(t, http.StatusOK).body["logo_url"].(string)
	if second == first {
		t.Fatalf("new content, same URL %s", first)
	}
	if status, _, _ := fetch(t, srv.URL+first); status != http.StatusNotFound {
		t.Errorf("the old logo URL answers %d", status)
	}
	css := apiUpload(t, srv.URL, http.MethodPut, "/settings/branding/css", token, "text/css; charset=utf-8", []byte(".brand{gap:1rem}")).want(t, http.StatusOK).body["css_url"].(string)
	_, _, page := newRelyingParty(t, srv.Server, "none", "").get("/login")
	if !strings.Contains(page, `<link rel="stylesheet" href="`+css+`">`) {
		t.Errorf("the page does not link the custom stylesheet %s", css)
	}
	apiCall(t, srv.URL, http.MethodDelete, "/settings/branding/logo", token, nil).want(t, http.StatusOK)
	apiCall(t, srv.URL, http.MethodDelete, "/settings/branding/logo", token, nil).want(t, http.StatusNotFound)
	if r := apiCall(t, srv.URL, http.MethodGet, "/settings/branding", token, nil).want(t, http.StatusOK); r.body["logo_url"] != "" {
		t.Errorf("logo after removal: %v", r.body)
	}
}

// templates_dir replaces a page and a letter by name; a file with an
// unknown name stops the start with an error naming it.
func TestTemplatesDirOverride(t *testing.T) {
	dir := t.TempDir()
	landing, err := templates.FS.ReadFile("pages/landing.html")
	if err != nil {
		t.Fatal(err)
	}
	custom := strings.Replace(string(landing), `{{define "content"}}`, `{{define "content"}}<p id="custom-landing">Welcome to our own landing page</p>`, 1)
	if custom == string(landing) {
		t.Fatal("landing.html has no content template to extend")
	}
	writeTemplate(t, filepath.Join(dir, "pages", "landing.html"), custom)
	writeTemplate(t, filepath.Join(dir, "mail", "verify_email.txt"),
		"{{define \"subject\"}}Custom confirmation for {{.Instance}}{{end}}\n{{define \"body\"}}Open {{.Data.Link}} please.{{end}}\n")
	srv := startRegServer(t, map[string]string{"GATEHOUSE_TEMPLATES_DIR": dir})
	rp := newRelyingParty(t, srv.Server, "none", "")
	if _, _, body := rp.get("/"); !strings.Contains(body, "Welcome to our own landing page") {
		t.Errorf("the landing page was not replaced:\n%s", body)
	}
	if _, _, body := rp.get("/login"); !strings.Contains(body, `name="password"`) {
		t.Error("the sign-in page, not replaced, is broken")
	}
	status, _, body := registerHTTP(t, rp, shapeAForm("tdir", "tdir@example.com", testPass))
	if status >= 400 {
		t.Fatalf("register: %d\n%s", status, mainText(body))
	}
	m := srv.letter(t, "tdir@example.com", "Custom confirmation for")
	if !strings.Contains(m.TextBody, "please.") {
		t.Errorf("the letter's text part was not replaced:\n%s", m.TextBody)
	}

	bad := t.TempDir()
	writeTemplate(t, filepath.Join(bad, "pages", "logn.html"), "x")
	env := map[string]string{"GATEHOUSE_DATABASE_URL": "sqlite:" + filepath.Join(t.TempDir(), "g.db"),
		"GATEHOUSE_TEMPLATES_DIR": bad, "GATEHOUSE_DEV": "true", "GATEHOUSE_SECRET_KEY": strings.Repeat("k", 40)}
	cfg, err := config.Load("", func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	s, err := server.New(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err == nil {
		s.Close()
		t.Fatal("a templates directory with an unknown name was accepted")
	}
	if !strings.Contains(err.Error(), "logn.html") || !strings.Contains(err.Error(), "unknown template") {
		t.Fatalf("the error does not name the file: %v", err)
	}
}

func writeTemplate(t *testing.T, name, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// A configured GATEHOUSE_INSTANCE_NAME that a stored display name
// overrides is named in a warning with the command that restores it.
func TestBrandingWarnsOfIgnoredInstanceName(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "g.db")
	key := strings.Repeat("s3cret-", 6)
	first := testserver.Start(t, testserver.ServerOptions{DatabaseURL: db, Env: map[string]string{"GATEHOUSE_SECRET_KEY": key}})
	name := "Stored Name"
	if _, err := server.Branding(first.Srv.Store(), first.Config).Update(t.Context(), branding.Changes{DisplayName: &name}, ""); err != nil {
		t.Fatal(err)
	}
	second := testserver.Start(t, testserver.ServerOptions{DatabaseURL: db, Env: map[string]string{"GATEHOUSE_INSTANCE_NAME": "Configured Name", "GATEHOUSE_SECRET_KEY": key}})
	logs := second.Logs()
	if !strings.Contains(logs, "GATEHOUSE_INSTANCE_NAME=Configured Name") || !strings.Contains(logs, `gatehouse branding set-name \"\"`) {
		t.Fatalf("no warning names the ignored instance name:\n%s", logs)
	}
	_, _, page := newRelyingParty(t, second, "none", "").get("/login")
	if !strings.Contains(page, "<span>Stored Name</span>") {
		t.Fatal("the stored display name does not apply")
	}
}

// On PostgreSQL the files round-trip byte for byte and the pages use them.
func TestBrandingPostgres(t *testing.T) {
	srv := testserver.Start(t, testserver.ServerOptions{Postgres: true})
	token := serviceToken(t, srv, "branding-admin", true)
	logo := brandPNG(t, 30, 10, color.RGBA{0x7c, 0x2d, 0x12, 0xff})
	path := apiUpload(t, srv.URL, http.MethodPut, "/settings/branding/favicon", token, "image/png", logo).want(t, http.StatusOK).body["favicon_url"].(string)
	status, h, body := fetch(t, srv.URL+path)
	if status != http.StatusOK || h.Get("Content-Type") != "image/png" || string(body) != string(logo) {
		t.Fatalf("favicon from Postgres: %d %s, %d bytes of %d", status, h.Get("Content-Type"), len(body), len(logo))
	}
	_, _, page := newRelyingParty(t, srv, "none", "").get("/login")
	if !strings.Contains(page, `<link rel="icon" href="`+path+`" type="image/png">`) {
		t.Fatalf("the page does not link the favicon %s", path)
	}
}
