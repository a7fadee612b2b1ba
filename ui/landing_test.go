package ui

import (
	"net/http"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

func TestLandingPageLanguage(t *testing.T) {
	h := newTestEngine(t, newTestUI(t, Options{}))
	tests := []struct {
		name      string
		req       request
		wantLang  string
		wantTitle string
		signIn    string
		create    string
	}{
		{
			name:     "english by default",
			req:      request{target: "/"},
			wantLang: "en", wantTitle: "Welcome · Acme ID", signIn: "Sign in", create: "Create account",
		},
		{
			name:     "russian by query",
			req:      request{target: "/?lang=ru"},
			wantLang: "ru", wantTitle: "Добро пожаловать · Acme ID", signIn: "Войти", create: "Создать учётную запись",
		},
		{
			name:     "russian by cookie",
			req:      request{target: "/", cookie: &http.Cookie{Name: "lang", Value: "ru"}},
			wantLang: "ru", wantTitle: "Добро пожаловать · Acme ID", signIn: "Войти", create: "Создать учётную запись",
		},
		{
			name:     "russian by Accept-Language with region",
			req:      request{target: "/", header: map[string]string{"Accept-Language": "ru-RU,ru;q=0.9,en-US;q=0.8"}},
			wantLang: "ru", wantTitle: "Добро пожаловать · Acme ID", signIn: "Войти", create: "Создать учётную запись",
		},
		{
			name: "query beats cookie and header",
			req: request{target: "/?lang=en", cookie: &http.Cookie{Name: "lang", Value: "ru"},
				header: map[string]string{"Accept-Language": "ru"}},
			wantLang: "en", wantTitle: "Welcome · Acme ID", signIn: "Sign in", create: "Create account",
		},
		{
			name:     "unsupported Accept-Language gives english",
			req:      request{target: "/", header: map[string]string{"Accept-Language": "de-DE,fr;q=0.5"}},
			wantLang: "en", wantTitle: "Welcome · Acme ID", signIn: "Sign in", create: "Create account",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := do(t, h, tc.req)
			if res.Code != http.StatusOK {
				t.Fatalf("status %d, want 200", res.Code)
			}
			assertPageHeaders(t, res, tc.wantLang)
			if got := attr(first(t, res.doc, byTag("html")), "lang"); got != tc.wantLang {
				t.Errorf("<html lang=%q>, want %q", got, tc.wantLang)
			}
			if got := textOf(first(t, res.doc, byTag("title"))); got != tc.wantTitle {
				t.Errorf("title %q, want %q", got, tc.wantTitle)
			}
			if got := textOf(first(t, res.doc, byTag("h1"))); got != "Acme ID" {
				t.Errorf("h1 %q, want the instance name", got)
			}
			assertLink(t, res.doc, "/login", tc.signIn)
			assertLink(t, res.doc, "/register", tc.create)
		})
	}
}

func assertPageHeaders(t *testing.T, res response, lang string) {
	t.Helper()
	h := res.Header()
	if got := h.Get("Content-Type"); got != "text/html; charset=utf-8" {
		t.Errorf("Content-Type %q", got)
	}
	if got := h.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", got)
	}
	if got := h.Get("Content-Language"); got != lang {
		t.Errorf("Content-Language %q, want %q", got, lang)
	}
	if got := strings.Join(h.Values("Vary"), ", "); !strings.Contains(got, "Accept-Language") || !strings.Contains(got, "Cookie") {
		t.Errorf("Vary %q, want Accept-Language and Cookie", got)
	}
}

func assertLink(t *testing.T, doc *html.Node, href, text string) {
	t.Helper()
	links := findAll(doc, func(n *html.Node) bool { return isTag(n, "a") && attr(n, "href") == href })
	if len(links) != 1 {
		t.Fatalf("%d links to %s, want 1", len(links), href)
	}
	if got := textOf(links[0]); got != text {
		t.Errorf("link to %s reads %q, want %q", href, got, text)
	}
}

func TestLandingPageHead(t *testing.T) {
	h := newTestEngine(t, newTestUI(t, Options{}))
	res := do(t, h, request{method: http.MethodHead, target: "/"})
	if res.Code != http.StatusOK {
		t.Errorf("HEAD / status %d, want 200", res.Code)
	}
}

func TestInstanceNameIsEscaped(t *testing.T) {
	h := newTestEngine(t, newTestUI(t, Options{InstanceName: `<b onmouseover="x()">Acme & Co</b>`}))
	res := do(t, h, request{target: "/"})
	body := res.Body.String()
	if strings.Contains(body, "<b onmouseover") {
		t.Fatal("the instance name reached the page unescaped")
	}
	if got := textOf(first(t, res.doc, byTag("h1"))); got != `<b onmouseover="x()">Acme & Co</b>` {
		t.Errorf("h1 %q, want the literal name", got)
	}
}

func TestDefaultInstanceName(t *testing.T) {
	u, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	res := do(t, newTestEngine(t, u), request{target: "/"})
	if got := textOf(first(t, res.doc, byTag("h1"))); got != "Gatehouse" {
		t.Errorf("h1 %q, want Gatehouse", got)
	}
}

func TestDevModeNotice(t *testing.T) {
	tests := []struct {
		name string
		dev  bool
		want int
	}{
		{"shown in dev mode", true, 1},
		{"absent in production", false, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newTestEngine(t, newTestUI(t, Options{Dev: tc.dev}))
			res := do(t, h, request{target: "/?lang=ru"})
			notes := findAll(res.doc, func(n *html.Node) bool { return attr(n, "class") == "dev-banner" })
			if len(notes) != tc.want {
				t.Fatalf("%d notices, want %d", len(notes), tc.want)
			}
			if tc.dev && !strings.Contains(textOf(notes[0]), "Режим разработки") {
				t.Errorf("notice %q is not translated", textOf(notes[0]))
			}
		})
	}
}
