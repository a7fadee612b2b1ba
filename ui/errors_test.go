package ui

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"golang.org/x/net/html"

	"github.com/gatehouse/gatehouse/internal/i18n"
	"github.com/gatehouse/gatehouse/templates"
)

func TestRenderError(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		lang       string
		wantStatus int
		wantTitle  string
	}{
		{"bad request", 400, "en", 400, "Bad request"},
		{"forbidden", 403, "en", 403, "Access denied"},
		{"not found in russian", 404, "ru", 404, "Страница не найдена"},
		{"too many requests", 429, "en", 429, "Too many requests"},
		{"internal error", 500, "en", 500, "Something went wrong"},
		{"internal error in russian", 500, "ru", 500, "Что-то пошло не так"},
		{"unavailable", 503, "ru", 503, "Сервис недоступен"},
		{"other 4xx uses the client message", 409, "en", 409, "Request failed"},
		{"other 5xx uses the server message", 502, "en", 502, "Something went wrong"},
		{"non-error status becomes 500", 200, "en", 500, "Something went wrong"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u := newTestUI(t, Options{})
			h := newTestEngine(t, u)
			h.GET("/fail",
				func(c *gin.Context) { u.RenderError(c, tc.status) },
				func(c *gin.Context) { c.String(http.StatusOK, "must not be written") },
			)
			res := do(t, h, request{target: "/fail?lang=" + tc.lang})
			if res.Code != tc.wantStatus {
				t.Fatalf("status %d, want %d", res.Code, tc.wantStatus)
			}
			assertPageHeaders(t, res, tc.lang)
			if got := textOf(first(t, res.doc, byTag("h1"))); got != tc.wantTitle {
				t.Errorf("h1 %q, want %q", got, tc.wantTitle)
			}
			if !strings.HasPrefix(textOf(first(t, res.doc, byTag("title"))), tc.wantTitle+" · ") {
				t.Errorf("title %q does not start with %q", textOf(first(t, res.doc, byTag("title"))), tc.wantTitle)
			}
			if strings.Contains(res.Body.String(), "must not be written") {
				t.Error("the handler chain went on after RenderError")
			}
			if !strings.Contains(res.Body.String(), testRequestID) {
				t.Error("the request id is not shown")
			}
		})
	}
}

func TestRenderErrorWithoutRequestID(t *testing.T) {
	u := newTestUI(t, Options{})
	r := gin.New()
	r.Use(u.Locale())
	r.GET("/fail", func(c *gin.Context) { u.RenderError(c, 500) })
	res := do(t, r, request{target: "/fail"})
	if strings.Contains(res.Body.String(), "Request ID") {
		t.Error("a request id line is shown without a request id")
	}
}

// Middleware that runs before Locale (panic recovery, the cross-origin
// check) still gets a page in the reader's language.
func TestRenderErrorBeforeLocaleMiddleware(t *testing.T) {
	u := newTestUI(t, Options{})
	r := gin.New()
	r.Use(func(c *gin.Context) { u.RenderError(c, http.StatusForbidden) }, u.Locale())
	r.GET("/", func(c *gin.Context) { t.Error("handler reached") })
	res := do(t, r, request{target: "/", header: map[string]string{"Accept-Language": "ru"}})
	if res.Code != http.StatusForbidden || res.Header().Get("Content-Language") != "ru" {
		t.Errorf("status %d, Content-Language %q; want 403 in ru", res.Code, res.Header().Get("Content-Language"))
	}
}

func TestNotFoundAndMethodNotAllowed(t *testing.T) {
	h := newTestEngine(t, newTestUI(t, Options{}))
	tests := []struct {
		name       string
		req        request
		wantStatus int
		wantTitle  string
	}{
		{"unknown path", request{target: "/no/such/page"}, 404, "Page not found"},
		{"unknown path in russian", request{target: "/no/such/page", header: map[string]string{"Accept-Language": "ru"}}, 404, "Страница не найдена"},
		{"wrong method", request{method: http.MethodPost, target: "/"}, 405, "Method not allowed"},
		{"wrong method in russian", request{method: http.MethodPost, target: "/?lang=ru"}, 405, "Метод не поддерживается"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := do(t, h, tc.req)
			if res.Code != tc.wantStatus {
				t.Fatalf("status %d, want %d", res.Code, tc.wantStatus)
			}
			if got := textOf(first(t, res.doc, byTag("h1"))); got != tc.wantTitle {
				t.Errorf("h1 %q, want %q", got, tc.wantTitle)
			}
			home := findAll(res.doc, func(n *html.Node) bool { return isTag(n, "a") && attr(n, "href") == "/" && isInMain(n) })
			if len(home) != 1 {
				t.Error("no link back to the start page")
			}
		})
	}
}

// The error page never echoes the request path or query back.
func TestErrorPageDoesNotEchoInput(t *testing.T) {
	h := newTestEngine(t, newTestUI(t, Options{}))
	res := do(t, h, request{target: "/secret-token-XYZ"})
	main := first(t, res.doc, byTag("main"))
	if strings.Contains(render(main), "secret-token-XYZ") {
		t.Error("the error page shows the requested path")
	}
}

func TestErrorKeysExistInEveryCatalog(t *testing.T) {
	b, err := i18n.Load(templates.Locales())
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range b.Supported() {
		for _, key := range append(errorMessageKeys(), langNameKey) {
			if _, ok := b.Message(lang, key); !ok {
				t.Errorf("%s.json lacks %q", lang, key)
			}
		}
	}
}

func isInMain(n *html.Node) bool {
	for p := n.Parent; p != nil; p = p.Parent {
		if isTag(p, "main") {
			return true
		}
	}
	return false
}
