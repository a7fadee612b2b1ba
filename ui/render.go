package ui

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"sync"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/branding"
)

// requestIDKey is where httpbase.RequestID keeps the request id in the gin
// context.
const requestIDKey = "request_id"

// view is the root value of every template.
type view struct {
	Lang      string         // the page's language, for <html lang>
	Instance  string         // the instance name
	Dev       bool           // development mode notice
	Languages []languageLink // the language switcher
	// Brand is the branding (branding.go): .Brand.Logo, .Favicon, .CSS
	// and .Theme are nil or have .Path; Instance is its Name.
	Brand branding.Branding
	// Viewer is the signed-in user the header shows (viewer.go); nil when
	// nobody is signed in. Header holds the signed-out header's links.
	Viewer *viewer
	Header headerLinks
	Data   any // the page's own data, as given to Render
}

var bufferPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// Render writes page inside the layout with status, in the request's
// language. data is available to the page as .Data. A page that fails to
// render is logged and replaced by the 500 error page; nothing partial is
// sent.
func (u *UI) Render(c *gin.Context, status int, page string, data any) {
	if c.Writer.Written() {
		u.logFailure(c, "render after the response started", page, nil)
		return
	}
	lang := u.lang(c)
	buf := bufferPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufferPool.Put(buf)
	if err := u.execute(buf, lang, page, u.newView(c, status, lang, data)); err != nil {
		u.logFailure(c, "render page", page, err)
		if page == errorPage {
			writePlainError(c, http.StatusInternalServerError)
			return
		}
		u.RenderError(c, http.StatusInternalServerError)
		return
	}
	setPageHeaders(c, lang)
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

func (u *UI) execute(buf *bytes.Buffer, lang, page string, v view) error {
	t, err := u.pages.lookup(lang, page)
	if err != nil {
		return fmt.Errorf("page %q in %q: %w", page, lang, err)
	}
	if err := t.ExecuteTemplate(buf, layoutTemplate, v); err != nil {
		return fmt.Errorf("execute page %q: %w", page, err)
	}
	return nil
}

func (u *UI) newView(c *gin.Context, status int, lang string, data any) view {
	brand := u.brand(c)
	return view{
		Lang:      lang,
		Instance:  brand.Name,
		Brand:     brand,
		Dev:       u.dev,
		Languages: u.languageLinks(c.Request.URL, lang),
		Viewer:    u.viewerOf(c, status),
		Header:    u.headerLinksFor(),
		Data:      data,
	}
}

// setPageHeaders marks a page as personal (never stored) and as depending
// on the language headers.
func setPageHeaders(c *gin.Context, lang string) {
	h := c.Writer.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Language", lang)
	h.Add("Vary", "Accept-Language, Cookie")
}

// writePlainError is the last resort when even the error page fails.
func writePlainError(c *gin.Context, status int) {
	c.Header("Cache-Control", "no-store")
	c.Data(status, "text/plain; charset=utf-8", []byte(http.StatusText(status)+"\n"))
}

func (u *UI) logFailure(c *gin.Context, msg, page string, err error) {
	u.log.ErrorContext(c.Request.Context(), msg,
		slog.String("page", page),
		slog.Any("error", err),
		slog.String("request_id", c.GetString(requestIDKey)),
	)
}
