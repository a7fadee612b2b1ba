package adminapi

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/branding"
)

// Branding changes how the instance looks (*branding.Service); every
// change is audited with the actor and reaches every replica within
// branding.MaxCacheAge.
type Branding interface {
	Current(ctx context.Context) (branding.Branding, error)
	Update(ctx context.Context, ch branding.Changes, actor string) (branding.Branding, error)
	PutImage(ctx context.Context, kind string, body []byte, actor string) (branding.Branding, error)
	PutCSS(ctx context.Context, body []byte, actor string) (branding.Branding, error)
	Remove(ctx context.Context, kind, actor string) (branding.Branding, error)
}

// brandingJSON is the branding as the API shows it: the settings, and the
// hashed URL paths of the files (empty when not set).
type brandingJSON struct {
	DisplayName  string `json:"display_name"`
	Name         string `json:"name"` // in force: display_name, or the configured instance name
	PrimaryColor string `json:"primary_color"`
	LogoURL      string `json:"logo_url"`
	FaviconURL   string `json:"favicon_url"`
	CSSURL       string `json:"css_url"`
}

type brandingPatchJSON struct {
	DisplayName  *string `json:"display_name"`
	PrimaryColor *string `json:"primary_color"`
}

var brandingFields = []string{"display_name", "primary_color"}

func toBrandingJSON(b branding.Branding) brandingJSON {
	path := func(a *branding.Asset) string {
		if a == nil {
			return ""
		}
		return a.Path
	}
	return brandingJSON{DisplayName: b.CustomName, Name: b.Name, PrimaryColor: b.Color,
		LogoURL: path(b.Logo), FaviconURL: path(b.Favicon), CSSURL: path(b.CSS)}
}

// brandingRoutes are the routes of the branding (README, "Branding").
func (a *API) brandingRoutes() []route {
	return []route{
		{http.MethodGet, "/settings/branding", "Get the branding: display name, primary colour, logo, favicon and stylesheet URLs", "settings", nil, "", 200, a.getBranding},
		{http.MethodPatch, "/settings/branding", "Change the display name or primary colour (\"\" restores the default)", "settings", nil, "BrandingPatch", 200, a.patchBranding},
		{http.MethodPut, "/settings/branding/logo", "Upload the logo: the raw PNG, WebP or SVG file, at most 256 KiB", "settings", nil, "BrandingImage", 200, a.putBrandingImage(branding.KindLogo)},
		{http.MethodDelete, "/settings/branding/logo", "Remove the logo", "settings", nil, "", 200, a.removeBranding(branding.KindLogo)},
		{http.MethodPut, "/settings/branding/favicon", "Upload the favicon: the raw PNG, WebP or SVG file, at most 256 KiB", "settings", nil, "BrandingImage", 200, a.putBrandingImage(branding.KindFavicon)},
		{http.MethodDelete, "/settings/branding/favicon", "Remove the favicon", "settings", nil, "", 200, a.removeBranding(branding.KindFavicon)},
		{http.MethodPut, "/settings/branding/css", "Upload the custom stylesheet (text/css, at most 64 KiB)", "settings", nil, "BrandingCSS", 200, a.putBrandingCSS},
		{http.MethodDelete, "/settings/branding/css", "Remove the custom stylesheet", "settings", nil, "", 200, a.removeBranding(branding.KindCSS)},
	}
}

// brandingOK answers 404 when the server has no branding (never in the
// real server; some tests build the API without it).
func (a *API) brandingOK(c *gin.Context) bool {
	if a.branding == nil {
		writeProblem(c, http.StatusNotFound, ProblemNotFound, "branding is not available")
		return false
	}
	return true
}

func (a *API) getBranding(c *gin.Context) {
	if !a.brandingOK(c) {
		return
	}
	b, err := a.branding.Current(c.Request.Context())
	a.answerBranding(c, b, err, "")
}

func (a *API) patchBranding(c *gin.Context) {
	if !a.brandingOK(c) {
		return
	}
	var in brandingPatchJSON
	if !decodeBody(c, &in, brandingFields, false) {
		return
	}
	for _, f := range []struct {
		field string
		ch    branding.Changes
	}{{"display_name", branding.Changes{DisplayName: in.DisplayName}}, {"primary_color", branding.Changes{PrimaryColor: in.PrimaryColor}}} {
		if _, err := f.ch.Check(); err != nil {
			a.answerBranding(c, branding.Branding{}, err, f.field)
			return
		}
	}
	b, err := a.branding.Update(c.Request.Context(), branding.Changes{DisplayName: in.DisplayName, PrimaryColor: in.PrimaryColor}, caller(c).Actor())
	a.answerBranding(c, b, err, "")
}

// upload reads the raw body, refusing (413) one longer than limit.
func upload(c *gin.Context, limit int) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, int64(limit)))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		writeProblem(c, http.StatusRequestEntityTooLarge, ProblemValidation,
			"the file is larger than the limit of "+kib(limit)+" KiB")
		return nil, false
	}
	if err != nil {
		invalid(c, "the request body is unreadable")
		return nil, false
	}
	return body, true
}

func kib(n int) string { return strconv.Itoa(n >> 10) }

// contentType is the media type of the request, without parameters.
func contentType(c *gin.Context) string {
	t, _, err := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if err != nil {
		return ""
	}
	return t
}

func (a *API) putBrandingImage(kind string) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !a.brandingOK(c) {
			return
		}
		declared := contentType(c)
		if declared != branding.TypePNG && declared != branding.TypeWebP && declared != branding.TypeSVG {
			writeProblem(c, http.StatusUnsupportedMediaType, ProblemValidation,
				"send the file as the body with Content-Type image/png, image/webp or image/svg+xml")
			return
		}
		body, ok := upload(c, branding.MaxImageBytes)
		if !ok {
			return
		}
		if sniffed, _, err := branding.CheckImage(body); err == nil && sniffed != declared {
			invalid(c, "the file is "+sniffed+", not "+declared+" as the Content-Type says", FieldProblem{Field: kind, Detail: "Content-Type does not match the content"})
			return
		}
		b, err := a.branding.PutImage(c.Request.Context(), kind, body, caller(c).Actor())
		a.answerBranding(c, b, err, kind)
	}
}

func (a *API) putBrandingCSS(c *gin.Context) {
	if !a.brandingOK(c) {
		return
	}
	if contentType(c) != "text/css" {
		writeProblem(c, http.StatusUnsupportedMediaType, ProblemValidation, "send the stylesheet as the body with Content-Type text/css")
		return
	}
	body, ok := upload(c, branding.MaxCSSBytes)
	if !ok {
		return
	}
	b, err := a.branding.PutCSS(c.Request.Context(), body, caller(c).Actor())
	a.answerBranding(c, b, err, "css")
}

func (a *API) removeBranding(kind string) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !a.brandingOK(c) {
			return
		}
		b, err := a.branding.Remove(c.Request.Context(), kind, caller(c).Actor())
		a.answerBranding(c, b, err, kind)
	}
}

// answerBranding writes b, or the refusal of a branding rule as a 400
// naming field, or any other failure.
func (a *API) answerBranding(c *gin.Context, b branding.Branding, err error, field string) {
	var p *branding.Problem
	switch {
	case errors.As(err, &p):
		invalid(c, p.Detail, FieldProblem{Field: field, Detail: p.Detail})
	case err != nil:
		a.fail(c, err)
	default:
		c.JSON(http.StatusOK, toBrandingJSON(b))
	}
}
