package storage

import "testing"

func TestNewIDNeverLooksLikeAFlag(t *testing.T) {
	seen := map[string]bool{}
	for range 5000 {
		id := NewID()
		if len(id) != IDLength || id[0] == '-' || seen[id] {
			t.Fatalf("bad id %q", id)
		}
		seen[id] = true
	}
}
