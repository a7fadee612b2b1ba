package captcha

import (
	"bytes"
	"errors"
	"fmt"
	stdhtml "html"
	"html/template"
	"io/fs"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/gatehouse/gatehouse/internal/i18n"
	"github.com/gatehouse/gatehouse/templates"
)

// pageData is shaped like ui's view: the partial is called from a page as
// {{template "captcha" .Data.Captcha}}.
type pageData struct {
	Lang, Instance string
	Dev            bool
	Languages      []struct {
		Href, Code, Name string
		Current          bool
	}
	Data struct{ Captcha View }
	// What the shared header and branding partials read; empty here.
	Brand struct {
		Theme, CSS, Favicon, Logo *struct{ Path, ContentType string }
	}
	Viewer *struct{ Name, AccountURL, AdminURL string }
	Header struct{ SignInURL string }
}

// testPage is a page that calls the partial the way real pages do.
const testPage = `{{define "title"}}Test{{end}}
{{define "content"}}<form method="post" action="/register">
{{template "captcha" .Data.Captcha}}
<button type="submit">Go</button></form>{{end}}`

// renderPage renders v inside the real layout and shared partials, in lang.
func renderPage(t *testing.T, lang string, v View) string {
	t.Helper()
	bundle, err := i18n.Load(templates.Locales())
	if err != nil {
		t.Fatal(err)
	}
	funcs := template.FuncMap{
		"t":      func(key string, args ...any) string { return bundle.T(lang, key, args...) },
		"static": func(name string) string { return "/static/" + name },
	}
	shared, err := fs.Glob(templates.Pages(), "_*.html")
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := template.New("layout").Funcs(funcs).ParseFS(templates.Pages(), shared...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tmpl.ParseFS(fstest.MapFS{"page.html": {Data: []byte(testPage)}}, "page.html"); err != nil {
		t.Fatal(err)
	}
	var data pageData
	data.Lang, data.Data.Captcha = lang, v
	var buf bytes.Buffer
	if err := tmpl.ExecuteTemplate(&buf, "layout", data); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// form is the <form> element of a rendered page.
func form(t *testing.T, page string) string {
	t.Helper()
	start, end := strings.Index(page, "<form"), strings.Index(page, "</form>")
	if start < 0 || end < start {
		t.Fatalf("no form in %s", page)
	}
	return page[start:end]
}

func builtinView(t *testing.T, verr error) View {
	t.Helper()
	c, err := New(Options{}, newMemStore())
	if err != nil {
		t.Fatal(err)
	}
	ch, err := c.Challenge(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return NewView(ch, &url.URL{Path: "/register", RawQuery: "authRequestID=abc"}, verr)
}

func TestPartialRendersTheBuiltinImage(t *testing.T) {
	v := builtinView(t, nil)
	html := form(t, renderPage(t, "en", v))
	for _, want := range []string{
		`<img class="captcha-image" id="captcha-image" src="data:image/png;base64,`,
		fmt.Sprintf(`width="%d" height="%d"`, ImageWidth, ImageHeight),
		`alt="Image with the characters to type in the field below"`,
		`<label for="captcha">Characters in the image</label>`,
		`<input id="captcha" name="captcha" type="text" autocomplete="off" autocapitalize="off" autocorrect="off" spellcheck="false" maxlength="16" required aria-describedby="captcha-hint">`,
		`<p class="hint" id="captcha-hint">Letters are case-sensitive.</p>`,
		`<input type="hidden" name="captcha_id" value="` + v.ID + `" id="captcha-id">`,
		// Without JavaScript "New image" posts the form, as typed, to the page.
		`<input type="submit" class="button button-secondary captcha-new" id="captcha-new" formaction="/register?authRequestID=abc&amp;captcha=new" formnovalidate value="New image">`,
		// With it, captcha.js fetches a new challenge.
		`data-captcha-new="/captcha/new"`,
		`<script src="/static/captcha.js" defer></script>`,
		// The default button (Enter) submits the form, not "New image".
		`<input type="submit" class="visually-hidden" tabindex="-1" aria-hidden="true" value="Submit">`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("rendered form lacks %s\n%s", want, abbreviate(html))
		}
	}
	if !strings.Contains(stdhtml.UnescapeString(html), `src="`+v.ImageDataURI+`"`) {
		t.Error("the data URI was altered") // beyond HTML escaping: + is written &#43;
	}
	for _, bad := range []string{"ZgotmplZ", "style=", "<style", "captcha-error", "aria-invalid", "<audio"} {
		if strings.Contains(html, bad) {
			t.Errorf("rendered form has %q\n%s", bad, abbreviate(html))
		}
	}
	if i, j := strings.Index(html, `aria-hidden="true" value="Submit"`), strings.Index(html, `id="captcha-new"`); i < 0 || j < i {
		t.Error("the default submit button does not come before New image")
	}
	assertNoInlineScript(t, html)
}

// assertNoInlineScript fails when a script of html has a body or no src.
func assertNoInlineScript(t *testing.T, html string) {
	t.Helper()
	for _, m := range regexp.MustCompile(`<script[^>]*>([^<]*)</script>`).FindAllStringSubmatch(html, -1) {
		if !strings.Contains(m[0], "src=") || m[1] != "" {
			t.Errorf("inline script %q", m[0])
		}
	}
}

func TestPartialShowsTheFailure(t *testing.T) {
	v := builtinView(t, fmt.Errorf("register: %w", failed("wrong answer")))
	html := form(t, renderPage(t, "ru", v))
	for _, want := range []string{
		`aria-describedby="captcha-hint captcha-error" aria-invalid="true"`,
		`<p class="field-error" id="captcha-error">Символы не совпали`,
		`Заглавные и строчные буквы различаются.`,
		`value="Другая картинка">`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("rendered form lacks %s\n%s", want, abbreviate(html))
		}
	}
}

func TestPartialRendersTheVendorWidget(t *testing.T) {
	c := newVendorCaptcha(t, Turnstile, "")
	ch, _ := c.Challenge(t.Context())
	verr := fmt.Errorf("%w: %w", ErrFailed, ErrUnavailable)
	html := form(t, renderPage(t, "en", NewView(ch, &url.URL{Path: "/register"}, verr)))
	for _, want := range []string{
		`<div class="cf-turnstile" data-sitekey="site-key"></div>`,
		`<script src="https://challenges.cloudflare.com/turnstile/v0/api.js" async defer></script>`,
		`<noscript><p class="hint">This check needs JavaScript.`,
		`<p class="field-error" id="captcha-error">The check service did not answer.`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("rendered form lacks %s\n%s", want, html)
		}
	}
	// Every script has a src and no body: nothing inline.
	scripts := regexp.MustCompile(`<script[^>]*>([^<]*)</script>`).FindAllStringSubmatch(html, -1)
	if len(scripts) != 1 || !strings.Contains(scripts[0][0], "src=") || scripts[0][1] != "" {
		t.Errorf("scripts %q", scripts)
	}
	for _, bad := range []string{"style=", "<style", "<img", "captcha=new"} {
		if strings.Contains(html, bad) {
			t.Errorf("rendered form has %q", bad)
		}
	}
}

