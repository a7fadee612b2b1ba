package ui

import (
	"context"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/branding"
	"github.com/gatehouse/gatehouse/storage"
)

// The console's branding page (the same rules as
// /api/v1/settings/branding and `gatehouse branding`).
const (
	adminBrandingPath     = adminPath + "/branding"
	adminBrandingTemplate = "admin_branding"
	brandingFormErrorKey  = "admin.branding.error.form"
	// maxBrandingForm bounds the whole multipart form: two images, the
	// stylesheet and the text fields.
	maxBrandingForm = 2*branding.MaxImageBytes + branding.MaxCSSBytes + 64<<10
)

// BrandingAdmin changes the branding (*branding.Service); with Admin and
// Branding it adds /admin/branding.
type BrandingAdmin interface {
	Update(ctx context.Context, ch branding.Changes, actor string) (branding.Branding, error)
	PutImage(ctx context.Context, kind string, body []byte, actor string) (branding.Branding, error)
	PutCSS(ctx context.Context, body []byte, actor string) (branding.Branding, error)
	Remove(ctx context.Context, kind, actor string) (branding.Branding, error)
}

// adminBrandingForm is the data of admin_branding.html.
type adminBrandingForm struct {
	adminNav
	DisplayName, PrimaryColor string // as typed, or as stored
	Current                   branding.Branding
	DefaultName               string
	Errors                    map[string]string // translated, by field name ("" for the form)
	FilesAgain                bool              // a file was chosen but nothing was saved: choose it again
	Files                     []adminBrandingFile
}

// adminBrandingFile is one file input of the branding page.
type adminBrandingFile struct {
	Name    string // the form field: logo, favicon or css (the page names each)
	Accept  string
	Current *branding.Asset
	Error   string // translated
}

// withFiles fills Files from Current and Errors.
func (f adminBrandingForm) withFiles() adminBrandingForm {
	images := "image/png,image/webp,image/svg+xml"
	f.Files = []adminBrandingFile{
		{Name: branding.KindLogo,
			Accept: images, Current: f.Current.Logo, Error: f.Errors[branding.KindLogo]},
		{Name: branding.KindFavicon,
			Accept: images, Current: f.Current.Favicon, Error: f.Errors[branding.KindFavicon]},
		{Name: branding.KindCSS,
			Accept: "text/css,.css", Current: f.Current.CSS, Error: f.Errors[branding.KindCSS]},
	}
	return f
}

// HasErrors reports whether the form is shown with errors.
func (f adminBrandingForm) HasErrors() bool { return len(f.Errors) > 0 }

func (u *UI) adminBrandingRoutes(g gin.IRouter) {
	if u.brandingAdmin == nil || u.branding == nil {
		return
	}
	g.GET("/branding", u.adminBrandingPage)
	g.POST("/branding", u.adminBrandingSubmit)
}

// adminBrandingPage serves GET /admin/branding.
func (u *UI) adminBrandingPage(c *gin.Context) {
	cur, err := u.branding.Current(c.Request.Context())
	if err != nil {
		u.fail(c, "read branding", err)
		return
	}
	notice := u.adminNotice(c, map[string]string{"saved": "admin.branding.notice.saved"})
	u.Render(c, http.StatusOK, adminBrandingTemplate, adminBrandingForm{adminNav: adminNav{Nav: "settings", Notice: notice},
		DisplayName: cur.CustomName, PrimaryColor: cur.Color, Current: cur, DefaultName: u.instance}.withFiles())
}

// brandingUpload is one file field of the form, read and checked.
type brandingUpload struct {
	kind string
	body []byte
}

