package templates

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"sort"
	"strings"
)

// ErrUnknownTemplate is wrapped by Overlay's error for a file or folder
// in the templates directory that replaces nothing.
var ErrUnknownTemplate = errors.New("templates: unknown template")

// Overlay returns the page and letter templates with the files of dir
// (the templates_dir setting) in place of the embedded files of the same
// name: dir/pages/<name>.html replaces a page or shared file
// (pages/_layout.html, pages/login.html, ...), dir/mail/<name>.txt or
// .html a letter part or the letters' layout. Every file must have an
// embedded counterpart: any other file or folder is an error naming it
// (ErrUnknownTemplate), so a misspelt name is found at start, not ignored.
// An empty dir gives the embedded templates.
func Overlay(dir string) (pages, mail fs.FS, err error) {
	pages, mail = Pages(), Mail()
	if dir == "" {
		return pages, mail, nil
	}
	root := os.DirFS(dir)
	entries, err := fs.ReadDir(root, ".")
	if err != nil {
		return nil, nil, fmt.Errorf("templates directory %s: %w", dir, err)
	}
	bases := map[string]fs.FS{pagesDir: pages, mailDir: mail}
	for _, e := range entries {
		if _, ok := bases[e.Name()]; !ok || !e.IsDir() {
			return nil, nil, fmt.Errorf("%w: %s in the templates directory %s; it may hold only the folders pages/ and mail/",
				ErrUnknownTemplate, e.Name(), dir)
		}
	}
	out := map[string]fs.FS{}
	for _, sub := range []string{pagesDir, mailDir} {
		over, err := overlay(dir, sub, bases[sub])
		if err != nil {
			return nil, nil, err
		}
		out[sub] = over
	}
	return out[pagesDir], out[mailDir], nil
}

// overlay checks dir/sub against base and returns base with its files.
func overlay(dir, sub string, base fs.FS) (fs.FS, error) {
	folder := path.Join(dir, sub)
	entries, err := os.ReadDir(folder)
	if errors.Is(err, fs.ErrNotExist) {
		return base, nil
	}
	if err != nil {
		return nil, fmt.Errorf("templates directory %s: %w", folder, err)
	}
	known, err := fs.Glob(base, "*")
	if err != nil {
		return nil, fmt.Errorf("list embedded %s templates: %w", sub, err)
	}
	replaced := map[string]bool{}
	var unknown []string
	for _, e := range entries {
		if e.IsDir() || !slices.Contains(known, e.Name()) {
			unknown = append(unknown, e.Name())
			continue
		}
		replaced[e.Name()] = true
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, fmt.Errorf("%w: %s in %s; only files named like the embedded ones replace them (see docs/templates.md): %s",
			ErrUnknownTemplate, strings.Join(unknown, ", "), folder, strings.Join(known, " "))
	}
	return overlayFS{base: base, over: os.DirFS(folder), replaced: replaced}, nil
}

// overlayFS serves the replaced files from over and the rest from base;
// listings are base's, since a replacement has the same name.
type overlayFS struct {
	base, over fs.FS
	replaced   map[string]bool
}

func (o overlayFS) Open(name string) (fs.File, error) {
	if o.replaced[name] {
		return o.over.Open(name)
	}
	return o.base.Open(name)
}
