package ui

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"golang.org/x/net/html"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode)
	os.Exit(m.Run())
}

// newTestUI builds a UI from the embedded templates.
func newTestUI(t *testing.T, opts Options) *UI {
	t.Helper()
	if opts.InstanceName == "" {
		opts.InstanceName = "Acme ID"
	}
	u, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return u
}

// testRequestID is what the stand-in for httpbase.RequestID stores.
const testRequestID = "REQ1234567890"

// newTestEngine wires u the way the server does: request id, locale, the
// page routes, NoRoute and NoMethod.
func newTestEngine(t *testing.T, u *UI) *gin.Engine {
	t.Helper()
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.Use(func(c *gin.Context) { c.Set(requestIDKey, testRequestID); c.Next() }, u.Locale())
	u.Register(r)
	r.NoRoute(u.NotFound())
	r.NoMethod(func(c *gin.Context) { u.RenderError(c, http.StatusMethodNotAllowed) })
	return r
}

// request describes one test request.
type request struct {
	method  string // GET when empty, POST when form is set
	target  string
	header  map[string]string
	cookie  *http.Cookie
	cookies []*http.Cookie
	form    url.Values // sent as application/x-www-form-urlencoded
}

// response is a recorded response with its parsed HTML, if any.
type response struct {
	*httptest.ResponseRecorder
	doc *html.Node
}

// do serves req and, for every HTML response, asserts that the page is
// safe under the CSP and has the layout's landmarks.
func do(t *testing.T, h http.Handler, req request) response {
	t.Helper()
	r := newRequest(req)
	method := r.Method
	for _, c := range req.cookies {
		r.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	res := response{ResponseRecorder: rec}
	if strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") && method != http.MethodHead {
		doc, err := html.Parse(bytes.NewReader(rec.Body.Bytes()))
		if err != nil {
			t.Fatalf("%s %s: parse HTML: %v", method, req.target, err)
		}
		res.doc = doc
		assertCSPSafe(t, doc)
		assertLayout(t, doc)
	}
	return res
}

func newRequest(req request) *http.Request {
	method := req.method
	var body io.Reader
	if req.form != nil {
		body = strings.NewReader(req.form.Encode())
		if method == "" {
			method = http.MethodPost
		}
	}
	if method == "" {
		method = http.MethodGet
	}
	r := httptest.NewRequest(method, req.target, body)
	if req.form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range req.header {
		r.Header.Set(k, v)
	}
	if req.cookie != nil {
		r.AddCookie(req.cookie)
	}
	return r
}

// assertCSPSafe fails on anything the Content-Security-Policy would block:
// inline script, inline style, event-handler attributes, javascript: URLs.
func assertCSPSafe(t *testing.T, doc *html.Node) {
	t.Helper()
	for _, n := range findAll(doc, func(*html.Node) bool { return true }) {
		if n.Type != html.ElementNode {
			continue
		}
		if n.Data == "script" && (attr(n, "src") == "" || strings.TrimSpace(textOf(n)) != "") {
			t.Errorf("inline <script>: %s", render(n))
		}
		if n.Data == "style" {
			t.Errorf("inline <style> block: %s", render(n))
		}
		for _, a := range n.Attr {
			name := strings.ToLower(a.Key)
			if name == "style" || strings.HasPrefix(name, "on") {
				t.Errorf("<%s %s=...>: inline style or handler", n.Data, a.Key)
			}
			if (name == "href" || name == "src" || name == "action") &&
				strings.HasPrefix(strings.ToLower(strings.TrimSpace(a.Val)), "javascript:") {
				t.Errorf("<%s %s=%q>: javascript URL", n.Data, a.Key, a.Val)
			}
		}
	}
}

// assertLayout checks the landmarks and head every page shares.
func assertLayout(t *testing.T, doc *html.Node) {
	t.Helper()
	htmlEl := first(t, doc, byTag("html"))
	if attr(htmlEl, "lang") == "" {
		t.Error("<html> has no lang")
	}
	for _, tag := range []string{"header", "main", "footer", "title"} {
		if n := len(findAll(doc, byTag(tag))); n != 1 {
			t.Errorf("%d <%s> elements, want 1", n, tag)
		}
	}
	if attr(first(t, doc, byTag("main")), "id") != "main" {
		t.Error(`<main> lacks id="main", the skip link's target`)
	}
	links := findAll(doc, byTag("a"))
	if len(links) == 0 || attr(links[0], "href") != "#main" {
		t.Error("the first link is not the skip-to-content link")
	}
	if len(findAll(doc, func(n *html.Node) bool { return isTag(n, "meta") && attr(n, "name") == "viewport" })) != 1 {
		t.Error("no <meta name=viewport>")
	}
	css := findAll(doc, func(n *html.Node) bool { return isTag(n, "link") && attr(n, "rel") == "stylesheet" })
	if len(css) == 0 || !strings.HasPrefix(attr(css[0], "href"), "/static/gatehouse.css?v=") {
		t.Error("no versioned link to /static/gatehouse.css")
	}
	for _, l := range css {
		if !strings.HasPrefix(attr(l, "href"), "/static/") || !strings.Contains(attr(l, "href"), "?v=") {
			t.Errorf("stylesheet %q is not a versioned local file", attr(l, "href"))
		}
	}
}

func byTag(tag string) func(*html.Node) bool {
	return func(n *html.Node) bool { return isTag(n, tag) }
}

func isTag(n *html.Node, tag string) bool { return n.Type == html.ElementNode && n.Data == tag }

func findAll(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	for c := range n.Descendants() {
		if match(c) {
			out = append(out, c)
		}
	}
	return out
}

func first(t *testing.T, n *html.Node, match func(*html.Node) bool) *html.Node {
	t.Helper()
	all := findAll(n, match)
	if len(all) == 0 {
		t.Fatal("no matching element")
	}
	return all[0]
}

func attr(n *html.Node, name string) string {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *html.Node, name string) bool {
	for _, a := range n.Attr {
		if a.Key == name {
			return true
		}
	}
	return false
}

// textOf is the whitespace-normalized text inside n.
func textOf(n *html.Node) string {
	var sb strings.Builder
	for c := range n.Descendants() {
		if c.Type == html.TextNode {
			sb.WriteString(c.Data)
		}
	}
	return strings.Join(strings.Fields(sb.String()), " ")
}

func render(n *html.Node) string {
	var b bytes.Buffer
	_ = html.Render(&b, n)
	return b.String()
}

// logBuffer returns a logger writing into a buffer the test can inspect.
func logBuffer() (*slog.Logger, *bytes.Buffer) {
	var buf bytes.Buffer
	return slog.New(slog.NewTextHandler(&buf, nil)), &buf
}
