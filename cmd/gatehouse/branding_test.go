package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBrandingCommands: the branding noun sets and shows the name,
// colour and files; refused values are usage errors that change nothing.
func TestBrandingCommands(t *testing.T) {
	env := sqliteEnv(t)
	dir := t.TempDir()
	logo := filepath.Join(dir, "logo.svg")
	if err := os.WriteFile(logo, []byte(`<svg xmlns="http://www.w3.org/2000/svg"><circle r="3" fill="#0f766e"/></svg>`), 0o644); err != nil {
		t.Fatal(err)
	}
	evil := filepath.Join(dir, "evil.svg")
	if err := os.WriteFile(evil, []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`), 0o644); err != nil {
		t.Fatal(err)
	}
	css := filepath.Join(dir, "site.css")
	if err := os.WriteFile(css, []byte(".brand{gap:1rem}"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"branding", "set-name", "Acme ID"},
		{"branding", "set-color", "#0F766E"},
		{"branding", "set-logo", logo},
		{"branding", "set-css", css},
	} {
		if code, _, stderr := runCLI(t, env, args...); code != 0 {
			t.Fatalf("%v: %d %s", args, code, stderr)
		}
	}
	for _, args := range [][]string{
		{"branding", "set-color", "#ffff00"},
		{"branding", "set-color", "yellow"},
		{"branding", "set-logo", evil},
		{"branding", "set-logo", filepath.Join(dir, "missing.png")},
		{"branding", "remove", "banner"},
		{"branding", "set-name"},
	} {
		if code, _, stderr := runCLI(t, env, args...); code != 2 || stderr == "" {
			t.Errorf("%v: exit %d %q, want a usage error", args, code, stderr)
		}
	}
	code, stdout, stderr := runCLI(t, env, "branding", "show")
	var got map[string]string
	if code != 0 || json.Unmarshal([]byte(stdout), &got) != nil {
		t.Fatalf("show: %d %q %q", code, stdout, stderr)
	}
	if got["name"] != "Acme ID" || got["primary_color"] != "#0f766e" || !strings.HasSuffix(got["logo_url"], ".svg") ||
		!strings.HasPrefix(got["css_url"], "/branding/css-") {
		t.Fatalf("show: %v", got)
	}
	if code, _, stderr := runCLI(t, env, "branding", "remove", "logo"); code != 0 {
		t.Fatalf("remove: %d %s", code, stderr)
	}
	if code, _, _ := runCLI(t, env, "branding", "remove", "logo"); code != 2 {
		t.Errorf("removing again: exit %d, want 2", code)
	}
	_, stdout, _ = runCLI(t, env, "branding", "show")
	if strings.Contains(stdout, ".svg") {
		t.Errorf("logo after removal: %s", stdout)
	}
}
