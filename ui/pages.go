package ui

import (
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"strings"
)

// Template names every page set defines.
const (
	layoutTemplate  = "layout"  // the document; _layout.html
	titleTemplate   = "title"   // the page's title, plain text
	contentTemplate = "content" // the inside of <main>
)

// sharedPrefix marks the page files parsed into every page.
const sharedPrefix = "_"

// pageSet holds one parsed template set per language and page:
// pageSet[lang][page]. Each set is the shared files plus one page file,
// parsed with the template functions bound to that language.
type pageSet map[string]map[string]*template.Template

// loadPages parses every page of fsys once per supported language.
func (u *UI) loadPages(fsys fs.FS) (pageSet, error) {
	shared, pages, err := pageFiles(fsys)
	if err != nil {
		return nil, err
	}
	set := pageSet{}
	for _, lang := range u.bundle.Supported() {
		base, err := template.New(layoutTemplate).Funcs(u.funcs(lang)).ParseFS(fsys, shared...)
		if err != nil {
			return nil, fmt.Errorf("parse shared templates: %w", err)
		}
		set[lang] = make(map[string]*template.Template, len(pages))
		for _, file := range pages {
			t, err := parsePage(base, fsys, file)
			if err != nil {
				return nil, err
			}
			set[lang][strings.TrimSuffix(file, ".html")] = t
		}
	}
	return set, nil
}

// pageFiles splits the *.html files of fsys into shared files and pages.
func pageFiles(fsys fs.FS) (shared, pages []string, err error) {
	names, err := fs.Glob(fsys, "*.html")
	if err != nil {
		return nil, nil, fmt.Errorf("list pages: %w", err)
	}
	for _, name := range names {
		if strings.HasPrefix(name, sharedPrefix) {
			shared = append(shared, name)
		} else {
			pages = append(pages, name)
		}
	}
	if len(shared) == 0 {
		return nil, nil, fmt.Errorf("no %s*.html: the layout is missing", sharedPrefix)
	}
	if len(pages) == 0 {
		return nil, nil, errors.New("no pages")
	}
	return shared, pages, nil
}

// parsePage adds one page file to a copy of the shared templates, checks
// that the result defines what the layout needs, and escapes it now, so a
// template that html/template cannot make safe fails at start-up.
func parsePage(base *template.Template, fsys fs.FS, file string) (*template.Template, error) {
	clone, err := base.Clone()
	if err != nil {
		return nil, fmt.Errorf("copy shared templates for %s: %w", file, err)
	}
	t, err := clone.ParseFS(fsys, file)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", file, err)
	}
	for _, name := range []string{layoutTemplate, titleTemplate, contentTemplate} {
		if d := t.Lookup(name); d == nil || d.Tree == nil {
			return nil, fmt.Errorf("%s: no %q template; every page defines %q and %q",
				file, name, titleTemplate, contentTemplate)
		}
	}
	if err := escapeNow(t); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return t, nil
}

// escapeNow runs the layout once against an empty view. html/template
// escapes a set on its first execution; doing it here turns escaping errors
// into start-up errors. Errors from the empty data itself are expected and
// ignored.
func escapeNow(t *template.Template) error {
	err := t.ExecuteTemplate(io.Discard, layoutTemplate, view{})
	var escErr *template.Error
	if errors.As(err, &escErr) {
		return escErr
	}
	return nil
}

// funcs are the template functions, bound to one language.
func (u *UI) funcs(lang string) template.FuncMap {
	return template.FuncMap{
		"t": func(key string, args ...any) string {
			return u.bundle.T(lang, key, args...)
		},
		"static": u.assets.url,
	}
}
