package ui

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/branding"
)

// Branding gives the branding in force (*branding.Service): the pages'
// name, logo, favicon, colour and custom stylesheet, and the files under
// /branding/.
type Branding interface {
	Current(ctx context.Context) (branding.Branding, error)
	// Fallback is what pages show when Current fails (the database is
	// down): the configured name and the built-in look.
	Fallback() branding.Branding
}

const brandingRoute = branding.PathPrefix + ":file"

// svgCSP is the Content-Security-Policy of an uploaded SVG opened on its
// own: nothing may load or run, inline styles of the drawing apply.
const svgCSP = "default-src 'none'; style-src 'unsafe-inline'"

// brand returns the branding of this request: the stored one, or the
// fallback (logged) when it cannot be read, so that error pages still
// render during an outage.
func (u *UI) brand(c *gin.Context) branding.Branding {
	if u.branding == nil {
		return branding.Branding{Name: u.instance}
	}
	b, err := u.branding.Current(c.Request.Context())
	if err != nil {
		u.log.WarnContext(c.Request.Context(), "read branding", "error", err)
		return u.branding.Fallback()
	}
	return b
}

// serveBranding serves a logo, favicon or stylesheet by its hashed name:
// the name changes with the content, so it is cached for a year. A name
// that is not current (an older file) gets 404.
func (u *UI) serveBranding(c *gin.Context) {
	b := u.brand(c)
	a, ok := b.Find(c.Param("file"))
	if !ok {
		u.RenderError(c, http.StatusNotFound)
		return
	}
	h := c.Writer.Header()
	h.Set("Content-Type", a.ContentType)
	h.Set("Cache-Control", cacheVersioned)
	h.Set("ETag", `"`+a.Hash[:32]+`"`)
	h.Set("X-Content-Type-Options", "nosniff")
	if a.ContentType == branding.TypeSVG {
		h.Set("Content-Security-Policy", svgCSP)
	}
	if strings.HasPrefix(a.ContentType, "image/") {
		// Images may be shown by letters' mail clients from another
		// origin; stylesheets are for these pages only.
		h.Set("Cross-Origin-Resource-Policy", "cross-origin")
	}
	http.ServeContent(c.Writer, c.Request, a.File(), time.Time{}, bytes.NewReader(a.Body))
}