// adminBrandingSubmit serves POST /admin/branding: the name, colour and
// every chosen file are checked first; when any is refused nothing is
// saved and the form comes back with the name and colour as typed (files
// must be chosen again: browsers never refill a file input).
func (u *UI) adminBrandingSubmit(c *gin.Context) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxBrandingForm)
	if err := c.Request.ParseMultipartForm(maxBrandingForm); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			u.RenderError(c, http.StatusRequestEntityTooLarge)
		} else {
			u.RenderError(c, http.StatusBadRequest)
		}
		return
	}
	ctx, lang := c.Request.Context(), u.lang(c)
	cur, err := u.branding.Current(ctx)
	if err != nil {
		u.fail(c, "read branding", err)
		return
	}
	form := c.Request.MultipartForm
	name := truncateUTF8(strings.TrimSpace(c.Request.PostFormValue("display_name")), maxKeptValue)
	colour := truncateUTF8(strings.TrimSpace(c.Request.PostFormValue("primary_color")), maxKeptValue)
	data := adminBrandingForm{adminNav: adminNav{Nav: "settings"}, DisplayName: name, PrimaryColor: colour, Current: cur,
		DefaultName: u.instance, Errors: map[string]string{}}
	problem := func(field string, err error) {
		var p *branding.Problem
		if errors.As(err, &p) {
			data.Errors[field] = u.bundle.T(lang, "branding.error."+p.Code)
		} else {
			data.Errors[field] = u.bundle.T(lang, brandingFormErrorKey)
		}
	}
	ch := branding.Changes{DisplayName: &name, PrimaryColor: &colour}
	if _, err := (branding.Changes{DisplayName: &name}).Check(); err != nil {
		problem("display_name", err)
	}
	if _, err := (branding.Changes{PrimaryColor: &colour}).Check(); err != nil {
		problem("primary_color", err)
	}
	var uploads []brandingUpload
	for _, kind := range branding.Kinds() {
		body, chosen, err := formFile(form, kind)
		if !chosen {
			continue
		}
		data.FilesAgain = true
		if err == nil {
			if kind == branding.KindCSS {
				_, err = branding.CheckCSS(body)
			} else {
				_, _, err = branding.CheckImage(body)
			}
		}
		if err != nil {
			problem(kind, err)
			continue
		}
		uploads = append(uploads, brandingUpload{kind: kind, body: body})
	}
	if len(data.Errors) > 0 {
		u.Render(c, http.StatusUnprocessableEntity, adminBrandingTemplate, data.withFiles())
		return
	}
	if err := u.saveBranding(ctx, cur, ch, uploads, c.Request.PostForm, adminActor(c)); err != nil {
		u.fail(c, "save branding", err)
		return
	}
	redirect(c, noticeURL(adminBrandingPath, "saved"))
}

// saveBranding stores what changed: the settings, the uploads, and the
// removals asked for by the remove_<kind> checkboxes.
func (u *UI) saveBranding(ctx context.Context, cur branding.Branding, ch branding.Changes, uploads []brandingUpload, form map[string][]string, actor string) error {
	if *ch.DisplayName != cur.CustomName || *ch.PrimaryColor != cur.Color {
		if _, err := u.brandingAdmin.Update(ctx, ch, actor); err != nil {
			return err
		}
	}
	uploaded := map[string]bool{}
	for _, up := range uploads {
		var err error
		if up.kind == branding.KindCSS {
			_, err = u.brandingAdmin.PutCSS(ctx, up.body, actor)
		} else {
			_, err = u.brandingAdmin.PutImage(ctx, up.kind, up.body, actor)
		}
		if err != nil {
			return err
		}
		uploaded[up.kind] = true
	}
	for _, kind := range branding.Kinds() {
		if uploaded[kind] || len(form["remove_"+kind]) == 0 || !checked(form["remove_"+kind][0]) {
			continue
		}
		if _, err := u.brandingAdmin.Remove(ctx, kind, actor); err != nil && !errors.Is(err, storage.ErrNotFound) {
			return err
		}
	}
	return nil
}

// formFile reads the file of field: chosen is false when the input was
// left empty.
func formFile(form *multipart.Form, field string) ([]byte, bool, error) {
	files := form.File[field]
	if len(files) == 0 || files[0].Size == 0 && files[0].Filename == "" {
		return nil, false, nil
	}
	f, err := files[0].Open()
	if err != nil {
		return nil, true, err
	}
	defer f.Close()
	body, err := io.ReadAll(io.LimitReader(f, branding.MaxImageBytes+1))
	return body, true, err
}

// brandingMessageKeys are the catalog keys the branding page builds.
func brandingMessageKeys() []string {
	keys := []string{brandingFormErrorKey, "admin.branding.notice.saved"}
	for _, code := range branding.Problems() {
		keys = append(keys, "branding.error."+code)
	}
	return keys
}
