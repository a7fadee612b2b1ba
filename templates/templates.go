package templates

import (
	"embed"
	"fmt"
	"io/fs"
)

// FS holds every embedded asset, rooted at this package's directory. Prefer
// the accessors, which are rooted at the folder they name.
//
//go:embed pages/*.html mail static locales
var FS embed.FS

// Folders inside FS.
const (
	pagesDir   = "pages"
	mailDir    = "mail"
	staticDir  = "static"
	localesDir = "locales"
)

// Pages is the html/template page sources: _*.html are shared, the rest are
// pages.
func Pages() fs.FS { return sub(pagesDir) }

// Mail is the email templates.
func Mail() fs.FS { return sub(mailDir) }

// Static is the files served under /static/.
func Static() fs.FS { return sub(staticDir) }

// Locales is the message catalogs, one <lang>.json per language.
func Locales() fs.FS { return sub(localesDir) }

// sub roots FS at dir. The names are constants embedded above, so failure is
// a build defect and panics.
func sub(dir string) fs.FS {
	f, err := fs.Sub(FS, dir)
	if err != nil {
		panic(fmt.Errorf("templates: sub %q: %w", dir, err))
	}
	return f
}
