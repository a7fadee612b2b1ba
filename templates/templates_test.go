package templates

import (
	"io/fs"
	"testing"
)

func TestAccessorsAreRootedAtTheirFolder(t *testing.T) {
	tests := []struct {
		name string
		fsys fs.FS
		file string
	}{
		{"pages layout", Pages(), "_layout.html"},
		{"landing page", Pages(), "landing.html"},
		{"error page", Pages(), "error.html"},
		{"stylesheet", Static(), "gatehouse.css"},
		{"favicon", Static(), "favicon.svg"},
		{"english catalog", Locales(), "en.json"},
		{"russian catalog", Locales(), "ru.json"},
		{"mail placeholder", Mail(), "README.txt"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := fs.ReadFile(tc.fsys, tc.file)
			if err != nil {
				t.Fatalf("read %s: %v", tc.file, err)
			}
			if len(b) == 0 {
				t.Fatalf("%s is empty", tc.file)
			}
		})
	}
}