func TestPartialRendersNothingForNone(t *testing.T) {
	c, _ := New(Options{Provider: None}, nil)
	ch, _ := c.Challenge(t.Context())
	for _, v := range []View{{}, NewView(ch, &url.URL{Path: "/register"}, nil)} {
		html := form(t, renderPage(t, "en", v))
		if strings.Contains(html, "captcha") {
			t.Errorf("provider none rendered %s", html)
		}
	}
}

func TestImageSrcVouchesOnlyForPNGDataURIs(t *testing.T) {
	good := "data:image/png;base64,iVBORw0KGgo+/="
	if got := (Challenge{ImageDataURI: good}).ImageSrc(); string(got) != good {
		t.Errorf("ImageSrc(%q) = %q", good, got)
	}
	for _, bad := range []string{
		"", "javascript:alert(1)", "data:image/png;base64,", "data:text/html;base64,PHNjcmlwdD4=",
		"data:image/svg+xml;base64,PHN2Zz4=", `data:image/png;base64,AA"onerror="x`, "data:image/png;base64,AA AA",
		"https://evil.example/x.png", "DATA:image/png;base64,AAAA",
	} {
		if got := (Challenge{ImageDataURI: bad}).ImageSrc(); got != "" {
			t.Errorf("ImageSrc(%q) = %q, want empty", bad, got)
		}
	}
}

func TestNewImageURL(t *testing.T) {
	cases := map[string]string{
		"/register":                      "/register?captcha=new",
		"/register?authRequestID=a%26b":  "/register?authRequestID=a%26b&captcha=new",
		"/reset?captcha=new&lang=ru":     "/reset?captcha=new&lang=ru",
		"https://evil.example/register":  "/register?captcha=new",
		"//evil.example/register":        "/register?captcha=new",
		"/login?captcha=old&captcha=two": "/login?captcha=new",
	}
	for in, want := range cases {
		u, err := url.Parse(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := NewImageURL(u); got != want {
			t.Errorf("NewImageURL(%q) = %q, want %q", in, got, want)
		}
	}
	u := &url.URL{Path: "//evil.example/x"}
	if got := NewImageURL(u); got != "/evil.example/x?captcha=new" {
		t.Errorf("NewImageURL(path //evil.example/x) = %q", got)
	}
}

func TestNewViewReadsTheError(t *testing.T) {
	ch := Challenge{Provider: Builtin, ID: "id"}
	cases := []struct {
		err                 error
		failed, unavailable bool
	}{
		{nil, false, false},
		{errors.New("database down"), false, false},
		{failed("wrong"), true, false},
		{fmt.Errorf("x: %w: %w", ErrFailed, ErrUnavailable), true, true},
	}
	for _, tc := range cases {
		v := NewView(ch, &url.URL{Path: "/register"}, tc.err)
		if v.Failed != tc.failed || v.Unavailable != tc.unavailable || v.NewImageURL != "/register?captcha=new" {
			t.Errorf("NewView(%v) = %+v", tc.err, v)
		}
	}
}

func TestCatalogsHaveEveryKeyOfThePartial(t *testing.T) {
	src, err := fs.ReadFile(templates.Pages(), "_captcha.html")
	if err != nil {
		t.Fatal(err)
	}
	keys := regexp.MustCompile(`\{\{t "([^"]+)"`).FindAllStringSubmatch(string(src), -1)
	if len(keys) < 5 {
		t.Fatalf("found only %d keys", len(keys))
	}
	bundle, err := i18n.Load(templates.Locales())
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"en", "ru"} {
		for _, k := range keys {
			if _, ok := bundle.Message(lang, k[1]); !ok {
				t.Errorf("%s catalog lacks %q", lang, k[1])
			}
		}
		for _, key := range bundle.Keys(lang) {
			if strings.HasPrefix(key, "captcha.") && !strings.Contains(string(src), `"`+key+`"`) {
				t.Errorf("%s: %q is not used by the partial", lang, key)
			}
		}
	}
}

func abbreviate(s string) string {
	return regexp.MustCompile(`base64,[A-Za-z0-9+/=&#;]{40,}`).ReplaceAllString(s, "base64,…")
}
