package ui

import (
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/i18n"
	"github.com/gatehouse/gatehouse/templates"
)

// defaultInstanceName is shown when Options.InstanceName is empty.
const defaultInstanceName = "Gatehouse"

// Options configures the hosted pages.
type Options struct {
	// InstanceName is shown in the header, the title and the landing page.
	InstanceName string
	// Bundle holds the message catalogs; nil loads templates.Locales().
	Bundle *i18n.Bundle
	// Logger receives rendering failures; nil discards them.
	Logger *slog.Logger
	// Dev marks every page with a development-mode notice.
	Dev bool
	// Secure marks the cookies the pages set Secure; set it when the
	// issuer is https.
	Secure bool
}

// UI renders the hosted pages. It is immutable after New and safe for
// concurrent use.
type UI struct {
	instance string
	bundle   *i18n.Bundle
	log      *slog.Logger
	dev      bool
	secure   bool
	assets   assets
	pages    pageSet
}

// sources are the embedded files a UI is built from; tests substitute them.
type sources struct {
	pages  fs.FS
	static fs.FS
}

// New loads the catalogs (unless opts.Bundle is set), indexes the static
// files and parses every page for every language. Any defect in them is an
// error here rather than on a request.
func New(opts Options) (*UI, error) {
	return newUI(opts, sources{pages: templates.Pages(), static: templates.Static()})
}

func newUI(opts Options, src sources) (*UI, error) {
	u := &UI{
		instance: opts.InstanceName,
		bundle:   opts.Bundle,
		log:      opts.Logger,
		dev:      opts.Dev,
		secure:   opts.Secure,
	}
	if u.instance == "" {
		u.instance = defaultInstanceName
	}
	if u.log == nil {
		u.log = slog.New(slog.DiscardHandler)
	}
	if u.bundle == nil {
		b, err := i18n.Load(templates.Locales())
		if err != nil {
			return nil, fmt.Errorf("load message catalogs: %w", err)
		}
		u.bundle = b
	}
	if err := checkCatalogs(u.bundle); err != nil {
		return nil, err
	}
	var err error
	if u.assets, err = loadAssets(src.static); err != nil {
		return nil, fmt.Errorf("load static files: %w", err)
	}
	if u.pages, err = u.loadPages(src.pages); err != nil {
		return nil, fmt.Errorf("load pages: %w", err)
	}
	return u, nil
}

// Register adds the routes of the hosted pages to r.
func (u *UI) Register(r gin.IRouter) {
	r.GET("/", u.landing)
	r.HEAD("/", u.landing)
	r.GET(staticRoute, u.serveStatic)
	r.HEAD(staticRoute, u.serveStatic)
}

// landing names the instance and links to sign-in and registration.
func (u *UI) landing(c *gin.Context) {
	u.Render(c, http.StatusOK, "landing", nil)
}

// checkCatalogs makes sure the keys the Go code builds at run time exist:
// each language's own name, and the English error messages.
func checkCatalogs(b *i18n.Bundle) error {
	for _, lang := range b.Supported() {
		if _, ok := b.Message(lang, langNameKey); !ok {
			return fmt.Errorf("catalog %s lacks %q", lang, langNameKey)
		}
	}
	for _, key := range errorMessageKeys() {
		if _, ok := b.Message(i18n.Default, key); !ok {
			return fmt.Errorf("catalog %s lacks %q", i18n.Default, key)
		}
	}
	return nil
}
