package ui

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

func TestLangQuerySetsCookie(t *testing.T) {
	tests := []struct {
		name       string
		secure     bool
		target     string
		wantCookie string // "" when no cookie may be set
	}{
		{"supported language", false, "/?lang=ru", "ru"},
		{"secure issuer", true, "/?lang=ru", "ru"},
		{"region is normalized", false, "/?lang=ru-RU", "ru"},
		{"english too", false, "/?lang=en", "en"},
		{"unsupported language sets nothing", false, "/?lang=de", ""},
		{"garbage sets nothing", false, "/?lang=%3Cscript%3E", ""},
		{"no query sets nothing", false, "/", ""},
		{"any page, even a 404", false, "/missing?lang=ru", "ru"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newTestEngine(t, newTestUI(t, Options{Secure: tc.secure}))
			res := do(t, h, request{target: tc.target})
			cookies := res.Result().Cookies()
			if tc.wantCookie == "" {
				if len(cookies) != 0 {
					t.Fatalf("cookies set: %v", res.Header().Values("Set-Cookie"))
				}
				return
			}
			if len(cookies) != 1 {
				t.Fatalf("%d cookies, want 1: %v", len(cookies), res.Header().Values("Set-Cookie"))
			}
			c := cookies[0]
			if c.Name != "lang" || c.Value != tc.wantCookie {
				t.Errorf("cookie %s=%s, want lang=%s", c.Name, c.Value, tc.wantCookie)
			}
			if c.Path != "/" || c.MaxAge != 365*24*60*60 || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
				t.Errorf("cookie attributes: %s", res.Header().Get("Set-Cookie"))
			}
			if c.Secure != tc.secure {
				t.Errorf("Secure=%v, want %v", c.Secure, tc.secure)
			}
		})
	}
}

// The cookie set by ?lang= drives later requests that have no ?lang=.
func TestLangCookieSticks(t *testing.T) {
	h := newTestEngine(t, newTestUI(t, Options{}))
	first := do(t, h, request{target: "/?lang=ru"})
	c := first.Result().Cookies()[0]
	next := do(t, h, request{target: "/", cookie: c, header: map[string]string{"Accept-Language": "en"}})
	if got := next.Header().Get("Content-Language"); got != "ru" {
		t.Errorf("Content-Language %q after choosing ru, want ru", got)
	}
}

func TestLanguageSwitcher(t *testing.T) {
	h := newTestEngine(t, newTestUI(t, Options{}))
	tests := []struct {
		name      string
		target    string
		wantPath  string
		wantQuery url.Values // besides lang
		current   string
	}{
		{"landing", "/", "/", url.Values{}, "en"},
		{"landing in russian", "/?lang=ru", "/", url.Values{}, "ru"},
		{"deep path keeps path and query", "/some/deep/page?x=1&y=a+b", "/some/deep/page", url.Values{"x": {"1"}, "y": {"a b"}}, "en"},
		{"old lang replaced", "/nowhere?lang=ru&next=%2Fa", "/nowhere", url.Values{"next": {"/a"}}, "ru"},
		{"escaped path stays escaped", "/a%20b/%D1%8F", "/a%20b/%D1%8F", url.Values{}, "en"},
		{"double slash cannot leave the site", "//evil.example/x", "/evil.example/x", url.Values{}, "en"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := do(t, h, request{target: tc.target})
			nav := first(t, res.doc, func(n *html.Node) bool { return isTag(n, "nav") && isInFooter(n) })
			if attr(nav, "aria-label") == "" {
				t.Error("the language switcher has no accessible name")
			}
			links := findAll(nav, byTag("a"))
			if len(links) != 2 {
				t.Fatalf("%d language links, want 2", len(links))
			}
			for _, a := range links {
				checkSwitchLink(t, a, tc.wantPath, tc.wantQuery, tc.current)
			}
		})
	}
}

func checkSwitchLink(t *testing.T, a *html.Node, wantPath string, wantQuery url.Values, current string) {
	t.Helper()
	code := attr(a, "hreflang")
	href := attr(a, "href")
	path, rawQuery, _ := strings.Cut(href, "?")
	if path != wantPath {
		t.Errorf("%s link %q: path %q, want %q", code, href, path, wantPath)
	}
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		t.Fatalf("%s link %q: %v", code, href, err)
	}
	if q.Get("lang") != code || attr(a, "lang") != code {
		t.Errorf("%s link %q does not switch to %s", code, href, code)
	}
	q.Del("lang")
	if q.Encode() != wantQuery.Encode() {
		t.Errorf("%s link %q: query %q, want %q", code, href, q.Encode(), wantQuery.Encode())
	}
	if isCurrent := attr(a, "aria-current") == "true"; isCurrent != (code == current) {
		t.Errorf("%s link: aria-current=%q with page language %s", code, attr(a, "aria-current"), current)
	}
	wantName := map[string]string{"en": "English", "ru": "Русский"}[code]
	if textOf(a) != wantName {
		t.Errorf("%s link reads %q, want %q", code, textOf(a), wantName)
	}
}

func isInFooter(n *html.Node) bool {
	for p := n.Parent; p != nil; p = p.Parent {
		if isTag(p, "footer") {
			return true
		}
	}
	return false
}
