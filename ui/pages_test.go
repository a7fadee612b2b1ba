package ui

import (
	"bytes"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/gatehouse/gatehouse/templates"
)

// builtPages counts the page sets built so far.
func builtPages(u *UI) int {
	n := 0
	u.pages.built.Range(func(any, any) bool { n++; return true })
	return n
}

// TestPagesBuiltOnFirstRender: New keeps no page set; a rendering builds
// the one it needs, once, for its language only.
func TestPagesBuiltOnFirstRender(t *testing.T) {
	u := newTestUI(t, Options{})
	if n := builtPages(u); n != 0 {
		t.Fatalf("%d page sets built by New, want none", n)
	}
	langs := u.bundle.Supported()
	if len(langs) < 2 {
		t.Skip("one language only")
	}
	render := func(lang string) string {
		var buf bytes.Buffer
		if err := u.execute(&buf, lang, errorPage, view{Lang: lang, Data: errorData{Status: 404, Title: "Not found"}}); err != nil {
			t.Fatalf("%s: %v", lang, err)
		}
		return buf.String()
	}
	first := render(langs[1])
	if n := builtPages(u); n != 1 {
		t.Fatalf("%d page sets after one rendering, want 1", n)
	}
	if again := render(langs[1]); again != first || builtPages(u) != 1 {
		t.Fatalf("a second rendering built again (%d sets) or differs", builtPages(u))
	}
	render(langs[0])
	if n := builtPages(u); n != 2 {
		t.Fatalf("%d page sets after two languages, want 2", n)
	}
	if err := u.execute(&bytes.Buffer{}, "xx-unknown", errorPage, view{}); err == nil {
		t.Fatal("a page was built for an unsupported language")
	}
	if err := u.execute(&bytes.Buffer{}, langs[0], "no-such-page", view{}); err == nil {
		t.Fatal("an unknown page rendered")
	}
}

// TestBrokenPageFailsAtStart: although sets are built lazily, every page is
// parsed and escaped by New, so a broken page still stops the start.
func TestBrokenPageFailsAtStart(t *testing.T) {
	fsys := fstest.MapFS{}
	names, err := fstestNames(templates.Pages())
	if err != nil {
		t.Fatal(err)
	}
	for name, text := range names {
		fsys[name] = &fstest.MapFile{Data: []byte(text)}
	}
	// A page rendered by no test below: only New's check can find it.
	fsys["zz_broken.html"] = &fstest.MapFile{Data: []byte(`{{define "title"}}x{{end}}{{define "content"}}<a href="{{.Lang}}>{{end}}`)}
	_, err = newUI(Options{InstanceName: "Acme ID"}, sources{pages: fsys, static: templates.Static()})
	if err == nil || !strings.Contains(err.Error(), "zz_broken.html") {
		t.Fatalf("New with a broken page: %v", err)
	}
}

// fstestNames reads the *.html files of fsys.
func fstestNames(fsys fs.FS) (map[string]string, error) {
	names, err := fs.Glob(fsys, "*.html")
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		out[name] = string(b)
	}
	return out, nil
}
