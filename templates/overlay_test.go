package templates

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, name, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Files named like embedded ones replace them; the others stay.
func TestOverlayReplacesByName(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "pages", "landing.html"), "custom landing")
	writeFile(t, filepath.Join(dir, "mail", "layout.txt"), "custom layout")
	pages, mail, err := Overlay(dir)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := fs.ReadFile(pages, "landing.html"); string(b) != "custom landing" {
		t.Fatalf("landing.html = %q", b)
	}
	if b, _ := fs.ReadFile(mail, "layout.txt"); string(b) != "custom layout" {
		t.Fatalf("layout.txt = %q", b)
	}
	embedded, _ := fs.ReadFile(Pages(), "login.html")
	if b, _ := fs.ReadFile(pages, "login.html"); string(b) != string(embedded) {
		t.Fatal("login.html is not the embedded one")
	}
	names, err := fs.Glob(pages, "*.html")
	want, _ := fs.Glob(Pages(), "*.html")
	if err != nil || len(names) != len(want) {
		t.Fatalf("glob: %d names (%v), want %d", len(names), err, len(want))
	}
}

func TestOverlayRefusesUnknownNames(t *testing.T) {
	for name, file := range map[string]string{
		"misspelt page":   filepath.Join("pages", "logn.html"),
		"unknown letter":  filepath.Join("mail", "welcome.html"),
		"other folder":    filepath.Join("static", "gatehouse.css"),
		"file at the top": "login.html",
		"nested folder":   filepath.Join("pages", "sub", "login.html"),
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, file), "x")
			_, _, err := Overlay(dir)
			if !errors.Is(err, ErrUnknownTemplate) {
				t.Fatalf("Overlay = %v, want ErrUnknownTemplate", err)
			}
			first := strings.Split(filepath.ToSlash(file), "/")
			if !strings.Contains(err.Error(), first[len(first)-1]) && !strings.Contains(err.Error(), first[0]) {
				t.Fatalf("the error does not name the file: %v", err)
			}
		})
	}
	if _, _, err := Overlay(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Fatal("a missing directory was accepted")
	}
	if p, m, err := Overlay(""); err != nil || p == nil || m == nil {
		t.Fatalf("no directory: %v", err)
	}
}
