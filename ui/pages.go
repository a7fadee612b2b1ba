package ui

import (
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"slices"
	"strings"
	"sync"
)

// Template names every page set defines.
const (
	layoutTemplate  = "layout"  // the document; _layout.html
	titleTemplate   = "title"   // the page's title, plain text
	contentTemplate = "content" // the inside of <main>
)

// sharedPrefix marks the page files parsed into every page.
const sharedPrefix = "_"

// pageSet holds one parsed template set per language and page. Each set
// is the shared files plus one page file, parsed with the template
// functions bound to that language; html/template copies every shared
// template into each set (about 150 KiB a set), so the sets are built when
// a page is first rendered in a language, not at start: an idle server
// holds the pages it has shown, not every page in every language (some 25
// MiB). The files are read once at start, and every page is parsed and
// escaped once then (in the first language, then dropped), so a broken
// template still fails at start-up and a template folder edited later
// changes nothing.
type pageSet struct {
	shared []pageSource
	pages  map[string]pageSource // by page name (file name without .html)
	langs  []string              // the supported languages: no set for others
	funcs  func(lang string) template.FuncMap

	built sync.Map // pageKey -> *template.Template
	mu    sync.Mutex
	bases map[string]*template.Template // the shared files by language; cloned, never executed
}

// pageSource is one template file's name and text.
type pageSource struct{ file, text string }

type pageKey struct{ lang, page string }

// loadPages reads the page files of fsys and checks every page in the
// first language.
func (u *UI) loadPages(fsys fs.FS) (*pageSet, error) {
	sharedFiles, pageFileNames, err := pageFiles(fsys)
	if err != nil {
		return nil, err
	}
	langs := u.bundle.Supported()
	if len(langs) == 0 {
		return nil, errors.New("no supported language")
	}
	set := &pageSet{pages: map[string]pageSource{}, langs: langs, funcs: u.funcs, bases: map[string]*template.Template{}}
	for _, file := range sharedFiles {
		src, err := readPageSource(fsys, file)
		if err != nil {
			return nil, err
		}
		set.shared = append(set.shared, src)
	}
	for _, file := range pageFileNames {
		src, err := readPageSource(fsys, file)
		if err != nil {
			return nil, err
		}
		set.pages[strings.TrimSuffix(file, ".html")] = src
	}
	if err := set.check(langs[0]); err != nil {
		return nil, err
	}
	return set, nil
}

func readPageSource(fsys fs.FS, file string) (pageSource, error) {
	b, err := fs.ReadFile(fsys, file)
	if err != nil {
		return pageSource{}, fmt.Errorf("read %s: %w", file, err)
	}
	return pageSource{file: file, text: string(b)}, nil
}

// check parses and escapes every page in lang, keeping none of them.
func (s *pageSet) check(lang string) error {
	base, err := s.parseShared(lang)
	if err != nil {
		return err
	}
	for _, src := range s.pages {
		if _, err := parsePage(base, src); err != nil {
			return err
		}
	}
	return nil
}

// lookup returns the template set of page in lang, building it on first
// use.
func (s *pageSet) lookup(lang, page string) (*template.Template, error) {
	key := pageKey{lang, page}
	if t, ok := s.built.Load(key); ok {
		return t.(*template.Template), nil
	}
	src, ok := s.pages[page]
	if !ok {
		return nil, fmt.Errorf("no page %q", page)
	}
	if !slices.Contains(s.langs, lang) {
		return nil, fmt.Errorf("no language %q", lang)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.built.Load(key); ok {
		return t.(*template.Template), nil
	}
	base, ok := s.bases[lang]
	if !ok {
		var err error
		if base, err = s.parseShared(lang); err != nil {
			return nil, err
		}
		s.bases[lang] = base
	}
	t, err := parsePage(base, src)
	if err != nil {
		return nil, err
	}
	s.built.Store(key, t)
	return t, nil
}

// parseShared parses the shared files with lang's functions.
func (s *pageSet) parseShared(lang string) (*template.Template, error) {
	base := template.New(layoutTemplate).Funcs(s.funcs(lang))
	for _, src := range s.shared {
		if _, err := base.New(src.file).Parse(src.text); err != nil {
			return nil, fmt.Errorf("parse shared templates: %w", err)
		}
	}
	return base, nil
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
// template that html/template cannot make safe fails when it is parsed.
func parsePage(base *template.Template, src pageSource) (*template.Template, error) {
	t, err := base.Clone()
	if err != nil {
		return nil, fmt.Errorf("copy shared templates for %s: %w", src.file, err)
	}
	if _, err := t.New(src.file).Parse(src.text); err != nil {
		return nil, fmt.Errorf("parse %s: %w", src.file, err)
	}
	for _, name := range []string{layoutTemplate, titleTemplate, contentTemplate} {
		if d := t.Lookup(name); d == nil || d.Tree == nil {
			return nil, fmt.Errorf("%s: no %q template; every page defines %q and %q",
				src.file, name, titleTemplate, contentTemplate)
		}
	}
	if err := escapeNow(t); err != nil {
		return nil, fmt.Errorf("%s: %w", src.file, err)
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
